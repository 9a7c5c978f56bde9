// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver // import "github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver"

import (
	"sync"
	"time"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// sanitySlack is added to the wall-time bound of a delta. The kernel credits a
// wait when it ends, so a wait that began shortly before the previous sample
// lands whole in the next one; the slack keeps such a sample from being taken
// for the kernel glitch the bound is there to catch (a block I/O delay jumping
// by the whole uptime).
const sanitySlack = time.Second

// untrackedThreadAllowance bounds the thread count of a short-lived
// multi-threaded process that no scrape ever saw: its final record does not
// say how many threads it had.
const untrackedThreadAllowance = 64

// maxParkedExits caps the exits waiting for their parent's own exit to tell
// which container they belonged to.
const maxParkedExits = 4096

// exitOutcome is the value of the `outcome` attribute of the exits metric.
type exitOutcome int

const (
	exitTracked      exitOutcome = iota // a process the scrapes were sampling
	exitAdopted                         // a process no scrape saw, credited to its container
	exitIgnored                         // a process outside any tracked container
	exitUnattributed                    // no container could be found in time
	numExitOutcomes
)

var exitOutcomeNames = [numExitOutcomes]string{"tracked", "adopted", "ignored", "unattributed"}

// dropReason is the value of the `reason` attribute of processes_dropped.
type dropReason int

const (
	dropMaxProcesses dropReason = iota
	dropMaxContainers
	numDropReasons
)

var dropReasonNames = [numDropReasons]string{"max_processes", "max_containers"}

// containerAgg holds the cumulative delays of one container.
type containerAgg struct {
	identity containerid.Identity
	since    time.Time // when the counters started: the start timestamp of its points
	total    delays    // nanoseconds, never reset while the container lives
	procs    int       // processes currently tracked in the container
	lastSeen time.Time // last time a process lived or exited in it
}

// procEntry is the state of one thread group (process) the receiver knows.
// Processes outside tracked containers have a nil container: remembering them
// keeps their exits and later scans down to one map lookup.
type procEntry struct {
	container *containerAgg
	baseline  bool      // seen at the first scan: its history predates the receiver
	last      delays    // totals already credited to the container
	lastAt    time.Time // when last was read; zero before the first sample
	threads   uint32    // thread count at the last sample
	seenGen   uint64    // last scan that listed the process
}

// selfStats are the receiver's own counters, cumulative like the delays.
type selfStats struct {
	rejected    [numDelayKinds]int64
	exits       [numExitOutcomes]int64
	exitsLost   int64
	dropped     [numDropReasons]int64
	queryErrors int64
	lastSampled int64
}

// containerSnapshot is one container's totals at scrape time.
type containerSnapshot struct {
	identity containerid.Identity
	since    time.Time
	total    delays
}

// tracker turns per-process taskstats totals and exit records into
// per-container cumulative delays. It is goroutine-safe: the scrape and the
// exit listener update it concurrently.
//
// Every process is credited exactly once for each nanosecond of delay: a
// sample or an exit credits the growth since what was already credited, an
// exit removes the process, and a sample for a process that is no longer in
// the table (it exited while the scrape was querying it) is dropped because
// its exit has already credited the final totals.
type tracker struct {
	mu            sync.Mutex
	procs         map[uint32]*procEntry
	containers    map[string]*containerAgg
	maxProcesses  int
	maxContainers int
	idleTimeout   time.Duration
	gen           uint64
	scanAt        time.Time // start of the current scan
	prevScanAt    time.Time // start of the previous scan; zero before the second
	seeding       bool      // until the first scan ends, new processes only set a baseline
	// parked holds exits of short-lived processes whose parent was unknown
	// and already gone, keyed by that parent: the parent's own exit, which
	// follows, names the container (through the grandparent) for them all.
	parked      map[uint32][]parkedExit
	parkedCount int
	// credited holds processes credited by their exit record without ever
	// being admitted, with the scan generation of the exit. A scan that
	// listed such a pid just before it exited must not admit it (a zombie
	// can still be resolved and queried) and count it twice.
	credited map[uint32]uint64
	stats    selfStats
}

func newTracker(maxProcesses, maxContainers int, idleTimeout time.Duration) *tracker {
	return &tracker{
		procs:         make(map[uint32]*procEntry),
		containers:    make(map[string]*containerAgg),
		maxProcesses:  maxProcesses,
		maxContainers: maxContainers,
		idleTimeout:   idleTimeout,
		seeding:       true,
		parked:        make(map[uint32][]parkedExit),
		credited:      make(map[uint32]uint64),
	}
}

// beginScan starts a scan of /proc. Processes found in the first scan only set
// a baseline: their delays accrued before the receiver started.
func (t *tracker) beginScan(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.gen++
	t.prevScanAt, t.scanAt = t.scanAt, now
}

// seen marks a listed pid. It returns known=false for a pid the tracker has
// no entry for (the caller resolves it and calls admit), and sample=true for a
// process of a tracked container, which the caller queries and passes to
// applySample.
func (t *tracker) seen(pid uint32) (known, sample bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.procs[pid]
	if !ok {
		return false, false
	}
	e.seenGen = t.gen
	return true, e.container != nil
}

// admit adds a pid found by a scan, or the parent of a short-lived process
// found by the exit listener, with the identity of its cgroup. wanted says
// whether that identity is tracked (a container, or a systemd service when
// configured). It returns whether the process is to be sampled.
func (t *tracker) admit(pid uint32, id containerid.Identity, wanted bool, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.procs[pid]; ok {
		// The exit listener admitted it while the scan resolved it.
		e.seenGen = t.gen
		return e.container != nil
	}
	if _, ok := t.credited[pid]; ok {
		return false
	}
	if len(t.procs) >= t.maxProcesses {
		t.stats.dropped[dropMaxProcesses]++
		return false
	}
	e := &procEntry{seenGen: t.gen, baseline: t.seeding}
	if wanted {
		c := t.containerLocked(id, now)
		if c == nil {
			// Remembered untracked, so the drop is counted once.
			t.stats.dropped[dropMaxContainers]++
		} else {
			e.container = c
			c.procs++
		}
	}
	t.procs[pid] = e
	return e.container != nil
}

func (t *tracker) containerLocked(id containerid.Identity, now time.Time) *containerAgg {
	key := id.CgroupPath
	if c, ok := t.containers[key]; ok {
		c.lastSeen = now
		return c
	}
	if len(t.containers) >= t.maxContainers {
		return nil
	}
	c := &containerAgg{identity: id, since: now, lastSeen: now}
	t.containers[key] = c
	return c
}

// applySample credits the growth of a process's totals since the last sample.
// threads is the process's live thread count, which bounds how much delay can
// have accrued in the elapsed wall time.
func (t *tracker) applySample(pid uint32, cur delays, threads uint32, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.procs[pid]
	if !ok || e.container == nil {
		return // exited meanwhile: its exit credited the final totals
	}
	// The bound takes the larger thread count of the interval's two ends:
	// threads that ended since the last sample left their delays in the
	// group's totals (the kernel keeps them in the signal struct), so the
	// count now can be far lower than the count that accrued the delay (a
	// worker pool that just finished).
	boundThreads := max(e.threads, threads, 1)
	e.threads = max(threads, 1)
	e.container.lastSeen = now
	if e.baseline {
		e.baseline = false
		e.last, e.lastAt = cur, now
		return
	}
	since := e.lastAt
	if since.IsZero() {
		// New since the previous scan (or adopted as a parent in between).
		since = t.prevScanAt
	}
	t.creditLocked(e.container, &e.last, cur, boundFor(since, now, boundThreads))
	e.lastAt = now
}

// boundFor is the most delay a process with the given thread count can
// accrue between since and now; zero since means no bound is known.
func boundFor(since, now time.Time, threads uint32) uint64 {
	if since.IsZero() {
		return ^uint64(0)
	}
	elapsed := max(now.Sub(since), 0) + sanitySlack
	return uint64(elapsed) * uint64(max(threads, 1))
}

// creditLocked adds cur-last to the container for every delay kind whose
// growth is plausible and moves last to cur. A total that went down (pid
// reuse after a lost exit, or a wrapped counter) or grew beyond bound is
// rejected and counted; last still moves, so a glitch is skipped once rather
// than counted later.
func (t *tracker) creditLocked(c *containerAgg, last *delays, cur delays, bound uint64) {
	for k := range numDelayKinds {
		switch d := cur[k] - last[k]; {
		case cur[k] < last[k], d > bound:
			t.stats.rejected[k]++
		default:
			c.total[k] += d
		}
	}
	*last = cur
}

// refreshIdentities passes every container's identity through refresh and
// keeps the result as its identity, the one emitted next. refresh is the
// resolver's Refresh: it adds the names known now and keeps those already
// known, so a name learned late shows from the next emission on and a
// container never loses one. The key (the cgroup path) stays: only labels
// change, never the series.
func (t *tracker) refreshIdentities(refresh func(containerid.Identity) containerid.Identity) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.containers {
		c.identity = refresh(c.identity)
	}
}

