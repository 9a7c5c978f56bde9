// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
)

// selfMetricWith returns a receiver self-metric of the last scrape for one
// value of one attribute.
func selfMetricWith(sink *consumertest.MetricsSink, name, key, value string) int64 {
	all := sink.AllMetrics()
	if len(all) == 0 {
		return 0
	}
	md := all[len(all)-1]
	var total int64
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		sms := md.ResourceMetrics().At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				if ms.At(k).Name() != name {
					continue
				}
				dps := ms.At(k).Sum().DataPoints()
				for d := 0; d < dps.Len(); d++ {
					if v, ok := dps.At(d).Attributes().Get(key); ok && v.Str() == value {
						total += dps.At(d).IntValue()
					}
				}
			}
		}
	}
	return total
}

// waitSelfMetric waits until a self-metric reaches want and checks it
// stays there.
func waitSelfMetric(t *testing.T, sink *consumertest.MetricsSink, name string, want int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for selfMetric(sink, name) < want && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	require.Equal(t, want, selfMetric(sink, name), name)
}

const (
	metricLinesRead      = "otelcol_node.container_log_pattern.lines_read"
	metricLinesInvalid   = "otelcol_node.container_log_pattern.lines_invalid"
	metricLinesTruncated = "otelcol_node.container_log_pattern.lines_truncated"
	metricLinesDropped   = "otelcol_node.container_log_pattern.lines_dropped"
)

// TestCRIIncompletePartials writes partial lines whose final piece never
// comes: after multiline_flush_timeout they are counted as one message (one
// logical line, as the runtime split it) and as incomplete, instead of
// waiting uncounted for pattern_idle_timeout.
func TestCRIIncompletePartials(t *testing.T) {
	podsDir := t.TempDir()
	const uid = "0b0b0b0b-4444-4a4a-9b9b-0123456789ab"
	cfg := testConfig()
	cfg.CRI.Enabled = true
	cfg.CRI.PodsDir = podsDir
	sink := startMetrics(t, cfg)
	time.Sleep(4 * cfg.PollInterval)

	var b strings.Builder
	for i := range 1000 {
		b.WriteString(criLine("stdout", "P", fmt.Sprintf("seq=%d ", i)))
	}
	// stderr completes its line; stdout never does.
	b.WriteString(criLine("stderr", "F", "ready"))
	writeFile(t, filepath.Join(podsDir, "ns_partial-0_"+uid, "app", "0.log"), b.String())

	counts := waitTotal(t, sink, uid+"/app", 2)
	assert.Equal(t, int64(1001), selfMetric(sink, metricLinesRead))
	assert.Equal(t, int64(1), selfMetricWith(sink, metricLinesInvalid, "reason", "incomplete"))
	assert.Equal(t, int64(0), selfMetric(sink, metricLinesTruncated))
	var joined bool
	for k := range counts {
		joined = joined || strings.HasPrefix(k.sample, "seq=0 seq=1 seq=2 ")
	}
	assert.True(t, joined, "the pieces are one message: %v", counts)
}

