// SPDX-License-Identifier: Apache-2.0

package containerid // import "github.com/otelcol-node/otelcol-node/internal/containerid"

import (
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

const (
	// dockerRequestQueueSize bounds the ids Request may queue for inspection.
	// Between the listing and the event stream the cache already knows every
	// container, so the queue only covers races and ids dropped at the cap.
	dockerRequestQueueSize = 256
	// dockerMinBackoff and dockerMaxBackoff bound the wait before reconnecting
	// to the engine; the wait doubles after every failure.
	dockerMinBackoff = time.Second
	dockerMaxBackoff = 30 * time.Second
)

// engineState is what the last attempt to reach the engine found; log lines
// are written on its transitions only, so an absent or failing engine does
// not fill the log.
type engineState int

const (
	engineUnknown     engineState = iota // no attempt yet
	engineConnected                      // listed and following events
	engineUnavailable                    // no engine answers the socket (normal on a node without Docker)
	engineFailing                        // the engine answers, but not as expected
)

// DockerNames keeps name and image of the engine's containers current: it
// lists them once, then follows the engine's container events, and lists
// again after every reconnection because events sent while disconnected are
// lost. Lookups (Cached) never do I/O; ids the cache does not know may be
// inspected in the background (Request).
//
// A destroyed container's name is kept for PositiveTTL, so events that reach
// a receiver after the container is gone are still named. Unknown ids are
// remembered for NegativeTTL so they are not inspected in a loop. Live
// containers, destroyed ones and unknown ids together stay within
// MaxEntries; at the cap the oldest unknown ids go first, then the oldest
// destroyed containers, and a live container that still does not fit is not
// cached (DroppedAtCap).
type DockerNames struct {
	cfg    DockerClientConfig
	logger *zap.Logger
	api    *http.Client // lists and inspects, bounded by cfg.Timeout
	stream *http.Client // the event stream, which lives as long as the engine keeps it open
	now    func() time.Time

	minBackoff, maxBackoff time.Duration

	ready     chan struct{}
	readyOnce sync.Once
	queue     chan string // ids for the inspect worker

	mu      sync.RWMutex
	cache   *dockerNameCache
	pending map[string]struct{} // ids in the queue or being inspected
	state   engineState

	requests, notFound, errs, unavailable, evictions atomic.Uint64
	cacheHits, cacheMisses, droppedAtCap             atomic.Uint64
	requestsQueued, requestsDropped                  atomic.Uint64
	events, reconnects, lists                        atomic.Uint64
}

// NewDockerNames prepares the name source; Run does the work. Zero fields of
// cfg take the Default* constants.
func NewDockerNames(cfg DockerClientConfig, logger *zap.Logger) *DockerNames {
	return newDockerNames(cfg, logger, dockerRequestQueueSize)
}

func newDockerNames(cfg DockerClientConfig, logger *zap.Logger, queueSize int) *DockerNames {
	if logger == nil {
		logger = zap.NewNop()
	}
	cfg = cfg.withDefaults()
	transport := newEngineTransport(cfg.Socket, cfg.Timeout)
	return &DockerNames{
		cfg:        cfg,
		logger:     logger,
		api:        &http.Client{Timeout: cfg.Timeout, Transport: transport},
		stream:     &http.Client{Transport: transport},
		now:        time.Now,
		minBackoff: dockerMinBackoff,
		maxBackoff: dockerMaxBackoff,
		ready:      make(chan struct{}),
		queue:      make(chan string, queueSize),
		cache:      newDockerNameCache(cfg.MaxEntries),
		pending:    make(map[string]struct{}),
	}
}

// Ready is closed after the first listing, or after the first attempt to reach
// the engine failed, so a caller may wait briefly for names at start.
func (n *DockerNames) Ready() <-chan struct{} { return n.ready }

// Cached returns the name and image of a live or recently destroyed
// container. It never blocks on I/O.
func (n *DockerNames) Cached(containerID string) (DockerInfo, bool) {
	n.mu.RLock()
	info, found := n.cache.named(containerID, n.now())
	n.mu.RUnlock()
	if found {
		n.cacheHits.Add(1)
	} else {
		n.cacheMisses.Add(1)
	}
	return info, found
}

// Request asks for a container the cache does not know to be inspected in the
// background. It never blocks: ids already known, known to be unknown, or
// queued are ignored, and when the queue is full the id is dropped and
// counted. While no engine answers the socket it does nothing, because the
// listing made when the engine appears covers every container.
func (n *DockerNames) Request(containerID string) {
	if !isContainerID(containerID) {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.requestLocked(containerID)
}

func (n *DockerNames) requestLocked(containerID string) {
	if n.state == engineUnavailable || n.cache.known(containerID, n.now()) {
		return
	}
	if _, queued := n.pending[containerID]; queued {
		return
	}
	if n.cache.fullOfLive() {
		// Its answer could not be cached, and it would be asked again at
		// every lookup.
		n.droppedAtCap.Add(1)
		return
	}
	select {
	case n.queue <- containerID:
		n.pending[containerID] = struct{}{}
		n.requestsQueued.Add(1)
	default:
		n.requestsDropped.Add(1)
	}
}

// Stats returns a snapshot of the counters.
func (n *DockerNames) Stats() DockerStats {
	n.mu.Lock()
	n.cache.prune(n.now())
	entries := n.cache.len()
	n.mu.Unlock()
	return DockerStats{
		Requests:        n.requests.Load(),
		CacheHits:       n.cacheHits.Load(),
		CacheMisses:     n.cacheMisses.Load(),
		NotFound:        n.notFound.Load(),
		Errors:          n.errs.Load(),
		Unavailable:     n.unavailable.Load(),
		Evictions:       n.evictions.Load(),
		Entries:         entries,
		DroppedAtCap:    n.droppedAtCap.Load(),
		RequestsQueued:  n.requestsQueued.Load(),
		RequestsDropped: n.requestsDropped.Load(),
		Events:          n.events.Load(),
		Reconnects:      n.reconnects.Load(),
		Lists:           n.lists.Load(),
	}
}

// Run follows the engine until ctx is done: it subscribes to container events,
// lists the containers, applies the events as they come, and after a failure
// or the end of the stream reconnects with a backoff doubling from 1 s to
// 30 s. It also runs the worker that inspects requested ids.
func (n *DockerNames) Run(ctx context.Context) {
	var worker sync.WaitGroup
	worker.Add(1)
	go func() {
		defer worker.Done()
		n.inspectRequested(ctx)
	}()
	defer func() {
		worker.Wait()
		n.api.CloseIdleConnections()
	}()

	delay := n.minBackoff
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			n.reconnects.Add(1)
		}
		connected, err := n.follow(ctx)
		n.markReady()
		if ctx.Err() != nil {
			return
		}
		n.noteEnd(err)
		// A stream that ran a while ended for an ordinary reason (engine
		// restart): come back quickly. One that keeps failing backs off.
		if !connected.IsZero() && time.Since(connected) >= n.maxBackoff {
			delay = n.minBackoff
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		delay = min(2*delay, n.maxBackoff)
	}
}

// follow subscribes, lists and applies events until the stream ends. The
// subscription comes first so that nothing between the listing and the first
// event is missed; an event that the listing already reflects is applied
// again, which changes nothing. It returns when the listing succeeded (zero
// if it did not) and why it stopped (nil when the engine ended the stream).
func (n *DockerNames) follow(ctx context.Context) (connected time.Time, err error) {
	n.requests.Add(1)
	stream, err := openContainerEvents(ctx, n.stream)
	if err != nil {
		return connected, err
	}
	defer stream.Close()
	n.requests.Add(1)
	listed, err := listContainers(ctx, n.api)
	if err != nil {
		return connected, err
	}
	connected = time.Now()
	n.applyList(listed)
	n.markReady()
	dec := json.NewDecoder(stream)
	for {
		var ev dockerEvent
		if err := dec.Decode(&ev); err != nil {
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return connected, nil
			}
			return connected, fmt.Errorf("reading container events: %w", err)
		}
		n.applyEvent(ev)
	}
}

