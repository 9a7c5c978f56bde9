// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otelcol-node/otelcol-node/internal/e2etest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// benchDir is the shared workload generators (../shared/bench beside the
// repository); each prints its ground truth as JSON lines.
func benchDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(e2etest.RepoRoot(t), "..", "shared", "bench")
	_, err := os.Stat(filepath.Join(dir, "connect-storm.sh"))
	testenv.Require(t, err == nil, "the workload generators in ../shared/bench")
	return dir
}

// loadgenBuild holds the generators' Go load generator, built once per test
// binary: scripts started at the same moment would otherwise all build it.
var loadgenBuild struct {
	once sync.Once
	bin  string
	err  error
}

func loadgenBinary(t testing.TB) string {
	t.Helper()
	dir := benchDir(t)
	loadgenBuild.once.Do(func() {
		bin := filepath.Join(os.TempDir(), "otn-e2e-loadgen", "loadgen")
		cmd := exec.Command("go", "build", "-o", bin, ".")
		cmd.Dir = filepath.Join(dir, "loadgen")
		if out, err := cmd.CombinedOutput(); err != nil {
			loadgenBuild.err = fmt.Errorf("building loadgen: %w\n%s", err, out)
			return
		}
		loadgenBuild.bin = bin
	})
	if loadgenBuild.err != nil {
		t.Fatal(loadgenBuild.err)
	}
	return loadgenBuild.bin
}

// fakeContainerID returns 64 random hex digits: the id of a fake Docker
// container whose cgroup (docker/<id>) a workload creates in every hierarchy.
func fakeContainerID(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// workload is one generator script running in the background.
type workload struct {
	name string
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan struct{}
	err  error
}

// startWorkload runs script (a file of benchDir) with args. Its cgroups
// (--cgroup docker/<id>) are removed at cleanup.
func startWorkload(t testing.TB, script string, args ...string) *workload {
	t.Helper()
	dir := benchDir(t)
	loadgen := loadgenBinary(t)
	w := &workload{name: script, done: make(chan struct{})}
	w.cmd = exec.Command("bash", append([]string{filepath.Join(dir, script)}, args...)...)
	w.cmd.Env = append(os.Environ(), "LOADGEN="+loadgen)
	w.cmd.Stdout = &w.out
	w.cmd.Stderr = &w.out
	if err := w.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", script, err)
	}
	go func() { w.err = w.cmd.Wait(); close(w.done) }()
	for i, a := range args {
		if a == "--cgroup" && i+1 < len(args) {
			rel := args[i+1]
			t.Cleanup(func() { _ = exec.Command("bash", filepath.Join(dir, "cgroup-clean.sh"), rel).Run() })
		}
	}
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			_ = w.cmd.Process.Kill()
			<-w.done
		}
	})
	return w
}

// wait waits for the script and returns its JSON lines; a failed script
// fails the test with its output.
func (w *workload) wait(ctx context.Context, t testing.TB) []map[string]any {
	t.Helper()
	select {
	case <-w.done:
	case <-ctx.Done():
		t.Fatalf("%s did not finish: %v\n%s", w.name, ctx.Err(), w.out.String())
	}
	if w.err != nil {
		t.Fatalf("%s failed: %v\n%s", w.name, w.err, w.out.String())
	}
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(w.out.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			lines = append(lines, m)
		}
	}
	return lines
}

// record returns the first JSON line whose "cmd" is cmd.
func record(t *testing.T, lines []map[string]any, cmd string) map[string]any {
	t.Helper()
	for _, l := range lines {
		if l["cmd"] == cmd {
			return l
		}
	}
	t.Fatalf("no %q record in the workload output: %v", cmd, lines)
	return nil
}

// number reads a numeric field of a record.
func number(t *testing.T, rec map[string]any, key string) float64 {
	t.Helper()
	v, ok := rec[key].(float64)
	if !ok {
		t.Fatalf("record has no number %q: %v", key, rec)
	}
	return v
}

