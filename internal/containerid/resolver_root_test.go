// SPDX-License-Identifier: Apache-2.0

package containerid

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"
	"golang.org/x/sys/unix"

	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// TestResolverRealCgroup runs on the machine's own cgroupfs: it creates a cgroup
// named like a Kubernetes pod container in the hierarchy the resolver picks
// (the v1 memory controller on the hybrid dev and CI hosts), moves a child
// process into it and resolves it by pid and by cgroup id.
func TestResolverRealCgroup(t *testing.T) {
	testenv.RequireRoot(t)
	r, err := NewResolver(Config{DisableDocker: true}, zaptest.NewLogger(t))
	testenv.Require(t, err == nil, fmt.Sprintf("a readable cgroup hierarchy under %s (%v)", DefaultCgroupRoot, err))
	t.Cleanup(func() { assert.NoError(t, r.Close()) })
	mount := r.Hierarchy().MountPoint
	t.Logf("hierarchy %v at %s", r.Hierarchy().Kind, mount)

	podUID := randomPodUID(t)
	containerID := randomHex(t, 32)
	cgPath := "/kubepods/burstable/pod" + podUID + "/" + containerID
	dir := makeCgroup(t, mount, cgPath)

	// The kernel's cgroup id (what bpf_get_current_cgroup_id and cgroup_id()
	// return) is the file handle cgroupfs exports; it must equal the inode
	// number the resolver indexes by.
	kernfsID := cgroupFileHandleID(t, dir)
	inode, err := r.CgroupID(cgPath)
	require.NoError(t, err)
	require.Equal(t, kernfsID, inode, "kernfs id and directory inode differ")

	child := exec.Command("sleep", "300")
	require.NoError(t, child.Start())
	pid := child.Process.Pid
	t.Cleanup(func() {
		_ = child.Process.Kill()
		_ = child.Wait()
	})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644))

	want := Identity{CgroupPath: cgPath, ContainerID: containerID, PodUID: podUID}
	got, err := r.ByPID(pid)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// The cgroup appeared after the start-up scan: the first lookup misses the
	// cache and rescans (unless the start-up scan was less than
	// MinRescanInterval ago, in which case it retries once that has passed).
	require.Eventually(t, func() bool {
		got, ok := r.ByCgroupID(kernfsID)
		return ok && got == want
	}, 5*time.Second, 100*time.Millisecond)
	assert.GreaterOrEqual(t, r.Stats().Rescans, uint64(2))

	// The process exits: a clear error, no panic.
	require.NoError(t, child.Process.Kill())
	_ = child.Wait()
	_, err = r.ByPID(pid)
	require.ErrorIs(t, err, ErrProcessNotFound)
	self, err := r.ByPID(os.Getpid())
	require.NoError(t, err)
	selfID, err := r.CgroupID(self.CgroupPath)
	require.NoError(t, err)
	got, ok := r.ByCgroupID(selfID)
	require.True(t, ok, "the test's own cgroup %s", self.CgroupPath)
	assert.Equal(t, self.CgroupPath, got.CgroupPath)

	// The cgroup is removed: events already in flight still resolve for
	// RemovedRetention.
	require.NoError(t, unix.Rmdir(dir))
	_, err = r.CgroupID(cgPath)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	time.Sleep(DefaultMinRescanInterval)
	_, ok = r.ByCgroupID(1 << 62) // forces a rescan that no longer sees the cgroup
	assert.False(t, ok)
	got, ok = r.ByCgroupID(kernfsID)
	require.True(t, ok)
	assert.Equal(t, want, got)
}

// makeCgroup creates the cgroup and the missing parents, and removes what it
// created when the test ends (children first; rmdir fails harmlessly on a
// parent someone else is using).
func makeCgroup(t *testing.T, mount, cgPath string) string {
	t.Helper()
	var created []string
	dir := mount
	for _, seg := range strings.Split(strings.Trim(cgPath, "/"), "/") {
		dir = filepath.Join(dir, seg)
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			created = append(created, dir)
			continue
		}
		require.ErrorIs(t, err, fs.ErrExist, "creating cgroup %s", dir)
	}
	t.Cleanup(func() {
		for i := len(created) - 1; i >= 0; i-- {
			if err := unix.Rmdir(created[i]); err != nil && !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.EBUSY) {
				t.Logf("removing test cgroup %s: %v", created[i], err)
			}
		}
	})
	return dir
}

// cgroupFileHandleID returns the id cgroupfs encodes in a file handle, which is
// the kernfs node id the kernel uses as the cgroup id.
func cgroupFileHandleID(t *testing.T, dir string) uint64 {
	t.Helper()
	h, _, err := unix.NameToHandleAt(unix.AT_FDCWD, dir, 0)
	require.NoError(t, err)
	b := h.Bytes()
	require.Len(t, b, 8, "cgroupfs file handle is one u64 id")
	return binary.NativeEndian.Uint64(b)
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

func randomPodUID(t *testing.T) string {
	h := randomHex(t, 16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
