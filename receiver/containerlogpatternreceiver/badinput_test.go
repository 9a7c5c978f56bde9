// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestBadInput feeds a huge line, invalid UTF-8 and binary junk among normal
// lines: each is counted as what it is, and no neighbouring line is lost.
func TestBadInput(t *testing.T) {
	podsDir := t.TempDir()
	const uid = "5e5e5e5e-2222-4d4d-8e8e-0123456789ab"
	path := filepath.Join(podsDir, "ns_junk_"+uid, "app", "0.log")

	cfg := testConfig()
	cfg.CRI.Enabled = true
	cfg.CRI.PodsDir = podsDir
	cfg.MaxLogSize = 4096
	sink := startMetrics(t, cfg)
	time.Sleep(4 * cfg.PollInterval)

	var b strings.Builder
	for _, text := range []string{"listening on :8080", "worker 1 ready", "worker 2 ready"} {
		b.WriteString(criLine("stdout", "F", text))
	}
	b.WriteString(criLine("stdout", "F", "dump "+strings.Repeat("x", 100_000)))
	b.WriteString(criLine("stdout", "F", "bad bytes \xff\xfe here"))
	b.WriteString(criLine("stdout", "F", "bin\x00\x01\x02ary"))
	for _, text := range []string{"worker 3 ready", "shutting down"} {
		b.WriteString(criLine("stdout", "F", text))
	}
	writeFile(t, path, b.String())

	counts := waitTotal(t, sink, uid+"/app", 8)
	assert.Equal(t, int64(1), selfMetric(sink, "otelcol_node.container_log_pattern.lines_truncated"))
	assert.Equal(t, int64(2), selfMetric(sink, "otelcol_node.container_log_pattern.lines_invalid"))
	for k := range counts {
		assert.LessOrEqual(t, len(k.sample), cfg.MaxSampleLength, "sample is capped")
	}
}
