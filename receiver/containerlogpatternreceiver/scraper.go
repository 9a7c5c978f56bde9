// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"context"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"

	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

// metricsScraper snapshots the aggregate on each collection interval. The
// counts are cumulative and never reset by a scrape.
type metricsScraper struct {
	core        *core
	mb          *metadata.MetricsBuilder
	componentID string
	// start is when the receiver's own counters began.
	start pcommon.Timestamp
	// perSeriesStart: every attribute that tells pattern series apart is
	// enabled, so each point can carry its series' own start time.
	perSeriesStart bool
}

func newMetricsScraper(c *core, set receiver.Settings) *metricsScraper {
	start := pcommon.NewTimestampFromTime(time.Now())
	return &metricsScraper{
		core:           c,
		mb:             metadata.NewMetricsBuilder(c.cfg.MetricsBuilderConfig, set, metadata.WithStartTime(start)),
		componentID:    set.ID.String(),
		start:          start,
		perSeriesStart: seriesAttributesEnabled(c.cfg.Metrics.ContainerLogMessages),
	}
}

func (s *metricsScraper) scrape(context.Context) (pmetric.Metrics, error) {
	now := pcommon.NewTimestampFromTime(time.Now())
	s.core.agg.emit(s.mb, now, s.core.currentIdentity, s.perSeriesStart)
	s.mb.Reset(metadata.WithStartTime(s.start))
	s.core.stats.record(s.mb, now, s.core.agg.stats(), &s.core.budget)
	// The receiver's own counters describe the node, not a container; the
	// component ID keeps two instances' series apart.
	rb := s.mb.NewResourceBuilder()
	rb.SetOtelcolComponentID(s.componentID)
	s.mb.EmitForResource(metadata.WithResource(rb.Emit()))
	return s.mb.Emit(), nil
}

// seriesAttributesEnabled reports whether the attributes that make a
// pattern series (source, level, pattern_hash) are all enabled. When one is
// disabled the builder sums several series into one point, whose start can
// only be the builder's.
func seriesAttributesEnabled(cfg metadata.ContainerLogMessagesMetricConfig) bool {
	for _, k := range []metadata.ContainerLogMessagesMetricAttributeKey{
		metadata.ContainerLogMessagesMetricAttributeKeySource,
		metadata.ContainerLogMessagesMetricAttributeKeyLevel,
		metadata.ContainerLogMessagesMetricAttributeKeyPatternHash,
	} {
		if !slices.Contains(cfg.EnabledAttributes, k) {
			return false
		}
	}
	return true
}
