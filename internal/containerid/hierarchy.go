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

// Values of Config.Hierarchy, as the receivers' `cgroup_hierarchy` key takes
// them. The empty string means HierarchyAuto.
const (
	// HierarchyAuto lets DetectHierarchy choose: the v1 memory hierarchy where
	// it is mounted, else v2.
	HierarchyAuto = "auto"
	// HierarchyV1 insists on the v1 memory hierarchy (<root>/memory).
	HierarchyV1 = "v1"
	// HierarchyV2 insists on the unified hierarchy, at <root> (a pure v2 host)
	// or <root>/unified (a hybrid host). On a hybrid host whose runtimes also
	// populate the unified tree this attributes by the v2 cgroups, as a pure
	// v2 node would.
	HierarchyV2 = "v2"
)

// Hierarchy is the cgroup hierarchy whose ids the resolver maps, and where it is
// mounted.
type Hierarchy struct {
	Kind       HierarchyKind
	MountPoint string // e.g. /sys/fs/cgroup/memory or /sys/fs/cgroup
}

// ErrNoHierarchy means no usable cgroup hierarchy was found under the cgroup root.
var ErrNoHierarchy = errors.New("no cgroup v1 memory or cgroup v2 hierarchy found")

// ValidateHierarchyKey checks the `cgroup_hierarchy` key of a receiver's
// config. There the default is spelled out ("auto"), so, unlike
// Config.Hierarchy, an empty value is a mistake too. Every receiver that
// attributes by cgroup validates the key with this one function.
func ValidateHierarchyKey(choice string) error {
	switch choice {
	case HierarchyAuto, HierarchyV1, HierarchyV2:
		return nil
	}
	return fmt.Errorf("'cgroup_hierarchy' must be one of %s, %s, %s, got %q", HierarchyAuto, HierarchyV1, HierarchyV2, choice)
}

// validateHierarchyChoice rejects a value of Config.Hierarchy other than
// "", "auto", "v1" and "v2".
func validateHierarchyChoice(choice string) error {
	switch choice {
	case "", HierarchyAuto, HierarchyV1, HierarchyV2:
		return nil
	}
	return fmt.Errorf("unknown cgroup hierarchy %q: want %s, %s or %s", choice, HierarchyAuto, HierarchyV1, HierarchyV2)
}

// DetectHierarchy picks the hierarchy under cgroupRoot (normally /sys/fs/cgroup):
// the v1 memory controller when it is mounted at <root>/memory, else the v2
// hierarchy at <root> (unified host) or <root>/unified (hybrid host without a
// v1 memory mount). cgroupRoot may also be a hierarchy's mount point itself
// (/sys/fs/cgroup/memory, /sys/fs/cgroup/unified), which is how SelectHierarchy
// pins a choice. Each is recognised by a file only that kind of cgroup
// directory has, which works the same on a real mount and on a copied tree.
func DetectHierarchy(cgroupRoot string) (Hierarchy, error) {
	// The root itself first: a v1 memory cgroup can have a child named
	// "memory", and only the checks below look at children.
	if isV1Memory(cgroupRoot) {
		return Hierarchy{Kind: V1Memory, MountPoint: cgroupRoot}, nil
	}
	memory := filepath.Join(cgroupRoot, "memory")
	if isV1Memory(memory) {
		return Hierarchy{Kind: V1Memory, MountPoint: memory}, nil
	}
	if isV2(cgroupRoot) {
		return Hierarchy{Kind: V2, MountPoint: cgroupRoot}, nil
	}
	unified := filepath.Join(cgroupRoot, "unified")
	if isV2(unified) {
		return Hierarchy{Kind: V2, MountPoint: unified}, nil
	}
	return Hierarchy{}, fmt.Errorf("%w under %s (looked for memory/memory.limit_in_bytes, cgroup.controllers, unified/cgroup.controllers)", ErrNoHierarchy, cgroupRoot)
}

// SelectHierarchy returns the hierarchy that choice (a Config.Hierarchy value)
// names under cgroupRoot. "auto" (or "") is DetectHierarchy. "v1" and "v2"
// take that hierarchy or fail with an error wrapping ErrNoHierarchy: a node
// never silently falls back to the other one, whose ids the BPF side would
// not be reporting.
func SelectHierarchy(cgroupRoot, choice string) (Hierarchy, error) {
	if err := validateHierarchyChoice(choice); err != nil {
		return Hierarchy{}, err
	}
	root := hierarchyRoot(cgroupRoot, choice)
	switch choice {
	case HierarchyV1:
		if !isV1Memory(root) {
			return Hierarchy{}, fmt.Errorf("%w: cgroup hierarchy %s asks for the v1 memory controller, which is not mounted at %s", ErrNoHierarchy, choice, root)
		}
		return Hierarchy{Kind: V1Memory, MountPoint: root}, nil
	case HierarchyV2:
		if !isV2(root) {
			return Hierarchy{}, fmt.Errorf("%w: cgroup hierarchy %s asks for the unified hierarchy, which is mounted neither at %s nor at %s",
				ErrNoHierarchy, choice, cgroupRoot, filepath.Join(cgroupRoot, "unified"))
		}
		return Hierarchy{Kind: V2, MountPoint: root}, nil
	}
	return DetectHierarchy(cgroupRoot)
}

// hierarchyRoot returns the directory where the hierarchy named by choice is
// mounted (or would be) under cgroupRoot; DetectHierarchy on that directory
// finds only that hierarchy. "auto" keeps cgroupRoot. A cgroupRoot that is
// already the chosen mount is kept, so the mapping is idempotent.
func hierarchyRoot(cgroupRoot, choice string) string {
	switch choice {
	case HierarchyV1:
		if isV1Memory(cgroupRoot) {
			return cgroupRoot
		}
		return filepath.Join(cgroupRoot, "memory")
	case HierarchyV2:
		if isV2(cgroupRoot) {
			return cgroupRoot
		}
		return filepath.Join(cgroupRoot, "unified")
	}
	return cgroupRoot
}

// isV1Memory reports whether dir is a cgroup of the v1 memory controller.
func isV1Memory(dir string) bool {
	return fileExists(filepath.Join(dir, "memory.limit_in_bytes"))
}

// isV2 reports whether dir is a cgroup of the unified hierarchy.
func isV2(dir string) bool {
	return fileExists(filepath.Join(dir, "cgroup.controllers"))
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
