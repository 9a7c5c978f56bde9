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
	"github.com/otelcol-node/otelcol-node/receiver/oomreceiver/internal/metadata"
)

// killEventName is the log record's event name.
const killEventName = "linux.oom.kill"

// logsReceiver emits one log record per kill. Records are consumed on the
// reader goroutine: a slow pipeline backs up into the kernel ring buffer,
// where what cannot be queued is counted (events_lost), not silently dropped.
type logsReceiver struct {
	src     *source
	next    consumer.Logs
	rac     metadata.ResourceAttributesConfig
	logger  *zap.Logger
	release func()
	sink    killSink

	mu      sync.Mutex
	started bool
	once    sync.Once
}

func newLogsReceiver(src *source, cfg *Config, set receiver.Settings, next consumer.Logs, release func()) *logsReceiver {
	r := &logsReceiver{src: src, next: next, rac: cfg.ResourceAttributes, logger: set.Logger, release: release}
	r.sink = r.consume
	return r
}

// Start subscribes to the shared source; it never fails (see source.start).
func (r *logsReceiver) Start(_ context.Context, host component.Host) error {
	r.mu.Lock()
	r.started = true
	r.mu.Unlock()
	r.src.addSink(&r.sink)
	r.src.start(host)
	return nil
}

func (r *logsReceiver) Shutdown(context.Context) error {
	var err error
	r.once.Do(func() {
		r.mu.Lock()
		started := r.started
		r.mu.Unlock()
		if started {
			r.src.removeSink(&r.sink)
			err = r.src.stop()
		}
		r.release()
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
