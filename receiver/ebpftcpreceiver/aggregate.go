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
	maxSockets      int // live connections whose bytes are followed
	idleTimeout     time.Duration
	ephemeral       portRange
}

// destKey is what a connection's counters are keyed by, within a container.
type destKey struct {
	destination       string
	actualDestination string
}

type connStats struct {
	successful    uint64
	handshake     time.Duration
	retransmits   uint64
	bytesSent     uint64
	bytesReceived uint64
	active        int64
	lastSeen      time.Time
}

type failStats struct {
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

// containerStats holds one container's (one cgroup's) cumulative counters.
type containerStats struct {
	// identity is resolved when the container is first seen, while it
	// still exists: a short-lived container is gone by the next scrape.
	identity *containerid.Identity
	conns    map[destKey]*connStats
	failed   map[string]*failStats
	listens  map[string]*listenStats
	rtt      map[netip.Addr]*rttStats
}

// trackedSocket is a live outbound connection whose totals we follow, so
// that bytes and retransmits are reported as deltas while it is open.
type trackedSocket struct {
	cgroupID uint64
	stats    *connStats // never expires while active > 0
	peer     netip.Addr
	last     socketTotals
	// absentSince is when a complete sample first did not list the socket
	// (zero while it is listed); see applySamples.
	absentSince time.Time
	listed      bool // set by applySamples while it runs
}

// missedCloseGrace is how long complete samples must miss a followed socket
// before it is taken as closed. A socket is legitimately absent for a while:
// its close event waits in the ring buffer for up to the reader's flush
// interval (100 ms), and a socket whose connect event was read after the
// iterator ran is absent from that one sample. Scrapes can come in quick
// succession (tests poll), so the grace is a duration, not a sample count.
const missedCloseGrace = 5 * time.Second

// dropCounts counts keys refused by each cap.
type dropCounts struct {
	destinations uint64
	containers   uint64
	sockets      uint64
}

// aggregate turns connection events and socket samples into cumulative
// per-container counters. It is safe for concurrent use: the ring-buffer
// reader applies events while a scrape applies samples and emits.
type aggregate struct {
	mu         sync.Mutex
	limits     aggregateLimits
	containers map[uint64]*containerStats
	sockets    map[uint64]*trackedSocket // by socket cookie
	dropped    dropCounts
	processed  uint64
	// missedCloses are followed sockets closed by applySamples because the
	// kernel skipped their close event (tests read it).
	missedCloses uint64
}

func newAggregate(limits aggregateLimits) *aggregate {
	return &aggregate{
		limits:     limits,
		containers: make(map[uint64]*containerStats),
		sockets:    make(map[uint64]*trackedSocket),
	}
}

// destination names the dialled endpoint. A port in the ephemeral range is
// not a service port (it is a peer's client port or a random high port), so
// it is reported as 0 and all such ports of one host share a key.
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

func (a *aggregate) connStats(c *containerStats, key destKey) *connStats {
	if st, ok := c.conns[key]; ok {
		return st
	}
	if len(c.conns) >= a.limits.maxDestinations {
		a.dropped.destinations++
		key = destKey{destination: overflowDestination, actualDestination: overflowDestination}
		if st, ok := c.conns[key]; ok {
			return st
		}
	}
	st := &connStats{}
	c.conns[key] = st
	return st
}

func (a *aggregate) failStats(c *containerStats, destination string) *failStats {
	if st, ok := c.failed[destination]; ok {
		return st
	}
	if len(c.failed) >= a.limits.maxDestinations {
		a.dropped.destinations++
		destination = overflowDestination
		if st, ok := c.failed[destination]; ok {
			return st
		}
	}
	st := &failStats{}
	c.failed[destination] = st
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

// applyEvent aggregates one lifecycle event. actualDestination is the
// backend after NAT, or "" when it is the destination itself.
func (a *aggregate) applyEvent(e connEvent, actualDestination string, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.processed++

	switch e.kind {
	case eventClosed:
		a.closeSocket(e, now)
		return
	case eventListenClosed:
		if c, ok := a.containers[e.cgroupID]; ok {
			if st, ok := c.listens[formatEndpoint(e.src.Addr(), e.src.Port())]; ok && st.open > 0 {
				st.open--
				st.lastSeen = now
			}
		}
		return
	}

	c := a.container(e.cgroupID)
	if c == nil {
		return
	}
	switch e.kind {
	case eventConnectOK:
		destination := a.destination(e.dst)
		if actualDestination == "" {
			actualDestination = destination
		}
		st := a.connStats(c, destKey{destination: destination, actualDestination: actualDestination})
		st.successful++
		st.handshake += e.handshake
		// SYN retransmits of the handshake are in the totals already.
		st.retransmits += e.totals.retransmits
		st.lastSeen = now
		a.observeRTT(c, e.dst.Addr(), e.srtt, now)
		if len(a.sockets) >= a.limits.maxSockets {
			a.dropped.sockets++
			return
		}
		st.active++
		a.sockets[e.cookie] = &trackedSocket{cgroupID: e.cgroupID, stats: st, peer: e.dst.Addr(), last: e.totals}
	case eventConnectFailed:
		destination := a.destination(e.dst)
		fs := a.failStats(c, destination)
		fs.failed++
		fs.lastSeen = now
		if e.totals.retransmits > 0 {
			// SYNs resent before giving up are retransmits too (TcpRetransSegs counts them).
			st := a.connStats(c, destKey{destination: destination, actualDestination: destination})
			st.retransmits += e.totals.retransmits
			st.lastSeen = now
		}
	case eventListenOpen:
		a.openListener(c, e.src, now)
	}
}

func (a *aggregate) closeSocket(e connEvent, now time.Time) {
	s, ok := a.sockets[e.cookie]
	if !ok {
		return // opened before we started, or refused by the socket cap
	}
	delete(a.sockets, e.cookie)
	a.addDeltas(s, e.totals, now)
	s.stats.active--
	if c, ok := a.containers[s.cgroupID]; ok {
		a.observeRTT(c, s.peer, e.srtt, now)
	}
}

// applySamples takes the totals of live connections read by the iterator.
// A sample of a socket we do not follow (its connect event is still in the
// ring buffer, or it was closed meanwhile) is skipped: totals are absolute,
// so the next sample or the close event accounts for it.
//
// complete says the iterator listed every live traced socket. Then a followed
// socket that complete samples have missed for missedCloseGrace was
// closed without our seeing it: the kernel skipped that run of the state
// program (a recursion miss, counted in events_lost). It is closed here so
// that active_connections and the socket cap recover; only the bytes of its
// last moments are lost.
func (a *aggregate) applySamples(samples []connSample, complete bool, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range samples {
		s, ok := a.sockets[samples[i].cookie]
		if !ok {
			continue
		}
		s.absentSince = time.Time{}
		s.listed = true
		a.addDeltas(s, samples[i].totals, now)
		if c, ok := a.containers[s.cgroupID]; ok {
			a.observeRTT(c, s.peer, samples[i].srtt, now)
		}
	}
	for cookie, s := range a.sockets {
		listed := s.listed
		s.listed = false
		switch {
		case !complete || listed:
		case s.absentSince.IsZero():
			s.absentSince = now
		case now.Sub(s.absentSince) >= missedCloseGrace:
			delete(a.sockets, cookie)
			s.stats.active--
			a.missedCloses++
		}
	}
}

func (*aggregate) addDeltas(s *trackedSocket, totals socketTotals, now time.Time) {
	s.stats.bytesSent += delta(totals.bytesAcked, s.last.bytesAcked)
	s.stats.bytesReceived += delta(totals.bytesReceived, s.last.bytesReceived)
	s.stats.retransmits += delta(totals.retransmits, s.last.retransmits)
	s.stats.lastSeen = now
	s.last = totals
}

func delta(current, last uint64) uint64 {
	if current < last {
		return 0
	}
	return current - last
}

// expire drops keys idle for longer than the idle timeout; keys with open
// connections or listening sockets never expire. A dropped key that comes
// back starts again from zero, which Prometheus handles as a counter reset.
func (a *aggregate) expire(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	deadline := now.Add(-a.limits.idleTimeout)
	for id, c := range a.containers {
		for k, st := range c.conns {
			if st.active <= 0 && st.lastSeen.Before(deadline) {
				delete(c.conns, k)
			}
		}
		for k, st := range c.failed {
			if st.lastSeen.Before(deadline) {
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
		if len(c.conns)+len(c.failed)+len(c.listens)+len(c.rtt) == 0 {
			delete(a.containers, id)
		}
	}
}

// keyCount is the number of keys held, over all containers; the storm test
// bounds it.
func (a *aggregate) keyCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := len(a.sockets)
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

// applySeed takes a socket that was open before tracing started, found by
// the seed iterator: a listener, or an outbound connection that is active
// from now on. Its past traffic is not counted (totals start here), and it
// is not a new connect.
func (a *aggregate) applySeed(s connSample, actualDestination string, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.container(s.cgroupID)
	if c == nil {
		return
	}
	if s.listening {
		a.openListener(c, s.src, now)
		return
	}
	destination := a.destination(s.dst)
	if actualDestination == "" {
		actualDestination = destination
	}
	st := a.connStats(c, destKey{destination: destination, actualDestination: actualDestination})
	st.lastSeen = now
	a.observeRTT(c, s.dst.Addr(), s.srtt, now)
	if len(a.sockets) >= a.limits.maxSockets {
		a.dropped.sockets++
		return
	}
	st.active++
	a.sockets[s.cookie] = &trackedSocket{cgroupID: s.cgroupID, stats: st, peer: s.dst.Addr(), last: s.totals}
}

// needsIdentity reports whether the container of cgroupID is tracked and
// not yet resolved.
func (a *aggregate) needsIdentity(cgroupID uint64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.containers[cgroupID]
	return ok && c.identity == nil
}

// setIdentity records the resolved identity of a tracked container.
func (a *aggregate) setIdentity(cgroupID uint64, ident containerid.Identity) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.containers[cgroupID]; ok {
		c.identity = &ident
	}
}
