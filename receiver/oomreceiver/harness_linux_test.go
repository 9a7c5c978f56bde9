// SPDX-License-Identifier: Apache-2.0

package oomreceiver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/containerid/containeridtest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
	"github.com/otelcol-node/otelcol-node/receiver/oomreceiver/internal/metadata"
)

// recordDir, when set, makes the kernel tests save the raw ring-buffer
// records of their own kills as replay fixtures (testdata/replay/<scenario>/).
var recordDir = flag.String("oom.record", "", "save raw records of the test kills under this directory")

const (
	memoryCgroupRoot  = "/sys/fs/cgroup/memory"
	unifiedCgroupRoot = "/sys/fs/cgroup/unified"
	testMemoryLimit   = 32 << 20
	// killTimeout bounds one OOM kill plus its delivery; a kill at 32 MiB
	// takes well under a second.
	killTimeout = 20 * time.Second
)

// statusHost records the component status events a receiver reports.
type statusHost struct {
	component.Host
	mu     sync.Mutex
	events []*componentstatus.Event
}

func (h *statusHost) Report(ev *componentstatus.Event) {
	h.mu.Lock()
	h.events = append(h.events, ev)
	h.mu.Unlock()
}

func (h *statusHost) permanentErrors() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	for _, ev := range h.events {
		if ev.Status() == componentstatus.StatusPermanentError {
			errs = append(errs, ev.Err())
		}
	}
	return errs
}

// testReceiver is a metrics and a logs instance of one configured receiver,
// on a host whose container_identity extension offers resolver. The metrics
// instance is scraped by the test (scrape), not by a timer: the test takes a
// scrape when it wants one, whatever the collection interval.
type testReceiver struct {
	scraper  *oomScraper
	logs     *consumertest.LogsSink
	host     *statusHost
	recorder *recorder
	resolver *containerid.Resolver
}

// startTestReceiver starts both instances the way the factory makes them,
// attributing through a container identity resolver of idCfg.
func startTestReceiver(t *testing.T, opts sourceOptions, idCfg containerid.Config) *testReceiver {
	t.Helper()
	testenv.RequireRoot(t)
	rec := &recorder{byPID: map[uint32][][]byte{}, cgroupIDs: map[uint32][]uint64{}}
	opts.onRecord = rec.onRecord
	ss := newSharedSources()
	ss.opts = opts
	cfg := createDefaultConfig().(*Config)
	cfg.ContainerIdentity = containeridtest.ID()
	require.NoError(t, cfg.Validate())

	idHost, resolver := containeridtest.Host(t, idCfg)
	tr := &testReceiver{logs: new(consumertest.LogsSink), host: &statusHost{Host: idHost}, recorder: rec, resolver: resolver}
	set := receivertest.NewNopSettings(metadata.Type)
	metricsShared, err := ss.load(cfg, set)
	require.NoError(t, err)
	tr.scraper = newOOMScraper(metricsShared, cfg, set)
	logsShared, err := ss.load(cfg, set)
	require.NoError(t, err)
	lr := newLogsReceiver(logsShared, cfg, set, tr.logs)
	require.NoError(t, tr.scraper.start(context.Background(), tr.host))
	require.NoError(t, lr.Start(context.Background(), tr.host))
	t.Cleanup(func() {
		assert.NoError(t, lr.Shutdown(context.Background()))
		assert.NoError(t, tr.scraper.shutdown(context.Background()))
	})
	require.Empty(t, tr.host.permanentErrors(), "the receiver must not start degraded")
	return tr
}

// withHierarchy is the container identity of a kernel test run under one of
// kernelTestHierarchies, without Docker names.
func withHierarchy(hierarchy string) containerid.Config {
	return containerid.Config{Hierarchy: hierarchy, DisableDocker: true}
}

// scrape takes one scrape of the metrics instance now.
func (tr *testReceiver) scrape(t *testing.T) pmetric.Metrics {
	t.Helper()
	m, err := tr.scraper.scrape(context.Background())
	require.NoError(t, err)
	return m
}

