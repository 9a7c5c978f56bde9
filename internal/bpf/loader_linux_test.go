// SPDX-License-Identifier: Apache-2.0

package bpf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"golang.org/x/sys/unix"

	"github.com/otelcol-node/otelcol-node/internal/bpf/internal/testprog"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// testEvent is testprog's struct event as decoded from a record.
type testEvent = testprog.TestprogEvent

const testEventSize = 16

func decodeTestEvent(raw []byte) (testEvent, error) {
	if len(raw) < testEventSize {
		return testEvent{}, fmt.Errorf("record of %d bytes, want %d", len(raw), testEventSize)
	}
	return testEvent{
		Tgid:     binary.NativeEndian.Uint32(raw[0:4]),
		Source:   binary.NativeEndian.Uint32(raw[4:8]),
		CgroupId: binary.NativeEndian.Uint64(raw[8:16]),
	}, nil
}

// requireKernelTier checks what every kernel-tier test of this package needs.
func requireKernelTier(t *testing.T) { t.Helper(); requireKernelTierTB(t) }

func requireKernelTierTB(tb testing.TB) {
	tb.Helper()
	testenv.RequireRoot(tb)
	err := CheckHost(CheckOptions{ProgramTypes: []ebpf.ProgramType{ebpf.TracePoint, ebpf.Tracing}, NeedTracefs: true}, zap.NewNop())
	testenv.Require(tb, err == nil, fmt.Sprintf("host checks pass (%v)", err))
}

// testConstants filters the test program's events to this process.
func testConstants() map[string]any {
	return map[string]any{
		testprog.TestprogVarTargetTgid:    uint32(os.Getpid()),
		testprog.TestprogVarTargetSyscall: int64(unix.SYS_GETPGID),
	}
}

func newTestLoader(t *testing.T, v1Memory bool, logger *zap.Logger) *Loader {
	t.Helper()
	spec, err := testprog.LoadTestprog()
	require.NoError(t, err)
	l, err := NewLoader(spec, LoaderOptions{
		Logger:         logger,
		CgroupV1Memory: v1Memory,
		Constants:      testConstants(),
	})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, l.Close()) })
	return l
}

var (
	tracepointFeature = Feature{Name: "tracepoint", Programs: []string{testprog.TestprogProgOnGetppid}, Required: true}
	tpBTFFeature      = Feature{Name: "tp_btf", Programs: []string{testprog.TestprogProgOnSysEnter}, Required: true}
	brokenFeature     = Feature{Name: "broken", Programs: []string{testprog.TestprogProgBrokenDeref}}
)

// collector gathers decoded events from the reader goroutine.
type collector struct {
	mu     sync.Mutex
	events []testEvent
}

func (c *collector) handle(raw []byte) error {
	e, err := decodeTestEvent(raw)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.events = append(c.events, e)
	c.mu.Unlock()
	return nil
}

func (c *collector) bySource(source testprog.TestprogEventSource) []testEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []testEvent
	for _, e := range c.events {
		if e.Source == uint32(source) {
			out = append(out, e)
		}
	}
	return out
}

// ownCgroupInode is the inode of this process' cgroup directory in the given
// hierarchy: the v1 memory controller ("memory") or v2 (""). It is what
// task_cgroup_id must report.
func ownCgroupInode(t *testing.T, controller string) uint64 {
	t.Helper()
	f, err := os.Open("/proc/self/cgroup")
	require.NoError(t, err)
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		parts := strings.SplitN(s.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		var root string
		switch {
		case controller == "" && parts[0] == "0" && parts[1] == "":
			root = "/sys/fs/cgroup/unified"
			if _, err := os.Stat(root); err != nil {
				root = "/sys/fs/cgroup" // pure v2 host
			}
		case controller != "" && containsField(parts[1], controller):
			root = filepath.Join("/sys/fs/cgroup", controller)
		default:
			continue
		}
		var st unix.Stat_t
		require.NoError(t, unix.Stat(filepath.Join(root, parts[2]), &st))
		return st.Ino
	}
	testenv.Require(t, false, fmt.Sprintf("a %q cgroup in /proc/self/cgroup", controller))
	return 0
}

func containsField(list, want string) bool {
	for _, f := range strings.Split(list, ",") {
		if f == want {
			return true
		}
	}
	return false
}

// TestLoadFeaturesAndReadEvents loads two good features and a broken optional
// one; the broken one is disabled, reported once, and both others deliver
// events attributed to this process' cgroup in either hierarchy.
func TestLoadFeaturesAndReadEvents(t *testing.T) {
	requireKernelTier(t)
	for _, tc := range []struct {
		name       string
		v1Memory   bool
		controller string
	}{
		{name: "v1_memory", v1Memory: true, controller: "memory"},
		{name: "v2", v1Memory: false, controller: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCgroup := ownCgroupInode(t, tc.controller)
			core, logs := observer.New(zap.DebugLevel)
			l := newTestLoader(t, tc.v1Memory, zap.New(core))

			require.NoError(t, l.Load(tracepointFeature, brokenFeature, tpBTFFeature))

			states := l.States()
			require.Len(t, states, 3)
			assert.True(t, states[0].Enabled)
			assert.True(t, states[2].Enabled)
			assert.False(t, states[1].Enabled)
			var verr *ebpf.VerifierError
			require.ErrorAs(t, states[1].Err, &verr, "the broken program must be rejected by the verifier")
			assert.Equal(t, 1, logs.FilterMessage("eBPF feature disabled").FilterField(zap.String("feature", "broken")).Len(),
				"a disabled feature is reported once at Warn")

			var c collector
			_, err := l.NewRingReader(testprog.TestprogMapEvents, c.handle)
			require.NoError(t, err)

			require.Eventually(t, func() bool {
				_ = syscall.Getppid()
				_, _ = unix.Getpgid(0)
				return len(c.bySource(testprog.TestprogEventSourceSOURCE_TRACEPOINT)) > 0 &&
					len(c.bySource(testprog.TestprogEventSourceSOURCE_TP_BTF)) > 0
			}, 10*time.Second, 10*time.Millisecond)

			for _, e := range append(c.bySource(testprog.TestprogEventSourceSOURCE_TRACEPOINT), c.bySource(testprog.TestprogEventSourceSOURCE_TP_BTF)...) {
				assert.Equal(t, uint32(os.Getpid()), e.Tgid)
				assert.Equal(t, wantCgroup, e.CgroupId, "task_cgroup_id must match the cgroup directory inode")
			}
			stats, err := l.Stats()
			require.NoError(t, err)
			assert.Equal(t, 1, stats.DisabledFeatures)
			assert.NotZero(t, stats.Records)
			assert.Zero(t, stats.DecodeErrors)
		})
	}
}

