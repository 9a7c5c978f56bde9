// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import (
	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// identityResolver is the part of containerid.Resolver attribution needs;
// tests pass a fake.
type identityResolver interface {
	ByCgroupID(id uint64) (containerid.Identity, bool)
	ByPID(pid int) (containerid.Identity, error)
}

// How a kill was attributed, for the log record (oom.attribution).
const (
	attributedByCgroupID   = "cgroup_id"
	attributedByCgroupPath = "cgroup_path"
	attributedByPID        = "pid"
	attributedNone         = "none"
)

// attribute finds the container of a victim, most reliable source first:
//  1. the cgroup id captured in the kernel, known to the resolver (which
//     also adds names from the Docker API);
//  2. the cgroup path captured in the kernel, classified on its own: works
//     when the cgroup is already gone or too new for the resolver's cache;
//  3. /proc/<pid>/cgroup, only for the fallback program when the victim was
//     not the current task. This races with the victim's exit: when the
//     process is gone the kill stays unattributed (resource without
//     container attributes).
func attribute(r identityResolver, k kill) (containerid.Identity, string) {
	if k.CgroupID != 0 {
		if id, ok := r.ByCgroupID(k.CgroupID); ok {
			return id, attributedByCgroupID
		}
	}
	if k.CgroupPath != "" {
		return containerid.Classify(k.CgroupPath), attributedByCgroupPath
	}
	if k.PID != 0 {
		if id, err := r.ByPID(int(k.PID)); err == nil {
			return id, attributedByPID
		}
	}
	return containerid.Identity{}, attributedNone
}
