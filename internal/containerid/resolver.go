// SPDX-License-Identifier: Apache-2.0

package containerid // import "github.com/otelcol-node/otelcol-node/internal/containerid"

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"
)

// ErrProcessNotFound means the process exited (or never existed) before its
// cgroup could be read.
var ErrProcessNotFound = errors.New("process not found")

// Resolver maps cgroup ids reported by BPF programs, and pids, to an Identity.
// It is safe for concurrent use. Its cache is bounded by Config.MaxEntries, and
// everything it leaves out or throws away is counted in Stats.
type Resolver struct {
	cfg       Config
	hierarchy Hierarchy
	logger    *zap.Logger
	docker    runtimeNames // nil when disabled
	closed    atomic.Bool  // no background work after Close
	now       func() time.Time

	// Background work started by Start: the runtime's event stream and the
	// worker that resolves what hot paths only Observe.
	observed chan observation
	// unnamedPods asks the worker to relist the kubelet's log directories:
	// an emitted identity has a pod uid they did not name yet.
	unnamedPods chan struct{}
	stop        context.CancelFunc
	running     sync.WaitGroup

	mu          sync.RWMutex
	entries     map[uint64]cgroupEntry
	byContainer map[string]uint64 // container id -> cgroup id, for entries that are containers
	criLogs     criLogIndex

	scanMu   sync.Mutex // serialises rescans; held while walking, not while reading entries
	lastScan time.Time
	// lastCRIList is when the kubelet's directories were last listed, by a
	// rescan or for a pod without a name; guarded by scanMu.
	lastCRIList time.Time

	hits, misses, rescans, rescansLimited atomic.Uint64
	evictions, dropped, scanErrors        atomic.Uint64
	criLogDropped, observeDropped         atomic.Uint64
	pinned                                atomic.Uint64
}

// runtimeNames is a container runtime's name source, kept current by the
// runtime's event stream (DockerNames). Cached and Request never block.
type runtimeNames interface {
	Run(ctx context.Context)
	Cached(containerID string) (DockerInfo, bool)
	Request(containerID string)
	Stats() DockerStats
}

// cgroupEntry is one cached cgroup.
type cgroupEntry struct {
	identity Identity
	seen     time.Time // last scan that found the directory
}

// Stats are the resolver's counters since it was created, for self-metrics.
type Stats struct {
	Entries            int    // cgroups cached now
	Hits               uint64 // ByCgroupID answered from the cache
	Misses             uint64 // cgroup ids asked for (ByCgroupID, Observe) that were not in the cache
	Rescans            uint64 // walks of the hierarchy, the start-up one included
	RescansRateLimited uint64 // misses that did not rescan because one ran less than MinRescanInterval ago
	Evictions          uint64 // removed cgroups dropped from the cache (retention over or cache full)
	Dropped            uint64 // live cgroups not cached because MaxEntries was reached
	CRILogEntries      int    // pods plus containers named by the kubelet's log directories
	CRILogDropped      uint64 // kubelet log entries not indexed because MaxEntries was reached
	ScanErrors         uint64 // cgroup directories that could not be read for a reason other than removal
	ObserveDropped     uint64 // Observe hints dropped because the worker's queue was full
	Pinned             uint64 // cgroups added between rescans from a live process's /proc/<pid>/cgroup
	Docker             DockerStats
}

// NewResolver detects the cgroup hierarchy, walks it once to seed the cache,
// and prepares the optional Docker name source. It fails only when no cgroup
// hierarchy can be read: without one nothing can be attributed. Start begins
// the background work (the runtime's event stream, Observe's worker); a
// resolver that was never started still answers from cgroupfs and the
// kubelet's directories.
func NewResolver(cfg Config, logger *zap.Logger) (*Resolver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid container identity config: %w", err)
	}
	if logger == nil {
		logger = zap.NewNop()
	}
	cfg = cfg.withDefaults()
	h, err := DetectHierarchy(cfg.CgroupRoot)
	if err != nil {
		return nil, err
	}
	r := &Resolver{
		cfg:       cfg,
		hierarchy: h,
		logger:    logger,
		now:       time.Now,
		entries:   make(map[uint64]cgroupEntry),
		observed:  make(chan observation, observeQueueSize),

		unnamedPods: make(chan struct{}, 1),
	}
	if !cfg.DisableDocker {
		r.docker = NewDockerNames(DockerClientConfig{
			Socket:      cfg.DockerSocket,
			MaxEntries:  cfg.MaxEntries,
			Timeout:     cfg.DockerTimeout,
			NegativeTTL: cfg.DockerNegativeTTL,
			PositiveTTL: cfg.DockerPositiveTTL,
		}, logger)
	}
	r.scanMu.Lock()
	defer r.scanMu.Unlock()
	if err := r.rescanLocked(); err != nil {
		return nil, err
	}
	logger.Debug("container identity resolver ready",
		zap.Stringer("cgroup.hierarchy", h.Kind),
		zap.String("cgroup.mount", h.MountPoint),
		zap.Int("cgroups", r.Stats().Entries))
	return r, nil
}

