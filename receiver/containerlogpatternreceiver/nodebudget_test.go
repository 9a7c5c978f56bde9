// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
)

// noisyLine returns a line of random words: with a large vocabulary nearly
// every line is a pattern of its own, the worst case for pattern state.
func noisyLine(r *rand.Rand) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	words := make([]string, 4+r.IntN(8))
	for i := range words {
		w := make([]byte, 3+r.IntN(8))
		for j := range w {
			w[j] = letters[r.IntN(len(letters))]
		}
		words[i] = string(w)
	}
	return strings.Join(words, " ")
}

// quietLines are the messages of a quiet container: three patterns, each
// written quietRepeats times.
const quietRepeats = 4

func quietLines(c int) []string {
	var out []string
	for i := range quietRepeats {
		out = append(out,
			fmt.Sprintf("INFO user %d logged in from 10.0.%d.%d", c*10+i, c%250, i),
			fmt.Sprintf("WARN cache miss for key k%d-%d", c, i),
			fmt.Sprintf("ERROR failed to connect to db-%d: timeout after %ds", c, i+1))
	}
	return out
}

// writeNode writes json-file logs for noisy and quiet containers under
// containersDir and returns the lines written per container id.
func writeNode(t testing.TB, containersDir string, noisy, quiet, noisyLines int) (noisyIDs, quietIDs []string, written map[string]int64) {
	r := rand.New(rand.NewPCG(1, 2))
	written = make(map[string]int64)
	write := func(id string, lines []string) {
		var b strings.Builder
		for _, l := range lines {
			b.WriteString(dockerLine(l))
		}
		writeFile(t, filepath.Join(containersDir, id, id+dockerLogSuffix), b.String())
		written[id] = int64(len(lines))
	}
	for c := range noisy {
		id := fmt.Sprintf("%064x", 0xa00000+c)
		lines := make([]string, noisyLines)
		for i := range lines {
			lines[i] = noisyLine(r)
		}
		write(id, lines)
		noisyIDs = append(noisyIDs, id)
	}
	for c := range quiet {
		id := fmt.Sprintf("%064x", 0xb00000+c)
		write(id, quietLines(c))
		quietIDs = append(quietIDs, id)
	}
	return noisyIDs, quietIDs, written
}

// TestNoisyNeighbours runs 200 noisy containers (random-word lines, nearly
// one pattern each) beside 500 quiet ones under a node-wide series cap and
// pattern memory budget: the series stay under the cap, the quiet
// containers' counts are exact per pattern, every container's total is
// exact, and what went to overflow is exactly what patterns_dropped counts.
func TestNoisyNeighbours(t *testing.T) {
	const (
		noisy      = 200
		quiet      = 500
		noisyLines = 100
		maxSeries  = 3000 // fair share 4 >= the 3 patterns of a quiet container
		budget     = 4 << 20
	)
	containersDir := t.TempDir()
	cfg := testConfig()
	cfg.Docker.Enabled = true
	cfg.Docker.ContainersDir = containersDir
	cfg.MaxSeries = maxSeries
	cfg.MaxPatternMemory = budget
	sink := startMetrics(t, cfg)
	time.Sleep(4 * cfg.PollInterval)

	noisyIDs, quietIDs, written := writeNode(t, containersDir, noisy, quiet, noisyLines)
	var total int64
	for _, n := range written {
		total += n
	}
	waitSelfMetric(t, sink, metricLinesRead, total)
	// Every message completes after multiline_flush_timeout; give the
	// scraper a few rounds to see the last ones.
	deadline := time.Now().Add(20 * time.Second)
	var counts map[countKey]int64
	for time.Now().Before(deadline) {
		counts = latestCounts(sink)
		var n int64
		for _, v := range counts {
			n += v
		}
		if n == total {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}

	var series, overflow int64
	for k, v := range counts {
		if k.hash == overflowPatternHash {
			overflow += v
		} else {
			series++
		}
	}
	assert.LessOrEqual(t, series, int64(maxSeries), "pattern series")
	assert.LessOrEqual(t, lastGauge(sink, "otelcol_node.container_log_pattern.pattern_series"), int64(maxSeries))
	assert.Positive(t, overflow, "the noisy containers went over the cap")
	assert.Equal(t, overflow, selfMetric(sink, "otelcol_node.container_log_pattern.patterns_dropped"),
		"every message in an overflow bucket is counted as dropped")
	assert.Equal(t, overflow, selfMetricWith(sink, "otelcol_node.container_log_pattern.patterns_dropped", "cap", "max_series"))

	for _, id := range noisyIDs {
		require.Equal(t, written[id], totalFor(counts, id), "total of noisy container %s", id)
	}
	for _, id := range quietIDs {
		perPattern := map[string]int64{}
		for k, v := range counts {
			if k.owner == id {
				perPattern[k.hash] += v
			}
		}
		require.Len(t, perPattern, 3, "quiet container %s keeps its 3 patterns: %v", id, perPattern)
		for hash, v := range perPattern {
			require.NotEqual(t, overflowPatternHash, hash, "quiet container %s", id)
			require.Equal(t, int64(quietRepeats), v, "quiet container %s pattern %s", id, hash)
		}
	}
	assert.LessOrEqual(t, lastGauge(sink, "otelcol_node.container_log_pattern.pattern_memory"), int64(budget))
	assert.Positive(t, selfMetric(sink, "otelcol_node.container_log_pattern.pattern_memory_resets"),
		"the noisy miners went over the budget")
}

// lastGauge returns a gauge self-metric of the last scrape.
func lastGauge(sink *consumertest.MetricsSink, name string) int64 {
	all := sink.AllMetrics()
	if len(all) == 0 {
		return 0
	}
	md := all[len(all)-1]
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		sms := md.ResourceMetrics().At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				if ms.At(k).Name() == name {
					return ms.At(k).Gauge().DataPoints().At(0).IntValue()
				}
			}
		}
	}
	return -1
}