// recorder keeps the raw records of the test's own kills when -oom.record is set.
// It also keeps the cgroup id the kernel reported for every kill.
type recorder struct {
	mu        sync.Mutex
	byPID     map[uint32][][]byte
	cgroupIDs map[uint32][]uint64
}

func (r *recorder) onRecord(raw []byte, k kill) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byPID[k.PID] = append(r.byPID[k.PID], append([]byte(nil), raw...))
	r.cgroupIDs[k.PID] = append(r.cgroupIDs[k.PID], k.CgroupID)
}

// cgroupIDsOf returns the cgroup ids the kernel reported for the kills of pid.
func (r *recorder) cgroupIDsOf(pid int) []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]uint64(nil), r.cgroupIDs[uint32(pid)]...)
}

// save writes the records of pid to <recordDir>/<scenario>/<n>.bin.
func (r *recorder) save(t *testing.T, scenario string, pid int) {
	t.Helper()
	if *recordDir == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	dir := filepath.Join(*recordDir, scenario)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for i, raw := range r.byPID[uint32(pid)] {
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.bin", i)), raw, 0o644))
	}
}

// killRecords returns the kill log records of pid with their resources.
func (tr *testReceiver) killRecords(pid int) ([]plog.LogRecord, []pcommon.Resource) {
	var recs []plog.LogRecord
	var res []pcommon.Resource
	for _, logs := range tr.logs.AllLogs() {
		for i := 0; i < logs.ResourceLogs().Len(); i++ {
			rl := logs.ResourceLogs().At(i)
			for j := 0; j < rl.ScopeLogs().Len(); j++ {
				lrs := rl.ScopeLogs().At(j).LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					if v, ok := lrs.At(k).Attributes().Get("process.pid"); ok && v.Int() == int64(pid) {
						recs = append(recs, lrs.At(k))
						res = append(res, rl.Resource())
					}
				}
			}
		}
	}
	return recs, res
}

// waitKillRecord waits for the kill log record of pid and returns it.
func (tr *testReceiver) waitKillRecord(t *testing.T, pid int) (plog.LogRecord, pcommon.Resource) {
	t.Helper()
	require.Eventually(t, func() bool {
		recs, _ := tr.killRecords(pid)
		return len(recs) > 0
	}, killTimeout, 20*time.Millisecond, "no kill log record for pid %d", pid)
	recs, res := tr.killRecords(pid)
	require.Len(t, recs, 1, "exactly one kill record for pid %d", pid)
	return recs[0], res[0]
}

// oomKillsOf scrapes and returns the container.oom_kills value on the
// resource whose container.id is containerID ("" = the resource without
// container.id).
func (tr *testReceiver) oomKillsOf(t *testing.T, containerID string) (int64, bool) {
	t.Helper()
	return oomKillsIn(tr.scrape(t), containerID)
}

// oomKillsIn returns the container.oom_kills value of containerID in m.
func oomKillsIn(m pmetric.Metrics, containerID string) (int64, bool) {
	rms := m.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		id, _ := rm.Resource().Attributes().Get("container.id")
		if id.Str() != containerID {
			continue
		}
		ms := rm.ScopeMetrics().At(0).Metrics()
		for j := 0; j < ms.Len(); j++ {
			if ms.At(j).Name() == "container.oom_kills" {
				return ms.At(j).Sum().DataPoints().At(0).IntValue(), true
			}
		}
	}
	return 0, false
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