// Start begins the background work. The work stops with Close.
func (r *Resolver) Start() {
	if r.stop != nil || r.closed.Load() {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.stop = cancel
	if r.docker != nil {
		r.running.Add(1)
		go func() {
			defer r.running.Done()
			r.docker.Run(ctx)
		}()
	}
	r.running.Add(1)
	go func() {
		defer r.running.Done()
		r.resolveObserved(ctx)
	}()
}

// ProcRoot is where procfs is mounted, for receivers that read processes.
func (r *Resolver) ProcRoot() string { return r.cfg.ProcRoot }

// Hierarchy tells which cgroup ids the BPF programs must report for ByCgroupID
// to resolve them, and where that hierarchy is mounted.
func (r *Resolver) Hierarchy() Hierarchy { return r.hierarchy }

// ByCgroupID returns the identity of the cgroup whose kernfs id (the inode
// number of its directory in the resolver's hierarchy) is id. On a miss it
// rescans cgroupfs, at most once per MinRescanInterval, and tries again.
func (r *Resolver) ByCgroupID(id uint64) (Identity, bool) {
	if ident, ok := r.lookup(id); ok {
		r.hits.Add(1)
		return r.withNames(ident), true
	}
	r.misses.Add(1)
	r.rescanIfDue()
	if ident, ok := r.lookup(id); ok {
		return r.withNames(ident), true
	}
	return Identity{}, false
}

// ByPID reads /proc/<pid>/cgroup and classifies the path of the resolver's
// hierarchy. It is the fallback for events without a cgroup id and the way to
// seed per-process state at start-up. A process that is gone gives an error
// wrapping ErrProcessNotFound.
func (r *Resolver) ByPID(pid int) (Identity, error) {
	if pid <= 0 {
		return Identity{}, fmt.Errorf("resolving pid %d: pid must be positive", pid)
	}
	data, err := os.ReadFile(filepath.Join(r.cfg.ProcRoot, strconv.Itoa(pid), "cgroup"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
			return Identity{}, fmt.Errorf("resolving pid %d: %w", pid, ErrProcessNotFound)
		}
		return Identity{}, fmt.Errorf("resolving pid %d: %w", pid, err)
	}
	path, err := ParseProcCgroup(data, r.hierarchy.Kind)
	if err != nil {
		return Identity{}, fmt.Errorf("resolving pid %d: %w", pid, err)
	}
	return r.withNames(Classify(path)), nil
}

// CgroupID returns the id BPF programs report for the cgroup at cgroupPath
// (as in /proc/<pid>/cgroup) in the resolver's hierarchy: the inode number of
// its directory. Tests use it to pick their own events out of a busy node's.
func (r *Resolver) CgroupID(cgroupPath string) (uint64, error) {
	id, err := cgroupDirInode(r.hierarchy.MountPoint, cgroupPath)
	if err != nil {
		return 0, fmt.Errorf("looking up cgroup id of %s: %w", cgroupPath, err)
	}
	return id, nil
}

// Stats returns a snapshot of the counters.
func (r *Resolver) Stats() Stats {
	r.mu.RLock()
	n := len(r.entries)
	criEntries := len(r.criLogs.pods) + len(r.criLogs.containers)
	r.mu.RUnlock()
	s := Stats{
		Entries:            n,
		Hits:               r.hits.Load(),
		Misses:             r.misses.Load(),
		Rescans:            r.rescans.Load(),
		RescansRateLimited: r.rescansLimited.Load(),
		Evictions:          r.evictions.Load(),
		Dropped:            r.dropped.Load(),
		ScanErrors:         r.scanErrors.Load(),
		CRILogEntries:      criEntries,
		CRILogDropped:      r.criLogDropped.Load(),
		ObserveDropped:     r.observeDropped.Load(),
		Pinned:             r.pinned.Load(),
	}
	if r.docker != nil {
		s.Docker = r.docker.Stats()
	}
	return s
}

// Close releases the Docker Engine API connections. Lookups after Close still
// answer from cgroupfs and the kubelet's log directories, without Docker names.
func (r *Resolver) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	if r.stop != nil {
		r.stop()
	}
	r.running.Wait()
	return nil
}

