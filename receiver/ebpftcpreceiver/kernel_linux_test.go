// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver

import (
	"context"
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	mSuccessful = "container.net.tcp.successful_connects"
	mFailed     = "container.net.tcp.failed_connects"
	mActive     = "container.net.tcp.active_connections"
	mConnTime   = "container.net.tcp.connection_time"
	mRetrans    = "container.net.tcp.retransmits"
	mBytesSent  = "container.net.tcp.bytes_sent"
	mBytesRecv  = "container.net.tcp.bytes_received"
	mListen     = "container.net.tcp.listen_info"
	mLatency    = "container.net.latency"
)

func pair(dst, actual string) string { return "destination=" + dst + ",actual_destination=" + actual }

// TestConnectCountsFromFakeContainer: N successful and M refused loopback
// connects from a process in a container cgroup count exactly N and M under
// that container, and nowhere else. Every connection here is closed within
// microseconds of being established: none may count as failed.
func TestConnectCountsFromFakeContainer(t *testing.T) {
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		const n, m = 57, 23
		s := startScraperIn(t, hierarchy, nil)
		ctr := newFakeContainer(t, hierarchy)
		srv := listenFixed(t, "127.0.0.1")
		closed := closedPort(t, "127.0.0.1")

		h := startHelper(t, ctr.dirs, nil, "connect", srv.addr(), strconv.Itoa(n), "refused", closed, strconv.Itoa(m))
		h.wait(t)

		// The close events of the last connections can be read after the
		// events that completed the counts: wait for them too.
		got := scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool {
			return c.get(mSuccessful, pair(srv.addr(), srv.addr())) >= n && c.get(mFailed, "destination="+closed) >= m &&
				c.get(mActive, pair(srv.addr(), srv.addr())) == 0
		})
		assert.Equal(t, float64(n), got.get(mSuccessful, pair(srv.addr(), srv.addr())))
		assert.Equal(t, float64(m), got.get(mFailed, "destination="+closed))
		assert.Zero(t, got.get(mFailed, "destination="+srv.addr()), "short successful connections counted as failed")
		assert.Zero(t, got.get(mActive, pair(srv.addr(), srv.addr())))
		assert.Greater(t, got.get(mConnTime, pair(srv.addr(), srv.addr())), 0.0)
		assert.Len(t, got[mSuccessful], 1, "unexpected destinations: %v", got[mSuccessful])

		md, err := s.scrape(context.Background())
		require.NoError(t, err)
		assert.Empty(t, otherResourcesMention(md, ctr.id, srv.addr(), closed))
	})
}

// TestActiveConnectionsAndBytes: K held connections are K active, then 0
// after close; a transfer of S bytes is S bytes sent within 1%.
func TestActiveConnectionsAndBytes(t *testing.T) {
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		const k, size = 7, 3 << 20
		s := startScraperIn(t, hierarchy, nil)
		ctr := newFakeContainer(t, hierarchy)
		srv := listenFixed(t, "127.0.0.1")
		key := pair(srv.addr(), srv.addr())

		h := startHelper(t, ctr.dirs, nil, "hold", srv.addr(), strconv.Itoa(k))
		h.waitLine(t, "holding")
		got := scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool { return c.get(mActive, key) == k })
		assert.Equal(t, float64(k), got.get(mActive, key))
		h.wait(t)
		got = scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool { return c.get(mActive, key) == 0 })
		assert.Zero(t, got.get(mActive, key))
		sentBefore := got.get(mBytesSent, key)

		h = startHelper(t, ctr.dirs, nil, "send", srv.addr(), strconv.Itoa(size))
		h.wait(t)
		got = scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool { return c.get(mBytesSent, key)-sentBefore >= size })
		sent := got.get(mBytesSent, key) - sentBefore
		assert.GreaterOrEqual(t, sent, float64(size))
		assert.InDelta(t, float64(size), sent, size*0.01)
		assert.Equal(t, float64(k+1), got.get(mSuccessful, key))
		assert.Greater(t, got.get(mLatency, "destination_ip=127.0.0.1"), 0.0)
	})
}