func randomUUID(t *testing.T) string {
	h := randomHex(t, 16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// kernelTestHierarchies are the cgroup hierarchies every kernel test
// runs under. The dev and CI machines are hybrid: the v1 memory controller
// and the unified tree are mounted side by side, and a test cgroup exists at
// one relative path in both, as a runtime (or the bench scripts) makes it.
var kernelTestHierarchies = []string{containerid.HierarchyV1, containerid.HierarchyV2}

// testCgroup is a cgroup at one relative path in the v1 memory hierarchy,
// whose limit triggers the OOM kill, and in the unified hierarchy.
type testCgroup struct {
	memory  string // v1 memory cgroup with the limit
	unified string // the cgroup v2 attribution reads under cgroup_hierarchy v2
}

// dirIn returns the cgroup directory of the hierarchy the receiver was told
// to use: its inode is the cgroup id the kernel must report.
func (c testCgroup) dirIn(hierarchy string) string {
	if hierarchy == containerid.HierarchyV2 {
		return c.unified
	}
	return c.memory
}

// makeTestCgroup creates the cgroup rel (and missing parents) in the v1
// memory hierarchy with a 32 MiB limit and in the unified hierarchy; both are
// removed again when the test ends.
func makeTestCgroup(t *testing.T, rel string) testCgroup {
	t.Helper()
	_, err := os.Stat(filepath.Join(memoryCgroupRoot, "memory.limit_in_bytes"))
	testenv.Require(t, err == nil, "cgroup v1 memory controller at "+memoryCgroupRoot)
	_, err = os.Stat(filepath.Join(unifiedCgroupRoot, "cgroup.controllers"))
	testenv.Require(t, err == nil, "cgroup v2 hierarchy at "+unifiedCgroupRoot)
	c := testCgroup{memory: makeCgroupDir(t, memoryCgroupRoot, rel), unified: makeCgroupDir(t, unifiedCgroupRoot, rel)}
	require.NoError(t, os.WriteFile(filepath.Join(c.memory, "memory.limit_in_bytes"), []byte(strconv.Itoa(testMemoryLimit)), 0o644))
	return c
}

// makeCgroupDir creates root/rel and its missing parents, removed leaf first
// when the test ends.
func makeCgroupDir(t *testing.T, root, rel string) string {
	t.Helper()
	dir := filepath.Join(root, rel)
	var created []string
	for p := dir; p != root; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil {
			break
		}
		created = append(created, p)
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	t.Cleanup(func() {
		for _, p := range created { // leaf first
			for range 50 {
				if err := os.Remove(p); err == nil || errors.Is(err, os.ErrNotExist) {
					break
				}
				time.Sleep(20 * time.Millisecond) // the killed task may still be exiting
			}
		}
	})
	return dir
}

// cgroupInode returns the inode number of a cgroup directory, which is the
// cgroup id the kernel reports for it.
func cgroupInode(t *testing.T, dir string) uint64 {
	t.Helper()
	var st syscall.Stat_t
	require.NoError(t, syscall.Stat(dir, &st))
	return st.Ino
}

// oomKillInCgroup runs a single-threaded busybox shell that doubles a string
// until the memory limit of the cgroup kills it, and returns its pid. The
// shell waits on stdin until it has been moved into the cgroup in both
// hierarchies.
func oomKillInCgroup(t *testing.T, cg testCgroup) int {
	t.Helper()
	busybox := testenv.RequireCommand(t, "busybox")
	cmd := exec.Command(busybox, "sh", "-c", `read _; x=a; while true; do x=$x$x; done`)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	pid := cmd.Process.Pid
	for _, dir := range []string{cg.memory, cg.unified} {
		if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644); err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			require.NoError(t, err)
		}
	}
	_, err = io.WriteString(stdin, "\n")
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(killTimeout):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("the shell in %s was not OOM-killed within %v", cg.memory, killTimeout)
	}
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr)
	ws := exitErr.Sys().(syscall.WaitStatus)
	require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "want death by SIGKILL, got %v", err)
	return pid
}

func attrStr(m pcommon.Map, key string) string {
	v, ok := m.Get(key)
	if !ok {
		return ""
	}
	return v.AsString()
}

// findResource returns the resource of containerID in m, or an empty one.
func findResource(m pmetric.Metrics, containerID string) pcommon.Resource {
	for i := 0; i < m.ResourceMetrics().Len(); i++ {
		res := m.ResourceMetrics().At(i).Resource()
		if attrStr(res.Attributes(), "container.id") == containerID {
			return res
		}
	}
	return pcommon.NewResource()
}
