// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"

import (
	"errors"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/internal/bpf"
)

// Feature names, as they appear in logs and component status.
const (
	featureLifecycle = "tcp_lifecycle"
	featureSampling  = "tcp_socket_sampling"
	featureSeeding   = "tcp_open_sockets_seed"
)

// tracer owns the loaded BPF object: the lifecycle tracepoint (required)
// and the socket iterators (optional).
type tracer struct {
	loader     *bpf.Loader
	iter       *link.Iter       // nil when sampling is disabled
	seedIter   *link.Iter       // nil when seeding is disabled
	namespaces *namespaceFinder // where iter runs; nil when sampling is disabled
	buf        []byte           // iterator output, reused between scrapes
	events     *bpf.RingReader
}

// drainTimeout bounds how long a scrape waits for the reader to handle the
// events already queued (a conntrack lookup each, for new keys).
const drainTimeout = time.Second

// startTracer checks the host, loads the programs feature by feature and
// starts reading lifecycle events into handle (on the reader goroutine).
//
// maxKeys sizes the in-kernel aggregate (conn_counters).
//
// proc is the host's /proc, through which the sampler enters the network
// namespaces of the containers.
func startTracer(proc string, cgroupV1Memory bool, maxKeys int, logger *zap.Logger, handle func([]byte) error) (*tracer, error) {
	if err := bpf.CheckHost(bpf.CheckOptions{ProgramTypes: []ebpf.ProgramType{ebpf.Tracing}}, logger); err != nil {
		return nil, err
	}
	spec, err := loadEbpftcp()
	if err != nil {
		return nil, err
	}
	spec.Maps[ebpftcpMapConnCounters].MaxEntries = uint32(maxKeys)
	loader, err := bpf.NewLoader(spec, bpf.LoaderOptions{Logger: logger, CgroupV1Memory: cgroupV1Memory})
	if err != nil {
		return nil, err
	}
	t := &tracer{loader: loader}
	err = loader.Load(
		bpf.Feature{Name: featureLifecycle, Programs: []string{ebpftcpProgHandleSetState}, Required: true},
		bpf.Feature{
			Name:     featureSampling,
			Programs: []string{ebpftcpProgSampleSockets},
			// An iterator is not attached to a hook: the link is what each
			// scrape opens to run the program once per network namespace.
			Attach: func(progs map[string]*ebpf.Program) ([]link.Link, error) {
				namespaces, err := newNamespaceFinder(proc, loader.Map(ebpftcpMapOwnedNetns))
				if err != nil {
					return nil, err
				}
				it, err := link.AttachIter(link.IterOptions{Program: progs[ebpftcpProgSampleSockets]})
				if err != nil {
					return nil, err
				}
				t.iter, t.namespaces = it, namespaces
				return []link.Link{it}, nil
			},
		},
		bpf.Feature{
			Name:     featureSeeding,
			Programs: []string{ebpftcpProgSeedSockets},
			Attach: func(progs map[string]*ebpf.Program) ([]link.Link, error) {
				it, err := link.AttachIter(link.IterOptions{Program: progs[ebpftcpProgSeedSockets]})
				if err != nil {
					return nil, err
				}
				t.seedIter = it
				return []link.Link{it}, nil
			},
		},
	)
	if err != nil {
		_ = loader.Close()
		return nil, err
	}
	// Every event wakes the reader (they are rare: new keys and listeners),
	// so it needs no deadline and costs nothing while the node is quiet.
	if t.events, err = loader.NewRingReader(ebpftcpMapEvents, handle); err != nil {
		_ = loader.Close()
		return nil, err
	}
	return t, nil
}

// sample runs the socket iterator once in every network namespace with
// owned sockets and decodes the live connections' totals into dst (reused
// by the caller). A namespace that cannot be entered loses only its own
// connections' samples, and is reported in the error.
func (t *tracer) sample(dst []connSample) ([]connSample, error) {
	dst = dst[:0]
	if t.iter == nil {
		return dst, nil
	}
	paths, err := t.namespaces.paths()
	errs := []error{err}
	t.buf = t.buf[:0]
	for _, nsPath := range paths {
		rd, err := openIterIn(t.iter, nsPath)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if t.buf, err = appendIterOutput(t.buf, rd); err != nil {
			errs = append(errs, err)
		}
	}
	dst, err = appendConnSamples(dst, t.buf)
	if err != nil {
		return dst, err
	}
	return dst, errors.Join(errs...)
}

// drainEvents waits until the events queued now are handled: a key read from
// the map next then has its first connection's NAT lookup. It gives up after
// drainTimeout; such a key is named without it.
func (t *tracer) drainEvents() { t.events.Drain(drainTimeout) }

// counters is the in-kernel aggregate, read at every scrape.
func (t *tracer) counters() *ebpf.Map { return t.loader.Map(ebpftcpMapConnCounters) }

// features reports which features are enabled, for the status line.
func (t *tracer) features() []bpf.FeatureState { return t.loader.States() }

// stats are the plumbing's counts: kernel-side losses and the reader's
// records and decode errors.
func (t *tracer) stats() (bpf.Stats, error) { return t.loader.Stats() }

// Close stops the reader, then detaches and unloads the programs.
func (t *tracer) Close() error { return t.loader.Close() }
