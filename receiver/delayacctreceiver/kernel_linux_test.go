// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/containerid/containeridtest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
	"github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver/internal/metadata"
)

// Kernel tests: real taskstats over netlink, real cgroups, real processes.
// They need root, the cgroup v1 cpuset and memory hierarchies and the
// unified one beside them (the dev and CI machines are hybrid) and a kernel
// with delay accounting; under CI=true a missing prerequisite fails them.

const (
	cpusetRoot  = "/sys/fs/cgroup/cpuset"
	memoryRoot  = "/sys/fs/cgroup/memory"
	unifiedRoot = "/sys/fs/cgroup/unified"
)

// kernelTestHierarchies are the cgroup hierarchies the container
// tests run under: a test container exists at one path in every mounted
// hierarchy, as a runtime (or the bench scripts) makes it, and each setting
// must attribute it from its own tree.
var kernelTestHierarchies = []string{containerid.HierarchyV1, containerid.HierarchyV2}

// requireTaskstats checks the prerequisites and turns delay accounting on for
// the test, restoring the previous setting afterwards.
func requireTaskstats(t testing.TB) {
	t.Helper()
	testenv.RequireRoot(t)
	_, err := os.Stat(filepath.Join(cpusetRoot, "cpuset.cpus"))
	testenv.Require(t, err == nil, "cgroup v1 cpuset hierarchy at "+cpusetRoot)
	_, err = os.Stat(filepath.Join(memoryRoot, "memory.limit_in_bytes"))
	testenv.Require(t, err == nil, "cgroup v1 memory hierarchy at "+memoryRoot)
	_, err = os.Stat(filepath.Join(unifiedRoot, "cgroup.controllers"))
	testenv.Require(t, err == nil, "cgroup v2 hierarchy at "+unifiedRoot)
	conn, err := dialTaskstats()
	testenv.Require(t, err == nil, fmt.Sprintf("taskstats generic netlink family (%v)", err))
	require.NoError(t, conn.Close())

	sw := newDelayAcctSwitch("/proc")
	prev, err := os.ReadFile(sw.path)
	testenv.Require(t, err == nil, "kernel.task_delayacct sysctl")
	require.NoError(t, sw.enable())
	t.Cleanup(func() { _ = os.WriteFile(sw.path, prev, 0o644) })
}

// testContainer is a cgroup named like a Docker container in the cpuset,
// memory and unified hierarchies; containerid follows the memory one (v1) or
// the unified one (v2) for identity.
type testContainer struct {
	id   string
	dirs []string
}

func newTestContainer(t testing.TB, cpus string) *testContainer {
	t.Helper()
	id := randomContainerID()
	return newSplitTestContainer(t, cpus, id, id)
}

func randomContainerID() string {
	buf := make([]byte, 32)
	_, _ = rand.Read(buf)
	return hex.EncodeToString(buf)
}

// newSplitTestContainer names the container v1ID in the v1 hierarchies and
// v2ID in the unified one. With different ids, what a scrape reports tells
// which hierarchy attributed the processes; id is v1ID.
func newSplitTestContainer(t testing.TB, cpus, v1ID, v2ID string) *testContainer {
	t.Helper()
	c := &testContainer{id: v1ID}
	// The cpuset parent needs cpus and mems before a child can have any.
	parent := filepath.Join(cpusetRoot, "docker")
	if _, err := os.Stat(parent); errors.Is(err, os.ErrNotExist) {
		require.NoError(t, os.Mkdir(parent, 0o755))
		copyCgroupFile(t, cpusetRoot, parent, "cpuset.cpus")
		copyCgroupFile(t, cpusetRoot, parent, "cpuset.mems")
	}
	cs := filepath.Join(parent, v1ID)
	require.NoError(t, os.Mkdir(cs, 0o755))
	c.dirs = append(c.dirs, cs)
	require.NoError(t, os.WriteFile(filepath.Join(cs, "cpuset.cpus"), []byte(cpus), 0o644))
	copyCgroupFile(t, parent, cs, "cpuset.mems")
	mem := filepath.Join(memoryRoot, "docker", v1ID)
	require.NoError(t, os.MkdirAll(mem, 0o755))
	c.dirs = append(c.dirs, mem)
	// No controller is enabled in the unified tree on these hosts, so any
	// cgroup there can hold processes.
	unified := filepath.Join(unifiedRoot, "docker", v2ID)
	require.NoError(t, os.MkdirAll(unified, 0o755))
	c.dirs = append(c.dirs, unified)
	t.Cleanup(c.remove)
	return c
}

