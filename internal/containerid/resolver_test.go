// SPDX-License-Identifier: Apache-2.0

package containerid

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

// fakeHost is a cgroupfs and procfs tree under t.TempDir(). Directory inode
// numbers there are as real as on cgroupfs, so ids resolve the same way.
type fakeHost struct {
	t             *testing.T
	cgroupRoot    string
	procRoot      string
	mount         string
	podLogs       string // kubelet's /var/log/pods
	containerLogs string // kubelet's /var/log/containers
}

func newFakeV1Host(t *testing.T) *fakeHost {
	root := t.TempDir()
	h := &fakeHost{
		t:             t,
		cgroupRoot:    filepath.Join(root, "cgroup"),
		procRoot:      filepath.Join(root, "proc"),
		podLogs:       filepath.Join(root, "log", "pods"),
		containerLogs: filepath.Join(root, "log", "containers"),
	}
	h.mount = filepath.Join(h.cgroupRoot, "memory")
	require.NoError(t, os.MkdirAll(h.mount, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(h.mount, "memory.limit_in_bytes"), []byte("9223372036854771712\n"), 0o644))
	require.NoError(t, os.MkdirAll(h.procRoot, 0o755))
	return h
}

// mkcgroup creates a cgroup directory and returns its id (inode number).
func (h *fakeHost) mkcgroup(path string) uint64 {
	dir := filepath.Join(h.mount, filepath.FromSlash(path))
	require.NoError(h.t, os.MkdirAll(dir, 0o755))
	id, err := cgroupDirInode(h.mount, path)
	require.NoError(h.t, err)
	return id
}

// containerLog lays out the kubelet's log files for one container: the
// /var/log/pods/<ns>_<pod>_<uid>/<container>/0.log file and its
// /var/log/containers/<pod>_<ns>_<container>-<id>.log symlink.
func (h *fakeHost) containerLog(namespace, pod, uid, container, containerID string) {
	dir := filepath.Join(h.podLogs, namespace+"_"+pod+"_"+uid, container)
	require.NoError(h.t, os.MkdirAll(dir, 0o755))
	logFile := filepath.Join(dir, "0.log")
	require.NoError(h.t, os.WriteFile(logFile, []byte("2026-11-22T02:00:00.000000000Z stdout F hello\n"), 0o644))
	require.NoError(h.t, os.MkdirAll(h.containerLogs, 0o755))
	require.NoError(h.t, os.Symlink(logFile, filepath.Join(h.containerLogs, pod+"_"+namespace+"_"+container+"-"+containerID+".log")))
}

func (h *fakeHost) process(pid int, cgroupFile string) {
	dir := filepath.Join(h.procRoot, strconv.Itoa(pid))
	require.NoError(h.t, os.MkdirAll(dir, 0o755))
	require.NoError(h.t, os.WriteFile(filepath.Join(dir, "cgroup"), []byte(cgroupFile), 0o444))
}

// fakeClock lets tests step past MinRescanInterval and RemovedRetention.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newTestResolver(t *testing.T, h *fakeHost, cfg Config) (*Resolver, *fakeClock) {
	cfg.CgroupRoot, cfg.ProcRoot, cfg.DisableDocker = h.cgroupRoot, h.procRoot, true
	cfg.PodLogsDir, cfg.ContainerLogsDir = h.podLogs, h.containerLogs
	r, err := NewResolver(cfg, zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, r.Close()) })
	clock := &fakeClock{now: time.Now()}
	r.now = clock.Now
	return r, clock
}