// TestCountedPerLine checks the self-metrics count lines, not batches or
// caps: every line is read once and, when dropped, dropped under one reason.
func TestCountedPerLine(t *testing.T) {
	t.Run("UnattributedCRIPath", func(t *testing.T) {
		podsDir := t.TempDir()
		cfg := testConfig()
		cfg.CRI.Enabled = true
		cfg.CRI.PodsDir = podsDir
		sink := startMetrics(t, cfg)
		time.Sleep(4 * cfg.PollInterval)
		var b strings.Builder
		for i := range 1000 {
			b.WriteString(criLine("stdout", "F", fmt.Sprintf("line %d", i)))
		}
		// Not <namespace>_<pod>_<uid>: no pod to count the lines for.
		writeFile(t, filepath.Join(podsDir, "not-a-pod", "app", "0.log"), b.String())
		waitSelfMetric(t, sink, metricLinesRead, 1000)
		assert.Equal(t, int64(1000), selfMetricWith(sink, metricLinesInvalid, "reason", "decode_error"))
		assert.Empty(t, latestCounts(sink))
	})
	t.Run("DockerInvalidUTF8", func(t *testing.T) {
		containersDir := t.TempDir()
		id := strings.Repeat("e1", 32)
		cfg := testConfig()
		cfg.Docker.Enabled = true
		cfg.Docker.ContainersDir = containersDir
		sink := startMetrics(t, cfg)
		time.Sleep(4 * cfg.PollInterval)
		var b strings.Builder
		for i := range 100 {
			// Raw invalid bytes inside the JSON string, as a container that
			// writes Latin-1 gets them from Docker.
			fmt.Fprintf(&b, "{\"log\":\"caf\xe9 order %d\\n\",\"stream\":\"stdout\",\"time\":\"2024-05-01T10:00:00Z\"}\n", i)
		}
		writeFile(t, filepath.Join(containersDir, id, id+dockerLogSuffix), b.String())
		waitTotal(t, sink, id, 100)
		assert.Equal(t, int64(100), selfMetricWith(sink, metricLinesInvalid, "reason", "invalid_utf8"))
	})
	t.Run("LongCRILineTruncatedOnce", func(t *testing.T) {
		podsDir := t.TempDir()
		const uid = "0c0c0c0c-5555-4a4a-9b9b-0123456789ab"
		cfg := testConfig() // max_log_size 1 MiB, max_message_bytes 64 KiB
		cfg.CRI.Enabled = true
		cfg.CRI.PodsDir = podsDir
		sink := startMetrics(t, cfg)
		time.Sleep(4 * cfg.PollInterval)
		content := criLine("stdout", "F", "before") + criLine("stdout", "F", "dump "+strings.Repeat("y", 2<<20)) + criLine("stdout", "F", "after")
		writeFileWhole(t, filepath.Join(podsDir, "ns_big-0_"+uid, "app", "0.log"), content)
		waitTotal(t, sink, uid+"/app", 3)
		assert.Equal(t, int64(3), selfMetric(sink, metricLinesRead))
		assert.Equal(t, int64(1), selfMetric(sink, metricLinesTruncated))
	})
	t.Run("DockerLineOverMaxLogSizeIsCut", func(t *testing.T) {
		containersDir := t.TempDir()
		id := strings.Repeat("e2", 32)
		cfg := testConfig()
		cfg.Docker.Enabled = true
		cfg.Docker.ContainersDir = containersDir
		cfg.MaxLogSize = 4096
		sink := startMetrics(t, cfg)
		time.Sleep(4 * cfg.PollInterval)
		content := dockerLine("before") + dockerLine("dump "+strings.Repeat("z", 100_000)) + dockerLine("after")
		writeFileWhole(t, filepath.Join(containersDir, id, id+dockerLogSuffix), content)
		counts := waitTotal(t, sink, id, 3)
		assert.Equal(t, int64(1), selfMetric(sink, metricLinesTruncated))
		assert.Equal(t, int64(0), selfMetric(sink, metricLinesInvalid))
		var cut bool
		for k := range counts {
			cut = cut || strings.HasPrefix(k.sample, "dump zzz")
		}
		assert.True(t, cut, "the long line is counted cut, not dropped: %v", counts)
	})
	t.Run("MaxStreamsDropsPerLine", func(t *testing.T) {
		podsDir := t.TempDir()
		cfg := testConfig()
		cfg.CRI.Enabled = true
		cfg.CRI.PodsDir = podsDir
		cfg.MaxStreams = 1
		sink := startMetrics(t, cfg)
		time.Sleep(4 * cfg.PollInterval)
		for i, uid := range []string{"0d0d0d0d-6666-4a4a-9b9b-0123456789ab", "0e0e0e0e-7777-4a4a-9b9b-0123456789ab"} {
			var b strings.Builder
			for j := range 10 {
				b.WriteString(criLine("stdout", "F", fmt.Sprintf("pod %d line %d", i, j)))
			}
			writeFile(t, filepath.Join(podsDir, fmt.Sprintf("ns_pod-%d_%s", i, uid), "app", "0.log"), b.String())
		}
		waitSelfMetric(t, sink, metricLinesRead, 20)
		assert.Equal(t, int64(10), selfMetric(sink, metricLinesDropped))
		var counted int64
		for _, v := range latestCounts(sink) {
			counted += v
		}
		assert.Equal(t, int64(10), counted)
	})
}
