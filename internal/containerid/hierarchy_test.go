// SPDX-License-Identifier: Apache-2.0

package containerid

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// Host layouts as cgroupfs shows them, reduced to the marker files
// DetectHierarchy looks at.
var hierarchyLayouts = map[string][]string{
	// The dev machines: v1 controllers, an empty v2 tree beside them.
	"hybrid": {"memory/memory.limit_in_bytes", "cpuset/cpuset.cpus", "unified/cgroup.controllers"},
	// Most production nodes: cgroup2 mounted at the root.
	"unified": {"cgroup.controllers", "memory.pressure"},
	// Old hosts: v1 only.
	"v1 only": {"memory/memory.limit_in_bytes", "systemd/cgroup.procs"},
	// Hybrid without a v1 memory mount.
	"hybrid without memory": {"cpuset/cpuset.cpus", "unified/cgroup.controllers"},
	"nothing":               {"cpuset/cpuset.cpus"},
}

func fakeCgroupRoot(t *testing.T, files []string) string {
	t.Helper()
	root := t.TempDir()
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, nil, 0o644))
	}
	return root
}

func TestSelectHierarchy(t *testing.T) {
	for _, tc := range []struct {
		layout, choice string
		wantKind       HierarchyKind
		wantMount      string // relative to the root; "." is the root
		wantErr        string // substring, "" for success
	}{
		{layout: "hybrid", choice: "", wantKind: V1Memory, wantMount: "memory"},
		{layout: "hybrid", choice: HierarchyAuto, wantKind: V1Memory, wantMount: "memory"},
		{layout: "hybrid", choice: HierarchyV1, wantKind: V1Memory, wantMount: "memory"},
		{layout: "hybrid", choice: HierarchyV2, wantKind: V2, wantMount: "unified"},
		{layout: "unified", choice: HierarchyAuto, wantKind: V2, wantMount: "."},
		{layout: "unified", choice: HierarchyV2, wantKind: V2, wantMount: "."},
		{layout: "unified", choice: HierarchyV1, wantErr: "cgroup hierarchy v1 asks for the v1 memory controller, which is not mounted at "},
		{layout: "v1 only", choice: HierarchyAuto, wantKind: V1Memory, wantMount: "memory"},
		{layout: "v1 only", choice: HierarchyV1, wantKind: V1Memory, wantMount: "memory"},
		{layout: "v1 only", choice: HierarchyV2, wantErr: "cgroup hierarchy v2 asks for the unified hierarchy, which is mounted neither at "},
		{layout: "hybrid without memory", choice: HierarchyAuto, wantKind: V2, wantMount: "unified"},
		{layout: "hybrid without memory", choice: HierarchyV2, wantKind: V2, wantMount: "unified"},
		{layout: "hybrid without memory", choice: HierarchyV1, wantErr: "not mounted at "},
		{layout: "nothing", choice: HierarchyAuto, wantErr: "no cgroup v1 memory or cgroup v2 hierarchy found under "},
	} {
		t.Run(tc.layout+"/"+tc.choice, func(t *testing.T) {
			root := fakeCgroupRoot(t, hierarchyLayouts[tc.layout])
			h, err := SelectHierarchy(root, tc.choice)
			if tc.wantErr != "" {
				require.ErrorIs(t, err, ErrNoHierarchy)
				assert.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			want := Hierarchy{Kind: tc.wantKind, MountPoint: filepath.Join(root, tc.wantMount)}
			assert.Equal(t, want, h)

			// The mount point is a root of its own: choosing again from it,
			// or detecting under it, gives the same hierarchy.
			again, err := SelectHierarchy(h.MountPoint, tc.choice)
			require.NoError(t, err)
			assert.Equal(t, want, again)
			detected, err := DetectHierarchy(h.MountPoint)
			require.NoError(t, err)
			assert.Equal(t, want, detected)
		})
	}
}

func TestSelectHierarchyUnknownChoice(t *testing.T) {
	root := fakeCgroupRoot(t, hierarchyLayouts["hybrid"])
	_, err := SelectHierarchy(root, "v1-memory")
	assert.EqualError(t, err, `unknown cgroup hierarchy "v1-memory": want auto, v1 or v2`)
	assert.NotErrorIs(t, err, ErrNoHierarchy)
}

// TestDetectHierarchyV1ChildNamedMemory: a cgroup named "memory" inside the
// v1 memory hierarchy does not make detection descend into it.
func TestDetectHierarchyV1ChildNamedMemory(t *testing.T) {
	root := fakeCgroupRoot(t, []string{"memory.limit_in_bytes", "memory/memory.limit_in_bytes"})
	h, err := DetectHierarchy(root)
	require.NoError(t, err)
	assert.Equal(t, Hierarchy{Kind: V1Memory, MountPoint: root}, h)
}

// TestResolverHierarchyChoice: on a hybrid host the same cgroup path exists
// in both trees (runtimes and the bench scripts create it in every mounted
// hierarchy), each directory with its own id. The chosen hierarchy decides
// which ids resolve and which /proc/<pid>/cgroup line is read.
func TestResolverHierarchyChoice(t *testing.T) {
	const (
		v1ID = "1111111111111111111111111111111111111111111111111111111111111111"
		v2ID = "2222222222222222222222222222222222222222222222222222222222222222"
	)
	root := t.TempDir()
	cgroupRoot := filepath.Join(root, "cgroup")
	procRoot := filepath.Join(root, "proc")
	mkcgroup := func(mount, path string) uint64 {
		require.NoError(t, os.MkdirAll(filepath.Join(cgroupRoot, mount, path), 0o755))
		id, err := cgroupDirInode(filepath.Join(cgroupRoot, mount), path)
		require.NoError(t, err)
		return id
	}
	for _, f := range hierarchyLayouts["hybrid"] {
		p := filepath.Join(cgroupRoot, f)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, nil, 0o644))
	}
	// One container present in both trees, and one per tree, so that a
	// lookup in the wrong tree cannot pass by accident.
	const shared = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	sharedV1, sharedV2 := mkcgroup("memory", "/docker/"+shared), mkcgroup("unified", "/docker/"+shared)
	onlyV1, onlyV2 := mkcgroup("memory", "/docker/"+v1ID), mkcgroup("unified", "/docker/"+v2ID)
	require.NotEqual(t, sharedV1, sharedV2)

	// A process whose v1 memory cgroup and v2 cgroup are different
	// containers: only the chosen hierarchy's line may be read.
	require.NoError(t, os.MkdirAll(filepath.Join(procRoot, "42"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(procRoot, "42", "cgroup"),
		[]byte("5:memory:/docker/"+v1ID+"\n1:name=systemd:/docker/"+v1ID+"\n0::/docker/"+v2ID+"\n"), 0o444))

	for _, tc := range []struct {
		choice            string
		want              Hierarchy
		sharedID, otherID uint64
		foreignID         uint64
		ownContainer      string
	}{
		{choice: HierarchyV1, want: Hierarchy{Kind: V1Memory, MountPoint: filepath.Join(cgroupRoot, "memory")},
			sharedID: sharedV1, otherID: onlyV1, foreignID: onlyV2, ownContainer: v1ID},
		{choice: HierarchyV2, want: Hierarchy{Kind: V2, MountPoint: filepath.Join(cgroupRoot, "unified")},
			sharedID: sharedV2, otherID: onlyV2, foreignID: onlyV1, ownContainer: v2ID},
	} {
		t.Run(tc.choice, func(t *testing.T) {
			r, err := NewResolver(Config{CgroupRoot: cgroupRoot, ProcRoot: procRoot, DisableDocker: true, Hierarchy: tc.choice}, nil)
			require.NoError(t, err)
			t.Cleanup(func() { _ = r.Close() })
			assert.Equal(t, tc.want, r.Hierarchy())

			got, ok := r.ByCgroupID(tc.sharedID)
			require.True(t, ok)
			assert.Equal(t, shared, got.ContainerID)
			got, ok = r.ByCgroupID(tc.otherID)
			require.True(t, ok)
			assert.Equal(t, tc.ownContainer, got.ContainerID)
			_, ok = r.ByCgroupID(tc.foreignID)
			assert.False(t, ok, "an id of the other hierarchy must not resolve")

			id, err := r.CgroupID("/docker/" + shared)
			require.NoError(t, err)
			assert.Equal(t, tc.sharedID, id)

			byPID, err := r.ByPID(42)
			require.NoError(t, err)
			assert.Equal(t, tc.ownContainer, byPID.ContainerID)
		})
	}
}