func TestResolverFakeV1Tree(t *testing.T) {
	h := newFakeV1Host(t)
	podPath := "/kubepods/burstable/pod" + fixturePodUID + "/" + fixtureID
	podID := h.mkcgroup(podPath)
	dockerID := h.mkcgroup("/docker/" + fixtureInnerID)
	serviceID := h.mkcgroup("/system.slice/nginx.service")
	h.process(4242, "4:memory:"+podPath+"\n1:name=systemd:/\n0::/\n")

	r, _ := newTestResolver(t, h, Config{})
	assert.Equal(t, Hierarchy{Kind: V1Memory, MountPoint: h.mount}, r.Hierarchy())

	got, ok := r.ByCgroupID(podID)
	require.True(t, ok)
	assert.Equal(t, Identity{CgroupPath: podPath, ContainerID: fixtureID, PodUID: fixturePodUID}, got)
	got, ok = r.ByCgroupID(dockerID)
	require.True(t, ok)
	assert.Equal(t, Identity{CgroupPath: "/docker/" + fixtureInnerID, ContainerID: fixtureInnerID, Runtime: RuntimeDocker}, got)
	got, ok = r.ByCgroupID(serviceID)
	require.True(t, ok)
	assert.Equal(t, Identity{CgroupPath: "/system.slice/nginx.service", SystemdUnit: "nginx.service"}, got)
	rootID, err := cgroupDirInode(h.mount, "/")
	require.NoError(t, err)
	got, ok = r.ByCgroupID(rootID)
	require.True(t, ok)
	assert.Equal(t, Identity{CgroupPath: "/"}, got)

	got, err = r.ByPID(4242)
	require.NoError(t, err)
	assert.Equal(t, Identity{CgroupPath: podPath, ContainerID: fixtureID, PodUID: fixturePodUID}, got)

	s := r.Stats()
	assert.Equal(t, uint64(4), s.Hits)
	assert.Equal(t, uint64(1), s.Rescans)
	// root, kubepods, burstable, pod, container, docker, docker/<id>, system.slice, nginx.service
	assert.Equal(t, 9, s.Entries)
}

func TestResolverVanished(t *testing.T) {
	h := newFakeV1Host(t)
	h.process(7, "garbage without colons\n")
	r, _ := newTestResolver(t, h, Config{})

	_, err := r.ByPID(999999)
	require.ErrorIs(t, err, ErrProcessNotFound)
	assert.EqualError(t, err, "resolving pid 999999: process not found")

	_, err = r.ByPID(0)
	assert.EqualError(t, err, "resolving pid 0: pid must be positive")

	_, err = r.ByPID(7)
	assert.ErrorContains(t, err, `resolving pid 7: parsing cgroup line 1 "garbage without colons"`)

	_, ok := r.ByCgroupID(1 << 60)
	assert.False(t, ok)
}

func TestResolverRescanOnMiss(t *testing.T) {
	h := newFakeV1Host(t)
	r, clock := newTestResolver(t, h, Config{MinRescanInterval: time.Second})

	// Created after start-up: the first miss within MinRescanInterval of the
	// start-up scan is rate limited and stays a miss.
	id := h.mkcgroup("/docker/" + fixtureID)
	_, ok := r.ByCgroupID(id)
	assert.False(t, ok)
	s := r.Stats()
	assert.Equal(t, uint64(1), s.Misses)
	assert.Equal(t, uint64(1), s.Rescans)
	assert.Equal(t, uint64(1), s.RescansRateLimited)

	clock.Advance(time.Second)
	got, ok := r.ByCgroupID(id)
	require.True(t, ok)
	assert.Equal(t, fixtureID, got.ContainerID)
	s = r.Stats()
	assert.Equal(t, uint64(2), s.Misses)
	assert.Equal(t, uint64(2), s.Rescans)
	assert.Equal(t, uint64(1), s.RescansRateLimited)

	// Now cached: a hit, no rescan.
	_, ok = r.ByCgroupID(id)
	assert.True(t, ok)
	assert.Equal(t, uint64(2), r.Stats().Rescans)
	assert.Equal(t, uint64(1), r.Stats().Hits)
}

