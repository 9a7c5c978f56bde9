// SPDX-License-Identifier: Apache-2.0

package cloudmetadataprocessor

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/metadatatest"
)

// statusHost records the status events the processor reports.
type statusHost struct {
	component.Host
	mu     sync.Mutex
	events []*componentstatus.Event
}

func (h *statusHost) Report(ev *componentstatus.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev)
}

func (h *statusHost) statuses() []componentstatus.Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]componentstatus.Status, len(h.events))
	for i, ev := range h.events {
		out[i] = ev.Status()
	}
	return out
}

// pipeline is one component's metrics, logs and traces processors feeding sinks.
type pipeline struct {
	metrics processor.Metrics
	logs    processor.Logs
	traces  processor.Traces
	mSink   *consumertest.MetricsSink
	lSink   *consumertest.LogsSink
	tSink   *consumertest.TracesSink
	host    *statusHost
	tel     *componenttest.Telemetry
}

// startPipeline creates the three processors through one registry (as one
// factory does), with a short retry back-off, and starts them.
func startPipeline(t *testing.T, cfg *Config) *pipeline {
	t.Helper()
	return startPipelineWithLogger(t, cfg, zap.NewNop())
}

func startPipelineWithLogger(t *testing.T, cfg *Config, logger *zap.Logger) *pipeline {
	t.Helper()
	p := &pipeline{
		mSink: new(consumertest.MetricsSink), lSink: new(consumertest.LogsSink), tSink: new(consumertest.TracesSink),
		host: &statusHost{Host: componenttest.NewNopHost()}, tel: componenttest.NewTelemetry(),
	}
	ctx := context.Background()
	set := metadatatest.NewSettings(p.tel)
	set.Logger = logger
	reg := newFetcherRegistry()
	var err error
	p.metrics, err = reg.createMetrics(ctx, set, cfg, p.mSink)
	require.NoError(t, err)
	p.logs, err = reg.createLogs(ctx, set, cfg, p.lSink)
	require.NoError(t, err)
	p.traces, err = reg.createTraces(ctx, set, cfg, p.tSink)
	require.NoError(t, err)
	// One more instance reaches the shared fetcher; releasing it leaves
	// the three above as its users.
	extra, err := reg.acquire(set, cfg)
	require.NoError(t, err)
	extra.initialBackoff = 20 * time.Millisecond
	require.NoError(t, extra.shutdown(ctx))

	require.NoError(t, p.metrics.Start(ctx, p.host))
	require.NoError(t, p.logs.Start(ctx, p.host))
	require.NoError(t, p.traces.Start(ctx, p.host))
	t.Cleanup(func() {
		shutdown(t, p)
		require.Zero(t, reg.fetchers.Len(), "every fetcher released")
		require.NoError(t, p.tel.Shutdown(ctx))
	})
	return p
}

// shutdown stops the pipeline's processors (and so the fetch loop); a
// second call, as from the cleanup, does nothing more.
func shutdown(t *testing.T, p *pipeline) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, p.metrics.Shutdown(ctx))
	require.NoError(t, p.logs.Shutdown(ctx))
	require.NoError(t, p.traces.Shutdown(ctx))
}

// testConfig points the processor at fakes: DMI fixture and fake endpoint.
func testConfig(sysfs, endpoint string) *Config {
	cfg := createDefaultConfig()
	cfg.SysfsRoot = sysfs
	cfg.Endpoint = endpoint
	// Long enough that a loaded machine never turns an answer into a
	// timeout (tests count requests); hang tests set a short one.
	cfg.Timeout = 5 * time.Second
	cfg.RefreshInterval = time.Hour
	cfg.InfoInterval = time.Hour
	return cfg
}

// appMetrics is a batch from a receiver: one resource with its own attributes.
func appMetrics() pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("container.id", "c0ffee")
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("container.oom_kills")
	m.SetEmptySum().DataPoints().AppendEmpty().SetIntValue(3)
	return md
}

func appLogs() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("container.id", "c0ffee")
	rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("hello")
	return ld
}

func appTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("container.id", "c0ffee")
	rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetName("GET /")
	return td
}

// consumeMetrics sends one batch and returns what came out.
func (p *pipeline) consumeMetrics(t *testing.T) pmetric.Metrics {
	t.Helper()
	p.mSink.Reset()
	require.NoError(t, p.metrics.ConsumeMetrics(context.Background(), appMetrics()))
	all := p.mSink.AllMetrics()
	require.Len(t, all, 1)
	return all[0]
}

// waitForInfo sends batches until one carries node.cloud.info and returns
// that batch; the fetch runs in the background, so values appear later.
func (p *pipeline) waitForInfo(t *testing.T) pmetric.Metrics {
	t.Helper()
	var out pmetric.Metrics
	require.Eventually(t, func() bool {
		out = p.consumeMetrics(t)
		_, ok := findInfo(out)
		return ok
	}, 10*time.Second, 10*time.Millisecond, "node.cloud.info never appeared")
	return out
}

// findInfo returns the labels of node.cloud.info in md.
func findInfo(md pmetric.Metrics) (map[string]any, bool) {
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				if m.Name() == infoMetricName {
					return m.Gauge().DataPoints().At(0).Attributes().AsRaw(), true
				}
			}
		}
	}
	return nil, false
}

func resourceAttrs(r pcommon.Resource) map[string]any { return r.Attributes().AsRaw() }
