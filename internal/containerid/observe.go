// SPDX-License-Identifier: Apache-2.0

package containerid // import "github.com/otelcol-node/otelcol-node/internal/containerid"

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"
)

// observeQueueSize bounds the hints waiting for the worker. A hint names a
// cgroup not cached yet, which is rare (a new container), so a full queue
// means a burst of new cgroups: those are found by the rescan the queued
// ones trigger anyway, and the drop is counted.
const observeQueueSize = 1024

// hierarchyWalks counts cgroupfs walks made by every resolver of the process.
var hierarchyWalks atomic.Uint64

// HierarchyWalks returns how many cgroupfs walks every resolver of this
// process made so far. Tests use it to check that the collector's components
// share one resolver.
func HierarchyWalks() uint64 { return hierarchyWalks.Load() }

// observation is a cgroup id seen by a hot path, with the pid that was in it.
type observation struct {
	cgroupID uint64
	pid      uint32
}

// Observe tells the resolver that cgroupID was just seen in an event of pid.
// It never blocks: ring-buffer readers call it, and the work (reading
// /proc/<pid>/cgroup while the process lives, or a rescan) happens on the
// resolver's worker, so that a later ByCgroupID or Lookup finds the cgroup
// even when it was created and removed between two rescans. pid 0 means
// unknown.
func (r *Resolver) Observe(cgroupID uint64, pid uint32) {
	if _, ok := r.lookup(cgroupID); ok || cgroupID == 0 {
		return
	}
	r.misses.Add(1)
	select {
	case r.observed <- observation{cgroupID: cgroupID, pid: pid}:
	default:
		r.observeDropped.Add(1)
	}
}

// Lookup returns the cached identity of cgroupID with the names known now. It
// never blocks and never rescans; a miss is left to Observe's worker.
func (r *Resolver) Lookup(cgroupID uint64) (Identity, bool) {
	ident, ok := r.lookup(cgroupID)
	if !ok {
		return Identity{}, false
	}
	return r.withNames(ident), true
}

// resolveObserved is the worker behind Observe.
func (r *Resolver) resolveObserved(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case o := <-r.observed:
			if _, ok := r.lookup(o.cgroupID); ok {
				continue
			}
			if o.pid != 0 && r.pin(o.cgroupID, int(o.pid)) {
				continue
			}
			r.rescanWhenDue(ctx)
		case <-r.unnamedPods:
			r.relistCRILogsIfDue()
		}
	}
}

// criRelistInterval rate-limits the kubelet directory listings asked for by
// pods without a name: a pod that never gets a log directory (a static
// pod's sandbox, a cgroup made by hand) costs at most one listing a second.
const criRelistInterval = time.Second

// relistCRILogsIfDue lists the kubelet's log directories again without
// walking cgroupfs, so that a pod whose directory appeared after the last
// rescan is named from the next emission on.
func (r *Resolver) relistCRILogsIfDue() {
	r.scanMu.Lock()
	defer r.scanMu.Unlock()
	now := r.now()
	if now.Sub(r.lastCRIList) < criRelistInterval {
		return
	}
	idx := r.listCRILogs(now)
	r.mu.Lock()
	r.criLogs = idx
	r.mu.Unlock()
}

// listCRILogs lists the kubelet's log directories. Callers hold scanMu.
func (r *Resolver) listCRILogs(now time.Time) criLogIndex {
	r.lastCRIList = now
	idx := scanCRILogs(r.cfg.PodLogsDir, r.cfg.ContainerLogsDir, r.cfg.MaxEntries)
	r.criLogDropped.Add(idx.truncated)
	return idx
}

// pin caches the cgroup of a live process if it is the one the event
// reported: the process's /proc/<pid>/cgroup names the path, the path's
// inode must be cgroupID (the process may have moved, or the pid been
// reused).
func (r *Resolver) pin(cgroupID uint64, pid int) bool {
	data, err := os.ReadFile(filepath.Join(r.cfg.ProcRoot, strconv.Itoa(pid), "cgroup"))
	if err != nil {
		return false
	}
	path, err := ParseProcCgroup(data, r.hierarchy.Kind)
	if err != nil {
		return false
	}
	if id, err := cgroupDirInode(r.hierarchy.MountPoint, path); err != nil || id != cgroupID {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.entries[cgroupID]; ok {
		return true
	}
	if len(r.entries) >= r.cfg.MaxEntries {
		r.dropped.Add(1)
		return false
	}
	ident := Classify(path)
	r.entries[cgroupID] = cgroupEntry{identity: ident, seen: r.now()}
	if ident.IsContainer() {
		r.byContainer[ident.ContainerID] = cgroupID
	}
	r.pinned.Add(1)
	return true
}

// rescanWhenDue waits out the rescan rate limit, then rescans. The worker
// may wait: nothing on a hot path waits for it.
func (r *Resolver) rescanWhenDue(ctx context.Context) {
	r.scanMu.Lock()
	wait := r.cfg.MinRescanInterval - r.now().Sub(r.lastScan)
	r.scanMu.Unlock()
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
	r.rescanIfDue()
}

// Current returns the identity to emit for cgroupID, given the last one the
// caller emitted (the zero Identity when none). It is the one rule every
// receiver follows for names that arrive late: each emission carries what
// the resolver knows now, so a container gets the same labels in every
// metric family. A cgroup the resolver no longer knows (removed, retention
// over) keeps its last identity, refreshed; an unknown one is queued for
// the worker and reported as unresolved. It never blocks.
func (r *Resolver) Current(cgroupID uint64, last Identity) (Identity, bool) {
	if ident, ok := r.lookup(cgroupID); ok {
		ident.FillEmpty(last)
		return r.Refresh(ident), true
	}
	if last != (Identity{}) {
		return r.Refresh(last), true
	}
	r.Observe(cgroupID, 0)
	return Identity{}, false
}

// PodLogContainerID returns the id of the container that writes the pod log
// file at path (/var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log), as the
// kubelet's /var/log/containers symlinks say; false until the kubelet made
// the link and the resolver listed it. It never blocks; a miss asks for a
// listing (at most one a second).
func (r *Resolver) PodLogContainerID(path string) (string, bool) {
	key, ok := podLogFileKey(path)
	if !ok {
		return "", false
	}
	r.mu.RLock()
	id, ok := r.criLogs.logFiles[key]
	r.mu.RUnlock()
	if !ok {
		select {
		case r.unnamedPods <- struct{}{}:
		default:
		}
	}
	return id, ok
}

// ByContainerID returns the identity of a container's cgroup, found by the
// container id (a log file names its container by id only). It never blocks.
func (r *Resolver) ByContainerID(containerID string) (Identity, bool) {
	r.mu.RLock()
	cgroupID, ok := r.byContainer[containerID]
	r.mu.RUnlock()
	if !ok {
		return Identity{}, false
	}
	return r.Lookup(cgroupID)
}