// noteEnd counts and logs (on a change of state only) why the engine was lost.
func (n *DockerNames) noteEnd(err error) {
	state := engineFailing
	switch {
	case err == nil:
		// The engine closed the stream; reconnecting will tell more.
		return
	case errors.Is(err, ErrDockerUnavailable):
		state = engineUnavailable
		n.unavailable.Add(1)
	default:
		n.errs.Add(1)
	}
	n.mu.Lock()
	previous := n.state
	n.state = state
	n.mu.Unlock()
	if previous == state {
		return
	}
	if state == engineUnavailable {
		n.logger.Debug("Docker Engine API unavailable; container names from Docker are off until it answers",
			zap.String("docker.socket", n.cfg.Socket), zap.Error(err))
		return
	}
	n.logger.Warn("Docker Engine API failed; retrying with backoff",
		zap.String("docker.socket", n.cfg.Socket), zap.Error(err))
}

func (n *DockerNames) markReady() {
	n.readyOnce.Do(func() { close(n.ready) })
}

// applyList makes the cache match a full listing: listed containers are live
// with their current names, live ones missing from it were destroyed while
// no events were followed.
func (n *DockerNames) applyList(listed []listedContainer) {
	n.lists.Add(1)
	now := n.now()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.state != engineConnected && n.state != engineUnknown {
		n.logger.Debug("Docker Engine API available", zap.String("docker.socket", n.cfg.Socket))
	}
	n.state = engineConnected
	present := make(map[string]struct{}, len(listed))
	for _, lc := range listed {
		if isContainerID(lc.ID) {
			present[lc.ID] = struct{}{}
		}
	}
	for _, id := range n.cache.liveIDs() {
		if _, ok := present[id]; !ok {
			n.count(n.cache.destroyed(id, DockerInfo{}, now.Add(n.cfg.PositiveTTL), now))
		}
	}
	for _, lc := range listed {
		if isContainerID(lc.ID) {
			n.count(n.cache.live(lc.ID, lc.info(), now))
		}
	}
}

