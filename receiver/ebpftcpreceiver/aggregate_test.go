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

func key(cgroup uint64, dst string) kernelKey { return kernelKey{cgroupID: cgroup, dst: ap(dst)} }

// counters is what conn_counters holds for a key after ok connects (1 ms of
// handshake each) and failed ones, with closed connections' totals.
func counters(ok, failed, acked, received, retrans uint64) kernelTotals {
	return kernelTotals{
		successful: ok, failed: failed, handshake: time.Duration(ok) * time.Millisecond,
		bytesAcked: acked, bytesReceived: received, retransmits: retrans, srtt: 100 * time.Microsecond,
	}
}

func live(cgroup uint64, dst string, acked, received, retrans uint64) connSample {
	return connSample{cgroupID: cgroup, dst: ap(dst), totals: socketTotals{bytesAcked: acked, bytesReceived: received, retransmits: retrans}, srtt: time.Millisecond}
}

func newKey(cgroup uint64, dst string) connEvent {
	return connEvent{kind: eventNewKey, cgroupID: cgroup, src: ap("10.0.0.1:40000"), dst: ap(dst)}
}

// conn returns a copy of a series, with the values it reports.
func conn(a *aggregate, cgroup uint64, dst, actual string) connStats {
	c := a.containers[cgroup]
	if c == nil || c.conns[destKey{dst, actual}] == nil {
		return connStats{}
	}
	st := *c.conns[destKey{dst, actual}]
	st.bytesSent, st.bytesReceived, st.retransmits = c.conns[destKey{dst, actual}].report()
	return st
}

// TestCountersBecomeSeries: the kernel's per-key counters are added as
// deltas; reading the same counters twice adds nothing.
func TestCountersBecomeSeries(t *testing.T) {
	a := newAggregate(testLimits())
	a.applyCounters(key(1, "10.0.0.2:80"), counters(3, 1, 500, 700, 2), t0)
	a.applyCounters(key(1, "10.0.0.2:80"), counters(3, 1, 500, 700, 2), t0.Add(time.Second))
	a.applyCounters(key(1, "10.0.0.2:80"), counters(5, 2, 900, 700, 2), t0.Add(2*time.Second))

	st := conn(a, 1, "10.0.0.2:80", "10.0.0.2:80")
	assert.Equal(t, uint64(5), st.successful)
	assert.Equal(t, 5*time.Millisecond, st.handshake)
	assert.Equal(t, uint64(900), st.bytesSent)
	assert.Equal(t, uint64(700), st.bytesReceived)
	assert.Equal(t, uint64(2), st.retransmits)
	assert.Equal(t, uint64(2), a.containers[1].failed["10.0.0.2:80"].failed)
	assert.Equal(t, 100*time.Microsecond, a.containers[1].rtt[netip.MustParseAddr("10.0.0.2")].srtt)
}

// TestLiveThenClosedCountsBytesOnce: a live connection's totals are added
// while it is open; once closed, the kernel holds its final totals and the
// live part goes: nothing is counted twice and nothing goes down.
func TestLiveThenClosedCountsBytesOnce(t *testing.T) {
	a := newAggregate(testLimits())
	k := key(1, "10.0.0.2:80")
	a.applyCounters(k, counters(1, 0, 0, 0, 0), t0)
	a.applySamples([]connSample{live(1, "10.0.0.2:80", 100, 10, 1)}, t0)
	st := conn(a, 1, "10.0.0.2:80", "10.0.0.2:80")
	assert.Equal(t, uint64(100), st.bytesSent)
	assert.Equal(t, int64(1), st.active)

	a.applyCounters(k, counters(1, 0, 0, 0, 0), t0.Add(time.Second))
	a.applySamples([]connSample{live(1, "10.0.0.2:80", 250, 20, 3)}, t0.Add(time.Second))
	assert.Equal(t, uint64(250), conn(a, 1, "10.0.0.2:80", "10.0.0.2:80").bytesSent)

	// Closed between the kernel read and the sample: in neither for one
	// scrape, and the reported value stalls instead of going down.
	a.applyCounters(k, counters(1, 0, 0, 0, 0), t0.Add(2*time.Second))
	a.applySamples(nil, t0.Add(2*time.Second))
	st = conn(a, 1, "10.0.0.2:80", "10.0.0.2:80")
	assert.Equal(t, uint64(250), st.bytesSent)
	assert.Equal(t, uint64(3), st.retransmits)
	assert.Equal(t, int64(0), st.active)

	// The kernel now has its final totals.
	a.applyCounters(k, counters(1, 0, 300, 25, 4), t0.Add(3*time.Second))
	a.applySamples(nil, t0.Add(3*time.Second))
	st = conn(a, 1, "10.0.0.2:80", "10.0.0.2:80")
	assert.Equal(t, uint64(300), st.bytesSent)
	assert.Equal(t, uint64(25), st.bytesReceived)
	assert.Equal(t, uint64(4), st.retransmits)
}

