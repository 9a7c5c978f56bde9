// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/sharedcomponent"
	"github.com/otelcol-node/otelcol-node/receiver/oomreceiver/internal/metadata"
)

// killEventName is the log record's event name.
const killEventName = "linux.oom.kill"

// logsReceiver emits one log record per kill. Records are consumed on the
// reader goroutine: a slow pipeline backs up into the kernel ring buffer,
// where what cannot be queued is counted (events_lost), not silently dropped.
// A record carries the names known when the kill was attributed: a log
// record, unlike a counter, is never emitted again.
type logsReceiver struct {
	shared *sharedcomponent.Component[*source]
	next   consumer.Logs
	rac    metadata.ResourceAttributesConfig
	logger *zap.Logger
	sink   killSink

	once sync.Once
}

func newLogsReceiver(shared *sharedcomponent.Component[*source], cfg *Config, set receiver.Settings, next consumer.Logs) *logsReceiver {
	r := &logsReceiver{shared: shared, next: next, rac: cfg.ResourceAttributes, logger: set.Logger}
	r.sink = r.consume
	return r
}

// Start subscribes to the shared source and starts it; only a configuration
// error fails it (see source.Start).
func (r *logsReceiver) Start(ctx context.Context, host component.Host) error {
	r.shared.Unwrap().addSink(&r.sink)
	return startShared(ctx, r.shared, host)
}

// Shutdown unsubscribes and gives this instance's use of the shared source
// back, once.
func (r *logsReceiver) Shutdown(ctx context.Context) error {
	var err error
	r.once.Do(func() {
		r.shared.Unwrap().removeSink(&r.sink)
		err = r.shared.Shutdown(ctx)
	})
	return err
}

func (r *logsReceiver) consume(k kill, id containerid.Identity, attributedBy string) {
	logs := killLogs(r.rac, k, id, attributedBy, time.Now())
	if err := r.next.ConsumeLogs(context.Background(), logs); err != nil {
		// Kills are rare; a failing pipeline is worth a line each.
		r.logger.Warn("Dropping OOM kill log record", zap.Uint32("process.pid", k.PID), zap.Error(err))
	}
}

// killLogs builds the log record of one kill. Attribute names follow the
// semantic conventions where one exists (process.*, thread.id); the memory
// figures of the tracepoint are namespaced under oom.*, in bytes.
func killLogs(rac metadata.ResourceAttributesConfig, k kill, id containerid.Identity, attributedBy string, observed time.Time) plog.Logs {
	logs := plog.NewLogs()
	rl := logs.ResourceLogs().AppendEmpty()
	identityResource(rac, id).CopyTo(rl.Resource())
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	lr := sl.LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(k.Time))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(observed))
	lr.SetSeverityNumber(plog.SeverityNumberWarn)
	lr.SetSeverityText("WARN")
	lr.SetEventName(killEventName)
	// Worded like the kernel's own "Out of memory: Killed process" line.
	lr.Body().SetStr(fmt.Sprintf("Out of memory: killed process %d (%s)", k.PID, k.Comm))
	attrs := lr.Attributes()
	attrs.PutInt("process.pid", int64(k.PID))
	attrs.PutInt("thread.id", int64(k.TID))
	attrs.PutStr("process.executable.name", k.Comm)
	attrs.PutInt("process.user.id", int64(k.UID))
	attrs.PutInt("oom.total_vm_bytes", int64(k.TotalVMBytes))
	attrs.PutInt("oom.anon_rss_bytes", int64(k.AnonRSSBytes))
	attrs.PutInt("oom.file_rss_bytes", int64(k.FileRSSBytes))
	attrs.PutInt("oom.shmem_rss_bytes", int64(k.ShmemRSSBytes))
	attrs.PutInt("oom.pgtables_bytes", int64(k.PgtablesBytes))
	attrs.PutInt("oom.score_adj", int64(k.OOMScoreAdj))
	if k.CgroupPath != "" {
		attrs.PutStr("oom.cgroup.path", k.CgroupPath)
	} else if id.CgroupPath != "" {
		attrs.PutStr("oom.cgroup.path", id.CgroupPath)
	}
	attrs.PutStr("oom.attribution", attributedBy)
	attrs.PutStr("oom.source", k.Source)
	return logs
}