func copyCgroupFile(t testing.TB, from, to, name string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(from, name))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(to, name), b, 0o644))
}

// run starts script with sh inside the container: the shell moves itself
// into the cgroups before anything else runs, then execs the script.
func (c *testContainer) run(t testing.TB, script string) *exec.Cmd {
	t.Helper()
	var join strings.Builder
	for _, d := range c.dirs {
		fmt.Fprintf(&join, "echo $$ > %s/cgroup.procs && ", d)
	}
	cmd := exec.Command("/bin/sh", "-c", join.String()+"exec /bin/sh -c '"+script+"'")
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	// Return once the shell is in every cgroup, so the first scrape sees it.
	pid := strconv.Itoa(cmd.Process.Pid)
	require.Eventually(t, func() bool {
		for _, d := range c.dirs {
			b, _ := os.ReadFile(filepath.Join(d, "cgroup.procs"))
			if !slices.Contains(strings.Fields(string(b)), pid) {
				return false
			}
		}
		return true
	}, 5*time.Second, 5*time.Millisecond, "process %s joins the container's cgroups", pid)
	return cmd
}

// remove kills what is left in the cgroups and removes them.
func (c *testContainer) remove() {
	for _, d := range c.dirs {
		for range 50 {
			b, _ := os.ReadFile(filepath.Join(d, "cgroup.procs"))
			pids := strings.Fields(string(b))
			if len(pids) == 0 {
				break
			}
			for _, p := range pids {
				if pid, err := strconv.Atoi(p); err == nil {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		_ = os.Remove(d)
	}
}

// startScraper starts the receiver's scraper as the collector would, on a
// host whose container_identity extension maps the cgroup hierarchy
// hierarchy, without Docker names.
func startScraper(t *testing.T, hierarchy string) *delayScraper {
	t.Helper()
	return startScraperWith(t, createDefaultConfig().(*Config), containerid.Config{Hierarchy: hierarchy, DisableDocker: true})
}

func startScraperWith(t *testing.T, cfg *Config, idCfg containerid.Config) *delayScraper {
	t.Helper()
	host, resolver := containeridtest.Host(t, idCfg)
	cfg.ContainerIdentity = containeridtest.ID()
	require.NoError(t, cfg.Validate())
	s := newDelayScraper(cfg, receivertest.NewNopSettings(metadata.Type))
	require.NoError(t, s.start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, s.shutdown(context.Background())) })
	require.NotNil(t, s.conn, "taskstats connection")
	require.NotNil(t, s.exits, "exit listener")
	require.Same(t, resolver, s.resolver, "the extension's resolver, not a private one")
	wantKind := map[string]containerid.HierarchyKind{containerid.HierarchyV1: containerid.V1Memory, containerid.HierarchyV2: containerid.V2}[idCfg.Hierarchy]
	assert.Equal(t, wantKind, resolver.Hierarchy().Kind, "cgroup hierarchy %s", idCfg.Hierarchy)
	return s
}

// forEachHierarchy runs a container test under every kernelTestHierarchies
// setting, with the same assertions.
func forEachHierarchy(t *testing.T, test func(t *testing.T, hierarchy string)) {
	requireTaskstats(t)
	for _, hierarchy := range kernelTestHierarchies {
		t.Run(hierarchy, func(t *testing.T) { test(t, hierarchy) })
	}
}

func scrape(t *testing.T, s *delayScraper) pmetric.Metrics {
	t.Helper()
	m, err := s.scrape(context.Background())
	require.NoError(t, err)
	return m
}

// containerValue returns the value of a metric for one container.
func containerValue(t *testing.T, m pmetric.Metrics, containerID, metric string) (float64, bool) {
	t.Helper()
	rms := m.ResourceMetrics()
	for i := range rms.Len() {
		rm := rms.At(i)
		id, ok := rm.Resource().Attributes().Get("container.id")
		if !ok || id.Str() != containerID {
			continue
		}
		ms := rm.ScopeMetrics().At(0).Metrics()
		for j := range ms.Len() {
			if ms.At(j).Name() == metric {
				return ms.At(j).Sum().DataPoints().At(0).DoubleValue(), true
			}
		}
	}
	return 0, false
}

// selfValue returns a receiver self-metric, summed over its attributes, or
// the point with the given attribute value.
func selfValue(m pmetric.Metrics, metric, attrKey, attrValue string) int64 {
	var total int64
	rms := m.ResourceMetrics()
	for i := range rms.Len() {
		ms := rms.At(i).ScopeMetrics().At(0).Metrics()
		for j := range ms.Len() {
			mt := ms.At(j)
			if mt.Name() != metric {
				continue
			}
			var dps pmetric.NumberDataPointSlice
			if mt.Type() == pmetric.MetricTypeGauge {
				dps = mt.Gauge().DataPoints()
			} else {
				dps = mt.Sum().DataPoints()
			}
			for k := range dps.Len() {
				if attrKey != "" {
					v, _ := dps.At(k).Attributes().Get(attrKey)
					if v.Str() != attrValue {
						continue
					}
				}
				total += dps.At(k).IntValue()
			}
		}
	}
	return total
}

const busyLoop = `while :; do :; done`

func TestKernelCPUContentionDelaysOnlyTheBusyContainer(t *testing.T) {
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		busy := newTestContainer(t, "0")
		idle := newTestContainer(t, "0")
		busy.run(t, busyLoop)
		busy.run(t, busyLoop)
		// Idle means no wakeups: a container whose process sleeps throughout.
		// (A loop of short sleeps would wait for the contended CPU at each
		// wakeup, which is real delay, just not an idle container.)
		idle.run(t, `sleep 3600`)

		s := startScraper(t, hierarchy)
		first := scrape(t, s)
		start := time.Now()
		cpuBefore, ok := containerValue(t, first, busy.id, "container.resources.cpu.delay")
		require.True(t, ok, "busy container reported")
		idleBefore, ok := containerValue(t, first, idle.id, "container.resources.cpu.delay")
		require.True(t, ok, "idle container reported")

		time.Sleep(4 * time.Second)
		second := scrape(t, s)
		elapsed := time.Since(start).Seconds()
		cpuAfter, _ := containerValue(t, second, busy.id, "container.resources.cpu.delay")
		idleAfter, _ := containerValue(t, second, idle.id, "container.resources.cpu.delay")

		// Two busy loops sharing one CPU: each waits about half the time, so
		// together they wait about the elapsed time.
		assert.GreaterOrEqual(t, cpuAfter-cpuBefore, elapsed/2, "busy container CPU delay over %.1fs", elapsed)
		assert.Less(t, idleAfter-idleBefore, 0.05, "idle container CPU delay")
		assert.Equal(t, int64(1), selfValue(second, "otelcol_node.delay_acct.enabled", "", ""))
		assert.GreaterOrEqual(t, selfValue(second, "otelcol_node.delay_acct.processes", "", ""), int64(3))
		t.Logf("busy: %.3fs of CPU delay in %.3fs; idle: %.4fs", cpuAfter-cpuBefore, elapsed, idleAfter-idleBefore)
	})
}

