// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"net"
	"strconv"
	"strings"
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
	// Every per-connection metric of the contract exists for the destination,
	// under its Prometheus name; the connections are closed by now.
	for name, check := range map[string]func(float64) bool{
		"container_net_tcp_connection_time_seconds_total": func(v float64) bool { return v > 0 },
		"container_net_tcp_active_connections":            func(v float64) bool { return v == 0 },
		"container_net_tcp_retransmits_total":             func(v float64) bool { return v == 0 },
		"container_net_tcp_bytes_sent_total":              func(v float64) bool { return v >= successes },
		"container_net_tcp_bytes_received_total":          func(v float64) bool { return v >= successes },
	} {
		series := fams.Samples(name, okDest)
		if len(series) != 1 || !check(series[0].Value) {
			t.Errorf("%s for %v: unexpected series:\n%s", name, okDest, fams.Describe(name))
		}
	}
	const latency = "container_net_latency_seconds"
	if rtt := fams.Samples(latency, map[string]string{"container_id": id, "destination_ip": "127.0.0.1"}); len(rtt) != 1 || rtt[0].Value <= 0 {
		t.Errorf("want one positive %s for 127.0.0.1:\n%s", latency, fams.Describe(latency))
	}
	// The container has no listener of its own.
	const listenInfo = "container_net_tcp_listen_info"
	if got := fams.Samples(listenInfo, map[string]string{"container_id": id}); len(got) != 0 {
		t.Errorf("container without listeners has listen_info series: %v", got)
	}

	// A listening container shows listen_info for its address.
	listenPort := closedPortOutsideEphemeral(t)
	server := d.Run(t, "--network", "host", d.Image(t), "nc", "-l", "-p", strconv.Itoa(listenPort))
	c.WaitFor(t, 30*time.Second, listenInfo, func(f e2etest.Families) bool {
		for _, s := range f.Samples(listenInfo, map[string]string{"container_id": server}) {
			if strings.HasSuffix(s.Labels["listen_addr"], ":"+strconv.Itoa(listenPort)) && s.Value == 1 {
				return true
			}
		}
		return false
	})
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
