// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

const (
	testContainerA = "/docker/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	testContainerB = "/docker/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func cpu(ns time.Duration) delays { return delays{cpuDelay: uint64(ns)} }

// scan replays one scrape: the listed pids (with their identity when new) and
// the totals taskstats returned for them.
type scanStep struct {
	at      time.Time
	listed  map[uint32]string // pid -> cgroup path ("/" for host processes)
	samples map[uint32]delays
}

func runScan(t *testing.T, tr *tracker, s scanStep) {
	t.Helper()
	tr.beginScan(s.at)
	sampled := 0
	for pid, path := range s.listed {
		known, want := tr.seen(pid)
		if !known {
			id := containerid.Classify(path)
			want = tr.admit(pid, id, id.IsContainer(), s.at)
		}
		if want {
			if d, ok := s.samples[pid]; ok {
				tr.applySample(pid, d, 1, s.at)
				sampled++
			}
		}
	}
	tr.endScan(s.at, sampled)
}

func totals(tr *tracker) map[string]delays {
	snap, _ := tr.snapshot()
	out := map[string]delays{}
	for _, c := range snap {
		out[c.identity.CgroupPath] = c.total
	}
	return out
}

func singleExit(pid, ppid uint32, final delays, life time.Duration) exitNotification {
	return exitNotification{task: aggregate{id: pid, stats: taskstatsRecord{
		pid: pid, ppid: ppid, tgid: pid, hasTGID: true, flags: flagGroupDead,
		etimeMicros: uint64(life / time.Microsecond), tgEtimeMicros: uint64(life / time.Microsecond),
		delays: final,
	}}}
}

func newTestTracker() *tracker { return newTracker(1000, 10, time.Minute) }

func TestFirstScanOnlySetsBaseline(t *testing.T) {
	tr := newTestTracker()
	runScan(t, tr, scanStep{at: t0, listed: map[uint32]string{10: testContainerA}, samples: map[uint32]delays{10: cpu(time.Hour)}})
	assert.Equal(t, delays{}, totals(tr)[testContainerA], "delay from before the receiver started is not counted")

	runScan(t, tr, scanStep{at: t0.Add(10 * time.Second), listed: map[uint32]string{10: testContainerA}, samples: map[uint32]delays{10: cpu(time.Hour + 4*time.Second)}})
	assert.Equal(t, cpu(4*time.Second), totals(tr)[testContainerA])
}

func TestNewProcessCountsItsWholeHistory(t *testing.T) {
	tr := newTestTracker()
	runScan(t, tr, scanStep{at: t0, listed: map[uint32]string{10: testContainerA}, samples: map[uint32]delays{10: {}}})
	runScan(t, tr, scanStep{
		at:      t0.Add(10 * time.Second),
		listed:  map[uint32]string{10: testContainerA, 11: testContainerA, 20: "/user.slice"},
		samples: map[uint32]delays{10: cpu(time.Second), 11: cpu(3 * time.Second)},
	})
	assert.Equal(t, cpu(4*time.Second), totals(tr)[testContainerA])
	assert.Len(t, totals(tr), 1, "host processes get no container")
}

func TestExitCreditsTheTailAndRemovesTheProcess(t *testing.T) {
	tr := newTestTracker()
	runScan(t, tr, scanStep{at: t0, listed: map[uint32]string{10: testContainerA}, samples: map[uint32]delays{10: cpu(time.Second)}})
	runScan(t, tr, scanStep{at: t0.Add(10 * time.Second), listed: map[uint32]string{10: testContainerA}, samples: map[uint32]delays{10: cpu(3 * time.Second)}})

	v := tr.exit(singleExit(10, 1, cpu(7*time.Second), time.Hour), t0.Add(15*time.Second))
	assert.Equal(t, exitSettled, v)
	assert.Equal(t, cpu(6*time.Second), totals(tr)[testContainerA], "2s sampled + 4s tail")

	// The scrape that queried the process just before it exited must not
	// count it a second time.
	tr.applySample(10, cpu(5*time.Second), 1, t0.Add(16*time.Second))
	assert.Equal(t, cpu(6*time.Second), totals(tr)[testContainerA])
	_, st := tr.snapshot()
	assert.Equal(t, int64(1), st.exits[exitTracked])
}

func TestShortLivedProcessIsAdoptedByItsParentsContainer(t *testing.T) {
	tr := newTestTracker()
	runScan(t, tr, scanStep{at: t0, listed: map[uint32]string{10: testContainerA, 30: "/"}, samples: map[uint32]delays{10: {}}})

	// Never listed by a scan: a child of 10 that lived 2s.
	assert.Equal(t, exitSettled, tr.exit(singleExit(11, 10, cpu(1500*time.Millisecond), 2*time.Second), t0.Add(3*time.Second)))
	// A child of a host process.
	assert.Equal(t, exitSettled, tr.exit(singleExit(31, 30, cpu(time.Second), 2*time.Second), t0.Add(3*time.Second)))
	// A child of an unknown parent: the caller must resolve the parent.
	orphan := singleExit(41, 40, cpu(time.Second), 2*time.Second)
	require.Equal(t, exitNeedParent, tr.exit(orphan, t0.Add(3*time.Second)))
	tr.adopt(orphan, containerid.Classify(testContainerB), true, true, t0.Add(3*time.Second))
	// Its sibling now costs a lookup only.
	assert.Equal(t, exitSettled, tr.exit(singleExit(42, 40, cpu(time.Second), time.Second), t0.Add(4*time.Second)))
	// A parent that had already gone when its child's exit was read: the
	// child waits for the parent's own exit, whose parent (10) is known.
	parked := singleExit(51, 50, cpu(time.Second), time.Second)
	require.Equal(t, exitNeedParent, tr.exit(parked, t0.Add(3*time.Second)))
	tr.adopt(parked, containerid.Identity{}, false, false, t0.Add(3*time.Second))
	assert.Equal(t, exitSettled, tr.exit(singleExit(50, 10, cpu(100*time.Millisecond), time.Second), t0.Add(3*time.Second)))
	// One whose parent never shows up expires after a scrape interval.
	stray := singleExit(61, 60, cpu(time.Second), time.Second)
	require.Equal(t, exitNeedParent, tr.exit(stray, t0.Add(3*time.Second)))
	tr.adopt(stray, containerid.Identity{}, false, false, t0.Add(3*time.Second))
	runScan(t, tr, scanStep{at: t0.Add(10 * time.Second), listed: map[uint32]string{10: testContainerA, 30: "/"}})
	runScan(t, tr, scanStep{at: t0.Add(20 * time.Second), listed: map[uint32]string{10: testContainerA, 30: "/"}})

	got := totals(tr)
	assert.Equal(t, cpu(2600*time.Millisecond), got[testContainerA], "1.5s + parked 1s + its parent's 0.1s")
	assert.Equal(t, cpu(2*time.Second), got[testContainerB])
	_, st := tr.snapshot()
	assert.Equal(t, [numExitOutcomes]int64{exitAdopted: 5, exitIgnored: 1, exitUnattributed: 1}, st.exits)
	assert.Zero(t, tr.parkedCount)
}

func TestThreadExitOfLiveProcessIsNotAnExit(t *testing.T) {
	tr := newTestTracker()
	n := exitNotification{task: aggregate{id: 101, stats: taskstatsRecord{pid: 101, tgid: 100, hasTGID: true}}}
	assert.Equal(t, exitNotAGroup, tr.exit(n, t0))
}

func TestImplausibleDeltaIsRejectedAndCounted(t *testing.T) {
	tr := newTestTracker()
	runScan(t, tr, scanStep{at: t0, listed: map[uint32]string{10: testContainerA}, samples: map[uint32]delays{10: {}}})
	// 10s elapsed with one thread: a 30-day disk delay jump is the kernel
	// glitch, the 2s of CPU delay is real.
	runScan(t, tr, scanStep{at: t0.Add(10 * time.Second), listed: map[uint32]string{10: testContainerA},
		samples: map[uint32]delays{10: {cpuDelay: uint64(2 * time.Second), diskDelay: uint64(30 * 24 * time.Hour)}}})
	// The next sample grows normally from the glitched value.
	runScan(t, tr, scanStep{at: t0.Add(20 * time.Second), listed: map[uint32]string{10: testContainerA},
		samples: map[uint32]delays{10: {cpuDelay: uint64(3 * time.Second), diskDelay: uint64(30*24*time.Hour + time.Second)}}})

	assert.Equal(t, delays{cpuDelay: uint64(3 * time.Second), diskDelay: uint64(time.Second)}, totals(tr)[testContainerA])
	_, st := tr.snapshot()
	assert.Equal(t, int64(1), st.rejected[diskDelay])
	assert.Equal(t, int64(0), st.rejected[cpuDelay])
}

// sampleTenSecondsApart samples process 10 of container A twice, 10s apart:
// no delay with threadsBefore threads, then cur with threadsAfter.
func sampleTenSecondsApart(t *testing.T, threadsBefore, threadsAfter uint32, cur delays) *tracker {
	t.Helper()
	tr := newTestTracker()
	tr.beginScan(t0)
	require.True(t, tr.admit(10, containerid.Classify(testContainerA), true, t0))
	tr.applySample(10, delays{}, threadsBefore, t0)
	tr.endScan(t0, 1)
	later := t0.Add(10 * time.Second)
	tr.beginScan(later)
	tr.seen(10)
	tr.applySample(10, cur, threadsAfter, later)
	tr.endScan(later, 1)
	return tr
}

func TestManyThreadsMayWaitLongerThanWallTime(t *testing.T) {
	tr := sampleTenSecondsApart(t, 8, 8, cpu(60*time.Second))
	assert.Equal(t, cpu(60*time.Second), totals(tr)[testContainerA], "8 threads can wait 80s in 10s")
}

// TestThreadsThatEndedStillBoundTheirDelay: a pool of 8 threads waits 60s
// in 10s and ends just before the next sample, which sees 2 threads left
// and the pool's delay in the group's totals. The bound must still allow 8
// threads' worth, or the whole interval is lost.
func TestThreadsThatEndedStillBoundTheirDelay(t *testing.T) {
	tr := sampleTenSecondsApart(t, 8, 2, cpu(60*time.Second))
	assert.Equal(t, cpu(60*time.Second), totals(tr)[testContainerA])
	_, st := tr.snapshot()
	assert.Zero(t, st.rejected[cpuDelay])
}

func TestCounterGoingBackwardsIsRebaselined(t *testing.T) {
	tr := newTestTracker()
	runScan(t, tr, scanStep{at: t0, listed: map[uint32]string{10: testContainerA}, samples: map[uint32]delays{10: cpu(5 * time.Second)}})
	runScan(t, tr, scanStep{at: t0.Add(10 * time.Second), listed: map[uint32]string{10: testContainerA}, samples: map[uint32]delays{10: cpu(time.Second)}})
	runScan(t, tr, scanStep{at: t0.Add(20 * time.Second), listed: map[uint32]string{10: testContainerA}, samples: map[uint32]delays{10: cpu(2 * time.Second)}})
	assert.Equal(t, cpu(time.Second), totals(tr)[testContainerA])
	_, st := tr.snapshot()
	assert.Equal(t, int64(1), st.rejected[cpuDelay])
}

func TestCapsDropAndCount(t *testing.T) {
	tr := newTracker(3, 1, time.Minute)
	runScan(t, tr, scanStep{at: t0, listed: map[uint32]string{10: testContainerA, 11: testContainerB}})
	runScan(t, tr, scanStep{at: t0.Add(time.Second), listed: map[uint32]string{10: testContainerA, 11: testContainerB, 12: "/", 13: "/", 14: "/"}})
	_, st := tr.snapshot()
	assert.Equal(t, int64(1), st.dropped[dropMaxContainers])
	assert.Positive(t, st.dropped[dropMaxProcesses])
	assert.LessOrEqual(t, len(tr.procs), 3)
	assert.Len(t, tr.containers, 1)
}

func TestVanishedProcessIsCountedAsLostAndIdleContainerDropped(t *testing.T) {
	tr := newTracker(100, 10, 30*time.Second)
	runScan(t, tr, scanStep{at: t0, listed: map[uint32]string{10: testContainerA}, samples: map[uint32]delays{10: {}}})
	// The process disappears and no exit notification comes.
	for i := 1; i <= 3; i++ {
		runScan(t, tr, scanStep{at: t0.Add(time.Duration(i) * 10 * time.Second)})
	}
	_, st := tr.snapshot()
	assert.Equal(t, int64(1), st.exitsLost)
	assert.Contains(t, totals(tr), testContainerA, "kept until idle for container_idle_timeout")

	runScan(t, tr, scanStep{at: t0.Add(2 * time.Minute)})
	assert.NotContains(t, totals(tr), testContainerA)
}

func TestExitedProcessListedByTheSameScanIsNotCountedTwice(t *testing.T) {
	tr := newTestTracker()
	runScan(t, tr, scanStep{at: t0, listed: map[uint32]string{10: testContainerA}, samples: map[uint32]delays{10: {}}})

	// The scan lists pid 11, which then exits (a child of 10) before the
	// scan gets to it; the zombie could still be resolved and queried.
	tr.beginScan(t0.Add(10 * time.Second))
	require.Equal(t, exitSettled, tr.exit(singleExit(11, 10, cpu(time.Second), time.Second), t0.Add(10*time.Second)))
	assert.False(t, tr.admit(11, containerid.Classify(testContainerA), true, t0.Add(10*time.Second)))
	tr.applySample(11, cpu(time.Second), 1, t0.Add(10*time.Second))
	tr.endScan(t0.Add(10*time.Second), 1)

	assert.Equal(t, cpu(time.Second), totals(tr)[testContainerA])
}

// TestRefreshedIdentityIsKept: refreshIdentities replaces each container's
// identity by what refresh makes of it, and gives refresh the identity it
// made last time; the container's counters stay.
func TestRefreshedIdentityIsKept(t *testing.T) {
	tr := newTestTracker()
	runScan(t, tr, scanStep{at: t0, listed: map[uint32]string{10: testContainerA}, samples: map[uint32]delays{10: {}}})
	runScan(t, tr, scanStep{at: t0.Add(10 * time.Second), listed: map[uint32]string{10: testContainerA}, samples: map[uint32]delays{10: cpu(time.Second)}})

	tr.refreshIdentities(func(id containerid.Identity) containerid.Identity {
		id.Name = "web"
		return id
	})
	var given []containerid.Identity
	tr.refreshIdentities(func(id containerid.Identity) containerid.Identity {
		given = append(given, id)
		return id
	})
	require.Len(t, given, 1)
	assert.Equal(t, "web", given[0].Name, "refresh is given the identity made last")
	snap, _ := tr.snapshot()
	require.Len(t, snap, 1)
	assert.Equal(t, "web", snap[0].identity.Name)
	assert.Equal(t, cpu(time.Second), snap[0].total, "the same counters")
}
