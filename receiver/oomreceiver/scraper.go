// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"

	"github.com/otelcol-node/otelcol-node/internal/bpf"
	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/receiver/oomreceiver/internal/metadata"
)

// oomScraper turns the shared aggregate into metrics on every collection
// interval. Kills are counted as they arrive (on the reader goroutine), so a
// scrape only copies the counters.
type oomScraper struct {
	src     *source
	mb      *metadata.MetricsBuilder
	rac     metadata.ResourceAttributesConfig
	id      component.ID // names the self-metrics resource (otelcol.component.id)
	release func()

	mu      sync.Mutex
	started bool
	once    sync.Once
}

func newOOMScraper(src *source, cfg *Config, set receiver.Settings, release func()) *oomScraper {
	return &oomScraper{
		src:     src,
		mb:      metadata.NewMetricsBuilder(cfg.MetricsBuilderConfig, set),
		rac:     cfg.ResourceAttributes,
		id:      set.ID,
		release: release,
	}
}

// start launches the shared source; it never fails (see source.start).
func (s *oomScraper) start(_ context.Context, host component.Host) error {
	s.mu.Lock()
	s.started = true
	s.mu.Unlock()
	s.src.start(host)
	return nil
}

func (s *oomScraper) shutdown(context.Context) error {
	var err error
	s.once.Do(func() {
		s.mu.Lock()
		started := s.started
		s.mu.Unlock()
		if started {
			err = s.src.stop()
		}
		s.release()
	})
	return err
}

func (s *oomScraper) scrape(context.Context) (pmetric.Metrics, error) {
	now := time.Now()
	ts := pcommon.NewTimestampFromTime(now)
	counters, dropped := s.src.agg.snapshot(now)
	for _, c := range counters {
		s.mb.RecordContainerOomKillsDataPoint(ts, c.kills)
		s.mb.EmitForResource(
			metadata.WithResource(identityResource(s.rac, c.identity)),
			metadata.WithStartTimeOverride(pcommon.NewTimestampFromTime(c.start)))
	}

	stats, running, err := s.src.stats()
	if running {
		recordSelfMetrics(s.mb, ts, stats, dropped)
		s.mb.EmitForResource(metadata.WithResource(selfResource(s.rac, s.id)))
	}
	return s.mb.Emit(), err
}

// recordSelfMetrics records the receiver's own health: what it read, lost,
// could not decode and could not keep apart under the container cap.
func recordSelfMetrics(mb *metadata.MetricsBuilder, ts pcommon.Timestamp, st bpf.Stats, containersDropped int64) {
	mb.RecordOtelcolNodeOomEventsDataPoint(ts, int64(st.Records))
	mb.RecordOtelcolNodeOomEventsLostDataPoint(ts, int64(st.Lost[bpf.LossRingbufReserve]), metadata.AttributeReasonRingbufFull)
	mb.RecordOtelcolNodeOomEventsLostDataPoint(ts, int64(st.Lost[bpf.LossMapFull]), metadata.AttributeReasonMapFull)
	mb.RecordOtelcolNodeOomEventsLostDataPoint(ts, int64(st.RecursionMisses), metadata.AttributeReasonRecursionMiss)
	mb.RecordOtelcolNodeOomDecodeErrorsDataPoint(ts, int64(st.DecodeErrors))
	mb.RecordOtelcolNodeOomContainersDroppedDataPoint(ts, containersDropped)
}

// identityResource builds the resource of one container (or unit, or the
// host) through the generated builder, so the resource_attributes switches
// apply.
func identityResource(rac metadata.ResourceAttributesConfig, id containerid.Identity) pcommon.Resource {
	rb := metadata.NewResourceBuilder(rac)
	id.SetResource(rb)
	return rb.Emit()
}

// selfResource is the resource of the receiver's own health metrics. It
// carries no container attributes but the receiver's component ID: the
// otelcol_node.oom.* series of two instances (oom, oom/2) would otherwise be
// identical and collide on the Prometheus side.
func selfResource(rac metadata.ResourceAttributesConfig, id component.ID) pcommon.Resource {
	rb := metadata.NewResourceBuilder(rac)
	rb.SetOtelcolComponentID(id.String())
	return rb.Emit()
}
