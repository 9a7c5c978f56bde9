// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func testLimits() aggregateLimits {
	return aggregateLimits{
		maxDestinations: 4,
		maxContainers:   3,
		maxSockets:      100,
		idleTimeout:     time.Minute,
		ephemeral:       defaultEphemeralRange,
	}
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func connectOK(cgroup, cookie uint64, dst string) connEvent {
	return connEvent{kind: eventConnectOK, cgroupID: cgroup, cookie: cookie, src: ap("10.0.0.1:40000"), dst: ap(dst), handshake: time.Millisecond, srtt: 100 * time.Microsecond}
}

func closed(cgroup, cookie uint64, dst string, acked, received, retrans uint64) connEvent {
	return connEvent{kind: eventClosed, cgroupID: cgroup, cookie: cookie, src: ap("10.0.0.1:40000"), dst: ap(dst), totals: socketTotals{bytesAcked: acked, bytesReceived: received, retransmits: retrans}, srtt: 200 * time.Microsecond}
}

func failed(cgroup uint64, dst string, synRetrans uint64) connEvent {
	return connEvent{kind: eventConnectFailed, cgroupID: cgroup, dst: ap(dst), totals: socketTotals{retransmits: synRetrans}}
}

func conn(a *aggregate, cgroup uint64, dst, actual string) connStats {
	c := a.containers[cgroup]
	if c == nil || c.conns[destKey{dst, actual}] == nil {
		return connStats{}
	}
	return *c.conns[destKey{dst, actual}]
}

// TestShortConnectionIsNotAFailure: established then closed at once is one
// successful connect and no failure; the bytes of the close event count.
func TestShortConnectionIsNotAFailure(t *testing.T) {
	a := newAggregate(testLimits())
	a.applyEvent(connectOK(1, 10, "10.0.0.2:80"), "", t0)
	a.applyEvent(closed(1, 10, "10.0.0.2:80", 5, 7, 0), "", t0)

	st := conn(a, 1, "10.0.0.2:80", "10.0.0.2:80")
	assert.Equal(t, uint64(1), st.successful)
	assert.Equal(t, int64(0), st.active)
	assert.Equal(t, uint64(5), st.bytesSent)
	assert.Equal(t, uint64(7), st.bytesReceived)
	assert.Empty(t, a.containers[1].failed)
	assert.Equal(t, 200*time.Microsecond, a.containers[1].rtt[netip.MustParseAddr("10.0.0.2")].srtt)
}

// TestSamplesThenCloseCountBytesOnce: iterator samples of a live connection
// add deltas; the close event adds only the rest; a late sample of a closed
// socket adds nothing.
func TestSamplesThenCloseCountBytesOnce(t *testing.T) {
	a := newAggregate(testLimits())
	a.applyEvent(connectOK(1, 10, "10.0.0.2:80"), "10.9.9.9:8080", t0)
	sample := func(acked, retrans uint64) connSample {
		return connSample{cgroupID: 1, cookie: 10, totals: socketTotals{bytesAcked: acked, retransmits: retrans}, srtt: time.Millisecond}
	}
	a.applySamples([]connSample{sample(100, 1)}, true, t0)
	a.applySamples([]connSample{sample(250, 3)}, true, t0)
	st := conn(a, 1, "10.0.0.2:80", "10.9.9.9:8080")
	assert.Equal(t, uint64(250), st.bytesSent)
	assert.Equal(t, uint64(3), st.retransmits)
	assert.Equal(t, int64(1), st.active)

	a.applyEvent(closed(1, 10, "10.0.0.2:80", 300, 0, 4), "", t0)
	a.applySamples([]connSample{sample(400, 9)}, true, t0) // stale: socket already closed
	st = conn(a, 1, "10.0.0.2:80", "10.9.9.9:8080")
	assert.Equal(t, uint64(300), st.bytesSent)
	assert.Equal(t, uint64(4), st.retransmits)
	assert.Equal(t, int64(0), st.active)
}

