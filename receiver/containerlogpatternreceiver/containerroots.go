// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer/attrs"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// containerRoots follows the files a container's processes write under its
// own root (for example /var/log/nginx/error.log inside the container). The
// files are reached through /proc/<pid>/root of one of the container's
// processes, never through the host's /var/log. One fileconsumer per
// container; when the process it reads through exits, a new one follows the
// files through another process of the container and resumes from the
// checkpoints, so nothing is recounted or skipped. When the container has no
// process left, its follower polls once more before it stops (see
// drainedSince), so the lines written just before the exit are counted.
type containerRoots struct {
	c        *core
	resolver *containerid.Resolver // shared: released by the core, never closed here
	selfPID  int

	followed  map[string]*followedRoot // by container id
	firstScan bool

	// hostPIDs are processes found outside any container in the last two
	// scans: not read again (most processes of a node are the host's),
	// except on every hostRecheckScans-th scan. See rescan.
	hostPIDs map[int]int // pid -> consecutive scans found outside a container
	scans    int
}

// hostRecheckScans is how often every process is read again, whatever the
// cache says: a pid reused by a container's process between two scans is
// found at most this many scans late.
const hostRecheckScans = 6

type followedRoot struct {
	pid     int
	prefix  string // <proc_root>/<pid>/root
	id      containerid.Identity
	manager *fileconsumer.Manager
	// goneAt is when a scan first found no process of the container left;
	// zero while it has one.
	goneAt time.Time
}

// newContainerRoots follows containers through the processes under the
// resolver's proc root, the one the container_identity extension reads.
func newContainerRoots(c *core, resolver *containerid.Resolver) *containerRoots {
	return &containerRoots{
		c: c, resolver: resolver, selfPID: os.Getpid(),
		followed: make(map[string]*followedRoot), firstScan: true, hostPIDs: make(map[int]int),
	}
}

func (cr *containerRoots) run(ctx context.Context) {
	cr.rescan()
	ticker := time.NewTicker(cr.c.cfg.ContainerFiles.RescanInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			cr.rescan()
		}
	}
}

// rescan finds one live process per container, starts following new
// containers and moves or stops those whose process is gone.
func (cr *containerRoots) rescan() {
	procRoot := cr.resolver.ProcRoot()
	entries, err := os.ReadDir(procRoot)
	if err != nil {
		cr.c.set.Logger.Debug("scanning processes", zap.Error(err))
		return
	}
	hostRoots := cr.hostRoots(procRoot)
	followedPIDs := make(map[int]string, len(cr.followed))
	for id, f := range cr.followed {
		followedPIDs[f.pid] = id
	}
	alive := make(map[string]int)
	idents := make(map[string]containerid.Identity)
	// A process outside any container in two scans in a row is skipped:
	// a runtime's init, which is in its container's cgroup within
	// milliseconds of its start, is never outside in two scans.
	cr.scans++
	recheck := cr.scans%hostRecheckScans == 0
	hostPIDs := make(map[int]int, len(cr.hostPIDs))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == cr.selfPID {
			continue
		}
		if id, ok := followedPIDs[pid]; ok {
			// The process already followed wins while it lives.
			alive[id] = pid
			continue
		}
		if n := cr.hostPIDs[pid]; n >= 2 && !recheck {
			hostPIDs[pid] = n
			continue
		}
		ident, err := cr.resolver.ByPID(pid)
		if err == nil && !ident.IsContainer() {
			hostPIDs[pid] = cr.hostPIDs[pid] + 1
		}
		if err != nil || !ident.IsContainer() {
			continue
		}
		if isRuntimeInit(procRoot, pid) && sharesRoot(procRoot, pid, hostRoots) {
			// The runtime's init (runc init) is in the container's cgroup
			// before it moves into the container's root: through it the
			// host's own /var/log would be counted as the container's.
			// Other processes on the host's root are followed: a
			// container without a root of its own writes its logs there.
			continue
		}
		// Prefer the container's oldest process (lowest pid, usually its
		// init): short-lived children would make the follower move often.
		prev, seen := alive[ident.ContainerID]
		if _, isFollowed := followedPIDs[prev]; !seen || (!isFollowed && pid < prev) {
			alive[ident.ContainerID] = pid
			idents[ident.ContainerID] = ident
		}
	}
	cr.hostPIDs = hostPIDs // pids gone from /proc are forgotten
	now := time.Now()
	for id, f := range cr.followed {
		pid, ok := alive[id]
		switch {
		case ok && pid == f.pid:
			f.goneAt = time.Time{}
		case ok:
			// Another process of the container takes over from the
			// checkpoints; the files are still reachable through it.
			cr.stop(id, false)
		case f.goneAt.IsZero():
			f.goneAt = now
		case cr.drainedSince(f.goneAt, now):
			cr.stop(id, true)
		}
	}
	startAt := startAtBeginning
	if cr.firstScan {
		startAt = cr.c.cfg.StartAt
		cr.firstScan = false
	}
	for id, pid := range alive {
		if cr.followed[id] != nil {
			continue
		}
		if len(cr.followed) >= cr.c.cfg.ContainerFiles.MaxContainers {
			cr.c.stats.linesDropped.Add(1)
			continue
		}
		ident, ok := idents[id]
		if !ok {
			var err error
			if ident, err = cr.resolver.ByPID(pid); err != nil {
				continue
			}
		}
		if err := cr.follow(id, pid, ident, startAt); err != nil {
			cr.c.set.Logger.Debug("following container files", zap.String("container.id", id), zap.Error(err))
		}
	}
}