// TestNewKeyCarriesActualDestination: the NAT lookup made for a new key's
// first connection names the series of all its connections.
func TestNewKeyCarriesActualDestination(t *testing.T) {
	a := newAggregate(testLimits())
	a.applyEvent(newKey(1, "10.96.0.10:53"), "10.244.1.7:53", t0)
	a.applyCounters(key(1, "10.96.0.10:53"), counters(4, 0, 0, 0, 0), t0)
	assert.Equal(t, uint64(4), conn(a, 1, "10.96.0.10:53", "10.244.1.7:53").successful)
	assert.Empty(t, a.natOf, "the note is consumed")
	processed, _ := a.selfStats()
	assert.Equal(t, uint64(1), processed)
}

// TestEphemeralPorts: a destination port in the ephemeral range is reported
// as port 0; a listener on an ephemeral port is not reported.
func TestEphemeralPorts(t *testing.T) {
	a := newAggregate(testLimits())
	a.applyCounters(key(1, "10.0.0.2:45000"), counters(1, 0, 0, 0, 0), t0)
	a.applyCounters(key(1, "10.0.0.2:45001"), counters(1, 0, 0, 0, 0), t0)
	assert.Equal(t, uint64(2), conn(a, 1, "10.0.0.2:0", "10.0.0.2:0").successful)

	a.applyEvent(connEvent{kind: eventListenOpen, cgroupID: 1, src: ap("0.0.0.0:45000")}, "", t0)
	a.applyEvent(connEvent{kind: eventListenOpen, cgroupID: 1, src: ap("0.0.0.0:8080")}, "", t0)
	assert.Len(t, a.containers[1].listens, 1)
	assert.Equal(t, 1, a.containers[1].listens["0.0.0.0:8080"].open)
	a.applyEvent(connEvent{kind: eventListenClosed, cgroupID: 1, src: ap("0.0.0.0:8080")}, "", t0)
	assert.Equal(t, 0, a.containers[1].listens["0.0.0.0:8080"].open)
}

// TestDestinationCapOverflow: past the cap, keys go to the overflow series
// and every refused key is counted; no count is lost.
func TestDestinationCapOverflow(t *testing.T) {
	a := newAggregate(testLimits())
	for i := range 10 {
		a.applyCounters(key(1, fmt.Sprintf("10.0.1.%d:80", i)), counters(1, 0, 0, 0, 0), t0)
	}
	for i := range 10 {
		a.applyCounters(key(1, fmt.Sprintf("10.0.1.%d:80", i)), counters(1, 1, 0, 0, 0), t0.Add(time.Second))
	}
	c := a.containers[1]
	assert.Len(t, c.conns, 5) // 4 destinations + overflow
	assert.Len(t, c.failed, 5)
	assert.Equal(t, uint64(6), conn(a, 1, overflowDestination, overflowDestination).successful)
	assert.Equal(t, uint64(6), c.failed[overflowDestination].failed)
	_, dropped := a.selfStats()
	// 6 keys to the connection overflow, 6 to the failed overflow, 6 RTT peers.
	assert.Equal(t, uint64(18), dropped.destinations)
	assert.Len(t, c.rtt, 4)
	var total uint64
	for _, st := range c.conns {
		total += st.successful
	}
	assert.Equal(t, uint64(10), total, "the cap must not lose counts")
}

