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
	"github.com/otelcol-node/otelcol-node/internal/sharedcomponent"
	"github.com/otelcol-node/otelcol-node/receiver/oomreceiver/internal/metadata"
)

// oomScraper turns the shared aggregate into metrics on every collection
// interval. Kills are counted as they arrive (on the reader goroutine), so a
// scrape only copies the counters and refreshes their identities.
type oomScraper struct {
	shared *sharedcomponent.Component[*source]
	src    *source
	mb     *metadata.MetricsBuilder
	rac    metadata.ResourceAttributesConfig
	id     component.ID // names the self-metrics resource (otelcol.component.id)

	once sync.Once
}

func newOOMScraper(shared *sharedcomponent.Component[*source], cfg *Config, set receiver.Settings) *oomScraper {
	return &oomScraper{
		shared: shared,
		src:    shared.Unwrap(),
		mb:     metadata.NewMetricsBuilder(cfg.MetricsBuilderConfig, set),
		rac:    cfg.ResourceAttributes,
		id:     set.ID,
	}
}

// start starts the shared source; only a configuration error fails it (see
// source.Start).
func (s *oomScraper) start(ctx context.Context, host component.Host) error {
	return startShared(ctx, s.shared, host)
}

// shutdown gives this instance's use of the shared source back, once.
func (s *oomScraper) shutdown(ctx context.Context) error {
	var err error
	s.once.Do(func() { err = s.shared.Shutdown(ctx) })
	return err
}

func (s *oomScraper) scrape(context.Context) (pmetric.Metrics, error) {
	now := time.Now()
	ts := pcommon.NewTimestampFromTime(now)
	counters, dropped := s.src.agg.snapshot(now, s.src.refresh)
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
