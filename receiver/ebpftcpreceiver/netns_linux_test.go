// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver

import (
	"fmt"
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serverIn listens on ip:port inside network namespace ns.
func serverIn(t *testing.T, ns, ip string, port int) *testServer {
	t.Helper()
	var (
		ln  net.Listener
		err error
	)
	inNetns(t, ns, func() { ln, err = net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port))) })
	require.NoError(t, err)
	s := &testServer{ln: ln}
	go s.serve()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

// TestConnectTimeoutFromTimer: SYNs dropped by nftables make connect() time
// out in the kernel. The failure is decided by the retransmit timer in
// softirq, where `current` is whatever task was interrupted, yet it counts
// under the caller's container. The SYNs resent meanwhile are the
// namespace's only retransmits, whether they die at the server (its input
// hook) or before leaving the client (its output hook, where the kernel
// counts them in TcpRetransSegs although the send failed, as it does when a
// full queue drops them under load).
func TestConnectTimeoutFromTimer(t *testing.T) {
	t.Run("dropped_at_server", func(t *testing.T) { testConnectTimeout(t, false) })
	t.Run("dropped_leaving_client", func(t *testing.T) { testConnectTimeout(t, true) })
}

func testConnectTimeout(t *testing.T, dropLeavingClient bool) {
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		const m = 2
		s := startScraperIn(t, hierarchy, nil)
		ctr := newFakeContainer(t, hierarchy)
		p := newNetnsPair(t)
		const port = 24001
		serverIn(t, p.server, p.serverIP, port)
		ns, hook := p.server, "input"
		if dropLeavingClient {
			ns, hook = p.client, "output"
		}
		nftDrop(t, ns, hook, fmt.Sprintf("tcp dport %d tcp flags syn", port))
		target := net.JoinHostPort(p.serverIP, strconv.Itoa(port))
		before := tcpRetransSegs(t, p.client)

		h := startHelper(t, ctr.dirs, []string{"ip", "netns", "exec", p.client}, "timeout", target, strconv.Itoa(m))
		h.wait(t)
		synRetransmits := float64(tcpRetransSegs(t, p.client) - before)
		require.Positive(t, synRetransmits, "no SYN was resent")

		got := scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool { return c.get(mFailed, "destination="+target) >= m })
		assert.Equal(t, float64(m), got.get(mFailed, "destination="+target))
		assert.Zero(t, got.get(mSuccessful, pair(target, target)))
		assert.Equal(t, synRetransmits, got.get(mRetrans, pair(target, target)))
	})
}

// TestRetransmitsMatchKernelCounter: with nftables dropping a share of the
// client's segments at random, the retransmits counted for the client's
// container equal the TcpRetransSegs delta of its network namespace, where
// it is the only TCP user.
func TestRetransmitsMatchKernelCounter(t *testing.T) {
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		const size = 4 << 20
		s := startScraperIn(t, hierarchy, nil)
		ctr := newFakeContainer(t, hierarchy)
		p := newNetnsPair(t)
		const port = 24002
		srv := serverIn(t, p.server, p.serverIP, port)
		nftDrop(t, p.server, "input", fmt.Sprintf("tcp dport %d numgen random mod 100 < 5", port))
		target := net.JoinHostPort(p.serverIP, strconv.Itoa(port))
		before := tcpRetransSegs(t, p.client)

		h := startHelper(t, ctr.dirs, []string{"ip", "netns", "exec", p.client}, "send", target, strconv.Itoa(size), "send", target, strconv.Itoa(size))
		h.wait(t)
		srv.ln.Close()
		srv.wg.Wait()
		want := float64(tcpRetransSegs(t, p.client) - before)
		require.Positive(t, want, "the drop rule caused no retransmission")

		got := scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool {
			return c.get(mSuccessful, pair(target, target)) == 2 && c.get(mRetrans, pair(target, target)) >= want
		})
		assert.Equal(t, want, got.get(mRetrans, pair(target, target)))
		assert.InDelta(t, 2*size, got.get(mBytesSent, pair(target, target)), 2*size*0.01)
	})
}

