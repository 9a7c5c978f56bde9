// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/internal/bpf"
	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// killSink receives every kill after attribution, on the reader goroutine.
type killSink func(k kill, id containerid.Identity, attributedBy string)

// kernelSource is what a running source holds open: the BPF object with its
// reader.
type kernelSource interface {
	Stats() (bpf.Stats, error)
	Close() error
}

// openKernelSourceFunc opens the kernel side for the resolver's cgroup
// hierarchy (whose ids the BPF program must report) and starts reading
// records into handle.
type openKernelSourceFunc func(hierarchy containerid.Hierarchy, opts sourceOptions, logger *zap.Logger,
	handle bpf.RecordHandler) (kernelSource, error)

// acquireResolverFunc gets the container identity resolver at Start, and
// the function that gives it back at Shutdown.
type acquireResolverFunc func(host component.Host, extensionID *component.ID, logger *zap.Logger) (identityResolver, func() error, error)

// acquireResolver is the collector's way: the container_identity
// extension's shared resolver, or a private one when none is named.
func acquireResolver(host component.Host, extensionID *component.ID, logger *zap.Logger) (identityResolver, func() error, error) {
	r, release, err := containerid.Acquire(host, extensionID, logger)
	if err != nil {
		return nil, nil, err
	}
	return r, release, nil
}

// sourceOptions are test hooks; the zero value is production behaviour.
type sourceOptions struct {
	// forceTracepoint loads the classic-tracepoint fallback even when the
	// kernel's tp_btf prototype carries the task.
	forceTracepoint bool
	// onRecord sees every decoded record (raw is only valid during the
	// call); the kernel tests use it to record replay fixtures.
	onRecord func(raw []byte, k kill)
}

// source is the kernel side of one configured oom receiver: the BPF program,
// the ring-buffer reader, attribution and the kill aggregate. The metrics and
// logs instances of that receiver share it (see sharedSources): it is a
// component.Component, started once and shut down once.
type source struct {
	cfg      *Config
	opts     sourceOptions
	logger   *zap.Logger
	open     openKernelSourceFunc
	acquire  acquireResolverFunc
	agg      *aggregate
	pageSize uint64
	toWall   func(ktimeNs uint64) time.Time

	mu       sync.Mutex
	resolver identityResolver // from Start; nil before, or when acquiring it failed
	release  func() error
	failed   error // why Start failed (the named extension is missing)
	degraded error // why the kernel side is not collecting; nil when collecting
	kernel   kernelSource

	sinksMu sync.RWMutex
	sinks   map[*killSink]struct{}

	dedup *killDedup // used by the reader goroutine only
}

var _ component.Component = (*source)(nil)

func newSource(cfg *Config, logger *zap.Logger, open openKernelSourceFunc, acquire acquireResolverFunc, opts sourceOptions) *source {
	return &source{
		cfg:      cfg,
		opts:     opts,
		logger:   logger,
		open:     open,
		acquire:  acquire,
		agg:      newAggregate(cfg.MaxContainers, cfg.IdleTimeout),
		pageSize: uint64(os.Getpagesize()),
		toWall:   monotonicToWall,
		sinks:    map[*killSink]struct{}{},
		dedup:    newKillDedup(),
	}
}

// Start acquires the container identity resolver, then opens the kernel
// side. A missing container_identity extension is a configuration error
// and fails Start. A kernel that cannot run the program (no BTF, verifier
// rejection...) does not: the reason is logged once, the instances report
// it as their status (startShared), and the rest of the collector keeps
// running.
func (s *source) Start(_ context.Context, host component.Host) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	resolver, release, err := s.acquire(host, s.cfg.ContainerIdentity, s.logger)
	if err != nil {
		s.failed = err
		return err
	}
	s.resolver, s.release = resolver, release
	kernel, err := s.open(resolver.Hierarchy(), s.opts, s.logger, s.newHandler(resolver))
	if err != nil {
		s.degraded = err
		s.logger.Error("eBPF receiver degraded: not collecting", zap.Error(err))
		return nil
	}
	s.kernel = kernel
	return nil
}

// Shutdown stops the reader before giving the resolver back: the reader's
// handler uses it.
func (s *source) Shutdown(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	if s.kernel != nil {
		errs = append(errs, s.kernel.Close())
		s.kernel = nil
	}
	if s.release != nil {
		errs = append(errs, s.release())
		s.release = nil
	}
	return errors.Join(errs...)
}

// startResult tells how Start went: failed fails every instance's start,
// degraded is reported as every instance's status.
func (s *source) startResult() (failed, degraded error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed, s.degraded
}

// stats returns the plumbing's counters; ok is false when not collecting.
func (s *source) stats() (bpf.Stats, bool, error) {
	s.mu.Lock()
	kernel := s.kernel
	s.mu.Unlock()
	if kernel == nil {
		return bpf.Stats{}, false, nil
	}
	st, err := kernel.Stats()
	return st, true, err
}

// refresh gives an identity the names the resolver knows now: the one rule
// for names that arrive late, applied at every emission.
func (s *source) refresh(id containerid.Identity) containerid.Identity {
	s.mu.Lock()
	r := s.resolver
	s.mu.Unlock()
	if r == nil {
		return id
	}
	return r.Refresh(id)
}

func (s *source) addSink(sink *killSink) {
	s.sinksMu.Lock()
	s.sinks[sink] = struct{}{}
	s.sinksMu.Unlock()
}

func (s *source) removeSink(sink *killSink) {
	s.sinksMu.Lock()
	delete(s.sinks, sink)
	s.sinksMu.Unlock()
}

// newHandler returns the ring-buffer handler: decode, attribute, count, and
// hand the kill to the log sinks.
func (s *source) newHandler(r identityResolver) bpf.RecordHandler {
	return func(raw []byte) error {
		k, err := decodeKill(raw, s.toWall, s.pageSize)
		if err != nil {
			return err
		}
		if s.opts.onRecord != nil {
			s.opts.onRecord(raw, k)
		}
		s.record(r, k)
		return nil
	}
}

func (s *source) record(r identityResolver, k kill) {
	if !s.dedup.firstOfProcess(k.PID, k.Time) {
		return // another thread of a process already counted
	}
	id, how := attribute(r, k)
	s.agg.add(id, k.Time)
	s.logger.Debug("OOM kill",
		zap.Uint32("process.pid", k.PID),
		zap.String("container.id", id.ContainerID),
		zap.String("attributed_by", how))
	s.sinksMu.RLock()
	defer s.sinksMu.RUnlock()
	for sink := range s.sinks {
		(*sink)(k, id, how)
	}
}