// retransmitLossPort is where the lossy transfers go, inside namespaces the
// test creates.
const retransmitLossPort = 18190

// runLossyTransfer moves bytes over conns connections from a fake
// container's process in one network namespace to a sink in another,
// dropping loss % of the data segments at the receiver (nftables, numgen
// random), with offloads off so that a packet is a segment. It returns the
// sender namespace's TcpRetransSegs delta: the kernel's own count of
// retransmitted segments, which the sender's connections alone produce.
// (The generators' retransmit-netns.sh reports TCP_INFO total_retrans, which
// leaves tail-loss probes out; TcpRetransSegs and the tracepoint count them.)
func runLossyTransfer(ctx context.Context, t *testing.T, containerID, name string, loss, conns, bytes int) float64 {
	t.Helper()
	loadgen := loadgenBinary(t)
	tx, rx := name+"-tx", name+"-rx"
	must := func(args ...string) {
		t.Helper()
		if out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	for _, ns := range []string{tx, rx} {
		must("ip", "netns", "add", ns)
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
		must("ip", "-n", ns, "link", "set", "lo", "up")
	}
	must("ip", "link", "add", name+"a", "netns", tx, "type", "veth", "peer", "name", name+"b", "netns", rx)
	for _, side := range []struct{ ns, dev, addr string }{{tx, name + "a", "10.233.0.1/24"}, {rx, name + "b", "10.233.0.2/24"}} {
		must("ip", "-n", side.ns, "addr", "add", side.addr, "dev", side.dev)
		must("ip", "-n", side.ns, "link", "set", side.dev, "up")
		must("ip", "netns", "exec", side.ns, "ethtool", "-K", side.dev, "tso", "off", "gso", "off", "gro", "off")
	}
	rule := fmt.Sprintf(`table inet otnloss { chain pre { type filter hook prerouting priority -300; policy accept; ip saddr 10.233.0.1 tcp dport %d numgen random mod 100 < %d drop; }; }`, retransmitLossPort, loss)
	must("ip", "netns", "exec", rx, "nft", rule)

	target := fmt.Sprintf("10.233.0.2:%d", retransmitLossPort)
	sink := exec.Command("ip", "netns", "exec", rx, loadgen, "sink", "-listen", target, "-duration", "120s")
	if err := sink.Start(); err != nil {
		t.Fatalf("starting sink: %v", err)
	}
	t.Cleanup(func() { _ = sink.Process.Kill(); _ = sink.Wait() })
	time.Sleep(300 * time.Millisecond)

	before := netnsRetransSegs(t, tx)
	send := startWorkload(t, "cgroup-run.sh", "--keep", "docker/"+containerID, "--",
		"ip", "netns", "exec", tx, loadgen, "send", "-allow-netns", "-target", target,
		"-conns", strconv.Itoa(conns), "-bytes", strconv.Itoa(bytes), "-max-duration", "60s")
	record(t, send.wait(ctx, t), "send")
	return netnsRetransSegs(t, tx) - before
}

// netnsRetransSegs reads Tcp RetransSegs from /proc/net/snmp inside ns.
func netnsRetransSegs(t *testing.T, ns string) float64 {
	t.Helper()
	out, err := exec.Command("ip", "netns", "exec", ns, "cat", "/proc/net/snmp").Output()
	if err != nil {
		t.Fatalf("reading /proc/net/snmp in %s: %v", ns, err)
	}
	var header []string
	for _, line := range strings.Split(string(out), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != "Tcp:" {
			continue
		}
		if header == nil {
			header = fields
			continue
		}
		for i, name := range header {
			if name == "RetransSegs" && i < len(fields) {
				v, err := strconv.ParseFloat(fields[i], 64)
				if err != nil {
					t.Fatalf("RetransSegs %q: %v", fields[i], err)
				}
				return v
			}
		}
	}
	t.Fatalf("no Tcp RetransSegs in /proc/net/snmp of %s", ns)
	return 0
}
