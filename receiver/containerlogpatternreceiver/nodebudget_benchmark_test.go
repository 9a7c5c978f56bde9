// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

// BenchmarkNoisyNode feeds the issue-10 workload, 200 noisy containers
// (2,000 random-word lines each, nearly one pattern per line) beside 500
// quiet ones, into the receiver's streams, with the node-wide caps at their
// defaults and, as the baseline, without them (the per-stream caps only).
// It reports the series a scrape exports, the scrape's time and size, the
// peak and final Go heap, the final RSS and the miners' memory estimate.
// File reading is fileconsumer's and is left out.
func BenchmarkNoisyNode(b *testing.B) {
	const (
		noisy      = 200
		quiet      = 500
		noisyLines = 2000
	)
	for _, bc := range []struct {
		name              string
		maxSeries, budget int
	}{
		{"node_caps", defaultMaxSeries, defaultMaxPatternMemory},
		{"no_node_caps", math.MaxInt32, math.MaxInt},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var peakHeap, finalHeap, rss, estimate, series, scrapeBytes float64
			var scrapeTime time.Duration
			for b.Loop() {
				runtime.GC()
				cfg := testConfig()
				cfg.MaxSeries = bc.maxSeries
				cfg.MaxPatternMemory = bc.budget
				set := receivertest.NewNopSettings(metadata.Type)
				c := newCore(cfg, set)
				r := rand.New(rand.NewPCG(1, 2))
				now := time.Now()
				var ms runtime.MemStats
				peak := uint64(0)
				feed := func(id string, lines []string) {
					s := c.streamFor("container://"+id, sourceStdio, formatDockerJSON, runtimeScope, func() containerid.Identity { return containerid.Identity{ContainerID: id} })
					for i, l := range lines {
						s.addLine([]byte(dockerLine(l)), now)
						if i%1000 == 999 {
							runtime.ReadMemStats(&ms)
							peak = max(peak, ms.HeapInuse)
						}
					}
					s.flushAll(now)
				}
				for q := range quiet {
					feed(fmt.Sprintf("%064x", 0xb00000+q), quietLines(q))
				}
				for n := range noisy {
					lines := make([]string, noisyLines)
					for i := range lines {
						lines[i] = noisyLine(r)
					}
					feed(fmt.Sprintf("%064x", 0xa00000+n), lines)
					c.enforceBudget() // the maintenance beat, once per container
				}
				ms2 := newMetricsScraper(c, set)
				start := time.Now()
				md, err := ms2.scrape(context.Background())
				scrapeTime += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				scrapeBytes = float64((&pmetric.ProtoMarshaler{}).MetricsSize(md))
				series = float64(c.agg.stats().series)
				estimate = float64(c.budget.used.Load())
				runtime.GC()
				debug.FreeOSMemory()
				runtime.ReadMemStats(&ms)
				peakHeap, finalHeap, rss = float64(peak), float64(ms.HeapInuse), float64(currentRSS())
				runtime.KeepAlive(c)
			}
			b.ReportMetric(series, "series")
			b.ReportMetric(float64(scrapeTime.Milliseconds())/float64(b.N), "scrape_ms")
			b.ReportMetric(scrapeBytes/(1<<20), "scrape_MiB")
			b.ReportMetric(peakHeap/(1<<20), "peak_heap_MiB")
			b.ReportMetric(finalHeap/(1<<20), "heap_MiB")
			b.ReportMetric(rss/(1<<20), "rss_MiB")
			b.ReportMetric(estimate/(1<<20), "miner_estimate_MiB")
		})
	}
}

// BenchmarkIdleCPU runs the receiver on a node without containers (empty
// Docker and CRI directories, default poll_interval) and reports the CPU it
// takes per second of wall time, beside the same wait without the receiver.
func BenchmarkIdleCPU(b *testing.B) {
	const wait = 3 * time.Second
	for _, withReceiver := range []bool{false, true} {
		name := "without_receiver"
		if withReceiver {
			name = "with_receiver"
		}
		b.Run(name, func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				var stop func()
				if withReceiver {
					cfg := createDefaultConfig().(*Config)
					cfg.Journald.Enabled = false
					cfg.ContainerFiles.Enabled = false
					cfg.Docker.ContainersDir = b.TempDir()
					cfg.CRI.PodsDir = b.TempDir()
					r, err := NewFactory().CreateMetrics(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, new(consumertest.MetricsSink))
					if err != nil {
						b.Fatal(err)
					}
					if err := r.Start(context.Background(), componenttest.NewNopHost()); err != nil {
						b.Fatal(err)
					}
					stop = func() { _ = r.Shutdown(context.Background()) }
				}
				before := processCPU()
				time.Sleep(wait)
				cpu += processCPU() - before
				if stop != nil {
					stop()
				}
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/wait.Seconds()/float64(b.N), "cpu_ms/s")
		})
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// currentRSS reads VmRSS of this process, in bytes.
func currentRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return -1
}

// BenchmarkNoisyNodeFiles is BenchmarkNoisyNode through real files: the
// json-file logs of 200 noisy and 500 quiet containers under a temporary
// containers directory, read by the receiver with and without its node-wide
// bounds. It reports the process's peak RSS, so run one case per process:
//
//	go test -run '^$' -bench 'NoisyNodeFiles/^node_caps$' -benchtime 1x
//	go test -run '^$' -bench 'NoisyNodeFiles/^no_node_caps$' -benchtime 1x
//
// and the series and the time of a scrape once every line is counted.
func BenchmarkNoisyNodeFiles(b *testing.B) {
	const (
		noisy      = 200
		quiet      = 500
		noisyLines = 2000
	)
	for _, bc := range []struct {
		name              string
		maxSeries, budget int
	}{
		{"node_caps", defaultMaxSeries, defaultMaxPatternMemory},
		{"no_node_caps", math.MaxInt32, math.MaxInt},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				containersDir := b.TempDir()
				cfg := testConfig()
				cfg.Docker.Enabled = true
				cfg.Docker.ContainersDir = containersDir
				cfg.PollInterval = defaultPollInterval
				cfg.MaxSeries = bc.maxSeries
				cfg.MaxPatternMemory = bc.budget
				set := receivertest.NewNopSettings(metadata.Type)
				c := newCore(cfg, set)
				if err := c.start(context.Background(), componenttest.NewNopHost()); err != nil {
					b.Fatal(err)
				}
				time.Sleep(4 * cfg.PollInterval)
				_, _, written := writeNode(b, containersDir, noisy, quiet, noisyLines)
				var total int64
				for _, n := range written {
					total += n
				}
				for c.stats.linesRead.Load() < total {
					time.Sleep(50 * time.Millisecond)
				}
				time.Sleep(2 * cfg.MultilineFlushTimeout) // the last messages complete
				ms := newMetricsScraper(c, set)
				start := time.Now()
				md, err := ms.scrape(context.Background())
				scrape := time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(scrape.Milliseconds()), "scrape_ms")
				b.ReportMetric(float64((&pmetric.ProtoMarshaler{}).MetricsSize(md))/(1<<20), "scrape_MiB")
				b.ReportMetric(float64(c.agg.stats().series), "series")
				b.ReportMetric(float64(c.budget.used.Load())/(1<<20), "miner_estimate_MiB")
				if err := c.shutdown(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			var ru syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
			b.ReportMetric(float64(ru.Maxrss)/1024, "peak_rss_MiB") // Maxrss is in KiB
		})
	}
}