func (r *Resolver) lookup(id uint64) (Identity, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok := r.entries[id]
	return e.identity, ok
}

// withNames adds what the kubelet's log directories and the Docker Engine API
// know about a container or pod. Docker failures are counted by the Docker
// client and leave the identity as the path gave it.
func (r *Resolver) withNames(id Identity) Identity {
	if !id.IsContainer() && id.PodUID == "" {
		return id
	}
	r.mu.RLock()
	id = r.criLogs.apply(id)
	r.mu.RUnlock()
	if id.PodUID != "" && id.PodName == "" {
		// The pod's log directory may be newer than the last listing.
		select {
		case r.unnamedPods <- struct{}{}:
		default:
		}
	}
	if r.docker == nil || r.closed.Load() || !id.IsContainer() || (id.Runtime != "" && id.Runtime != RuntimeDocker) {
		return id
	}
	info, ok := r.docker.Cached(id.ContainerID)
	if !ok {
		// Never wait for the engine here: ask in the background, and the
		// name shows from the caller's next emission on.
		r.docker.Request(id.ContainerID)
		return id
	}
	id.Runtime = RuntimeDocker
	id.Name = info.Name
	id.ImageName = info.ImageName
	return id
}

// Refresh returns id with the names the resolver knows now: every receiver
// calls it when it emits, so a name that arrives late (the runtime answered
// after the container's first event) shows in every metric family from the
// next emission on, and all families carry the same labels. Names already
// known are kept when their source has forgotten them (a removed
// container's entry expired), so a series does not lose its labels at the
// end of its life. It never blocks.
func (r *Resolver) Refresh(id Identity) Identity {
	fresh := r.withNames(id)
	fresh.FillEmpty(id)
	return fresh
}

func (r *Resolver) rescanIfDue() {
	r.scanMu.Lock()
	defer r.scanMu.Unlock()
	if r.now().Sub(r.lastScan) < r.cfg.MinRescanInterval {
		r.rescansLimited.Add(1)
		return
	}
	if err := r.rescanLocked(); err != nil {
		// The hierarchy was readable at start-up; a failing walk now is counted
		// and the previous cache stays in use.
		r.scanErrors.Add(1)
		r.logger.Debug("rescanning cgroups failed", zap.Error(err))
	}
}

// rescanLocked walks the hierarchy and replaces the cache: every live cgroup
// (up to MaxEntries), then removed ones still within RemovedRetention, most
// recently seen first, while space is left. It also relists the kubelet's log
// directories. Callers hold scanMu.
func (r *Resolver) rescanLocked() error {
	now := r.now()
	r.lastScan = now
	res, err := scanHierarchy(r.hierarchy.MountPoint, r.cfg.MaxEntries)
	hierarchyWalks.Add(1)
	r.rescans.Add(1)
	if err != nil {
		return err
	}
	r.dropped.Add(res.truncated)
	r.scanErrors.Add(res.errors)

	criLogs := r.listCRILogs(now)

	next := make(map[uint64]cgroupEntry, len(res.cgroups))
	for _, c := range res.cgroups {
		next[c.id] = cgroupEntry{identity: Classify(c.path), seen: now}
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	var removed []uint64
	for id := range r.entries {
		if _, live := next[id]; !live {
			removed = append(removed, id)
		}
	}
	sort.Slice(removed, func(i, j int) bool {
		return r.entries[removed[i]].seen.After(r.entries[removed[j]].seen)
	})
	var evicted uint64
	for _, id := range removed {
		e := r.entries[id]
		if len(next) >= r.cfg.MaxEntries || now.Sub(e.seen) > r.cfg.RemovedRetention {
			evicted++
			continue
		}
		next[id] = e
	}
	r.evictions.Add(evicted)
	r.entries = next
	r.byContainer = make(map[string]uint64, len(next))
	for id, e := range next {
		if e.identity.IsContainer() {
			r.byContainer[e.identity.ContainerID] = id
		}
	}
	r.criLogs = criLogs
	return nil
}
