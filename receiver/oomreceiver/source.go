// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import (
	"os"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/internal/bpf"
	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// killSink receives every kill after attribution, on the reader goroutine.
type killSink func(k kill, id containerid.Identity, attributedBy string)

// kernelSource is what a running source holds open: the BPF object with its
// reader, and the container identity resolver.
type kernelSource interface {
	Stats() (bpf.Stats, error)
	Close() error
}

// openKernelSourceFunc opens the kernel side; newHandler builds the ring
// buffer handler once the identity resolver exists.
type openKernelSourceFunc func(cfg *Config, opts sourceOptions, logger *zap.Logger,
	newHandler func(identityResolver) bpf.RecordHandler) (kernelSource, error)

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
// logs instances of that receiver share it; the first Start opens it, the
// last Shutdown closes it.
type source struct {
	cfg      *Config
	opts     sourceOptions
	logger   *zap.Logger
	open     openKernelSourceFunc
	agg      *aggregate
	pageSize uint64
	toWall   func(ktimeNs uint64) time.Time

	mu      sync.Mutex
	running int
	err     error // why the source is degraded; nil when collecting
	kernel  kernelSource

	sinksMu sync.RWMutex
	sinks   map[*killSink]struct{}

	dedup *killDedup // used by the reader goroutine only
}

func newSource(cfg *Config, logger *zap.Logger, open openKernelSourceFunc, opts sourceOptions) *source {
	return &source{
		cfg:      cfg,
		opts:     opts,
		logger:   logger,
		open:     open,
		agg:      newAggregate(cfg.MaxContainers, cfg.IdleTimeout),
		pageSize: uint64(os.Getpagesize()),
		toWall:   monotonicToWall,
		sinks:    map[*killSink]struct{}{},
		dedup:    newKillDedup(),
	}
}

// start opens the kernel side on the first call. When that fails the
// receiver runs degraded: the reason is logged once, and every instance that
// starts reports it as its PermanentError status. start never fails Start:
// the rest of the collector keeps running.
func (s *source) start(host component.Host) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running++
	if s.running > 1 {
		if s.err != nil {
			componentstatus.ReportStatus(host, componentstatus.NewPermanentErrorEvent(s.err))
		}
		return
	}
	kernel, err := s.open(s.cfg, s.opts, s.logger, s.newHandler)
	if err != nil {
		s.err = err
		bpf.ReportDegraded(host, s.logger, err)
		return
	}
	s.err, s.kernel = nil, kernel
}

// stop closes the kernel side when the last user stops.
func (s *source) stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running == 0 {
		return nil
	}
	s.running--
	if s.running > 0 || s.kernel == nil {
		return nil
	}
	err := s.kernel.Close()
	s.kernel = nil
	return err
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
