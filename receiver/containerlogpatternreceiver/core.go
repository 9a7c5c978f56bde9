// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/logsource"
	"github.com/otelcol-node/otelcol-node/internal/patternminer"
)

// The maintenance beat flushes idle multiline messages and ships buffered
// log records every two multiline_flush_timeouts, within these bounds: a
// message is counted between one and three timeouts after its last line
// (well inside a collection interval). It beats only while something is
// pending: a node whose logs are quiet wakes for expiry alone, on the
// slower expiry beat, and the next line starts the fast beat again.
const (
	minMaintenanceInterval = 10 * time.Millisecond
	maxMaintenanceInterval = time.Second
	expiryInterval         = 30 * time.Second
	// minerClustersPerPattern sizes a stream's miner relative to the
	// patterns it may count.
	minerClustersPerPattern = 2
)

// core is the receiver's running state, shared by its metrics and logs
// outputs: the sources, the streams they feed and the aggregate.
type core struct {
	cfg    *Config
	set    receiver.Settings
	agg    *aggregate
	budget minerBudget
	stats  selfStats
	logs   *logsOutput // nil unless the logs output is in a pipeline

	streamsMu sync.Mutex
	streams   map[streamKey]*stream
	nStreams  atomic.Int64 // len(streams), read without streamsMu

	checkpoints operator.Persister
	storage     storage.Client // nil without a storage extension

	cancel   context.CancelFunc
	wg       sync.WaitGroup
	runtime  *fileconsumer.Manager
	journald *journaldSource
	roots    *containerRoots
	rotation *rotationWatch // nil where the platform has no file watch

	// resolver names the containers the logs come from; nil when no
	// private resolver could be made (no cgroupfs), and then the logs are
	// attributed by their paths alone. release gives it back at shutdown.
	resolver *containerid.Resolver
	release  func() error

	// maintenanceIdle is set while the maintenance beat sleeps on the
	// expiry beat; the first line after it sends on wakeMaintenance.
	maintenanceIdle atomic.Bool
	wakeMaintenance chan struct{}
}

type streamKey struct {
	owner  string
	source string
}

func newCore(cfg *Config, set receiver.Settings) *core {
	return &core{
		cfg:     cfg,
		set:     set,
		agg:     newAggregate(cfg.MaxPatterns, cfg.MaxSeries, cfg.MaxSampleLength, cfg.PatternIdleTimeout),
		budget:  minerBudget{limit: int64(cfg.MaxPatternMemory)},
		streams: make(map[streamKey]*stream),

		wakeMaintenance: make(chan struct{}, 1),
	}
}

