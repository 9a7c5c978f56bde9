// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper/scrapererror"
	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/internal/bpf"
	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver/internal/metadata"
)

const ephemeralRangePath = "/proc/sys/net/ipv4/ip_local_port_range"

// tcpScraper is a scraperhelper scraper fed by a background source: start
// loads the BPF programs and starts the ring-buffer reader, which updates
// the aggregate; scrape samples the live sockets and snapshots it.
type tcpScraper struct {
	cfg      *Config
	settings receiver.Settings
	logger   *zap.Logger
	mb       *metadata.MetricsBuilder

	agg             *aggregate
	started         time.Time // the builder's start: of gauges and self-metrics
	identities      *containerid.Resolver
	releaseIdentity func() error
	nat             *natResolver // nil when resolve_nat is off
	tracer          *tracer      // nil in degraded mode
	samples         []connSample
}

func newTCPScraper(cfg *Config, set receiver.Settings) *tcpScraper {
	started := time.Now()
	return &tcpScraper{
		cfg:      cfg,
		settings: set,
		logger:   set.Logger,
		mb:       metadata.NewMetricsBuilder(cfg.MetricsBuilderConfig, set, metadata.WithStartTime(pcommon.NewTimestampFromTime(started))),
		started:  started,
	}
}

func (s *tcpScraper) start(_ context.Context, host component.Host) error {
	ephemeral, err := readEphemeralRange(ephemeralRangePath)
	if err != nil {
		s.logger.Warn("using the default ephemeral port range", zap.Error(err))
		ephemeral = defaultEphemeralRange
	}
	s.agg = newAggregate(aggregateLimits{
		maxDestinations: s.cfg.MaxDestinationsPerContainer,
		maxContainers:   s.cfg.MaxContainers,
		maxSockets:      s.cfg.MaxTrackedConnections,
		idleTimeout:     s.cfg.IdleTimeout,
		ephemeral:       ephemeral,
	})

	s.identities, s.releaseIdentity, err = containerid.Acquire(host, s.cfg.ContainerIdentity, s.logger)
	if err != nil {
		if s.cfg.ContainerIdentity != nil {
			return err // a configuration mistake, named by Acquire
		}
		bpf.ReportDegraded(host, s.logger, fmt.Errorf("resolving containers: %w", err))
		return nil
	}
	if s.cfg.ResolveNAT {
		if s.nat, err = newNATResolver(s.identities.ProcRoot()); err != nil {
			s.logger.Warn("actual_destination will equal destination: cannot read own network namespace", zap.Error(err))
		}
	}
	v1 := s.identities.Hierarchy().Kind == containerid.V1Memory
	s.tracer, err = startTracer(s.identities.ProcRoot(), v1, s.cfg.MaxConnectionKeys, s.logger, s.handleRecord)
	if err != nil {
		bpf.ReportDegraded(host, s.logger, fmt.Errorf("loading TCP tracing: %w", err))
		return nil
	}
	s.seed()
	s.logger.Info("tracing TCP connections", zap.Stringer("cgroup_hierarchy", s.identities.Hierarchy().Kind))
	return nil
}

// seed counts the connections and listeners that were open before start.
// Failing to seed loses only those: it is logged, not fatal.
func (s *tcpScraper) seed() {
	res, err := s.tracer.seedOpenSockets(s.identities)
	if err != nil {
		s.logger.Warn("connections open before start are not all counted", zap.Error(err))
	}
	now := time.Now()
	for _, sample := range res.samples {
		// Connections open before the start need nothing here: the sampler
		// lists them as live from the first scrape.
		if sample.listening {
			s.agg.applySeedListener(sample.cgroupID, sample.src, now)
		}
	}
	s.logger.Debug("seeded open sockets", zap.Int("seeded", len(res.samples)), zap.Int("skipped", res.skipped))
}

// handleRecord runs on the ring-buffer reader goroutine.
func (s *tcpScraper) handleRecord(raw []byte) error {
	e, err := decodeConnEvent(raw)
	if err != nil {
		return err
	}
	// A new key's first connection is looked up in conntrack now, while the
	// entry exists: its backend is the key's actual_destination from then on.
	var actual string
	if e.kind == eventNewKey && s.nat != nil {
		actual = s.nat.actualDestination(e)
	}
	s.agg.applyEvent(e, actual, time.Now())
	// Let the resolver learn the cgroup now, while its process lives: a
	// container that lives for less than a scrape is gone by the emission.
	// Observe never blocks; the resolver's worker does the reading.
	s.identities.Observe(e.cgroupID, e.pid)
	return nil
}

func (s *tcpScraper) scrape(context.Context) (pmetric.Metrics, error) {
	if s.tracer == nil {
		return pmetric.NewMetrics(), nil
	}
	s.tracer.drainEvents()
	now := time.Now()
	// Kernel counters first, then the live connections: a connection that
	// closes in between is then in neither (its bytes show at the next
	// scrape), never in both.
	undecodable, err := readCounters(s.tracer.counters(), func(k kernelKey, t kernelTotals) {
		s.agg.applyCounters(k, t, now)
	})
	var sampleErr error
	if s.samples, sampleErr = s.tracer.sample(s.samples); sampleErr == nil {
		s.agg.applySamples(s.samples, now)
	}
	err = errors.Join(err, sampleErr, s.retireIdleKeys(now))
	s.agg.expire(now)

	// Stats are best effort: what could be read is reported, and a read
	// failure only joins the scrape error.
	st, statsErr := s.tracer.stats()
	err = errors.Join(err, statsErr)
	self := selfStats{
		ringbufFull:        st.Lost[bpf.LossRingbufReserve],
		storageAllocFailed: st.Lost[bpf.LossMapFull],
		decodeErrors:       st.DecodeErrors + uint64(undecodable),
		keysFull:           st.Lost[bpf.LossKeysFull],
		netnsFull:          st.Lost[bpf.LossNetnsFull],
		recursionMisses:    st.RecursionMisses,
	}
	md := emitMetrics(s.mb, s.started, s.agg, s.identities, self, s.settings.ID.String(), now)
	if err != nil {
		// A failed read loses no data (kernel counters and socket totals
		// are absolute; the next scrape catches up), so the metrics go out.
		return md, scrapererror.NewPartialScrapeError(err, 0)
	}
	return md, nil
}

// retireIdleKeys removes the keys that have been idle for the idle timeout
// from the kernel, so that the in-kernel aggregate stays bounded by the
// destinations in use; their final counters go to their series.
func (s *tcpScraper) retireIdleKeys(now time.Time) error {
	var errs []error
	for _, k := range s.agg.idleKeys(now) {
		final, ok, err := removeCounters(s.tracer.counters(), k)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			s.agg.retireKey(k, final, now)
		}
	}
	return errors.Join(errs...)
}

func (s *tcpScraper) shutdown(context.Context) error {
	var errs []error
	if s.tracer != nil {
		errs = append(errs, s.tracer.Close())
	}
	if s.nat != nil {
		errs = append(errs, s.nat.Close())
	}
	if s.releaseIdentity != nil {
		errs = append(errs, s.releaseIdentity())
	}
	return errors.Join(errs...)
}