// recordQueryError counts a taskstats query that failed for a reason other
// than the process having exited.
func (t *tracker) recordQueryError() {
	t.mu.Lock()
	t.stats.queryErrors++
	t.mu.Unlock()
}

// endScan forgets processes that two scans in a row did not list and whose
// exit never arrived (the notification was lost or the listener is off),
// counting tracked ones as lost, and drops containers that have had no
// process for idleTimeout.
func (t *tracker) endScan(now time.Time, sampled int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for pid, e := range t.procs {
		// Two scans of grace: an exit that is still in flight on the
		// listener's socket must find its entry, or it would be adopted and
		// credited a second time.
		if e.seenGen+1 < t.gen {
			if e.container != nil {
				t.stats.exitsLost++
			}
			t.removeLocked(pid, e)
		}
	}
	for key, c := range t.containers {
		if c.procs == 0 && now.Sub(c.lastSeen) > t.idleTimeout {
			delete(t.containers, key)
		}
	}
	for pid, gen := range t.credited {
		if gen+1 < t.gen {
			delete(t.credited, pid)
		}
	}
	// A parent outlives its children's exit records by milliseconds; one
	// whole interval without its exit means it is not coming.
	t.expireParkedLocked(t.prevScanAt)
	t.stats.lastSampled = int64(sampled)
	t.seeding = false
}

