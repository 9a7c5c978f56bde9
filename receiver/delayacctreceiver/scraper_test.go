// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver/internal/metadata"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestRecordedMetrics replays samples and exits into the tracker and checks
// the emitted metrics (names, units, resources, self-metrics) against a
// golden file.
func TestRecordedMetrics(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	set := receivertest.NewNopSettings(metadata.Type)
	// A fixed instance name: the golden's self-metrics resource carries it.
	set.ID = component.MustNewIDWithName(metadata.Type.String(), "recorded")
	s := newDelayScraper(cfg, set)
	tr := s.tracker
	runScan(t, tr, scanStep{at: t0, listed: map[uint32]string{10: testContainerA, 20: testContainerB, 30: "/"},
		samples: map[uint32]delays{10: {}, 20: {}}})
	runScan(t, tr, scanStep{at: t0.Add(10 * time.Second), listed: map[uint32]string{10: testContainerA, 20: testContainerB, 30: "/"},
		samples: map[uint32]delays{
			10: {cpuDelay: uint64(2500 * time.Millisecond), diskDelay: uint64(750 * time.Millisecond), memoryReclaimDelay: 1e6, swapinDelay: 2e6, thrashingDelay: 3e6, compactionDelay: 4e6},
			20: {diskDelay: uint64(40 * 24 * time.Hour)}, // the uptime glitch
		}})
	tr.exit(singleExit(11, 10, cpu(time.Second), 2*time.Second), t0.Add(12*time.Second))

	s.record(pcommon.NewTimestampFromTime(t0.Add(20*time.Second)), delayAcctOn)
	got := s.mb.Emit()

	expectedFile := filepath.Join("testdata", "expected_metrics.yaml")
	if *update {
		require.NoError(t, golden.WriteMetricsToFile(expectedFile, got))
	}
	expected, err := golden.ReadMetrics(expectedFile)
	require.NoError(t, err)
	require.NoError(t, pmetrictest.CompareMetrics(expected, got,
		pmetrictest.IgnoreResourceMetricsOrder(),
		pmetrictest.IgnoreMetricDataPointsOrder(),
		pmetrictest.IgnoreTimestamp(),
		pmetrictest.IgnoreStartTimestamp()))
}

func TestDelayAcctSwitch(t *testing.T) {
	root := t.TempDir()
	sysctl := filepath.Join(root, delayAcctSysctl)
	sw := newDelayAcctSwitch(root)

	state, err := sw.state()
	require.NoError(t, err)
	assert.Equal(t, delayAcctAlwaysOn, state, "no sysctl: a pre-5.14 kernel")

	require.NoError(t, os.MkdirAll(filepath.Dir(sysctl), 0o755))
	require.NoError(t, os.WriteFile(sysctl, []byte("0\n"), 0o644))
	state, err = sw.state()
	require.NoError(t, err)
	assert.Equal(t, delayAcctOff, state)

	require.NoError(t, sw.enable())
	state, err = sw.state()
	require.NoError(t, err)
	assert.Equal(t, delayAcctOn, state)

	require.NoError(t, os.WriteFile(sysctl, []byte("maybe\n"), 0o644))
	_, err = sw.state()
	assert.ErrorContains(t, err, `unexpected value "maybe"`)
}

// TestDelayAcctOffIsLoggedOnce checks that a switch left off is said once
// (and again only when it changes), and reported as 0 on every scrape.
func TestDelayAcctOffIsLoggedOnce(t *testing.T) {
	root := t.TempDir()
	sysctl := filepath.Join(root, delayAcctSysctl)
	require.NoError(t, os.MkdirAll(filepath.Dir(sysctl), 0o755))
	require.NoError(t, os.WriteFile(sysctl, []byte("0\n"), 0o644))

	core, logs := observer.New(zapcore.InfoLevel)
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	cfg := createDefaultConfig().(*Config)
	cfg.EnableDelayAcct = false
	s := newDelayScraper(cfg, set)
	s.sysctl = newDelayAcctSwitch(root) // as start sets it from the resolver's proc root

	for range 3 {
		assert.Equal(t, delayAcctOff, s.checkDelayAcct())
	}
	assert.Equal(t, 1, logs.FilterMessageSnippet("delay accounting is off").Len())

	require.NoError(t, os.WriteFile(sysctl, []byte("1\n"), 0o644))
	assert.Equal(t, delayAcctOn, s.checkDelayAcct())
	assert.Equal(t, 1, logs.FilterMessageSnippet("on again").Len())
}

func TestEnableDelayAcctAtStart(t *testing.T) {
	root := t.TempDir()
	sysctl := filepath.Join(root, delayAcctSysctl)
	require.NoError(t, os.MkdirAll(filepath.Dir(sysctl), 0o755))
	require.NoError(t, os.WriteFile(sysctl, []byte("0\n"), 0o644))

	core, logs := observer.New(zapcore.InfoLevel)
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	s := newDelayScraper(createDefaultConfig().(*Config), set)
	s.sysctl = newDelayAcctSwitch(root) // as start sets it from the resolver's proc root

	assert.Equal(t, delayAcctOn, s.checkDelayAcct())
	b, err := os.ReadFile(sysctl)
	require.NoError(t, err)
	assert.Equal(t, "1\n", string(b))
	assert.Equal(t, 1, logs.FilterMessageSnippet("Turned kernel delay accounting on").Len())
	assert.Equal(t, delayAcctOn, s.checkDelayAcct())
	assert.Equal(t, 1, logs.Len(), "nothing more to say while it stays on")
}

func TestWantedIdentities(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	s := newDelayScraper(cfg, receivertest.NewNopSettings(metadata.Type))
	assert.True(t, s.wanted(containerid.Classify(testContainerA)))
	assert.False(t, s.wanted(containerid.Classify("/system.slice/nginx.service")))
	cfg.IncludeSystemdServices = true
	assert.True(t, s.wanted(containerid.Classify("/system.slice/nginx.service")))
	assert.False(t, s.wanted(containerid.Classify("/user.slice")))
}
