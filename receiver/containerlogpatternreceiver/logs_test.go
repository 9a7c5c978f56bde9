// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

// TestLogsOutput runs the metrics and logs outputs of one configuration:
// the files are read once, and each message becomes a log record carrying
// the pattern hash its count is kept under.
func TestLogsOutput(t *testing.T) {
	podsDir := t.TempDir()
	const uid = "7a7a7a7a-3333-4e4e-8f8f-0123456789ab"
	path := filepath.Join(podsDir, "web_nginx-1_"+uid, "nginx", "0.log")

	cfg := testConfig()
	cfg.CRI.Enabled = true
	cfg.CRI.PodsDir = podsDir
	f := NewFactory()
	set := receivertest.NewNopSettings(metadata.Type)
	metricsSink := new(consumertest.MetricsSink)
	logsSink := new(consumertest.LogsSink)
	mr, err := f.CreateMetrics(context.Background(), set, cfg, metricsSink)
	require.NoError(t, err)
	lr, err := f.CreateLogs(context.Background(), set, cfg, logsSink)
	require.NoError(t, err)
	host := componenttest.NewNopHost()
	require.NoError(t, mr.Start(context.Background(), host))
	require.NoError(t, lr.Start(context.Background(), host))
	t.Cleanup(func() {
		require.NoError(t, lr.Shutdown(context.Background()))
		require.NoError(t, mr.Shutdown(context.Background()))
	})
	time.Sleep(4 * cfg.PollInterval)

	var b strings.Builder
	for i := range 9 {
		b.WriteString(criLine("stdout", "F", fmt.Sprintf("10.0.0.%d GET /index.html 200", i)))
	}
	writeFile(t, path, b.String())

	counts := waitTotal(t, metricsSink, uid+"/nginx", 9)
	assert.Equal(t, int64(9), selfMetric(metricsSink, "otelcol_node.container_log_pattern.lines_read"), "lines are read once")

	require.Eventually(t, func() bool { return logsSink.LogRecordCount() == 9 }, 5*time.Second, 20*time.Millisecond)
	hashes := map[string]int64{}
	for _, ld := range logsSink.AllLogs() {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			uidAttr, _ := rl.Resource().Attributes().Get("k8s.pod.uid")
			assert.Equal(t, uid, uidAttr.Str())
			records := rl.ScopeLogs().At(0).LogRecords()
			for j := 0; j < records.Len(); j++ {
				r := records.At(j)
				h, _ := r.Attributes().Get(attrPatternHash)
				hashes[h.Str()]++
				assert.Contains(t, r.Body().Str(), "GET /index.html 200")
				assert.NotEqual(t, plog.SeverityNumber(-1), r.SeverityNumber())
			}
		}
	}
	want := map[string]int64{}
	for k, v := range counts {
		want[k.hash] += v
	}
	assert.Equal(t, want, hashes, "log records carry the hashes the counts are kept under")
}
