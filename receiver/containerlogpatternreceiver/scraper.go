// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"context"
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
}

func newMetricsScraper(c *core, set receiver.Settings) *metricsScraper {
	return &metricsScraper{core: c, mb: metadata.NewMetricsBuilder(c.cfg.MetricsBuilderConfig, set), componentID: set.ID.String()}
}

func (s *metricsScraper) scrape(context.Context) (pmetric.Metrics, error) {
	now := pcommon.NewTimestampFromTime(time.Now())
	s.core.agg.emit(s.mb, now)
	s.core.stats.record(s.mb, now, s.core.agg.stats(), &s.core.budget)
	// The receiver's own counters describe the node, not a container; the
	// component ID keeps two instances' series apart.
	rb := s.mb.NewResourceBuilder()
	rb.SetOtelcolComponentID(s.componentID)
	s.mb.EmitForResource(metadata.WithResource(rb.Emit()))
	return s.mb.Emit(), nil
}