// TestFailedConnectCountsSYNRetransmits: a timed-out connect is a failure
// and its SYN retransmissions are retransmits to that destination.
func TestFailedConnectCountsSYNRetransmits(t *testing.T) {
	a := newAggregate(testLimits())
	a.applyEvent(failed(1, "10.0.0.2:80", 2), "", t0)
	a.applyEvent(failed(1, "10.0.0.2:80", 0), "", t0)
	assert.Equal(t, uint64(2), a.containers[1].failed["10.0.0.2:80"].failed)
	assert.Equal(t, uint64(2), conn(a, 1, "10.0.0.2:80", "10.0.0.2:80").retransmits)
	assert.Zero(t, conn(a, 1, "10.0.0.2:80", "10.0.0.2:80").successful)
}

// TestEphemeralPorts: a destination port in the ephemeral range is reported
// as port 0; a listener on an ephemeral port is not reported.
func TestEphemeralPorts(t *testing.T) {
	a := newAggregate(testLimits())
	a.applyEvent(connectOK(1, 1, "10.0.0.2:45000"), "", t0)
	a.applyEvent(connectOK(1, 2, "10.0.0.2:45001"), "", t0)
	assert.Equal(t, uint64(2), conn(a, 1, "10.0.0.2:0", "10.0.0.2:0").successful)

	a.applyEvent(connEvent{kind: eventListenOpen, cgroupID: 1, src: ap("0.0.0.0:45000")}, "", t0)
	a.applyEvent(connEvent{kind: eventListenOpen, cgroupID: 1, src: ap("0.0.0.0:8080")}, "", t0)
	assert.Len(t, a.containers[1].listens, 1)
	assert.Equal(t, 1, a.containers[1].listens["0.0.0.0:8080"].open)
	a.applyEvent(connEvent{kind: eventListenClosed, cgroupID: 1, src: ap("0.0.0.0:8080")}, "", t0)
	assert.Equal(t, 0, a.containers[1].listens["0.0.0.0:8080"].open)
}

// TestDestinationCapOverflow: past the cap, connects go to the overflow
// bucket and every refused key is counted.
func TestDestinationCapOverflow(t *testing.T) {
	a := newAggregate(testLimits())
	for i := range 10 {
		a.applyEvent(connectOK(1, uint64(i), fmt.Sprintf("10.0.1.%d:80", i)), "", t0)
	}
	c := a.containers[1]
	assert.Len(t, c.conns, 5) // 4 destinations + overflow
	assert.Equal(t, uint64(6), conn(a, 1, overflowDestination, overflowDestination).successful)
	_, dropped := a.selfStats()
	// 6 connection keys to overflow, and 6 RTT peers past the same cap.
	assert.Equal(t, uint64(12), dropped.destinations)
	assert.Len(t, c.rtt, 4)
	var total uint64
	for _, st := range c.conns {
		total += st.successful
	}
	assert.Equal(t, uint64(10), total, "the cap must not lose counts")
}

// TestContainerAndSocketCaps: containers beyond the cap are not counted,
// sockets beyond the cap are connects without byte tracking; both counted.
func TestContainerAndSocketCaps(t *testing.T) {
	limits := testLimits()
	limits.maxSockets = 2
	a := newAggregate(limits)
	for cg := uint64(1); cg <= 5; cg++ {
		a.applyEvent(connectOK(cg, cg, "10.0.0.2:80"), "", t0)
	}
	assert.Len(t, a.containers, 3)
	assert.Len(t, a.sockets, 2)
	_, dropped := a.selfStats()
	assert.Equal(t, uint64(2), dropped.containers)
	assert.Equal(t, uint64(1), dropped.sockets)
	assert.Equal(t, int64(0), conn(a, 3, "10.0.0.2:80", "10.0.0.2:80").active, "untracked socket must not count as active")
	assert.Equal(t, uint64(1), conn(a, 3, "10.0.0.2:80", "10.0.0.2:80").successful)
}

