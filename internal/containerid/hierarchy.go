// SPDX-License-Identifier: Apache-2.0

package containerid // import "github.com/otelcol-node/otelcol-node/internal/containerid"

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// HierarchyKind says which cgroup hierarchy the ids come from.
type HierarchyKind int

const (
	// V2 is the unified hierarchy: BPF reports task->cgroups->dfl_cgrp->kn->id
	// (what bpf_get_current_cgroup_id returns).
	V2 HierarchyKind = iota + 1
	// V1Memory is the cgroup v1 memory hierarchy: BPF reports
	// task->cgroups->subsys[memory_cgrp_id]->cgroup->kn->id. It is chosen on v1
	// and hybrid hosts, where container runtimes populate the v1 controllers and
	// the unified tree stays (nearly) empty.
	V1Memory
)

// String returns "v2" or "v1-memory".
func (k HierarchyKind) String() string {
	switch k {
	case V2:
		return "v2"
	case V1Memory:
		return "v1-memory"
	default:
		return fmt.Sprintf("HierarchyKind(%d)", int(k))
	}
}

// Hierarchy is the cgroup hierarchy whose ids the resolver maps, and where it is
// mounted.
type Hierarchy struct {
	Kind       HierarchyKind
	MountPoint string // e.g. /sys/fs/cgroup/memory or /sys/fs/cgroup
}

// ErrNoHierarchy means no usable cgroup hierarchy was found under the cgroup root.
var ErrNoHierarchy = errors.New("no cgroup v1 memory or cgroup v2 hierarchy found")

// DetectHierarchy picks the hierarchy under cgroupRoot (normally /sys/fs/cgroup):
// the v1 memory controller when it is mounted at <root>/memory, else the v2
// hierarchy at <root> (unified host) or <root>/unified (hybrid host without a
// v1 memory mount). Each is recognised by a file only that kind of cgroup
// directory has, which works the same on a real mount and on a copied tree.
func DetectHierarchy(cgroupRoot string) (Hierarchy, error) {
	memory := filepath.Join(cgroupRoot, "memory")
	if fileExists(filepath.Join(memory, "memory.limit_in_bytes")) {
		return Hierarchy{Kind: V1Memory, MountPoint: memory}, nil
	}
	if fileExists(filepath.Join(cgroupRoot, "cgroup.controllers")) {
		return Hierarchy{Kind: V2, MountPoint: cgroupRoot}, nil
	}
	unified := filepath.Join(cgroupRoot, "unified")
	if fileExists(filepath.Join(unified, "cgroup.controllers")) {
		return Hierarchy{Kind: V2, MountPoint: unified}, nil
	}
	return Hierarchy{}, fmt.Errorf("%w under %s (looked for memory/memory.limit_in_bytes, cgroup.controllers, unified/cgroup.controllers)", ErrNoHierarchy, cgroupRoot)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