func TestResolverRemovedRetention(t *testing.T) {
	h := newFakeV1Host(t)
	id := h.mkcgroup("/docker/" + fixtureID)
	r, clock := newTestResolver(t, h, Config{RemovedRetention: time.Minute})

	// The container goes away; an event about it arriving late still resolves.
	require.NoError(t, os.Remove(filepath.Join(h.mount, "docker", fixtureID)))
	clock.Advance(2 * time.Second)
	_, ok := r.ByCgroupID(1 << 60) // a miss forces a rescan that no longer sees the cgroup
	assert.False(t, ok)
	got, ok := r.ByCgroupID(id)
	require.True(t, ok)
	assert.Equal(t, fixtureID, got.ContainerID)
	assert.Equal(t, uint64(0), r.Stats().Evictions)

	clock.Advance(2 * time.Minute)
	_, ok = r.ByCgroupID(1 << 60)
	assert.False(t, ok)
	_, ok = r.ByCgroupID(id)
	assert.False(t, ok, "removed cgroup kept past RemovedRetention")
	assert.Equal(t, uint64(1), r.Stats().Evictions)
}

func TestResolverMaxEntries(t *testing.T) {
	h := newFakeV1Host(t)
	for i := range 5 {
		h.mkcgroup("/system.slice/svc" + strconv.Itoa(i) + ".service")
	}
	// root + system.slice + 5 services = 7 cgroups; room for 4.
	r, clock := newTestResolver(t, h, Config{MaxEntries: 4})
	s := r.Stats()
	assert.Equal(t, 4, s.Entries)
	assert.Equal(t, uint64(3), s.Dropped)

	// Live cgroups fill the cache, so a removed one cannot be retained.
	require.NoError(t, os.Remove(filepath.Join(h.mount, "system.slice", "svc0.service")))
	clock.Advance(2 * time.Second)
	_, ok := r.ByCgroupID(1 << 60)
	assert.False(t, ok)
	s = r.Stats()
	assert.Equal(t, 4, s.Entries)
	assert.Equal(t, uint64(3+2), s.Dropped)
	assert.Equal(t, uint64(1), s.Evictions)
}

func TestResolverConcurrentUse(t *testing.T) {
	h := newFakeV1Host(t)
	id := h.mkcgroup("/docker/" + fixtureID)
	r, clock := newTestResolver(t, h, Config{})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				if i%50 == 0 {
					clock.Advance(time.Second)
				}
				got, ok := r.ByCgroupID(id)
				assert.True(t, ok)
				assert.Equal(t, fixtureID, got.ContainerID)
				_, _ = r.ByCgroupID(uint64(1<<60 + g))
			}
		}()
	}
	wg.Wait()
	s := r.Stats()
	assert.Equal(t, uint64(8*200), s.Hits)
	assert.Equal(t, s.Misses, uint64(8*200))
}

func TestNewResolverErrors(t *testing.T) {
	_, err := NewResolver(Config{CgroupRoot: t.TempDir()}, nil)
	require.ErrorIs(t, err, ErrNoHierarchy)

	_, err = NewResolver(Config{MaxEntries: -1, MinRescanInterval: -time.Second}, nil)
	assert.EqualError(t, err, "invalid container identity config: MaxEntries must not be negative, got -1\nMinRescanInterval must not be negative, got -1s")
}

func TestDetectHierarchy(t *testing.T) {
	touch := func(t *testing.T, path string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, nil, 0o644))
	}
	t.Run("v1 memory", func(t *testing.T) {
		root := t.TempDir()
		touch(t, filepath.Join(root, "memory", "memory.limit_in_bytes"))
		touch(t, filepath.Join(root, "unified", "cgroup.controllers"))
		h, err := DetectHierarchy(root)
		require.NoError(t, err)
		assert.Equal(t, Hierarchy{Kind: V1Memory, MountPoint: filepath.Join(root, "memory")}, h)
	})
	t.Run("unified", func(t *testing.T) {
		root := t.TempDir()
		touch(t, filepath.Join(root, "cgroup.controllers"))
		h, err := DetectHierarchy(root)
		require.NoError(t, err)
		assert.Equal(t, Hierarchy{Kind: V2, MountPoint: root}, h)
	})
	t.Run("hybrid without memory", func(t *testing.T) {
		root := t.TempDir()
		touch(t, filepath.Join(root, "unified", "cgroup.controllers"))
		h, err := DetectHierarchy(root)
		require.NoError(t, err)
		assert.Equal(t, Hierarchy{Kind: V2, MountPoint: filepath.Join(root, "unified")}, h)
	})
	t.Run("nothing", func(t *testing.T) {
		_, err := DetectHierarchy(t.TempDir())
		assert.ErrorIs(t, err, ErrNoHierarchy)
	})
}