// dockerEvent is the part of one event of the engine's stream we read. Every
// container event carries the container's current name and image among the
// actor's attributes (after a rename, the new name).
type dockerEvent struct {
	Type   string `json:"Type"`
	Action string `json:"Action"`
	Status string `json:"status"` // the action, in API versions before 1.22
	ID     string `json:"id"`
	Actor  struct {
		ID         string            `json:"ID"`
		Attributes map[string]string `json:"Attributes"`
	} `json:"Actor"`
}

func (n *DockerNames) applyEvent(ev dockerEvent) {
	defer n.events.Add(1) // after the change, so a reader of the count sees it applied
	if ev.Type != "" && ev.Type != "container" {
		return
	}
	id := ev.Actor.ID
	if id == "" {
		id = ev.ID
	}
	if !isContainerID(id) {
		return
	}
	action := ev.Action
	if action == "" {
		action = ev.Status
	}
	info := DockerInfo{Name: ev.Actor.Attributes["name"], ImageName: imageNameFromRef(ev.Actor.Attributes["image"])}
	now := n.now()
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case action == "destroy":
		n.count(n.cache.destroyed(id, info, now.Add(n.cfg.PositiveTTL), now))
	case info.Name != "":
		n.count(n.cache.live(id, info, now))
	default:
		// An engine that does not name the actor: ask it.
		n.requestLocked(id)
	}
}

// inspectRequested inspects the ids Request queued, one at a time, until ctx
// is done.
func (n *DockerNames) inspectRequested(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-n.queue:
			n.inspect(ctx, id)
		}
	}
}

func (n *DockerNames) inspect(ctx context.Context, id string) {
	n.requests.Add(1)
	info, err := inspectContainer(ctx, n.api, id)
	now := n.now()
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.pending, id)
	switch {
	case ctx.Err() != nil:
		return
	case err == nil:
		// The event stream may have told more since the request was sent
		// (a rename, the destroy); it wins.
		if !n.cache.tracked(id) {
			n.count(n.cache.live(id, info, now))
		}
		return
	case errors.Is(err, ErrContainerNotFound):
		n.notFound.Add(1)
	case errors.Is(err, ErrDockerUnavailable):
		n.unavailable.Add(1)
	default:
		n.errs.Add(1)
		n.logger.Debug("inspecting a container failed", zap.String("container.id", id), zap.Error(err))
	}
	if !n.cache.tracked(id) {
		n.count(n.cache.unknown(id, now.Add(n.cfg.NegativeTTL), now))
	}
}

// count adds what a cache change evicted or dropped to the counters.
func (n *DockerNames) count(c cacheChange) {
	n.evictions.Add(uint64(c.evicted))
	if c.dropped {
		n.droppedAtCap.Add(1)
	}
}

// dockerNameCache holds live containers, recently destroyed ones and ids the
// engine did not know, within one cap. It is not goroutine-safe; DockerNames
// serialises access.
type dockerNameCache struct {
	capacity  int
	alive     map[string]DockerInfo
	gone      expiringSet // destroyed containers, kept for late events
	negatives expiringSet // ids the engine did not know or could not answer for
}

// cacheChange is what making room for one change cost.
type cacheChange struct {
	evicted int  // retained entries dropped before their time
	dropped bool // the change did not fit: only live containers are cached
}

func newDockerNameCache(capacity int) *dockerNameCache {
	return &dockerNameCache{
		capacity:  max(capacity, 1),
		alive:     make(map[string]DockerInfo),
		gone:      newExpiringSet(),
		negatives: newExpiringSet(),
	}
}

// named returns the names of a live or destroyed but retained container.
func (c *dockerNameCache) named(id string, now time.Time) (DockerInfo, bool) {
	if info, ok := c.alive[id]; ok {
		return info, true
	}
	if e, ok := c.gone.get(id); ok && now.Before(e.until) {
		return e.info, true
	}
	return DockerInfo{}, false
}

// known reports whether id has an answer, names or "unknown", still valid.
func (c *dockerNameCache) known(id string, now time.Time) bool {
	if _, ok := c.named(id, now); ok {
		return true
	}
	e, ok := c.negatives.get(id)
	return ok && now.Before(e.until)
}

