// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-node/otelcol-node/internal/dockertest"
)

// listenAndClose accepts on a fixed loopback port and closes every
// connection at once, so that busybox nc exits after connecting.
func listenAndClose(t *testing.T) string {
	t.Helper()
	srv := listenFixed(t, "127.0.0.1")
	srv.ln.Close()
	ln, err := net.Listen("tcp", srv.addr())
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
	return ln.Addr().String()
}

// TestDockerContainerConnects: a real Docker container (--network host)
// makes N successful and M refused loopback connects with busybox nc; they
// count exactly under its container.id and nowhere else. runc puts the
// container in the v1 controllers and the unified tree of this hybrid host,
// so it runs under both cgroup hierarchies.
func TestDockerContainerConnects(t *testing.T) {
	requireKernel(t)
	const n, m = 6, 4
	d := dockertest.Start(t)
	image := d.Image(t)
	forEachHierarchy(t, func(t *testing.T, hierarchy string) {
		s := startScraperIn(t, hierarchy, nil)
		open := listenAndClose(t)
		closed := closedPort(t, "127.0.0.1")
		openHost, openPort, _ := net.SplitHostPort(open)
		closedHost, closedPortNum, _ := net.SplitHostPort(closed)

		script := fmt.Sprintf(`for i in $(seq %d); do nc %s %s </dev/null || exit 1; done; `+
			`for i in $(seq %d); do nc %s %s </dev/null && exit 2; done; exit 0`,
			n, openHost, openPort, m, closedHost, closedPortNum)
		id := d.Run(t, "--network", "host", image, "sh", "-c", script)
		exit := d.Docker(t, "wait", id)
		require.Equal(t, "0", strings.TrimSpace(exit), "container script failed: %s", d.Docker(t, "logs", id))

		got := scrapeUntil(t, s, id, func(c containerMetrics) bool {
			return c.get(mSuccessful, pair(open, open)) >= n && c.get(mFailed, "destination="+closed) >= m
		})
		assert.Equal(t, float64(n), got.get(mSuccessful, pair(open, open)))
		assert.Equal(t, float64(m), got.get(mFailed, "destination="+closed))
		assert.Zero(t, got.get(mFailed, "destination="+open))

		md, err := s.scrape(context.Background())
		require.NoError(t, err)
		assert.Empty(t, otherResourcesMention(md, id, open, closed))
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			attrs := md.ResourceMetrics().At(i).Resource().Attributes()
			if v, ok := attrs.Get("container.id"); ok && v.Str() == id {
				rt, _ := attrs.Get("container.runtime")
				assert.Equal(t, "docker", rt.Str())
			}
		}
	})
}