// TestContainerAndSocketCaps: containers beyond the cap are not counted,
// live connections beyond the sampler cap are not followed; both counted.
func TestContainerAndSocketCaps(t *testing.T) {
	limits := testLimits()
	limits.maxSockets = 2
	a := newAggregate(limits)
	for cg := uint64(1); cg <= 5; cg++ {
		a.applyCounters(key(cg, "10.0.0.2:80"), counters(1, 0, 0, 0, 0), t0)
	}
	assert.Len(t, a.containers, 3)
	a.applySamples([]connSample{live(1, "10.0.0.2:80", 1, 0, 0), live(2, "10.0.0.2:80", 1, 0, 0), live(3, "10.0.0.2:80", 1, 0, 0)}, t0)
	_, dropped := a.selfStats()
	assert.Equal(t, uint64(2), dropped.containers)
	assert.Equal(t, uint64(1), dropped.sockets)
	assert.Equal(t, int64(0), conn(a, 3, "10.0.0.2:80", "10.0.0.2:80").active, "an unfollowed connection is not active")
	assert.Equal(t, uint64(1), conn(a, 3, "10.0.0.2:80", "10.0.0.2:80").successful)
}

// TestIdleKeysRetire: a key whose counters did not move for idle_timeout and
// with no live connection is retired with its final counters (an increment
// that raced with the removal included); series then expire, except those
// with open connections or listeners.
func TestIdleKeysRetire(t *testing.T) {
	a := newAggregate(testLimits())
	a.applyCounters(key(1, "10.0.0.2:80"), counters(1, 0, 0, 0, 0), t0) // stays open
	a.applyCounters(key(1, "10.0.0.3:80"), counters(1, 0, 10, 0, 0), t0)
	a.applyCounters(key(2, "10.0.0.4:80"), counters(0, 1, 0, 0, 0), t0)
	a.applySamples([]connSample{live(1, "10.0.0.2:80", 5, 0, 0)}, t0)

	assert.Empty(t, a.idleKeys(t0.Add(30*time.Second)))
	idle := a.idleKeys(t0.Add(2 * time.Minute))
	assert.ElementsMatch(t, []kernelKey{key(1, "10.0.0.3:80"), key(2, "10.0.0.4:80")}, idle)
	a.retireKey(key(1, "10.0.0.3:80"), counters(2, 0, 20, 0, 0), t0.Add(2*time.Minute))
	a.retireKey(key(2, "10.0.0.4:80"), counters(0, 1, 0, 0, 0), t0.Add(2*time.Minute))
	assert.Equal(t, uint64(2), conn(a, 1, "10.0.0.3:80", "10.0.0.3:80").successful, "the racing increment is counted")
	assert.Len(t, a.keys, 1)

	a.expire(t0.Add(5 * time.Minute))
	require.Contains(t, a.containers, uint64(1))
	assert.Len(t, a.containers[1].conns, 1)
	assert.Contains(t, a.containers[1].conns, destKey{"10.0.0.2:80", "10.0.0.2:80"})
	assert.NotContains(t, a.containers, uint64(2))
}

// TestStormKeysStayBounded: 100k distinct destinations from a few
// containers keep the user-space state under the caps.
func TestStormKeysStayBounded(t *testing.T) {
	limits := aggregateLimits{maxDestinations: 1024, maxContainers: 64, maxSockets: 65536, idleTimeout: time.Minute, ephemeral: defaultEphemeralRange}
	a := newAggregate(limits)
	const destinations = 100_000
	for i := range destinations {
		dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), uint16(1+i%30000))
		a.applyCounters(kernelKey{cgroupID: uint64(i % 8), dst: dst}, counters(1, uint64(i%2), 0, 0, 0), t0)
	}
	// Series per container: conns (cap + overflow) + failed (cap + overflow)
	// + rtt (cap); the kernel keys themselves are bounded by
	// max_connection_keys in the kernel and retired when idle.
	bound := 8*(3*limits.maxDestinations+2) + destinations
	assert.LessOrEqual(t, a.keyCount(), bound)
	var total uint64
	for _, c := range a.containers {
		for _, st := range c.conns {
			total += st.successful
		}
	}
	assert.Equal(t, uint64(destinations), total)
	for _, k := range a.idleKeys(t0.Add(2 * time.Minute)) {
		a.retireKey(k, counters(1, 0, 0, 0, 0), t0.Add(2*time.Minute))
	}
	a.expire(t0.Add(5 * time.Minute))
	assert.Zero(t, a.keyCount(), "idle state must all go")
}