// start launches every enabled source. Only what the user must fix (a bad
// storage extension, an unusable include pattern) fails it; a missing
// directory or journal is a source that stays quiet.
func (c *core) start(ctx context.Context, host component.Host) error {
	if c.cfg.StorageID != nil {
		client, err := storageClient(ctx, host, c.cfg.StorageID, c.set.ID)
		if err != nil {
			return fmt.Errorf("getting storage client: %w", err)
		}
		c.storage = client
		c.checkpoints = client
	} else {
		c.checkpoints = newMemoryPersister()
	}
	if err := c.acquireResolver(host); err != nil {
		return c.abort(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel

	if c.cfg.Docker.Enabled || c.cfg.CRI.Enabled {
		m, w, err := c.newWatchedRuntime()
		if err != nil {
			return c.abort(fmt.Errorf("building runtime log tailer: %w", err))
		}
		c.rotation = w
		c.restorePending(ctx, runtimeScope)
		if err := m.Start(w.observePolls(c.tailerPersister(runtimeScope))); err != nil {
			return c.abort(fmt.Errorf("starting runtime log tailer: %w", err))
		}
		c.runtime = m
	}
	if c.cfg.Journald.Enabled {
		c.journald = newJournaldSource(c, host)
		c.wg.Go(func() { c.journald.run(runCtx) })
	}
	if c.cfg.ContainerFiles.Enabled {
		if c.resolver == nil {
			// No cgroup hierarchy: this source cannot tell containers
			// apart, the others can (degraded mode).
			componentstatus.ReportStatus(host, componentstatus.NewPermanentErrorEvent(errors.New("container_files source disabled: no container identity resolver")))
		} else {
			roots := newContainerRoots(c, c.resolver)
			c.roots = roots
			c.wg.Go(func() { roots.run(runCtx) })
		}
	}
	c.wg.Go(func() { c.maintain(runCtx) })
	c.set.Logger.Info("container log pattern receiver started",
		zap.Bool("docker", c.cfg.Docker.Enabled), zap.Bool("cri", c.cfg.CRI.Enabled),
		zap.Bool("journald", c.cfg.Journald.Enabled), zap.Bool("container_files", c.roots != nil))
	return nil
}

// acquireResolver takes the resolver of the container_identity extension,
// or a private one without it. A named extension that is missing fails the
// start: the user named it. A private resolver that cannot be made (no
// cgroupfs) leaves the logs attributed by their paths alone.
func (c *core) acquireResolver(host component.Host) error {
	r, release, err := containerid.Acquire(host, c.cfg.ContainerIdentity, c.set.Logger)
	if err != nil {
		if c.cfg.ContainerIdentity != nil {
			return err
		}
		c.set.Logger.Warn("no container identity resolver: logs are attributed by their paths only, without container names", zap.Error(err))
		return nil
	}
	c.resolver, c.release = r, release
	return nil
}

func (c *core) abort(err error) error {
	return errors.Join(err, c.shutdown(context.Background()))
}

// shutdown stops the sources, counts what was pending and saves checkpoints.
func (c *core) shutdown(ctx context.Context) error {
	if c.cancel != nil {
		c.cancel()
	}
	var errs []error
	if c.runtime != nil {
		errs = append(errs, c.runtime.Stop())
		c.runtime = nil
	}
	// After the tailer's Stop: its last poll may still have reported
	// files to the watch.
	c.rotation.stop()
	c.rotation = nil
	c.wg.Wait()
	if c.roots != nil {
		c.roots.stopAll()
	}
	// With a storage extension the tailers saved their streams' uncounted
	// lines with their offsets on Stop: the next run counts them. Counting
	// them here too would count them twice, and a count made after the
	// last scrape is never seen anyway.
	now := time.Now()
	for _, s := range c.allStreams() {
		if c.storage == nil || s.scope == "" {
			s.flushAll(now)
		}
	}
	if c.logs != nil {
		c.logs.ship(ctx)
	}
	if c.journald != nil {
		c.journald.saveCursor(ctx, c.journald.currentCursor())
	}
	if c.release != nil {
		errs = append(errs, c.release())
		c.release = nil
	}
	if c.storage != nil {
		errs = append(errs, c.storage.Close(ctx))
		c.storage = nil
	}
	return errors.Join(errs...)
}

// maintain completes idle multiline messages, ships log records and expires
// idle patterns and streams.
func (c *core) maintain(ctx context.Context) {
	beat := min(max(2*c.cfg.MultilineFlushTimeout, minMaintenanceInterval), maxMaintenanceInterval)
	idleBeat := max(beat, min(expiryInterval, c.cfg.PatternIdleTimeout))
	timer := time.NewTimer(beat)
	defer timer.Stop()
	lastExpiry := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wakeMaintenance:
			timer.Reset(beat)
		case now := <-timer.C:
			// Idle first, then look: a line added while looking finds the
			// flag set and wakes the next sleep, whatever this one decides.
			c.maintenanceIdle.Store(true)
			pending := false
			for _, s := range c.allStreams() {
				pending = s.flushIdle(now, c.cfg.MultilineFlushTimeout) || pending
			}
			// The cursor is taken before the records are shipped: an entry
			// read in between is then read again after a crash rather
			// than lost.
			var cursor string
			if c.journald != nil {
				cursor = c.journald.currentCursor()
			}
			if c.logs != nil {
				c.logs.ship(ctx)
			}
			if c.journald != nil {
				c.journald.saveCursor(ctx, cursor)
			}
			if now.Sub(lastExpiry) >= min(expiryInterval, c.cfg.PatternIdleTimeout) {
				lastExpiry = now
				c.expire(now)
			}
			c.enforceBudget()
			if pending {
				c.maintenanceIdle.Store(false)
				timer.Reset(beat)
			} else {
				timer.Reset(idleBeat)
			}
		}
	}
}