// TestResolverCRILogNames: the kubelet's log directories name pods and
// containers, with no API call.
func TestResolverCRILogNames(t *testing.T) {
	h := newFakeV1Host(t)
	podPath := "/kubepods/burstable/pod" + fixturePodUID
	podID := h.mkcgroup(podPath)
	containerID := h.mkcgroup(podPath + "/" + fixtureID)
	h.containerLog("shop", "web-0", fixturePodUID, "nginx", fixtureID)
	// A second pod on the node: its names must not leak into the first.
	h.containerLog("shop", "web-1", "7c1d0e7e-3d52-4d3b-a8d5-0cfcd1d2e0a6", "nginx", fixtureInnerID)
	r, _ := newTestResolver(t, h, Config{})

	got, ok := r.ByCgroupID(containerID)
	require.True(t, ok)
	assert.Equal(t, Identity{
		CgroupPath: podPath + "/" + fixtureID, ContainerID: fixtureID, PodUID: fixturePodUID,
		PodName: "web-0", PodNamespace: "shop", K8sContainerName: "nginx",
	}, got)
	got, ok = r.ByCgroupID(podID)
	require.True(t, ok)
	assert.Equal(t, Identity{CgroupPath: podPath, PodUID: fixturePodUID, PodName: "web-0", PodNamespace: "shop"}, got)
	assert.Equal(t, 4, r.Stats().CRILogEntries)
	assert.Zero(t, r.Stats().CRILogDropped)
}

func TestResolverCRILogNamesCapped(t *testing.T) {
	h := newFakeV1Host(t)
	h.containerLog("shop", "web-0", fixturePodUID, "nginx", fixtureID)
	h.containerLog("shop", "web-1", "7c1d0e7e-3d52-4d3b-a8d5-0cfcd1d2e0a6", "nginx", fixtureInnerID)
	r, _ := newTestResolver(t, h, Config{MaxEntries: 1})
	s := r.Stats()
	assert.Equal(t, 2, s.CRILogEntries, "one pod and one container")
	assert.Equal(t, uint64(2), s.CRILogDropped)
}

// A pod whose log directory appears after the cgroup was indexed is named
// from a later emission on, by a listing of the kubelet's directories
// alone: no cgroupfs walk.
func TestResolverPodNamedLate(t *testing.T) {
	h := newFakeV1Host(t)
	podPath := "/kubepods/burstable/pod" + fixturePodUID
	containerID := h.mkcgroup(podPath + "/" + fixtureID)
	r, clock := newTestResolver(t, h, Config{})
	r.Start()

	first, ok := r.Current(containerID, Identity{})
	require.True(t, ok)
	assert.Empty(t, first.PodName, "no log directory yet")

	h.containerLog("shop", "web-0", fixturePodUID, "nginx", fixtureID)
	walks := HierarchyWalks()
	clock.Advance(criRelistInterval)
	var got Identity
	require.Eventually(t, func() bool {
		got, _ = r.Current(containerID, first)
		return got.PodName != ""
	}, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, Identity{
		CgroupPath: podPath + "/" + fixtureID, ContainerID: fixtureID, PodUID: fixturePodUID,
		PodName: "web-0", PodNamespace: "shop", K8sContainerName: "nginx",
	}, got)
	assert.Equal(t, walks, HierarchyWalks(), "named without walking cgroupfs")
}
