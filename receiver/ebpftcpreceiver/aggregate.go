// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"

import (
	"net/netip"
	"sync"
	"time"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// overflowDestination is the destination (and actual_destination) under
// which a container's connections are counted once it has reached the
// destination cap; every key sent there is counted in keys_dropped.
const overflowDestination = "overflow"

// aggregateLimits bounds the memory of the aggregate; each cap counts what
// it refuses.
type aggregateLimits struct {
	maxDestinations int // per container, per metric family
	maxContainers   int
	maxSockets      int // live connections taken from one sample
	idleTimeout     time.Duration
	ephemeral       portRange
}

// destKey is what a container's connection series are keyed by.
type destKey struct {
	destination       string
	actualDestination string
}

// kernelKey mirrors struct conn_key of ebpftcp.bpf.c: a cgroup and the
// endpoint its processes dialled.
type kernelKey struct {
	cgroupID uint64
	dst      netip.AddrPort
}

// kernelTotals mirrors struct conn_totals: a key's counters in the kernel,
// connections closed so far only.
type kernelTotals struct {
	successful, failed uint64
	handshake          time.Duration
	bytesAcked         uint64
	bytesReceived      uint64
	retransmits        uint64
	srtt               time.Duration
}

// keyState is user space's view of one kernel key.
type keyState struct {
	// series and failSeries are the connection and failed-connects series
	// its counts go to, chosen when it first has something to count there
	// (a destination that only ever failed has no connection series).
	series            *destKey
	failSeries        string
	actual            string // actual destination of its first connection
	last              kernelTotals
	lastChange        time.Time
	hasLiveConnection bool // listed by the latest sample
}

// connStats is one connection series. Counters coming from the kernel
// accumulate deltas of its keys' totals; live connections' bytes and
// retransmits are added per sample (live*), and the reported value never
// goes down (see applySample).
type connStats struct {
	// start is when the series began counting from 0: a series dropped at
	// idle expiry and seen again starts anew, with a new start time.
	start         time.Time
	successful    uint64
	handshake     time.Duration
	retransmits   uint64
	bytesSent     uint64
	bytesReceived uint64
	active        int64
	lastSeen      time.Time

	liveRetransmits, liveBytesSent, liveBytesReceived uint64
	// reported* are the values last emitted, which a later one never
	// undercuts.
	reportedRetransmits, reportedBytesSent, reportedBytesReceived uint64
}

type failStats struct {
	start    time.Time
	failed   uint64
	lastSeen time.Time
}

type listenStats struct {
	open     int
	lastSeen time.Time
}

type rttStats struct {
	srtt     time.Duration
	lastSeen time.Time
}

// containerStats holds one container's (one cgroup's) series.
type containerStats struct {
	// identity is what the last emission carried; each emission asks the
	// shared resolver again (containerid.Resolver.Current), so late names
	// show and a container gone from the resolver keeps its labels.
	identity containerid.Identity
	conns    map[destKey]*connStats
	failed   map[string]*failStats
	listens  map[string]*listenStats
	rtt      map[netip.Addr]*rttStats
}

// dropCounts counts keys refused by each cap.
type dropCounts struct {
	destinations uint64
	containers   uint64
	sockets      uint64
}

// aggregate turns the kernel's per-key counters, live-socket samples and
// listener events into per-container series. It is safe for concurrent use:
// the ring-buffer reader applies events while a scrape applies counters and
// samples and emits.
type aggregate struct {
	mu         sync.Mutex
	limits     aggregateLimits
	containers map[uint64]*containerStats
	keys       map[kernelKey]*keyState
	// natOf holds the actual destination found for a new key until the
	// next scrape takes it; bounded by the kernel map, whose keys it names.
	natOf     map[kernelKey]string
	dropped   dropCounts
	processed uint64
}

func newAggregate(limits aggregateLimits) *aggregate {
	return &aggregate{
		limits:     limits,
		containers: make(map[uint64]*containerStats),
		keys:       make(map[kernelKey]*keyState),
		natOf:      make(map[kernelKey]string),
	}
}

// destination names the dialled endpoint. A port in the ephemeral range is
// not a service port (it is a peer's client port or a random high port), so
// it is reported as 0 and all such ports of one host share a series.
func (a *aggregate) destination(dst netip.AddrPort) string {
	port := dst.Port()
	if a.limits.ephemeral.contains(port) {
		port = 0
	}
	return formatEndpoint(dst.Addr(), port)
}

func (a *aggregate) container(cgroupID uint64) *containerStats {
	if c, ok := a.containers[cgroupID]; ok {
		return c
	}
	if len(a.containers) >= a.limits.maxContainers {
		a.dropped.containers++
		return nil
	}
	c := &containerStats{
		conns:   make(map[destKey]*connStats),
		failed:  make(map[string]*failStats),
		listens: make(map[string]*listenStats),
		rtt:     make(map[netip.Addr]*rttStats),
	}
	a.containers[cgroupID] = c
	return c
}

// seriesKey picks the connection series of a new kernel key, sending it to
// the overflow series past the destination cap.
func (a *aggregate) seriesKey(c *containerStats, key destKey) destKey {
	if _, ok := c.conns[key]; ok || len(c.conns) < a.limits.maxDestinations {
		return key
	}
	a.dropped.destinations++
	return destKey{destination: overflowDestination, actualDestination: overflowDestination}
}

// failKey is seriesKey for failed-connects series.
func (a *aggregate) failKey(c *containerStats, destination string) string {
	if _, ok := c.failed[destination]; ok || len(c.failed) < a.limits.maxDestinations {
		return destination
	}
	a.dropped.destinations++
	return overflowDestination
}

func (c *containerStats) connSeries(key destKey, now time.Time) *connStats {
	st, ok := c.conns[key]
	if !ok {
		st = &connStats{start: now}
		c.conns[key] = st
	}
	return st
}

func (c *containerStats) failSeries(destination string, now time.Time) *failStats {
	st, ok := c.failed[destination]
	if !ok {
		st = &failStats{start: now}
		c.failed[destination] = st
	}
	return st
}

// openListener counts a listening socket of the container, traced or found
// at start. Ephemeral-range ports are not listen addresses, and a listener
// past the per-container cap is dropped and counted.
func (a *aggregate) openListener(c *containerStats, src netip.AddrPort, now time.Time) {
	if a.limits.ephemeral.contains(src.Port()) {
		return
	}
	addr := formatEndpoint(src.Addr(), src.Port())
	st, ok := c.listens[addr]
	if !ok {
		if len(c.listens) >= a.limits.maxDestinations {
			a.dropped.destinations++
			return
		}
		st = &listenStats{}
		c.listens[addr] = st
	}
	st.open++
	st.lastSeen = now
}

func (a *aggregate) observeRTT(c *containerStats, peer netip.Addr, srtt time.Duration, now time.Time) {
	if srtt <= 0 {
		return
	}
	st, ok := c.rtt[peer]
	if !ok {
		if len(c.rtt) >= a.limits.maxDestinations {
			a.dropped.destinations++
			return
		}
		st = &rttStats{}
		c.rtt[peer] = st
	}
	st.srtt, st.lastSeen = srtt, now
}

// applyEvent takes one ring-buffer event: a new key (with the actual
// destination its first connection reached, "" when not translated) or a
// listener opening or closing.
func (a *aggregate) applyEvent(e connEvent, actualDestination string, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.processed++

	switch e.kind {
	case eventNewKey:
		if actualDestination != "" {
			a.natOf[kernelKey{cgroupID: e.cgroupID, dst: e.dst}] = actualDestination
		}
		a.container(e.cgroupID) // so that its identity is resolved now
	case eventListenOpen:
		if c := a.container(e.cgroupID); c != nil {
			a.openListener(c, e.src, now)
		}
	case eventListenClosed:
		if c, ok := a.containers[e.cgroupID]; ok {
			if st, ok := c.listens[formatEndpoint(e.src.Addr(), e.src.Port())]; ok && st.open > 0 {
				st.open--
				st.lastSeen = now
			}
		}
	}
}

// keyFor returns the state of a kernel key, creating it (and choosing its
// series) on first sight. nil when the container cap refuses it.
func (a *aggregate) keyFor(k kernelKey) *keyState {
	if ks, ok := a.keys[k]; ok {
		return ks
	}
	c := a.container(k.cgroupID)
	if c == nil {
		return nil
	}
	destination := a.destination(k.dst)
	actual, ok := a.natOf[k]
	if !ok {
		actual = destination
	}
	delete(a.natOf, k)
	ks := &keyState{actual: actual}
	a.keys[k] = ks
	return ks
}

// seriesOf returns the connection series of a key, choosing it (past the
// destination cap, the overflow series) the first time.
func (a *aggregate) seriesOf(c *containerStats, k kernelKey, ks *keyState) destKey {
	if ks.series == nil {
		key := a.seriesKey(c, destKey{destination: a.destination(k.dst), actualDestination: ks.actual})
		ks.series = &key
	}
	return *ks.series
}

// applyCounters takes the kernel's counters of one key, read at a scrape,
// and adds what changed since the previous read to the key's series.
func (a *aggregate) applyCounters(k kernelKey, t kernelTotals, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.addCounters(k, t, now)
}

func (a *aggregate) addCounters(k kernelKey, t kernelTotals, now time.Time) {
	ks := a.keyFor(k)
	if ks == nil {
		return
	}
	if t == ks.last {
		return
	}
	c := a.containers[k.cgroupID]
	if t.successful != ks.last.successful || t.bytesAcked != ks.last.bytesAcked ||
		t.bytesReceived != ks.last.bytesReceived || t.retransmits != ks.last.retransmits {
		st := c.connSeries(a.seriesOf(c, k, ks), now)
		st.successful += t.successful - ks.last.successful
		st.handshake += t.handshake - ks.last.handshake
		st.bytesSent += t.bytesAcked - ks.last.bytesAcked
		st.bytesReceived += t.bytesReceived - ks.last.bytesReceived
		st.retransmits += t.retransmits - ks.last.retransmits
		st.lastSeen = now
	}
	if n := t.failed - ks.last.failed; n > 0 {
		if ks.failSeries == "" {
			ks.failSeries = a.failKey(c, a.destination(k.dst))
		}
		fs := c.failSeries(ks.failSeries, now)
		fs.failed += n
		fs.lastSeen = now
	}
	if t.srtt != ks.last.srtt {
		a.observeRTT(c, k.dst.Addr(), t.srtt, now)
	}
	ks.last, ks.lastChange = t, now
}

// applySamples takes the live connections listed by the iterator: their
// totals since they connected (or since the collector started, for those
// opened before), added to their key's series until they close, when the
// kernel adds their final totals to the key instead.
//
// The kernel counters must be read before the iterator runs: a connection
// that closes in between is then missing from both (a value that stalls for
// one scrape), never counted in both. Reported values never go down, so such
// a stall is not seen as a counter reset.
func (a *aggregate) applySamples(samples []connSample, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	// What the previous sample said about live connections is replaced.
	for _, c := range a.containers {
		for _, st := range c.conns {
			st.active, st.liveRetransmits, st.liveBytesSent, st.liveBytesReceived = 0, 0, 0, 0
		}
	}
	for _, ks := range a.keys {
		ks.hasLiveConnection = false
	}
	for i, s := range samples {
		if i >= a.limits.maxSockets {
			a.dropped.sockets += uint64(len(samples) - i)
			break
		}
		ks := a.keyFor(kernelKey{cgroupID: s.cgroupID, dst: s.dst})
		if ks == nil {
			continue
		}
		c := a.containers[s.cgroupID]
		st := c.connSeries(a.seriesOf(c, kernelKey{cgroupID: s.cgroupID, dst: s.dst}, ks), now)
		ks.hasLiveConnection = true
		st.active++
		st.liveBytesSent += s.totals.bytesAcked
		st.liveBytesReceived += s.totals.bytesReceived
		st.liveRetransmits += s.totals.retransmits
		st.lastSeen = now
		a.observeRTT(c, s.dst.Addr(), s.srtt, now)
	}
}

// report returns the values a series reports now: closed connections'
// totals plus live ones', never less than what it reported before.
func (st *connStats) report() (bytesSent, bytesReceived, retransmits uint64) {
	st.reportedBytesSent = max(st.reportedBytesSent, st.bytesSent+st.liveBytesSent)
	st.reportedBytesReceived = max(st.reportedBytesReceived, st.bytesReceived+st.liveBytesReceived)
	st.reportedRetransmits = max(st.reportedRetransmits, st.retransmits+st.liveRetransmits)
	return st.reportedBytesSent, st.reportedBytesReceived, st.reportedRetransmits
}

// idleKeys returns the kernel keys whose counters have not changed for the
// idle timeout and that have no live connection: the scraper removes them
// from the kernel and hands their final counters to retireKey.
func (a *aggregate) idleKeys(now time.Time) []kernelKey {
	a.mu.Lock()
	defer a.mu.Unlock()
	deadline := now.Add(-a.limits.idleTimeout)
	var idle []kernelKey
	for k, ks := range a.keys {
		if !ks.hasLiveConnection && ks.lastChange.Before(deadline) {
			idle = append(idle, k)
		}
	}
	return idle
}

// retireKey takes the final counters of a key removed from the kernel (an
// increment that raced with the removal is in them) and forgets the key. A
// later connection to it creates it again, adding to the same series.
func (a *aggregate) retireKey(k kernelKey, final kernelTotals, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.addCounters(k, final, now)
	delete(a.keys, k)
}

// expire drops series idle for longer than the idle timeout; series with
// open connections or listening sockets, or still fed by a kernel key, never
// expire. A dropped series that comes back starts again from zero, which
// Prometheus handles as a counter reset.
func (a *aggregate) expire(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fed := map[uint64]map[destKey]bool{}
	for k, ks := range a.keys {
		if fed[k.cgroupID] == nil {
			fed[k.cgroupID] = map[destKey]bool{}
		}
		if ks.series != nil {
			fed[k.cgroupID][*ks.series] = true
		}
		if ks.failSeries != "" {
			fed[k.cgroupID][destKey{destination: ks.failSeries}] = true
		}
	}
	deadline := now.Add(-a.limits.idleTimeout)
	for id, c := range a.containers {
		for k, st := range c.conns {
			if st.active <= 0 && st.lastSeen.Before(deadline) && !fed[id][k] {
				delete(c.conns, k)
			}
		}
		for k, st := range c.failed {
			if st.lastSeen.Before(deadline) && !fed[id][destKey{destination: k}] {
				delete(c.failed, k)
			}
		}
		for k, st := range c.listens {
			if st.open <= 0 && st.lastSeen.Before(deadline) {
				delete(c.listens, k)
			}
		}
		for k, st := range c.rtt {
			if st.lastSeen.Before(deadline) {
				delete(c.rtt, k)
			}
		}
		if len(c.conns)+len(c.failed)+len(c.listens)+len(c.rtt) == 0 && fed[id] == nil {
			delete(a.containers, id)
		}
	}
	// New-key notes whose key never showed up in the kernel (refused when
	// the map was full) are not kept past a scrape.
	clear(a.natOf)
}

// keyCount is the number of keys held, over all containers; the storm test
// bounds it.
func (a *aggregate) keyCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := len(a.keys)
	for _, c := range a.containers {
		n += len(c.conns) + len(c.failed) + len(c.listens) + len(c.rtt)
	}
	return n
}

// visit calls fn for each container under the lock; fn must not retain c.
func (a *aggregate) visit(fn func(cgroupID uint64, c *containerStats)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, c := range a.containers {
		fn(id, c)
	}
}

// selfStats returns the counters of the aggregate's own health.
func (a *aggregate) selfStats() (processed uint64, dropped dropCounts) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.processed, a.dropped
}

// applySeedListener takes a listening socket that was open before tracing
// started. Connections open before the start need nothing: the iterator
// lists them as live from the first scrape, counting only their traffic
// since the start, and they are not new connects.
func (a *aggregate) applySeedListener(cgroupID uint64, src netip.AddrPort, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c := a.container(cgroupID); c != nil {
		a.openListener(c, src, now)
	}
}