// TestIdleExpiry: idle keys go after idle_timeout; keys with open
// connections or listeners stay.
func TestIdleExpiry(t *testing.T) {
	a := newAggregate(testLimits())
	a.applyEvent(connectOK(1, 1, "10.0.0.2:80"), "", t0) // stays open
	a.applyEvent(connectOK(1, 2, "10.0.0.3:80"), "", t0)
	a.applyEvent(closed(1, 2, "10.0.0.3:80", 0, 0, 0), "", t0)
	a.applyEvent(failed(2, "10.0.0.4:80", 0), "", t0)

	a.expire(t0.Add(30 * time.Second))
	assert.Equal(t, 2+2+1, a.keyCount()-len(a.sockets)) // 2 conns + 2 rtt in cgroup 1, 1 failed in cgroup 2

	a.expire(t0.Add(2 * time.Minute))
	require.Contains(t, a.containers, uint64(1))
	assert.Len(t, a.containers[1].conns, 1)
	assert.Contains(t, a.containers[1].conns, destKey{"10.0.0.2:80", "10.0.0.2:80"})
	assert.NotContains(t, a.containers, uint64(2))
}

// TestStormKeysStayBounded: a storm of connects to 100k distinct
// destinations from a few containers keeps the key count under the caps.
func TestStormKeysStayBounded(t *testing.T) {
	limits := aggregateLimits{maxDestinations: 1024, maxContainers: 64, maxSockets: 65536, idleTimeout: time.Minute, ephemeral: defaultEphemeralRange}
	a := newAggregate(limits)
	const destinations = 100_000
	for i := range destinations {
		cg := uint64(i % 8)
		dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), uint16(1+i%30000))
		a.applyEvent(connEvent{kind: eventConnectOK, cgroupID: cg, cookie: uint64(i), dst: dst, srtt: time.Millisecond}, "", t0)
		a.applyEvent(connEvent{kind: eventClosed, cgroupID: cg, cookie: uint64(i), dst: dst}, "", t0)
		if i%2 == 0 {
			a.applyEvent(connEvent{kind: eventConnectFailed, cgroupID: cg, dst: dst}, "", t0)
		}
	}
	// Per container: conns (cap + overflow) + failed (cap + overflow) + rtt (cap).
	bound := 8 * (3*limits.maxDestinations + 2)
	assert.LessOrEqual(t, a.keyCount(), bound)
	assert.Empty(t, a.sockets, "closed sockets must not be retained")
	processed, dropped := a.selfStats()
	assert.Equal(t, uint64(destinations*2+destinations/2), processed)
	assert.Positive(t, dropped.destinations)
}

// TestMissedCloseRecoveredFromSamples: a followed socket whose close event the
// kernel skipped is closed once complete samples have missed it for
// missedCloseGrace; a shorter absence (its close event still in the ring
// buffer, samples in quick succession) keeps it, and an incomplete sample
// (sampler failed or not loaded) never closes anything.
func TestMissedCloseRecoveredFromSamples(t *testing.T) {
	a := newAggregate(testLimits())
	a.applyEvent(connectOK(1, 10, "10.0.0.2:80"), "", t0)
	a.applyEvent(connectOK(1, 11, "10.0.0.2:80"), "", t0)
	live := connSample{cgroupID: 1, cookie: 11, totals: socketTotals{bytesAcked: 5}}
	active := func() int64 { return conn(a, 1, "10.0.0.2:80", "10.0.0.2:80").active }

	a.applySamples(nil, false, t0)
	a.applySamples(nil, false, t0.Add(time.Minute))
	assert.Equal(t, int64(2), active(), "incomplete samples close nothing")

	a.applySamples([]connSample{live}, true, t0.Add(time.Minute))
	a.applySamples([]connSample{live}, true, t0.Add(time.Minute+missedCloseGrace/2))
	assert.Equal(t, int64(2), active(), "a short absence is not a close")
	a.applySamples([]connSample{live}, true, t0.Add(time.Minute+missedCloseGrace))
	assert.Equal(t, int64(1), active())
	assert.Equal(t, uint64(1), a.missedCloses)
	assert.Len(t, a.sockets, 1)
	assert.Contains(t, a.sockets, uint64(11))

	// A late close event of the recovered socket changes nothing.
	a.applyEvent(closed(1, 10, "10.0.0.2:80", 300, 0, 0), "", t0)
	assert.Equal(t, int64(1), active())
	assert.Equal(t, uint64(2), conn(a, 1, "10.0.0.2:80", "10.0.0.2:80").successful)
}
