// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/containerid/containeridtest"
	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

// fakeContainerProcess makes <proc>/<pid> look like a process of a Docker
// container whose root filesystem is rootfs.
func fakeContainerProcess(t *testing.T, procRoot string, pid int, containerID, rootfs string) {
	dir := filepath.Join(procRoot, fmt.Sprint(pid))
	require.NoError(t, os.MkdirAll(dir, 0o755))
	cgroup := "9:name=systemd:/docker/" + containerID + "\n4:memory:/docker/" + containerID + "\n0::/\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cgroup"), []byte(cgroup), 0o644))
	require.NoError(t, os.Symlink(rootfs, filepath.Join(dir, "root")))
}

// fakeNode returns the paths of a fake procfs, a fake cgroup v1 memory
// hierarchy and a container root filesystem (not created) in a temporary
// directory.
func fakeNode(t *testing.T) (procRoot, cgroupRoot, rootfs string) {
	tmp := t.TempDir()
	procRoot, cgroupRoot, rootfs = filepath.Join(tmp, "proc"), filepath.Join(tmp, "cgroup"), filepath.Join(tmp, "rootfs")
	require.NoError(t, os.MkdirAll(filepath.Join(cgroupRoot, "memory"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(cgroupRoot, "memory", "memory.limit_in_bytes"), []byte("9223372036854771712\n"), 0o644))
	return procRoot, cgroupRoot, rootfs
}

// containerFilesNode is a fake node with one container whose root holds
// /var/log/<name>, and a receiver configuration that follows container files
// there through the container_identity extension's procfs and cgroupfs.
type containerFilesNode struct {
	procRoot, logPath string
	host              component.Host
	cfg               *Config
}

func newContainerFilesNode(t *testing.T, id, logName string, pids ...int) containerFilesNode {
	procRoot, cgroupRoot, rootfs := fakeNode(t)
	logPath := filepath.Join(rootfs, "var", "log", logName)
	require.NoError(t, os.MkdirAll(filepath.Dir(logPath), 0o755))
	for _, pid := range pids {
		fakeContainerProcess(t, procRoot, pid, id, rootfs)
	}
	host, _ := containeridtest.Host(t, containerid.Config{ProcRoot: procRoot, CgroupRoot: cgroupRoot, DisableDocker: true})
	cfg := testConfig()
	cfg.ContainerFiles.Enabled = true
	cfg.ContainerFiles.RescanInterval = 100 * time.Millisecond
	return containerFilesNode{procRoot: procRoot, logPath: logPath, host: host, cfg: cfg}
}

// TestContainerFilesFollowerMoves follows a file inside a container's root
// through one of its processes; when that process exits the file is followed
// through another without recounting or skipping, and when the container has
// no process left it is no longer followed. procfs and cgroupfs are fake
// trees, the files and their tailing are real.
func TestContainerFilesFollowerMoves(t *testing.T) {
	id := strings.Repeat("ef", 32)
	node := newContainerFilesNode(t, id, "app.log", 100, 200)
	procRoot, logPath := node.procRoot, node.logPath

	f := openAppend(t, logPath)
	defer f.Close()
	n := 0
	write := func(count int) {
		for range count {
			_, err := fmt.Fprintf(f, "INFO order %d shipped\n", n)
			require.NoError(t, err)
			n++
		}
	}
	write(5) // history: the container was there when the receiver started

	sink := startMetricsOn(t, node.cfg, node.host)
	time.Sleep(500 * time.Millisecond)

	write(20)
	waitTotal(t, sink, id, 20)

	// The followed process (the oldest, pid 100) exits.
	require.NoError(t, os.RemoveAll(filepath.Join(procRoot, "100")))
	time.Sleep(500 * time.Millisecond)
	write(15)
	counts := waitTotal(t, sink, id, 35)
	for k := range counts {
		assert.Equal(t, "/var/log/app.log", k.source)
	}

	// The container is gone: its files are not followed any more.
	require.NoError(t, os.RemoveAll(filepath.Join(procRoot, "200")))
	time.Sleep(500 * time.Millisecond)
	write(10)
	time.Sleep(time.Second)
	assert.Equal(t, int64(35), totalFor(latestCounts(sink), id))
}

// TestContainerFilesLastLinesBeforeExit counts the lines a container writes
// just before its last process exits, though a rescan finds it gone before
// the next poll: the follower drains its open files before it stops.
// (Stopped at once, it lost them: /proc/<pid>/root went with the process.)
func TestContainerFilesLastLinesBeforeExit(t *testing.T) {
	id := strings.Repeat("ab", 32)
	node := newContainerFilesNode(t, id, "job.log", 100)
	cfg := node.cfg
	// Ten rescans per poll: the exit is seen before the next poll.
	cfg.PollInterval = time.Second
	f := openAppend(t, node.logPath)
	defer f.Close()
	sink := startMetricsOn(t, cfg, node.host)
	// start_at end: the first poll takes the file's end as its start.
	time.Sleep(3 * cfg.PollInterval / 2)
	write := func(count int) {
		for i := range count {
			_, err := fmt.Fprintf(f, "INFO step %d done\n", i)
			require.NoError(t, err)
		}
	}
	write(10)
	waitTotal(t, sink, id, 10)

	// The job's last lines, then its only process exits.
	write(7)
	require.NoError(t, os.RemoveAll(filepath.Join(node.procRoot, "100")))
	waitTotal(t, sink, id, 17)

	// Once drained the container is no longer followed.
	time.Sleep(3 * cfg.PollInterval)
	write(5)
	time.Sleep(2 * cfg.PollInterval)
	assert.Equal(t, int64(17), totalFor(latestCounts(sink), id))
}

// A runtime's init on the host's root is not followed (its /var/log is the
// host's); any other process on the host's root is, and so is a runtime
// init already in a root of its own.
func TestContainerFilesSkipsRuntimeInitOnHostRoot(t *testing.T) {
	procRoot := t.TempDir()
	hostRoot, containerRoot := t.TempDir(), t.TempDir()
	process := func(pid int, comm, root string) {
		dir := filepath.Join(procRoot, fmt.Sprint(pid))
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "comm"), []byte(comm+"\n"), 0o644))
		require.NoError(t, os.Symlink(root, filepath.Join(dir, "root")))
	}
	process(1, "systemd", hostRoot)
	process(10, "runc:[2:INIT]", hostRoot)
	process(11, "crun", hostRoot)
	process(12, "log-writer", hostRoot)
	process(13, "runc:[2:INIT]", containerRoot)
	hostRoots := (&containerRoots{selfPID: 1}).hostRoots(procRoot)
	skipped := func(pid int) bool { return isRuntimeInit(procRoot, pid) && sharesRoot(procRoot, pid, hostRoots) }
	assert.True(t, skipped(10))
	assert.True(t, skipped(11))
	assert.False(t, skipped(12), "a process without a root of its own writes its logs to the host's")
	assert.False(t, skipped(13))
	assert.False(t, skipped(99), "a vanished process")
}