func TestKernelDirectIODelaysDisk(t *testing.T) {
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		// The directory first: cleanups run last-in first-out, so it is
		// removed only after the container's processes (the dd children
		// included) are killed.
		file := filepath.Join(t.TempDir(), "direct")
		c := newTestContainer(t, "0-1")
		// The loop shell stays in the container; every dd is a short-lived child
		// writing synchronously past the page cache.
		c.run(t, fmt.Sprintf(`while :; do dd if=/dev/zero of=%s bs=64k count=64 oflag=direct,dsync status=none; done`, file))

		s := startScraper(t, hierarchy)
		first := scrape(t, s)
		before, ok := containerValue(t, first, c.id, "container.resources.disk.delay")
		require.True(t, ok, "container reported")
		time.Sleep(3 * time.Second)
		second := scrape(t, s)
		after, _ := containerValue(t, second, c.id, "container.resources.disk.delay")
		assert.Greater(t, after-before, 0.0, "disk delay grows under O_DIRECT|O_DSYNC writes")
		t.Logf("disk delay %.4fs in 3s", after-before)
	})
}

func TestKernelShortLivedProcessesStillCount(t *testing.T) {
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		c := newTestContainer(t, "0")
		// Pairs of busy children that each live 0.3s, far less than the scrape
		// interval: no scan ever sees most of them; their exits carry the delay.
		c.run(t, `while :; do timeout 0.3 sh -c "`+busyLoop+`" & timeout 0.3 sh -c "`+busyLoop+`"; wait; done`)

		s := startScraper(t, hierarchy)
		first := scrape(t, s)
		before, ok := containerValue(t, first, c.id, "container.resources.cpu.delay")
		require.True(t, ok, "container reported")
		start := time.Now()
		time.Sleep(4 * time.Second)
		second := scrape(t, s)
		elapsed := time.Since(start).Seconds()
		after, _ := containerValue(t, second, c.id, "container.resources.cpu.delay")

		_, st := s.tracker.snapshot()
		t.Logf("exits %v lost %d", st.exits, st.exitsLost)
		assert.GreaterOrEqual(t, after-before, elapsed/4, "CPU delay of short-lived processes over %.1fs", elapsed)
		assert.GreaterOrEqual(t, selfValue(second, "otelcol_node.delay_acct.exits", "outcome", "adopted"), int64(4),
			"short-lived children are credited through their parent")
		t.Logf("short-lived: %.3fs of CPU delay in %.3fs", after-before, elapsed)
	})
}

