// SPDX-License-Identifier: Apache-2.0

package cloudmetadataprocessor // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-node/otelcol-node/internal/sharedcomponent"
)

// cloudMetadataProcessor is one signal's instance; the fetcher behind it is
// shared by the component's signals. Processing only reads the published
// snapshot: it never blocks on the metadata service.
type cloudMetadataProcessor struct {
	*fetcher
	shared   *sharedcomponent.Component[sharedFetcher]
	shutdown func(context.Context) error // releases this instance's share once
}

// The processorhelper start/shutdown hooks of one instance.
func (p *cloudMetadataProcessor) start(ctx context.Context, host component.Host) error {
	return p.shared.Start(ctx, host)
}

func (p *cloudMetadataProcessor) processMetrics(_ context.Context, md pmetric.Metrics) (pmetric.Metrics, error) {
	s := p.snap.Load()
	for _, rm := range md.ResourceMetrics().All() {
		s.applyTo(rm.Resource(), p.cfg.Override)
	}
	s.appendInfoIfDue(md, time.Now(), p.cfg.InfoInterval)
	return md, nil
}

func (p *cloudMetadataProcessor) processLogs(_ context.Context, ld plog.Logs) (plog.Logs, error) {
	s := p.snap.Load()
	for _, rl := range ld.ResourceLogs().All() {
		s.applyTo(rl.Resource(), p.cfg.Override)
	}
	return ld, nil
}

func (p *cloudMetadataProcessor) processTraces(_ context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	s := p.snap.Load()
	for _, rs := range td.ResourceSpans().All() {
		s.applyTo(rs.Resource(), p.cfg.Override)
	}
	return td, nil
}