// TestContainerFilesHostProcessesCached: a process found outside any
// container in two scans in a row is not read again until every
// hostRecheckScans-th scan, which finds it if its pid now belongs to a
// container's process.
func TestContainerFilesHostProcessesCached(t *testing.T) {
	procRoot, cgroupRoot, rootfs := fakeNode(t)
	require.NoError(t, os.MkdirAll(rootfs, 0o755))
	hostProcess := filepath.Join(procRoot, "300")
	require.NoError(t, os.MkdirAll(hostProcess, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(hostProcess, "cgroup"), []byte("4:memory:/user.slice\n0::/user.slice\n"), 0o644))

	_, resolver := containeridtest.Host(t, containerid.Config{ProcRoot: procRoot, CgroupRoot: cgroupRoot, DisableDocker: true})
	cfg := testConfig()
	cfg.ContainerFiles.Enabled = true
	c := newCore(cfg, receivertest.NewNopSettings(metadata.Type))
	c.checkpoints = newMemoryPersister()
	cr := newContainerRoots(c, resolver)
	t.Cleanup(cr.stopAll)

	cr.rescan()
	cr.rescan()
	assert.Equal(t, 2, cr.hostPIDs[300], "a host process counted in both scans")

	// The pid is reused by a container's process: the cache hides it
	// until the recheck scan.
	require.NoError(t, os.RemoveAll(hostProcess))
	id := strings.Repeat("ab", 32)
	fakeContainerProcess(t, procRoot, 300, id, rootfs)
	for cr.scans%hostRecheckScans != hostRecheckScans-1 {
		cr.rescan()
		assert.Nil(t, cr.followed[id], "scan %d read a cached host process", cr.scans)
	}
	cr.rescan()
	require.NotNil(t, cr.followed[id], "the recheck scan did not find the container's process")
	assert.Equal(t, 300, cr.followed[id].pid)
	assert.NotContains(t, cr.hostPIDs, 300)
}