// TestListenInfo: a listening socket of the container is listen_info 1
// while it is open.
func TestListenInfo(t *testing.T) {
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		s := startScraperIn(t, hierarchy, nil)
		ctr := newFakeContainer(t, hierarchy)
		addr := closedPort(t, "127.0.0.1")
		h := startHelper(t, ctr.dirs, nil, "listen", addr, "1")
		h.waitLine(t, "listening")
		got := scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool { return c.get(mListen, "listen_addr="+addr) == 1 })
		assert.Equal(t, 1.0, got.get(mListen, "listen_addr="+addr))
		h.wait(t)
		got = scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool { return c.get(mListen, "listen_addr="+addr) == 0 })
		assert.Zero(t, got.get(mListen, "listen_addr="+addr))
	})
}

// TestConnectionsOpenBeforeStart: connections and a listener a container
// opened before the receiver started are active (listening) once it
// starts, and their close is traced.
func TestConnectionsOpenBeforeStart(t *testing.T) {
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		const k = 4
		ctr := newFakeContainer(t, hierarchy)
		srv := listenFixed(t, "127.0.0.1")
		key := pair(srv.addr(), srv.addr())
		h := startHelper(t, ctr.dirs, nil, "hold", srv.addr(), strconv.Itoa(k))
		h.waitLine(t, "holding")

		s := startScraperIn(t, hierarchy, nil)
		got := scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool { return c.get(mActive, key) == k })
		assert.Equal(t, float64(k), got.get(mActive, key))
		assert.Zero(t, got.get(mSuccessful, key), "connects made before start are not new connects")

		h.wait(t)
		got = scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool { return c.get(mActive, key) == 0 })
		assert.Zero(t, got.get(mActive, key))
		md, err := s.scrape(context.Background())
		require.NoError(t, err)
		assert.Empty(t, otherResourcesMention(md, ctr.id, srv.addr()), "the accepting side must not be seeded as a connect")
	})
}

// TestListenerOpenBeforeStart: a listener opened before start is listen_info 1.
func TestListenerOpenBeforeStart(t *testing.T) {
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		ctr := newFakeContainer(t, hierarchy)
		addr := closedPort(t, "127.0.0.1")
		h := startHelper(t, ctr.dirs, nil, "listen", addr, "1")
		h.waitLine(t, "listening")

		s := startScraperIn(t, hierarchy, nil)
		got := scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool { return c.get(mListen, "listen_addr="+addr) == 1 })
		assert.Equal(t, 1.0, got.get(mListen, "listen_addr="+addr))
		h.wait(t)
		got = scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool { return c.get(mListen, "listen_addr="+addr) == 0 })
		assert.Zero(t, got.get(mListen, "listen_addr="+addr))
	})
}

// TestConnectStormStaysBounded: connects from one container to 20,000
// distinct destinations keep the keys under the per-container cap, count
// the refused keys, and lose no connect (the overflow bucket has the rest).
func TestConnectStormStaysBounded(t *testing.T) {
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		const n, maxDest = 20_000, 64
		s := startScraperIn(t, hierarchy, func(cfg *Config) { cfg.MaxDestinationsPerContainer = maxDest })
		ctr := newFakeContainer(t, hierarchy)
		ln, err := net.Listen("tcp", "0.0.0.0:0")
		require.NoError(t, err)
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		port := ln.Addr().(*net.TCPAddr).Port

		h := startHelper(t, ctr.dirs, nil, "storm", strconv.Itoa(port), strconv.Itoa(n))
		h.wait(t)
		total := func(c containerMetrics) float64 {
			var sum float64
			for _, v := range c[mSuccessful] {
				sum += v
			}
			return sum
		}
		got := scrapeUntil(t, s, ctr.id, func(c containerMetrics) bool { return total(c) >= n })
		assert.Equal(t, float64(n), total(got))
		assert.Len(t, got[mSuccessful], maxDest+1, "cap plus the overflow bucket")
		assert.Equal(t, float64(n-maxDest), got.get(mSuccessful, pair(overflowDestination, overflowDestination)))
		assert.LessOrEqual(t, len(got[mLatency]), maxDest)
	})
}
