// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import (
	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// identityResolver is the part of containerid.Resolver the source uses;
// tests pass a fake. Every method used on the ring-buffer reader returns
// without waiting: no rescan, no runtime API call.
type identityResolver interface {
	Lookup(cgroupID uint64) (containerid.Identity, bool)
	Observe(cgroupID uint64, pid uint32)
	Refresh(id containerid.Identity) containerid.Identity
	ByPID(pid int) (containerid.Identity, error)
	Hierarchy() containerid.Hierarchy
}

// How a kill was attributed, for the log record (oom.attribution).
const (
	attributedByCgroupID   = "cgroup_id"
	attributedByCgroupPath = "cgroup_path"
	attributedByPID        = "pid"
	attributedNone         = "none"
)

// attribute finds the container of a victim, most reliable source first. It
// runs on the ring-buffer reader, so it only asks what the resolver already
// knows; a cgroup it does not know yet is handed to the resolver's worker
// (Observe), and the names it finds show from the next scrape on.
//  1. the cgroup id captured in the kernel, in the resolver's cache;
//  2. the cgroup path captured in the kernel, classified on its own: works
//     when the cgroup is already gone or too new for the resolver's cache;
//     the resolver adds the names it knows for the container or pod;
//  3. /proc/<pid>/cgroup, only for the fallback program when the victim was
//     not the current task. This races with the victim's exit: when the
//     process is gone the kill stays unattributed (resource without
//     container attributes).
func attribute(r identityResolver, k kill) (containerid.Identity, string) {
	if k.CgroupID != 0 {
		if id, ok := r.Lookup(k.CgroupID); ok {
			return id, attributedByCgroupID
		}
		r.Observe(k.CgroupID, k.PID)
	}
	if k.CgroupPath != "" {
		return r.Refresh(containerid.Classify(k.CgroupPath)), attributedByCgroupPath
	}
	if k.PID != 0 {
		if id, err := r.ByPID(int(k.PID)); err == nil {
			return id, attributedByPID
		}
	}
	return containerid.Identity{}, attributedNone
}
