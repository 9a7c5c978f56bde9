// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otelcol-node/otelcol-node/internal/e2etest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/cloudmetadatatest"
)

// The whole-node tier: a shipped configuration, every workload at once, every
// count checked against its generator's ground truth on one /metrics.
//
// The shipped configurations are run as shipped, but for what a test host
// cannot be: the cloud metadata processor reads a fake DMI tree and a fake
// IMDS on 127.0.0.1 (`--set` of its endpoint and sysfs_root), because the real
// link-local service does not exist here.

// Prometheus names the assertions read.
const (
	mSuccessful = "container_net_tcp_successful_connects_total"
	mFailed     = "container_net_tcp_failed_connects_total"
	mRetrans    = "container_net_tcp_retransmits_total"
	mOOMKills   = "container_oom_kills_total"
	mCPUDelay   = "container_resources_cpu_delay_seconds_total"
	mLogs       = "container_log_messages_total"
	mTCPLost    = "otelcol_node_ebpf_tcp_events_lost_total"
)

// Ports of the workloads, outside the ephemeral range (32768-60999) so that
// destinations keep their port, and apart from the other packages' tests.
const (
	wnStormPort       = 28080
	wnStormClosedPort = 28081
	wnShortLivedPort  = 28082
)

// defaultMetricsPort is where the embedded default config serves /metrics.
const defaultMetricsPort = 9464

// wholeNodeDuration is how long the workloads run: long enough that a stream
// that stops midway shows as a counter that stops moving (see
// watchProgress), at the default 15 s collection interval.
const wholeNodeDuration = 60 * time.Second

// delayAcctSettle is how long after a process exits its final delays are
// sure to be on /metrics: delay_acct's 10 s collection interval, the batch
// processor's 5 s timeout, and a margin for a loaded machine.
const delayAcctSettle = 18 * time.Second

// wholeNodeExpect is what the workloads made, from their own output.
type wholeNodeExpect struct {
	stormID, shortID, retransID, oomID, cpuID, logID string
	logFile                                          string

	okConnects, failedConnects float64
	shortLived                 float64
	kernelRetrans              float64
	oomKills                   float64
	runDelaySeconds            float64
	cpuEndedAt                 time.Time          // when the load generator exited
	logLines                   map[string]float64 // by level as /metrics names it
}

// startCloudFakes serves AWS's documented metadata and a DMI tree that says
// AWS, and returns the --set flags that point cloud_metadata at them.
func startCloudFakes(t *testing.T) []string {
	t.Helper()
	srv := cloudmetadatatest.NewServer(t)
	cloudmetadatatest.ServeSamples(t, srv, "aws")
	return []string{
		"--set", "processors::cloud_metadata::endpoint=" + srv.URL(),
		"--set", "processors::cloud_metadata::sysfs_root=" + cloudmetadatatest.SysfsFixture("aws"),
	}
}

// requireWholeNode checks what every whole-node run needs.
func requireWholeNode(t *testing.T) {
	t.Helper()
	testenv.RequireRoot(t)
	for _, c := range []string{"nft", "ip", "ethtool", "bash"} {
		testenv.RequireCommand(t, c)
	}
	benchDir(t)
}

// TestWholeNodeDefaultConfig runs the embedded default config (no --config)
// with every workload at once.
func TestWholeNodeDefaultConfig(t *testing.T) {
	requireWholeNode(t)
	c := e2etest.StartWith(t, e2etest.Options{Args: startCloudFakes(t)}, defaultMetricsPort)
	runWholeNode(t, c)
}

// TestWholeNodeDaemonSetConfig runs the config the DaemonSet of
// examples/daemonset.yaml carries in its ConfigMap, with every workload at
// once. Nothing in it needs a Kubernetes API server (the node binary has no
// k8sattributes); the test only moves what the pod gets from its volumes:
// file_storage's directory (the state hostPath) goes to a temporary
// directory, and kernel.task_delayacct, which the DaemonSet's init
// container turns on, is turned on here.
func TestWholeNodeDaemonSetConfig(t *testing.T) {
	requireWholeNode(t)
	m := decodeManifest(t, filepath.Join(e2etest.RepoRoot(t), "examples", "daemonset.yaml"))
	cfgPath := writeTemp(t, configMapData(t, m, "otelcol-node", "config.yaml"))
	enableDelayAccounting(t)
	args := append([]string{"--config", cfgPath, "--set", "extensions::file_storage::directory=" + t.TempDir()}, startCloudFakes(t)...)
	c := e2etest.StartWith(t, e2etest.Options{Args: args}, defaultMetricsPort)
	runWholeNode(t, c)
}

