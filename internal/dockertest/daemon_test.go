// SPDX-License-Identifier: Apache-2.0

package dockertest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// TestContainerIdentity runs a real container on a private daemon and checks
// that its process resolves, by pid and by cgroup id, to the container's id and
// Docker name.
func TestContainerIdentity(t *testing.T) {
	t.Parallel()
	d := Start(t)
	image := d.Image(t)
	id := d.Run(t, "--network", "none", "--name", "otelcol-node-identity", image, "sleep", "300")
	pid := d.PID(t, id)
	logPath := d.LogPath(t, id)
	assert.Equal(t, filepath.Join(d.dataRoot, "containers", id, id+"-json.log"), logPath)

	r, err := containerid.NewResolver(containerid.Config{DockerSocket: d.Socket()}, zaptest.NewLogger(t))
	require.NoError(t, err)
	r.Start() // the engine's event stream names containers in the background
	defer r.Close()

	// The cgroupfs driver puts containers in /docker/<id> in every hierarchy.
	want := containerid.Identity{
		CgroupPath:  "/docker/" + id,
		ContainerID: id,
		Runtime:     containerid.RuntimeDocker,
		Name:        "otelcol-node-identity",
		ImageName:   "otelcol-node-test/busybox",
	}
	// Lookups never wait for the engine: the name shows once the
	// resolver's listing of the engine has been applied.
	var got containerid.Identity
	require.Eventually(t, func() bool {
		got, err = r.ByPID(pid)
		return err == nil && got.Name != ""
	}, 10*time.Second, 20*time.Millisecond, "container name from the engine")
	assert.Equal(t, want, got)

	var st syscall.Stat_t
	require.NoError(t, syscall.Stat(filepath.Join(r.Hierarchy().MountPoint, "docker", id), &st))
	got, ok := r.ByCgroupID(st.Ino)
	require.True(t, ok, "cgroup id %d of container %s not resolved", st.Ino, id)
	assert.Equal(t, want, got)
	assert.Zero(t, r.Stats().Docker.Errors)
}

// TestDaemonCleanup checks that a stopped daemon leaves no mount and no
// directory behind, so tests can start daemons repeatedly.
func TestDaemonCleanup(t *testing.T) {
	t.Parallel()
	RequirePrerequisites(t)
	var dir string
	t.Run("daemon", func(t *testing.T) {
		d := Start(t)
		dir = d.dir
		d.Run(t, "--network", "none", d.Image(t), "sleep", "300")
		entries, err := os.ReadDir(d.dataRoot)
		require.NoError(t, err)
		assert.NotEmpty(t, entries)
	})
	require.NotEmpty(t, dir)
	mountinfo, err := os.ReadFile("/proc/self/mountinfo")
	require.NoError(t, err)
	assert.Empty(t, mountPointsUnder(mountinfo, dir))
	_, err = os.Stat(dir)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// TestDaemonKilled: when dockerd dies abruptly its containers and shims keep
// running; cleanup must still end them, unmount and remove everything.
func TestDaemonKilled(t *testing.T) {
	t.Parallel()
	RequirePrerequisites(t)
	var dir, execRoot, containerID string
	var containerPid int
	t.Run("daemon", func(t *testing.T) {
		d := Start(t)
		dir, execRoot = d.dir, d.execRoot
		id := d.Run(t, "--network", "none", d.Image(t), "sleep", "300")
		containerID = id
		containerPid = d.PID(t, id)
		d.mu.Lock()
		d.mayExit = true
		d.mu.Unlock()
		// dockerd and its managed containerd share a process group; the shim
		// and the container do not.
		require.NoError(t, syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL))
		<-d.exited
		require.NoError(t, syscall.Kill(containerPid, 0), "container process should outlive dockerd")
	})
	require.Positive(t, containerPid)
	assert.Eventually(t, func() bool {
		return syscall.Kill(containerPid, 0) == syscall.ESRCH
	}, 10*time.Second, 50*time.Millisecond, "container process %d still running", containerPid)
	assert.Empty(t, processesMentioning(t, execRoot), "containerd or shims of the killed daemon still running")
	leftCgroups, err := filepath.Glob(filepath.Join(cgroupRoot, "*", "docker", containerID))
	require.NoError(t, err)
	assert.Empty(t, leftCgroups, "cgroups of the killed daemon's container")
	mountinfo, err := os.ReadFile("/proc/self/mountinfo")
	require.NoError(t, err)
	assert.Empty(t, mountPointsUnder(mountinfo, dir))
	_, err = os.Stat(dir)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func processesMentioning(t *testing.T, s string) []string {
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var found []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), s) {
			found = append(found, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return found
}