func (cr *containerRoots) follow(id string, pid int, ident containerid.Identity, startAt string) error {
	prefix := filepath.Join(cr.resolver.ProcRoot(), strconv.Itoa(pid), "root")
	include := make([]string, 0, len(cr.c.cfg.ContainerFiles.Include))
	for _, p := range cr.c.cfg.ContainerFiles.Include {
		include = append(include, prefix+p)
	}
	f := &followedRoot{pid: pid, prefix: prefix, id: ident}
	emitFn := func(_ context.Context, tokens [][]byte, attributes map[string]any, _ int64, _ []int64) error {
		path, _ := attributes[attrs.LogFilePath].(string)
		// A rotated copy counts under the file it was rotated from.
		source := strings.TrimSuffix(strings.TrimPrefix(path, f.prefix), rotatedSuffix)
		s := cr.c.streamFor("container://"+id, source, formatPlain, checkpointScope(id), func() containerid.Identity { return f.id })
		if s == nil {
			cr.c.dropLines(len(tokens))
			return nil
		}
		now := time.Now()
		for _, t := range tokens {
			s.addLine(t, now)
		}
		return nil
	}
	m, err := cr.c.newTailerConfig(include, startAt).Build(cr.c.set.TelemetrySettings, emitFn, fileconsumer.WithSplitFunc(splitLines))
	if err != nil {
		return err
	}
	cr.c.restorePending(context.Background(), checkpointScope(id))
	if err := m.Start(cr.c.tailerPersister(checkpointScope(id))); err != nil {
		return err
	}
	f.manager = m
	cr.followed[id] = f
	cr.c.set.Logger.Debug("following container files", zap.String("container.id", id), zap.Int("pid", pid))
	return nil
}

// drainedSince reports whether a follower whose container had no process
// left at goneAt has polled since. The last lines a container writes before
// its last process exits are read by that poll: /proc/<pid>/root is gone
// with the process, so the poll matches no file, and fileconsumer reads the
// files it no longer finds to their end through the descriptors it kept
// open from the poll before. Stopping the follower first (a rescan between
// the exit and the next poll) closed those descriptors unread and lost up
// to poll_interval of lines. Two intervals leave room for a poll in
// progress.
func (cr *containerRoots) drainedSince(goneAt, now time.Time) bool {
	return now.Sub(goneAt) >= 2*cr.c.cfg.PollInterval
}

// stop stops following a container's files; gone says the container has no
// process left, so its checkpoints can go too.
func (cr *containerRoots) stop(id string, gone bool) {
	f := cr.followed[id]
	delete(cr.followed, id)
	if err := f.manager.Stop(); err != nil {
		cr.c.set.Logger.Debug("stopping container files", zap.String("container.id", id), zap.Error(err))
	}
	if gone {
		if mp, ok := cr.c.checkpoints.(*memoryPersister); ok {
			mp.deletePrefix(checkpointScope(id) + ".")
		}
	}
}

func (cr *containerRoots) stopAll() {
	for id := range cr.followed {
		cr.stop(id, false)
	}
}

// hostRoots returns the root directories of the host's init and of the
// collector, those readable: a process in a container's cgroup that still
// has one of them as its root has not entered the container's root yet.
// (The host init's may be unreadable from another user namespace.)
func (cr *containerRoots) hostRoots(procRoot string) []os.FileInfo {
	var roots []os.FileInfo
	for _, pid := range []int{1, cr.selfPID} {
		if fi, err := os.Stat(filepath.Join(procRoot, strconv.Itoa(pid), "root")); err == nil {
			roots = append(roots, fi)
		}
	}
	return roots
}

// runtimeInitNames are the comm values of OCI runtimes' init processes
// before they exec the container's command (runc renames its stages
// "runc:[0:PARENT]", "runc:[1:CHILD]", "runc:[2:INIT]").
var runtimeInitNames = []string{"runc", "crun", "youki"}

// isRuntimeInit reports whether process pid is an OCI runtime that has not
// exec'd the container's command yet.
func isRuntimeInit(procRoot string, pid int) bool {
	comm, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "comm"))
	if err != nil {
		return false
	}
	name := strings.TrimSpace(string(comm))
	for _, runtime := range runtimeInitNames {
		if name == runtime || strings.HasPrefix(name, runtime+":") {
			return true
		}
	}
	return false
}

// sharesRoot reports whether process pid has one of roots as its root
// directory.
func sharesRoot(procRoot string, pid int, roots []os.FileInfo) bool {
	if len(roots) == 0 {
		return false
	}
	fi, err := os.Stat(filepath.Join(procRoot, strconv.Itoa(pid), "root"))
	if err != nil {
		return false
	}
	for _, root := range roots {
		if os.SameFile(fi, root) {
			return true
		}
	}
	return false
}

func checkpointScope(containerID string) string { return "container." + containerID }