// TestKernelExitBurstIsReadWhole: a burst of exits is read in full and
// promptly, however the listener paces its wake-ups.
func TestKernelExitBurstIsReadWhole(t *testing.T) {
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		const burst = 500
		c := newTestContainer(t, "0")
		trigger := filepath.Join(t.TempDir(), "go")
		c.run(t, fmt.Sprintf(`while [ ! -e %s ]; do sleep 0.05; done; i=0; while [ $i -lt %d ]; do /bin/true; i=$((i+1)); done; exec sleep 3600`, trigger, burst))

		s := startScraper(t, hierarchy)
		scrape(t, s) // the container's shell is known: the burst is adopted through it
		_, st := s.tracker.snapshot()
		before := st.exits[exitAdopted]
		require.NoError(t, os.WriteFile(trigger, nil, 0o644))
		assert.Eventually(t, func() bool {
			_, st := s.tracker.snapshot()
			return st.exits[exitAdopted]-before >= burst
		}, 10*time.Second, 50*time.Millisecond, "exits of the burst")
		_, st = s.tracker.snapshot()
		t.Logf("exits %v lost %d", st.exits, st.exitsLost)
		assert.Zero(t, st.exitsLost)
	})
}

func TestKernelExitBetweenScrapesKeepsTheTail(t *testing.T) {
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		c := newTestContainer(t, "0")
		a := c.run(t, busyLoop)
		b := c.run(t, busyLoop)

		s := startScraper(t, hierarchy)
		scrape(t, s) // baseline
		time.Sleep(time.Second)
		mid := scrape(t, s)
		before, _ := containerValue(t, mid, c.id, "container.resources.cpu.delay")
		kernelBefore := runDelay(t, a.Process.Pid) + runDelay(t, b.Process.Pid)
		start := time.Now()
		time.Sleep(2 * time.Second)
		// Both processes exit before the next scrape: only their exit records
		// carry the last two seconds.
		kernelTail := runDelay(t, a.Process.Pid) + runDelay(t, b.Process.Pid) - kernelBefore
		require.NoError(t, a.Process.Kill())
		require.NoError(t, b.Process.Kill())
		_, _ = a.Process.Wait()
		_, _ = b.Process.Wait()
		elapsed := time.Since(start).Seconds()
		// Settled exits leave the tracker; counting tracked exits would not
		// do, as other tests' containers on the machine exit too.
		require.Eventually(t, func() bool {
			return !trackerKnows(s.tracker, a.Process.Pid) && !trackerKnows(s.tracker, b.Process.Pid)
		}, 5*time.Second, 50*time.Millisecond, "exit notifications of the two tracked processes")
		_, st := s.tracker.snapshot()
		// Everything that could explain a short tail, should it ever be short.
		t.Logf("exits %v lost %d rejected %v query errors %d", st.exits, st.exitsLost, st.rejected, st.queryErrors)
		last := scrape(t, s)
		after, _ := containerValue(t, last, c.id, "container.resources.cpu.delay")
		// The kernel's own run_delay of the two, read around the sleep, is the
		// truth: two loops pinned to one CPU wait about half of it each, but a
		// loaded machine can make it less (a third task, CPU-time stolen from
		// the VM), and the tail must be kept whatever it was.
		t.Logf("tail %.3fs, kernel run_delay %.3fs, over %.3fs", after-before, kernelTail, elapsed)
		require.Greater(t, kernelTail, elapsed/4, "the two loops did not contend for the CPU")
		assert.InDelta(t, kernelTail, after-before, 0.05+0.05*kernelTail, "tail of exited processes over %.1fs", elapsed)
	})
}

