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

// TestContainerFilesFollowerMoves follows a file inside a container's root
// through one of its processes; when that process exits the file is followed
// through another without recounting or skipping, and when the container has
// no process left it is no longer followed. procfs and cgroupfs are fake
// trees, the files and their tailing are real.
func TestContainerFilesFollowerMoves(t *testing.T) {
	tmp := t.TempDir()
	procRoot := filepath.Join(tmp, "proc")
	cgroupRoot := filepath.Join(tmp, "cgroup")
	require.NoError(t, os.MkdirAll(filepath.Join(cgroupRoot, "memory"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(cgroupRoot, "memory", "memory.limit_in_bytes"), []byte("9223372036854771712\n"), 0o644))
	rootfs := filepath.Join(tmp, "rootfs")
	logPath := filepath.Join(rootfs, "var", "log", "app.log")
	require.NoError(t, os.MkdirAll(filepath.Dir(logPath), 0o755))

	id := strings.Repeat("ef", 32)
	fakeContainerProcess(t, procRoot, 100, id, rootfs)
	fakeContainerProcess(t, procRoot, 200, id, rootfs)

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

	cfg := testConfig()
	cfg.ContainerFiles.Enabled = true
	cfg.ContainerFiles.ProcRoot = procRoot
	cfg.ContainerFiles.CgroupRoot = cgroupRoot
	cfg.ContainerFiles.RescanInterval = 100 * time.Millisecond
	sink := startMetrics(t, cfg)
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
