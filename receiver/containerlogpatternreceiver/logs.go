// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/loglevel"
	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

// Attributes of the log records of the logs output.
const (
	attrPatternHash = "log.pattern.hash"
	attrLevel       = "log.level"
	attrSource      = "log.source"
)

// logsOutput buffers one log record per message for the optional logs
// pipeline and ships them on the maintenance beat. The buffer is capped:
// records beyond it are dropped and counted, so a slow exporter cannot grow
// the collector's memory.
type logsOutput struct {
	next  consumer.Logs
	max   int
	stats *selfStats
	// resourceAttributes are the user's resource_attributes switches, which
	// apply to log records' resources as to metrics'.
	resourceAttributes metadata.ResourceAttributesConfig
	// identify gives an owner's identity when its records ship: the one
	// its metrics carry, refreshed (names that arrived late included).
	identify func(owner string, seed containerid.Identity) containerid.Identity

	mu       sync.Mutex
	pending  plog.Logs
	byOwner  map[string]pendingOwner
	nPending int
}

// pendingOwner is one owner's buffered records; its resource is filled when
// they ship.
type pendingOwner struct {
	resource pcommon.Resource
	records  plog.LogRecordSlice
	seed     containerid.Identity // what the owner's stream said
}

func newLogsOutput(next consumer.Logs, maxPending int, stats *selfStats, rac metadata.ResourceAttributesConfig, identify func(owner string, seed containerid.Identity) containerid.Identity) *logsOutput {
	o := &logsOutput{next: next, max: maxPending, stats: stats, resourceAttributes: rac, identify: identify}
	o.reset()
	return o
}

func (o *logsOutput) reset() {
	o.pending = plog.NewLogs()
	o.byOwner = make(map[string]pendingOwner)
	o.nPending = 0
}

func (o *logsOutput) add(owner string, id containerid.Identity, source string, level loglevel.Level, hash, text string, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.nPending >= o.max {
		o.stats.logsDropped.Add(1)
		return
	}
	p, ok := o.byOwner[owner]
	if !ok {
		rl := o.pending.ResourceLogs().AppendEmpty()
		p = pendingOwner{resource: rl.Resource(), records: rl.ScopeLogs().AppendEmpty().LogRecords(), seed: id}
		o.byOwner[owner] = p
	}
	r := p.records.AppendEmpty()
	r.SetObservedTimestamp(pcommon.NewTimestampFromTime(now))
	r.Body().SetStr(text)
	r.SetSeverityNumber(severityOf(level))
	r.SetSeverityText(level.String())
	attrs := r.Attributes()
	attrs.PutStr(attrPatternHash, hash)
	attrs.PutStr(attrLevel, level.String())
	attrs.PutStr(attrSource, source)
	o.nPending++
}

// ship hands the buffered records to the next consumer, each owner's under
// the identity it has now: records emitted after a name became known carry
// it, as do the metrics.
func (o *logsOutput) ship(ctx context.Context) {
	o.mu.Lock()
	if o.nPending == 0 {
		o.mu.Unlock()
		return
	}
	logs, owners, n := o.pending, o.byOwner, o.nPending
	o.reset()
	o.mu.Unlock()
	for owner, p := range owners {
		// Through the generated builder, so that resource_attributes
		// switches (enabled: false) apply.
		rb := metadata.NewResourceBuilder(o.resourceAttributes)
		o.identify(owner, p.seed).SetResource(rb)
		rb.Emit().MoveTo(p.resource)
	}
	if err := o.next.ConsumeLogs(ctx, logs); err != nil {
		o.stats.logsDropped.Add(int64(n))
	}
}

func severityOf(l loglevel.Level) plog.SeverityNumber {
	switch l {
	case loglevel.Debug:
		return plog.SeverityNumberDebug
	case loglevel.Info:
		return plog.SeverityNumberInfo
	case loglevel.Warning:
		return plog.SeverityNumberWarn
	case loglevel.Error:
		return plog.SeverityNumberError
	case loglevel.Critical:
		return plog.SeverityNumberFatal
	default:
		return plog.SeverityNumberUnspecified
	}
}