// trackerKnows tells whether tr still has an entry for pid, which a settled
// exit removes.
func trackerKnows(tr *tracker, pid int) bool {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	_, ok := tr.procs[uint32(pid)]
	return ok
}

// runDelay is the time pid has spent runnable but waiting for a CPU, in
// seconds: the second field of /proc/<pid>/schedstat, the counter taskstats
// reports as cpu_delay_total.
func runDelay(t *testing.T, pid int) float64 {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
	require.NoError(t, err)
	fields := strings.Fields(string(raw))
	require.Len(t, fields, 3, "/proc/%d/schedstat: %q", pid, raw)
	ns, err := strconv.ParseUint(fields[1], 10, 64)
	require.NoError(t, err)
	return float64(ns) / 1e9
}

func TestKernelDelayAcctSwitchIsReported(t *testing.T) {
	requireTaskstats(t)
	sw := newDelayAcctSwitch("/proc")
	require.NoError(t, os.WriteFile(sw.path, []byte("0\n"), 0o644))

	host, _ := containeridtest.Host(t, containerid.Config{DisableDocker: true})
	cfg := createDefaultConfig().(*Config)
	cfg.EnableDelayAcct = false
	cfg.ExitNotifications = false
	cfg.ContainerIdentity = containeridtest.ID()
	s := newDelayScraper(cfg, receivertest.NewNopSettings(metadata.Type))
	require.NoError(t, s.start(context.Background(), host))
	defer func() { require.NoError(t, s.shutdown(context.Background())) }()
	assert.Equal(t, int64(0), selfValue(scrape(t, s), "otelcol_node.delay_acct.enabled", "", ""), "off is reported, not hidden")

	// With enable_delayacct the receiver turns it on at start.
	cfg2 := createDefaultConfig().(*Config)
	cfg2.ExitNotifications = false
	cfg2.ContainerIdentity = containeridtest.ID()
	s2 := newDelayScraper(cfg2, receivertest.NewNopSettings(metadata.Type))
	require.NoError(t, s2.start(context.Background(), host))
	defer func() { require.NoError(t, s2.shutdown(context.Background())) }()
	state, err := sw.state()
	require.NoError(t, err)
	assert.Equal(t, delayAcctOn, state)
	assert.Equal(t, int64(1), selfValue(scrape(t, s2), "otelcol_node.delay_acct.enabled", "", ""))
}

// TestKernelAttributionFollowsTheChosenHierarchy: a process whose v1 cgroups
// name one container and whose v2 cgroup names another is reported under
// the container of the chosen hierarchy only. On a hybrid host this is what
// tells a v2 attribution from a v1 one.
func TestKernelAttributionFollowsTheChosenHierarchy(t *testing.T) {
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		v1ID, v2ID := randomContainerID(), randomContainerID()
		c := newSplitTestContainer(t, "0-1", v1ID, v2ID)
		c.run(t, `sleep 3600`)
		want, other := v1ID, v2ID
		if hierarchy == containerid.HierarchyV2 {
			want, other = v2ID, v1ID
		}

		s := startScraper(t, hierarchy)
		m := scrape(t, s)

		_, ok := containerValue(t, m, want, "container.resources.cpu.delay")
		assert.True(t, ok, "reported under the %s container", hierarchy)
		_, ok = containerValue(t, m, other, "container.resources.cpu.delay")
		assert.False(t, ok, "not reported under the other hierarchy's container")
	})
}