// TestWholeNodeCgroupV2 runs the embedded default config with every
// receiver attributing through the cgroup v2 hierarchy (on this hybrid host,
// the unified tree mounted beside the v1 controllers; on pure v2 nodes,
// "auto" picks it), with every workload at once.
func TestWholeNodeCgroupV2(t *testing.T) {
	requireWholeNode(t)
	args := append(startCloudFakes(t), "--set", "extensions::container_identity::cgroup_hierarchy=v2")
	c := e2etest.StartWith(t, e2etest.Options{Args: args}, defaultMetricsPort)
	runWholeNode(t, c)
}

// enableDelayAccounting turns kernel.task_delayacct on for the test and
// restores it afterwards.
func enableDelayAccounting(t *testing.T) {
	t.Helper()
	restore, err := setSysctl("/proc/sys/kernel/task_delayacct", "1")
	if err != nil {
		t.Fatalf("enabling delay accounting: %v", err)
	}
	t.Cleanup(restore)
}

// setSysctl writes value to a /proc/sys file and returns what restores the
// value it had.
func setSysctl(path, value string) (restore func(), err error) {
	before, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
		return nil, err
	}
	return func() { _ = os.WriteFile(path, before, 0o644) }, nil
}

// runWholeNode drives every workload at once against a running collector
// and checks every count on /metrics.
func runWholeNode(t *testing.T, c *e2etest.Collector) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*wholeNodeDuration)
	defer cancel()
	exp := wholeNodeExpect{
		stormID: fakeContainerID(t), shortID: fakeContainerID(t), retransID: fakeContainerID(t),
		oomID: fakeContainerID(t), cpuID: fakeContainerID(t), logID: fakeContainerID(t),
	}
	exp.logFile = fmt.Sprintf("/var/log/otn-wholenode-%s.log", exp.logID[:12])
	t.Cleanup(func() { _ = os.Remove(exp.logFile) })
	secs := strconv.Itoa(int(wholeNodeDuration.Seconds())) + "s"

	// The log writer waits before its first line so that the container's
	// files are discovered first (container_files rescans every 10 s).
	logs := startWorkload(t, "log-writer.sh", "--file", exp.logFile, "--rate", "20",
		"--duration", strconv.Itoa(int(wholeNodeDuration.Seconds())-15)+"s", "--wait-before", "12s", "--cgroup", "docker/"+exp.logID)
	storm := startWorkload(t, "connect-storm.sh", "--ok-rate", "1000", "--fail-rate", "100", "--duration", secs,
		"--port", strconv.Itoa(wnStormPort), "--closed-port", strconv.Itoa(wnStormClosedPort), "--cgroup", "docker/"+exp.stormID)
	cpu := startWorkload(t, "cpu-contention.sh", "--threads", "4", "--duration", secs, "--cgroup", "docker/"+exp.cpuID)
	oom := startWorkload(t, "oom.sh", "--count", "3", "--limit-mib", "32", "--pause", "10", "--cgroup", "docker/"+exp.oomID)
	short := startShortLived(t, exp.shortID, 120, wholeNodeDuration/2)

	progress := watchProgress(ctx, t, c, exp.stormID)

	// Retransmits: bulk transfers through 5 % loss, repeated over the run.
	for i := range 4 {
		exp.kernelRetrans += runLossyTransfer(ctx, t, exp.retransID, fmt.Sprintf("otnwn%d", i), 5, 2, 4000000)
		time.Sleep(wholeNodeDuration / 5)
	}

	st := record(t, storm.wait(ctx, t), "storm")
	exp.okConnects = number(t, st, "ok_established")
	exp.failedConnects = number(t, st, "fail_refused") + number(t, st, "closed_port_probe_connects")
	exp.shortLived = short.wait(ctx, t)
	// Kills are processes the OOM killer ended: the attempts that died of
	// SIGKILL. (The memory cgroup's own oom_kill counter can count a process
	// twice or not at all when several of its threads reach the OOM path.)
	exp.oomKills = number(t, record(t, oom.wait(ctx, t), "oom"), "sigkilled")
	exp.runDelaySeconds = runDelaySeconds(t, cpu.wait(ctx, t))
	exp.cpuEndedAt = time.Now()
	exp.logLines = logLinesByLevel(t, record(t, logs.wait(ctx, t), "logwrite"))
	progress.check(t)

	assertWholeNode(t, c, exp)
}