func TestNewResolverChosenHierarchyMissing(t *testing.T) {
	root := fakeCgroupRoot(t, hierarchyLayouts["unified"])
	_, err := NewResolver(Config{CgroupRoot: root, DisableDocker: true, Hierarchy: HierarchyV1}, nil)
	require.ErrorIs(t, err, ErrNoHierarchy)
	assert.ErrorContains(t, err, filepath.Join(root, "memory"), "the error names where the v1 memory hierarchy was looked for")

	root = fakeCgroupRoot(t, hierarchyLayouts["v1 only"])
	_, err = NewResolver(Config{CgroupRoot: root, DisableDocker: true, Hierarchy: HierarchyV2}, nil)
	require.ErrorIs(t, err, ErrNoHierarchy)
	assert.ErrorContains(t, err, filepath.Join(root, "unified"))
}

// TestSelectHierarchyThisHost: the dev and CI machines are hybrid, with the
// v1 memory controller and the unified tree mounted side by side; both
// choices must find their real mount.
func TestSelectHierarchyThisHost(t *testing.T) {
	_, v1Err := os.Stat(filepath.Join(DefaultCgroupRoot, "memory", "memory.limit_in_bytes"))
	_, v2Err := os.Stat(filepath.Join(DefaultCgroupRoot, "unified", "cgroup.controllers"))
	testenv.Require(t, v1Err == nil && v2Err == nil, "a hybrid cgroup host (v1 memory at /sys/fs/cgroup/memory, cgroup2 at /sys/fs/cgroup/unified)")

	h, err := SelectHierarchy(DefaultCgroupRoot, HierarchyV1)
	require.NoError(t, err)
	assert.Equal(t, Hierarchy{Kind: V1Memory, MountPoint: "/sys/fs/cgroup/memory"}, h)
	h, err = SelectHierarchy(DefaultCgroupRoot, HierarchyV2)
	require.NoError(t, err)
	assert.Equal(t, Hierarchy{Kind: V2, MountPoint: "/sys/fs/cgroup/unified"}, h)
	h, err = SelectHierarchy(DefaultCgroupRoot, HierarchyAuto)
	require.NoError(t, err)
	assert.Equal(t, V1Memory, h.Kind, "auto keeps the v1 memory hierarchy on a hybrid host")
}