// noteActivity starts the fast maintenance beat again after a quiet time.
// It runs for every line: one atomic load while the beat is fast.
func (c *core) noteActivity() {
	if c.maintenanceIdle.Load() && c.maintenanceIdle.CompareAndSwap(true, false) {
		select {
		case c.wakeMaintenance <- struct{}{}:
		default:
		}
	}
}

// expire drops streams idle for longer than the pattern idle timeout (their
// pending text is counted first) and expired patterns.
func (c *core) expire(now time.Time) {
	var idle []*stream
	c.streamsMu.Lock()
	for k, s := range c.streams {
		s.mu.Lock()
		last := s.lastActive
		s.mu.Unlock()
		if now.Sub(last) > c.cfg.PatternIdleTimeout {
			idle = append(idle, s)
			delete(c.streams, k)
			c.nStreams.Add(-1)
		}
	}
	c.streamsMu.Unlock()
	for _, s := range idle {
		s.flushAll(now)
		s.releaseMiner()
	}
	c.agg.expire(now)
}

func (c *core) allStreams() []*stream {
	c.streamsMu.Lock()
	defer c.streamsMu.Unlock()
	out := make([]*stream, 0, len(c.streams))
	for _, s := range c.streams {
		out = append(out, s)
	}
	return out
}

// dropLines counts n lines read and dropped because max_streams was reached.
func (c *core) dropLines(n int) {
	c.stats.linesRead.Add(int64(n))
	c.stats.linesDropped.Add(int64(n))
}

// streamFor returns the stream of owner x source, creating it with
// identity() when new. scope names the checkpoint scope of the files the
// stream is read from ("" for journald), whose checkpoints carry the
// stream's pending lines. It returns nil when max_streams is reached; the
// caller drops its lines and counts them with dropLines.
func (c *core) streamFor(owner, source string, format lineFormat, scope string, identity func() containerid.Identity) *stream {
	key := streamKey{owner: owner, source: source}
	c.streamsMu.Lock()
	s := c.streams[key]
	full := s == nil && len(c.streams) >= c.cfg.MaxStreams
	c.streamsMu.Unlock()
	if s != nil {
		return s
	}
	if full {
		return nil
	}
	// The identity is what the path or the process says; names are added
	// at each emission (currentIdentity), never waited for here.
	id := identity()
	miner, err := patternminer.New(c.minerConfig())
	if err != nil {
		// Unreachable with a validated Config (max_message_bytes > 0); the
		// caller drops and counts rather than crash the collector.
		return nil
	}
	s = &stream{
		ownerKey:   owner,
		id:         id,
		source:     source,
		format:     format,
		scope:      scope,
		core:       c,
		groupers:   make(map[string]*pendingGroup, 2),
		miner:      miner,
		lastActive: time.Now(),
	}
	if format != formatPlain {
		s.reassembler = logsource.NewReassembler(c.cfg.MaxMessageBytes)
	}
	c.streamsMu.Lock()
	defer c.streamsMu.Unlock()
	if existing := c.streams[key]; existing != nil {
		return existing
	}
	if len(c.streams) >= c.cfg.MaxStreams {
		return nil
	}
	c.streams[key] = s
	c.nStreams.Add(1)
	return s
}

// minerConfig is the configuration of a stream's pattern miner.
func (c *core) minerConfig() patternminer.Config {
	cfg := patternminer.DefaultConfig()
	cfg.MaxMessageBytes = c.cfg.MaxMessageBytes
	// A stream counts at most max_patterns per level; clusters beyond a few
	// times that only cost memory, multiplied by every stream on the node.
	cfg.MaxPatterns = min(cfg.MaxPatterns, minerClustersPerPattern*numLevels*c.cfg.MaxPatterns)
	return cfg
}
