// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

// TestMaintenanceBeatSleepsWhileQuiet: with nothing pending, the beat
// falls back to the expiry beat (an idle node does not wake every second
// for it), and a line brings the fast beat back.
func TestMaintenanceBeatSleepsWhileQuiet(t *testing.T) {
	c := newCore(testConfig(), receivertest.NewNopSettings(metadata.Type))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.maintain(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	require.Eventually(t, c.maintenanceIdle.Load, 5*time.Second, 10*time.Millisecond,
		"the beat never went quiet with nothing pending")
	c.noteActivity()
	assert.False(t, c.maintenanceIdle.Load(), "a line did not end the quiet beat")
	require.Eventually(t, c.maintenanceIdle.Load, 5*time.Second, 10*time.Millisecond,
		"the fast beat did not run after the line")
}

// TestMaintenanceBeatWakesAfterQuiet: a message only the beat completes (a
// partial CRI line whose end never comes), written after a quiet time, is
// counted within seconds, not after the 30 s expiry beat.
func TestMaintenanceBeatWakesAfterQuiet(t *testing.T) {
	podsDir := t.TempDir()
	const uid = "0c0c0c0c-5555-4b4b-8c8c-0123456789ab"
	cfg := testConfig()
	cfg.CRI.Enabled = true
	cfg.CRI.PodsDir = podsDir
	sink := startMetrics(t, cfg)
	// Several beats with nothing pending: the beat is now the slow one.
	time.Sleep(10 * cfg.MultilineFlushTimeout)

	start := time.Now()
	writeFile(t, filepath.Join(podsDir, "ns_quiet-0_"+uid, "app", "0.log"), criLine("stdout", "P", "half of a line"))
	waitTotal(t, sink, uid+"/app", 1)
	assert.Less(t, time.Since(start), expiryInterval/2)
	assert.Equal(t, int64(1), selfMetricWith(sink, metricLinesInvalid, "reason", "incomplete"))
}