// assertWholeNode waits (two collection intervals and then some) until the
// exact counts are on /metrics, then checks every one and says which differ.
func assertWholeNode(t *testing.T, c *e2etest.Collector, exp wholeNodeExpect) {
	t.Helper()
	stormDst := map[string]string{"container_id": exp.stormID, "destination": fmt.Sprintf("127.0.0.1:%d", wnStormPort)}
	failDst := map[string]string{"container_id": exp.stormID, "destination": fmt.Sprintf("127.0.0.1:%d", wnStormClosedPort)}
	shortDst := map[string]string{"container_id": exp.shortID, "destination": fmt.Sprintf("127.0.0.1:%d", wnShortLivedPort)}
	exact := func(f e2etest.Families) []string {
		var bad []string
		check := func(what string, got, want float64) {
			if got != want {
				bad = append(bad, fmt.Sprintf("%s = %v, want %v", what, got, want))
			}
		}
		check("successful connects of the storm", f.Sum(mSuccessful, stormDst), exp.okConnects)
		check("failed connects of the storm", f.Sum(mFailed, failDst), exp.failedConnects)
		check("connects of short-lived processes", f.Sum(mSuccessful, shortDst), exp.shortLived)
		check("OOM kills", f.Sum(mOOMKills, map[string]string{"container_id": exp.oomID}), exp.oomKills)
		for level, n := range exp.logLines {
			check("log lines at "+level, f.Sum(mLogs, map[string]string{"container_id": exp.logID, "level": level}), n)
		}
		return bad
	}
	var bad []string
	deadline := time.Now().Add(45 * time.Second)
	var fams e2etest.Families
	for {
		fams = c.Scrape(t)
		// The delays of the generator's last seconds reach /metrics with
		// the first delay_acct emission after its exit, which the exact
		// counts of the other receivers do not wait for.
		settled := time.Since(exp.cpuEndedAt) > delayAcctSettle
		if bad = exact(fams); (len(bad) == 0 && settled) || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	for _, b := range bad {
		t.Error(b)
	}
	if len(bad) > 0 {
		for _, name := range []string{mSuccessful, mFailed, mLogs, mOOMKills, "otelcol_node_oom_events_total", "otelcol_node_oom_events_lost_total"} {
			t.Logf("%s", fams.Describe(name))
		}
	}

	retrans := fams.Sum(mRetrans, map[string]string{"container_id": exp.retransID})
	if exp.kernelRetrans == 0 || math.Abs(retrans-exp.kernelRetrans) > 0.02*exp.kernelRetrans {
		t.Errorf("retransmits = %v, the sender namespace's TcpRetransSegs rose by %v (want within 2%%):\n%s", retrans, exp.kernelRetrans, fams.Describe(mRetrans))
	}
	// One series: a second one (labels that changed during the run) would
	// be summed with the first and read as extra delay.
	if n := len(fams.Samples(mCPUDelay, map[string]string{"container_id": exp.cpuID})); n != 1 {
		t.Errorf("want one cpu delay series for the container, got %d:\n%s", n, fams.Describe(mCPUDelay))
	}
	delay := fams.Sum(mCPUDelay, map[string]string{"container_id": exp.cpuID})
	t.Logf("cpu delay %.2fs, run-queue wait measured by the load generator %.2fs", delay, exp.runDelaySeconds)
	if exp.runDelaySeconds == 0 || math.Abs(delay-exp.runDelaySeconds) > 0.10*exp.runDelaySeconds {
		t.Errorf("cpu delay = %vs, run-queue wait %vs (want within 10%%):\n%s", delay, exp.runDelaySeconds, fams.Describe(mCPUDelay))
	}
	logDelayTrackerCounts(t, fams)
	info := fams.Samples(nodeCloudInfo, map[string]string{"provider": "AWS", "instance_id": "i-1234567890abcdef0", "region": "us-west-2"})
	if len(info) != 1 || info[0].Value != 1 || len(fams.Samples(nodeCloudInfo, nil)) != 1 {
		t.Errorf("want one node_cloud_info series for the fake AWS instance:\n%s", fams.Describe(nodeCloudInfo))
	}
	if len(fams.Samples(mSuccessful, map[string]string{"container_id": exp.stormID, "cloud_region": "us-west-2"})) == 0 {
		t.Errorf("container series lack the cloud resource labels:\n%s", fams.Describe(mSuccessful))
	}
	for _, reason := range []string{"ringbuf_full", "storage_alloc_failed", "decode_error"} {
		if lost := fams.Sum(mTCPLost, map[string]string{"reason": reason}); lost != 0 {
			t.Errorf("ebpf_tcp lost %v events (%s)", lost, reason)
		}
	}
}

// progressWatch samples the storm's successful connects during the run.
type progressWatch struct {
	mu      sync.Mutex
	samples []progressSample
}

type progressSample struct {
	at    time.Time
	value float64
}

// watchProgress scrapes every 5 s until ctx ends or check is called.
func watchProgress(ctx context.Context, t *testing.T, c *e2etest.Collector, stormID string) *progressWatch {
	w := &progressWatch{}
	match := map[string]string{"container_id": stormID, "destination": fmt.Sprintf("127.0.0.1:%d", wnStormPort)}
	ctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	go func() {
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			fams, err := c.TryScrape(ctx)
			if err != nil {
				continue
			}
			w.mu.Lock()
			w.samples = append(w.samples, progressSample{time.Now(), fams.Sum(mSuccessful, match)})
			w.mu.Unlock()
		}
	}()
	return w
}