// TestRequiredFeatureRejected: a required feature the verifier rejects makes
// Load fail with ErrRequiredFeature, and the other features still work.
func TestRequiredFeatureRejected(t *testing.T) {
	requireKernelTier(t)
	l := newTestLoader(t, true, zap.NewNop())

	broken := brokenFeature
	broken.Required = true
	err := l.Load(broken, tracepointFeature)
	require.ErrorIs(t, err, ErrRequiredFeature)
	assert.ErrorContains(t, err, "broken")
	assert.NotContains(t, err.Error(), "\n", "the error for a degraded receiver is one line")
	var verr *ebpf.VerifierError
	assert.ErrorAs(t, err, &verr, "the verifier's error stays inspectable")

	var c collector
	_, err = l.NewRingReader(testprog.TestprogMapEvents, c.handle)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_ = syscall.Getppid()
		return len(c.bySource(testprog.TestprogEventSourceSOURCE_TRACEPOINT)) > 0
	}, 10*time.Second, 10*time.Millisecond)
}

// TestKernelLossCounted fills the one-page ring buffer without reading it:
// every failed reserve must show up in Stats.Lost, and records read later
// must not exceed what the buffer could hold.
func TestKernelLossCounted(t *testing.T) {
	requireKernelTier(t)
	l := newTestLoader(t, true, zap.NewNop())
	require.NoError(t, l.Load(tracepointFeature))

	const calls = 1000
	for range calls {
		_ = syscall.Getppid()
	}
	stats, err := l.Stats()
	require.NoError(t, err)
	// 4096 bytes hold 170 records of 16+8 bytes; the rest must be counted.
	lost := stats.Lost[LossRingbufReserve]
	assert.GreaterOrEqual(t, lost, uint64(calls-4096/24))
	assert.Equal(t, lost, stats.Lost.Total())

	var c collector
	_, err = l.NewRingReader(testprog.TestprogMapEvents, c.handle)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		s, err := l.Stats()
		return err == nil && s.Records+lost >= calls
	}, 5*time.Second, 10*time.Millisecond, "every call is either read or counted as lost")
}

// TestDecodeErrorsCounted: a handler error counts, and the loop goes on.
func TestDecodeErrorsCounted(t *testing.T) {
	requireKernelTier(t)
	l := newTestLoader(t, true, zap.NewNop())
	require.NoError(t, l.Load(tracepointFeature))

	errBad := errors.New("bad record")
	r, err := l.NewRingReader(testprog.TestprogMapEvents, func([]byte) error { return errBad })
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_ = syscall.Getppid()
		return r.DecodeErrors() >= 3
	}, 5*time.Second, 10*time.Millisecond)
	stats, err := l.Stats()
	require.NoError(t, err)
	assert.Equal(t, stats.Records, stats.DecodeErrors)

	// Close unblocks the reader; closing again is harmless.
	require.NoError(t, r.Close())
	require.NoError(t, r.Close())
}

// TestUnknownProgram: a feature naming a program that is not in the object
// is disabled with a clear reason, not a panic.
func TestUnknownProgram(t *testing.T) {
	requireKernelTier(t)
	l := newTestLoader(t, false, zap.NewNop())
	require.NoError(t, l.Load(Feature{Name: "typo", Programs: []string{"no_such_prog"}}))
	assert.ErrorContains(t, l.States()[0].Err, "program no_such_prog not in the object")
}

// TestDrainWaitsForQueuedRecords: records submitted before Drain are all
// handled when it returns, even with a slow handler.
func TestDrainWaitsForQueuedRecords(t *testing.T) {
	requireKernelTier(t)
	l := newTestLoader(t, true, zap.NewNop())
	require.NoError(t, l.Load(tracepointFeature))
	var c collector
	r, err := l.NewRingReader(testprog.TestprogMapEvents, func(raw []byte) error {
		time.Sleep(time.Millisecond) // a handler slower than the producer
		return c.handle(raw)
	})
	require.NoError(t, err)

	const calls = 100 // fewer than the one-page buffer holds
	for range calls {
		_ = syscall.Getppid()
	}
	require.True(t, r.Drain(10*time.Second))
	assert.GreaterOrEqual(t, len(c.bySource(testprog.TestprogEventSourceSOURCE_TRACEPOINT)), calls)
	stats, err := l.Stats()
	require.NoError(t, err)
	assert.Zero(t, stats.Lost.Total())
}
