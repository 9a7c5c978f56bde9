// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/otelcol-node/otelcol-node/internal/dockertest"
	"github.com/otelcol-node/otelcol-node/internal/e2etest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// A Docker container on the host network makes N successful loopback connects
// to a listener this test owns and M connects to a closed port: /metrics shows
// exactly N and M under its container id and the dialled destination, and its
// listener-less container has no listen_info.
func TestTCPConnectsFromDockerContainer(t *testing.T) {
	testenv.RequireRoot(t)
	const successes, failures = 20, 7
	port := e2etest.FreePort(t)
	c := e2etest.Start(t, pipeline{
		receivers:   "ebpf_tcp:\n  collection_interval: 1s",
		receiverIDs: []string{"ebpf_tcp"},
	}.config(port), port)

	open := listenOutsideEphemeral(t)
	closed := closedPortOutsideEphemeral(t)
	go acceptAndClose(open)
	openPort := open.Addr().(*net.TCPAddr).Port

	d := dockertest.Start(t)
	script := fmt.Sprintf(`for i in $(seq %d); do nc 127.0.0.1 %d </dev/null; done; `+
		`for i in $(seq %d); do nc 127.0.0.1 %d </dev/null; done; sleep 3600`,
		successes, openPort, failures, closed)
	id := d.Run(t, "--network", "host", d.Image(t), "sh", "-c", script)

	okDest := map[string]string{"container_id": id, "destination": "127.0.0.1:" + strconv.Itoa(openPort)}
	failDest := map[string]string{"container_id": id, "destination": "127.0.0.1:" + strconv.Itoa(closed)}
	const ok, failed = "container_net_tcp_successful_connects_total", "container_net_tcp_failed_connects_total"
	fams := c.WaitFor(t, 60*time.Second, ok, func(f e2etest.Families) bool {
		return f.Sum(ok, okDest) >= successes && f.Sum(failed, failDest) >= failures
	})
	time.Sleep(2 * time.Second) // anything beyond the exact counts would show up now
	fams = c.Scrape(t)
	if got := fams.Sum(ok, okDest); got != successes {
		t.Errorf("successful connects = %v, want %d:\n%s", got, successes, fams.Describe(ok))
	}
	if got := fams.Sum(failed, failDest); got != failures {
		t.Errorf("failed connects = %v, want %d:\n%s", got, failures, fams.Describe(failed))
	}
	if got := fams.Sum(failed, okDest); got != 0 {
		t.Errorf("short successful connects counted as failures: %v", got)
	}
	// The test's own listener side is not the container's: nothing else of the
	// container's should name these destinations as listen addresses.
	if got := fams.Samples("container_net_tcp_listen_info", map[string]string{"container_id": id}); len(got) != 0 {
		t.Errorf("container without listeners has listen_info series: %v", got)
	}
}

func acceptAndClose(l net.Listener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		conn.Close()
	}
}

// listenOutsideEphemeral listens on a loopback port below the kernel's
// ephemeral range, since ports in that range are not destination keys.
func listenOutsideEphemeral(t *testing.T) net.Listener {
	t.Helper()
	for p := 20000 + time.Now().Nanosecond()%5000; p < 30000; p++ {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err == nil {
			t.Cleanup(func() { l.Close() })
			return l
		}
	}
	t.Fatal("no free loopback port in 20000-30000")
	return nil
}

// closedPortOutsideEphemeral finds a loopback port in 20000-30000 with no listener.
func closedPortOutsideEphemeral(t *testing.T) int {
	t.Helper()
	l := listenOutsideEphemeral(t)
	p := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return p
}