// TestDNATActualDestination: a DNAT rule in the client's namespace sends a
// dialled address to a backend; destination is what was dialled,
// actual_destination the backend, found through conntrack.
func TestDNATActualDestination(t *testing.T) {
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		const n = 3
		s := startScraperIn(t, hierarchy, nil)
		ctr := newFakeContainer(t, hierarchy)
		p := newNetnsPair(t)
		const port = 24003
		serverIn(t, p.server, p.serverIP, port)
		const virtual = "192.0.2.10:80"
		nft(t, p.client, fmt.Sprintf(`table ip otn_nat {
		chain output {
			type nat hook output priority -100; policy accept;
			ip daddr 192.0.2.10 tcp dport 80 dnat to %s:%d
		}
	}`, p.serverIP, port))
		backend := net.JoinHostPort(p.serverIP, strconv.Itoa(port))

		h := startHelper(t, ctr.dirs, []string{"ip", "netns", "exec", p.client}, "connect", virtual, strconv.Itoa(n))
		h.wait(t)

		got := scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool { return c.get(mSuccessful, pair(virtual, backend)) >= n })
		assert.Equal(t, float64(n), got.get(mSuccessful, pair(virtual, backend)))
		assert.Zero(t, got.get(mSuccessful, pair(virtual, virtual)), "connects without their backend: %v", got[mSuccessful])
	})
}

// TestIPv6Loopback: the same exact counts over IPv6, with [addr]:port names.
func TestIPv6Loopback(t *testing.T) {
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		const n, m = 5, 4
		s := startScraperIn(t, hierarchy, nil)
		ctr := newFakeContainer(t, hierarchy)
		srv := listenFixed(t, "::1")
		closed := closedPort(t, "::1")

		h := startHelper(t, ctr.dirs, nil, "connect", srv.addr(), strconv.Itoa(n), "refused", closed, strconv.Itoa(m))
		h.wait(t)
		got := scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool {
			return c.get(mSuccessful, pair(srv.addr(), srv.addr())) >= n && c.get(mFailed, "destination="+closed) >= m
		})
		assert.Equal(t, float64(n), got.get(mSuccessful, pair(srv.addr(), srv.addr())))
		assert.Equal(t, float64(m), got.get(mFailed, "destination="+closed))
		assert.Contains(t, srv.addr(), "[::1]:")
	})
}

// TestLiveConnectionsInOtherNamespace: connections held from a network
// namespace other than the collector's are active and their bytes counted
// while open (the socket iterator runs inside each namespace with owned
// sockets), also after the process recorded for the namespace has exited.
func TestLiveConnectionsInOtherNamespace(t *testing.T) {
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		const k = 3
		s := startScraperIn(t, hierarchy, nil)
		ctr := newFakeContainer(t, hierarchy)
		p := newNetnsPair(t)
		const port = 24003
		serverIn(t, p.server, p.serverIP, port)
		target := net.JoinHostPort(p.serverIP, strconv.Itoa(port))
		key := pair(target, target)
		inClient := []string{"ip", "netns", "exec", p.client}

		holder := startHelper(t, ctr.dirs, inClient, "hold", target, strconv.Itoa(k))
		holder.waitLine(t, "holding")
		got := scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool { return c.get(mActive, key) == k })
		assert.Equal(t, float64(k), got.get(mActive, key))

		// A later, short-lived process of the namespace is the one recorded
		// for it; once it has exited, the holder must be found instead.
		startHelper(t, ctr.dirs, inClient, "connect", target, "1").wait(t)
		got = scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool { return c.get(mSuccessful, key) == k+1 })
		assert.Equal(t, float64(k), got.get(mActive, key), "live connections of the namespace lost when its recorded process exited")

		holder.wait(t)
		got = scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool { return c.get(mActive, key) == 0 })
		assert.Zero(t, got.get(mActive, key))
	})
}
