// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otelcol-node/otelcol-node/internal/e2etest"
)

// BenchmarkPacedStorms runs the paced loopback storm of ../shared/bench at
// 1k, 5k and 20k connects/s requested, without an agent and then with the
// collector running ebpf_tcp alone, in one run. Per rate it reports the rate
// achieved, the collector's CPU (utime+stime) and the in-kernel time of our
// BPF programs (kernel.bpf_stats_enabled), in % of one core, and that cost
// per 1k connects/s achieved. One iteration is one 10 s storm per setting.
//
//	go test -run '^$' -bench PacedStorms -benchtime 1x ./e2e/
func BenchmarkPacedStorms(b *testing.B) {
	for _, rate := range []int{1000, 5000, 20000} {
		b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) {
			for b.Loop() {
				base := runStormForBench(b, rate, nil)
				port := e2etest.FreePort(b)
				c := e2etest.Start(b, pipeline{receivers: "ebpf_tcp:", receiverIDs: []string{"ebpf_tcp"}}.config(port), port)
				with := runStormForBench(b, rate, c)
				c.Stop()
				b.ReportMetric(base.achieved, "achieved/s_no_agent")
				b.ReportMetric(with.achieved, "achieved/s")
				b.ReportMetric(with.cpuPct, "collector_cpu_%core")
				b.ReportMetric(with.bpfPct, "bpf_%core")
				b.ReportMetric((with.cpuPct+with.bpfPct)/(with.achieved/1000), "cost_%core_per_1k/s")
			}
		})
	}
}

type stormCost struct {
	achieved float64 // connects/s established
	cpuPct   float64 // collector utime+stime, % of one core
	bpfPct   float64 // run time of our programs, % of one core
}

// runStormForBench runs one 10 s storm and measures the collector c (nil:
// no agent) and its BPF programs over it.
func runStormForBench(b *testing.B, rate int, c *e2etest.Collector) stormCost {
	b.Helper()
	restore := enableBPFStats(b)
	defer restore()
	cpu0 := collectorCPU(b, c)
	bpf0 := bpfRunTime(b)
	start := time.Now()
	w := startWorkload(b, "connect-storm.sh", "--ok-rate", strconv.Itoa(rate), "--fail-rate", "0",
		"--duration", "10s", "--workers", "256", "--port", strconv.Itoa(wnStormPort), "--closed-port", strconv.Itoa(wnStormClosedPort))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := w.wait(ctx, b)
	wall := time.Since(start).Seconds()
	var st map[string]any
	for _, l := range out {
		if l["cmd"] == "storm" {
			st = l
		}
	}
	if st == nil {
		b.Fatalf("no storm record")
	}
	res := stormCost{achieved: st["ok_rate_achieved"].(float64)}
	if c != nil {
		res.cpuPct = (collectorCPU(b, c) - cpu0) / wall * 100
		res.bpfPct = float64(bpfRunTime(b)-bpf0) / 1e9 / wall * 100
	}
	return res
}

// collectorCPU is the collector's utime+stime in seconds, 0 without one.
func collectorCPU(b *testing.B, c *e2etest.Collector) float64 {
	b.Helper()
	if c == nil {
		return 0
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.PID()))
	if err != nil {
		b.Fatal(err)
	}
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100 // USER_HZ
}

// bpfRunTime sums run_time_ns of the loaded programs of ebpf_tcp.
func bpfRunTime(b *testing.B) uint64 {
	b.Helper()
	out, err := exec.Command("bpftool", "-j", "prog", "show").Output()
	if err != nil {
		b.Fatalf("bpftool prog show: %v", err)
	}
	var progs []struct {
		Name      string `json:"name"`
		RunTimeNs uint64 `json:"run_time_ns"`
	}
	if err := json.Unmarshal(out, &progs); err != nil {
		b.Fatal(err)
	}
	var sum uint64
	for _, p := range progs {
		if p.Name == "handle_set_state" {
			sum += p.RunTimeNs
		}
	}
	return sum
}

// enableBPFStats turns kernel.bpf_stats_enabled on for the measurement.
func enableBPFStats(b *testing.B) func() {
	b.Helper()
	restore, err := setSysctl("/proc/sys/kernel/bpf_stats_enabled", "1")
	if err != nil {
		b.Skipf("cannot enable BPF stats: %v", err)
	}
	return restore
}