// progressWindow is the longest the storm's counter may stay flat on
// /metrics while the storm runs: two default collection intervals.
const progressWindow = 30 * time.Second

// check fails when the counter stayed flat for progressWindow while the
// storm ran (after a warm-up of one window): the stream stopped midway, or
// /metrics served a stale snapshot.
func (w *progressWatch) check(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.samples) < 2 {
		t.Fatalf("too few scrapes during the run: %d", len(w.samples))
	}
	start := w.samples[0].at
	lastChange := w.samples[0]
	for _, s := range w.samples[1:] {
		if s.value != lastChange.value {
			lastChange = s
			continue
		}
		if s.at.Sub(start) > progressWindow && s.at.Sub(lastChange.at) > progressWindow {
			t.Errorf("successful connects stayed at %v on /metrics from %s to %s while the storm ran",
				s.value, lastChange.at.Sub(start).Round(time.Second), s.at.Sub(start).Round(time.Second))
			return
		}
	}
}

// shortLived is a run of processes that each connect once and exit.
type shortLived struct {
	work *workload
}

// startShortLived starts n processes in the fake container's cgroup, spread
// over spread, each connecting once to a listener of this test and exiting.
func startShortLived(t *testing.T, containerID string, n int, spread time.Duration) *shortLived {
	t.Helper()
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", wnShortLivedPort))
	if err != nil {
		t.Fatalf("listening for short-lived connects: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()
	pause := spread / time.Duration(n)
	// Each child is its own bash process: connect (bash's /dev/tcp), print,
	// exit. The parent joined the cgroup before forking them.
	script := fmt.Sprintf(`for i in $(seq %d); do bash -c 'exec 3<>/dev/tcp/127.0.0.1/%d && echo connected'; sleep %.3f; done`,
		n, wnShortLivedPort, pause.Seconds())
	w := startWorkload(t, "cgroup-run.sh", "--keep", "docker/"+containerID, "--", "bash", "-c", script)
	return &shortLived{work: w}
}

// wait returns how many processes connected.
func (s *shortLived) wait(ctx context.Context, t *testing.T) float64 {
	t.Helper()
	s.work.wait(ctx, t)
	return float64(strings.Count(s.work.out.String(), "connected\n"))
}

// runDelaySeconds is the run-queue wait cpu-contention.sh measured over all
// threads of its load generator since it started: the kernel's run_delay,
// which taskstats reports as cpu_delay_total.
func runDelaySeconds(t *testing.T, lines []map[string]any) float64 {
	t.Helper()
	return number(t, record(t, lines, "burn"), "schedstat_runqueue_wait_total_s")
}

// logDelayTrackerCounts logs delay_acct's own counts, which say where a cpu
// delay off the generator's figure would come from: an exit that never
// arrived, a rejected sample, a failed query.
func logDelayTrackerCounts(t *testing.T, fams e2etest.Families) {
	t.Helper()
	exits := map[string]float64{}
	for _, s := range fams.Samples("otelcol_node_delay_acct_exits_total", nil) {
		exits[s.Labels["outcome"]] += s.Value
	}
	t.Logf("delay_acct exits %v, exits lost %v, cpu samples rejected %v, query errors %v", exits,
		fams.Sum("otelcol_node_delay_acct_exits_lost_total", nil),
		fams.Sum("otelcol_node_delay_acct_samples_rejected_total", map[string]string{"delay": "cpu"}),
		fams.Sum("otelcol_node_delay_acct_query_errors_total", nil))
}

// logLinesByLevel maps log-writer.sh's counts to the levels /metrics uses.
func logLinesByLevel(t *testing.T, rec map[string]any) map[string]float64 {
	t.Helper()
	byLevel, ok := rec["by_level"].(map[string]any)
	if !ok {
		t.Fatalf("log-writer output has no by_level: %v", rec)
	}
	out := map[string]float64{}
	for level, n := range byLevel {
		out[strings.ToLower(level)] = n.(float64)
	}
	return out
}

// TestWholeNodeStormAlone runs the embedded default config with the connect
// storm alone at 1k, 5k and 20k connects/s requested: every connect the
// generator made is counted, successful and failed, with nothing lost.
func TestWholeNodeStormAlone(t *testing.T) {
	requireWholeNode(t)
	c := e2etest.StartWith(t, e2etest.Options{Args: startCloudFakes(t)}, defaultMetricsPort)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for _, rate := range []int{1000, 5000, 20000} {
		t.Run(strconv.Itoa(rate), func(t *testing.T) {
			id := fakeContainerID(t)
			st := record(t, startWorkload(t, "connect-storm.sh", "--ok-rate", strconv.Itoa(rate), "--fail-rate", "200",
				"--duration", "10s", "--workers", "256", "--port", strconv.Itoa(wnStormPort),
				"--closed-port", strconv.Itoa(wnStormClosedPort), "--cgroup", "docker/"+id).wait(ctx, t), "storm")
			ok := number(t, st, "ok_established")
			failed := number(t, st, "fail_refused") + number(t, st, "closed_port_probe_connects")
			t.Logf("requested %d/s: achieved %.0f/s, %v established, %v refused", rate, number(t, st, "ok_rate_achieved"), ok, failed)
			okDst := map[string]string{"container_id": id, "destination": fmt.Sprintf("127.0.0.1:%d", wnStormPort)}
			failDst := map[string]string{"container_id": id, "destination": fmt.Sprintf("127.0.0.1:%d", wnStormClosedPort)}
			// Two collection intervals and then some: the counts must become
			// exact, not merely reach the expected value on the way up.
			deadline := time.Now().Add(45 * time.Second)
			var fams e2etest.Families
			for {
				fams = c.Scrape(t)
				if (fams.Sum(mSuccessful, okDst) == ok && fams.Sum(mFailed, failDst) == failed) || time.Now().After(deadline) {
					break
				}
				time.Sleep(time.Second)
			}
			if got := fams.Sum(mSuccessful, okDst); got != ok {
				t.Errorf("successful connects = %v, want %v", got, ok)
			}
			if got := fams.Sum(mFailed, failDst); got != failed {
				t.Errorf("failed connects = %v, want %v", got, failed)
			}
			for _, reason := range []string{"ringbuf_full", "storage_alloc_failed", "decode_error"} {
				if lost := fams.Sum(mTCPLost, map[string]string{"reason": reason}); lost != 0 {
					t.Errorf("ebpf_tcp lost %v events (%s)", lost, reason)
				}
			}
		})
	}
}