// tracked reports whether the events told anything about id: an inspect answer
// must not override them.
func (c *dockerNameCache) tracked(id string) bool {
	if _, ok := c.alive[id]; ok {
		return true
	}
	_, ok := c.gone.get(id)
	return ok
}

func (c *dockerNameCache) len() int {
	return len(c.alive) + c.gone.len() + c.negatives.len()
}

func (c *dockerNameCache) fullOfLive() bool { return len(c.alive) >= c.capacity }

func (c *dockerNameCache) liveIDs() []string {
	ids := make([]string, 0, len(c.alive))
	for id := range c.alive {
		ids = append(ids, id)
	}
	return ids
}

// live records a container the engine has, with its current names.
func (c *dockerNameCache) live(id string, info DockerInfo, now time.Time) cacheChange {
	if old, ok := c.alive[id]; ok {
		if info.ImageName == "" {
			info.ImageName = old.ImageName
		}
		c.alive[id] = info
		return cacheChange{}
	}
	// An id can come back from the dead only through a race between the
	// listing and the stream; the engine never reuses ids.
	c.gone.remove(id)
	c.negatives.remove(id)
	change := c.makeRoom(now)
	if change.dropped {
		return change
	}
	c.alive[id] = info
	return change
}

// destroyed moves a container to the retained ones until `until`. Names the
// event does not carry are taken from what the cache had.
func (c *dockerNameCache) destroyed(id string, info DockerInfo, until, now time.Time) cacheChange {
	if old, ok := c.alive[id]; ok {
		delete(c.alive, id)
		if info.Name == "" {
			info.Name = old.Name
		}
		if info.ImageName == "" {
			info.ImageName = old.ImageName
		}
		c.gone.add(id, info, until) // takes the place it left
		return cacheChange{}
	}
	if info.Name == "" {
		return cacheChange{} // nothing worth keeping
	}
	c.gone.remove(id)
	c.negatives.remove(id)
	change := c.makeRoom(now)
	if !change.dropped {
		c.gone.add(id, info, until)
	}
	return change
}

// unknown records an id with no answer until `until`.
func (c *dockerNameCache) unknown(id string, until, now time.Time) cacheChange {
	c.negatives.remove(id)
	change := c.makeRoom(now)
	if !change.dropped {
		c.negatives.add(id, DockerInfo{}, until)
	}
	return change
}

// makeRoom frees one place if the cache is full: expired entries first, then
// the oldest unknown id, then the oldest destroyed container.
func (c *dockerNameCache) makeRoom(now time.Time) cacheChange {
	if c.len() < c.capacity {
		return cacheChange{}
	}
	c.prune(now)
	if c.len() < c.capacity {
		return cacheChange{}
	}
	if c.negatives.evictOldest() || c.gone.evictOldest() {
		return cacheChange{evicted: 1}
	}
	return cacheChange{dropped: true}
}

// prune drops expired retained entries and returns how many. Expiry is the
// normal end of an entry, so it is not counted as an eviction.
func (c *dockerNameCache) prune(now time.Time) int {
	return c.gone.prune(now) + c.negatives.prune(now)
}

// expiringSet is a map of entries that share one time to live, so insertion
// order is expiry order and both pruning and eviction take from the front.
type expiringSet struct {
	order *list.List // of *expiringEntry, oldest first
	items map[string]*list.Element
}

type expiringEntry struct {
	id    string
	info  DockerInfo
	until time.Time
}

func newExpiringSet() expiringSet {
	return expiringSet{order: list.New(), items: make(map[string]*list.Element)}
}

func (s *expiringSet) get(id string) (*expiringEntry, bool) {
	el, ok := s.items[id]
	if !ok {
		return nil, false
	}
	return el.Value.(*expiringEntry), true
}

// add appends id; the caller removed an older entry for it.
func (s *expiringSet) add(id string, info DockerInfo, until time.Time) {
	s.items[id] = s.order.PushBack(&expiringEntry{id: id, info: info, until: until})
}

func (s *expiringSet) remove(id string) {
	if el, ok := s.items[id]; ok {
		s.order.Remove(el)
		delete(s.items, id)
	}
}

func (s *expiringSet) evictOldest() bool {
	el := s.order.Front()
	if el == nil {
		return false
	}
	s.order.Remove(el)
	delete(s.items, el.Value.(*expiringEntry).id)
	return true
}

func (s *expiringSet) prune(now time.Time) int {
	pruned := 0
	for el := s.order.Front(); el != nil && !now.Before(el.Value.(*expiringEntry).until); el = s.order.Front() {
		s.order.Remove(el)
		delete(s.items, el.Value.(*expiringEntry).id)
		pruned++
	}
	return pruned
}

func (s *expiringSet) len() int { return s.order.Len() }