func (t *tracker) removeLocked(pid uint32, e *procEntry) {
	if e.container != nil {
		e.container.procs--
	}
	delete(t.procs, pid)
}

// parkedExit is an exit waiting for its parent to be attributed.
type parkedExit struct {
	n    exitNotification
	tgid uint32
	at   time.Time
}

// exitVerdict tells the exit listener what to do with an exit the tracker
// could not settle by itself.
type exitVerdict int

const (
	exitSettled    exitVerdict = iota // credited or ignored; nothing more to do
	exitNeedParent                    // unknown process and parent: resolve the parent and call adopt
	exitNotAGroup                     // one thread of a live process ended; nothing to do
)

// exit settles an exit notification for a process the tracker knows, or
// whose parent it knows. For an unknown process with an unknown parent it
// returns exitNeedParent: the caller resolves the parent's cgroup outside the
// lock and calls adopt.
func (t *tracker) exit(n exitNotification, now time.Time) exitVerdict {
	tgid, final, ok := n.groupExit()
	if !ok {
		return exitNotAGroup
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.procs[tgid]; ok {
		c := e.container
		t.settleKnownLocked(tgid, e, final, now)
		t.releaseParkedLocked(tgid, c, now)
		return exitSettled
	}
	parent, ok := t.procs[n.task.stats.ppid]
	if !ok {
		return exitNeedParent
	}
	t.creditOrphanLocked(parent.container, n, final, now)
	t.releaseParkedLocked(tgid, parent.container, now)
	return exitSettled
}

func (t *tracker) settleKnownLocked(tgid uint32, e *procEntry, final delays, now time.Time) {
	defer t.removeLocked(tgid, e)
	if e.container == nil {
		t.stats.exits[exitIgnored]++
		return
	}
	t.stats.exits[exitTracked]++
	e.container.lastSeen = now
	if e.baseline {
		// Never sampled after the first scan: its totals include time
		// before the receiver started, which is not ours to count.
		return
	}
	since := e.lastAt
	if since.IsZero() {
		since = t.prevScanAt
	}
	t.creditLocked(e.container, &e.last, final, boundFor(since, now, e.threads))
}

// creditOrphanLocked credits a process no scan saw to the container of its
// parent (nil: the parent is not in a tracked container). Its whole history
// happened while the receiver ran.
func (t *tracker) creditOrphanLocked(c *containerAgg, n exitNotification, final delays, now time.Time) {
	if c == nil {
		t.stats.exits[exitIgnored]++
		return
	}
	t.stats.exits[exitAdopted]++
	c.lastSeen = now
	var zero delays
	t.creditLocked(c, &zero, final, orphanBound(n))
	if len(t.credited) < t.maxProcesses {
		tgid, _, _ := n.groupExit()
		t.credited[tgid] = t.gen
	}
}

// parkLocked keeps an exit whose parent could not be resolved until the
// parent's own exit arrives. A full park counts the exit as unattributed.
func (t *tracker) parkLocked(n exitNotification, tgid uint32, now time.Time) {
	if t.parkedCount >= maxParkedExits {
		t.stats.exits[exitUnattributed]++
		return
	}
	ppid := n.task.stats.ppid
	t.parked[ppid] = append(t.parked[ppid], parkedExit{n: n, tgid: tgid, at: now})
	t.parkedCount++
}

// releaseParkedLocked credits the exits parked under pid, now that pid is
// known to have belonged to c, and those parked under them in turn.
func (t *tracker) releaseParkedLocked(pid uint32, c *containerAgg, now time.Time) {
	children, ok := t.parked[pid]
	if !ok {
		return
	}
	delete(t.parked, pid)
	t.parkedCount -= len(children)
	for _, p := range children {
		_, final, _ := p.n.groupExit()
		t.creditOrphanLocked(c, p.n, final, now)
		t.releaseParkedLocked(p.tgid, c, now)
	}
}

// expireParkedLocked gives up on exits parked before cutoff: their parent
// never exited nor got known. They count as unattributed.
func (t *tracker) expireParkedLocked(cutoff time.Time) {
	for ppid, children := range t.parked {
		kept := children[:0]
		for _, p := range children {
			if p.at.Before(cutoff) {
				t.stats.exits[exitUnattributed]++
				continue
			}
			kept = append(kept, p)
		}
		t.parkedCount -= len(children) - len(kept)
		if len(kept) == 0 {
			delete(t.parked, ppid)
		} else {
			t.parked[ppid] = kept
		}
	}
}

// orphanBound bounds the delays of a process no scan saw by its lifetime: the
// group's wall time (v12+) or the last task's, times its threads when it had
// several.
func orphanBound(n exitNotification) uint64 {
	s := n.task.stats
	life := time.Duration(s.etimeMicros) * time.Microsecond
	if s.hasTGID {
		life = max(life, time.Duration(s.tgEtimeMicros)*time.Microsecond)
	}
	threads := uint64(1)
	if n.hasGroup {
		threads = untrackedThreadAllowance
	}
	return uint64(life+sanitySlack) * threads
}

// adopt settles an exit whose parent had to be resolved: the parent is
// admitted with its identity (so its other children are one lookup away) and
// the exit is credited to it. resolved=false means the parent could not be
// resolved (it has gone too, or the lookup budget is spent): the exit is
// parked until the parent's own exit says where it belonged.
func (t *tracker) adopt(n exitNotification, parentID containerid.Identity, wanted, resolved bool, now time.Time) {
	tgid, final, _ := n.groupExit()
	if !resolved {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.parkLocked(n, tgid, now)
		return
	}
	ppid := n.task.stats.ppid
	t.admit(ppid, parentID, wanted, now)
	t.mu.Lock()
	defer t.mu.Unlock()
	parent, ok := t.procs[ppid]
	if !ok { // the process cap kept the parent out
		t.stats.exits[exitUnattributed]++
		return
	}
	t.creditOrphanLocked(parent.container, n, final, now)
	t.releaseParkedLocked(tgid, parent.container, now)
}

// countExitsLost counts notifications the kernel could not deliver.
func (t *tracker) countExitsLost(n int64) {
	t.mu.Lock()
	t.stats.exitsLost += n
	t.mu.Unlock()
}

// snapshot copies the containers' totals and the self counters.
func (t *tracker) snapshot() ([]containerSnapshot, selfStats) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]containerSnapshot, 0, len(t.containers))
	for _, c := range t.containers {
		out = append(out, containerSnapshot{identity: c.identity, since: c.since, total: c.total})
	}
	return out, t.stats
}
