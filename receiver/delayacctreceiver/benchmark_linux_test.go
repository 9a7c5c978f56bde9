// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mdlayher/taskstats"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"golang.org/x/sys/unix"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/containerid/containeridtest"
	"github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver/internal/metadata"
)

// sleepingContainer starts n sleeping processes in a test container and
// returns their pids.
func sleepingContainer(b *testing.B, n int) []uint32 {
	b.Helper()
	requireTaskstats(b)
	c := newTestContainer(b, "0-1")
	c.run(b, fmt.Sprintf(`i=0; while [ $i -lt %d ]; do sleep 3600 & i=$((i+1)); done; wait`, n))
	var pids []uint32
	require.Eventually(b, func() bool {
		data, err := os.ReadFile(filepath.Join(c.dirs[len(c.dirs)-1], "cgroup.procs"))
		require.NoError(b, err)
		pids = pids[:0]
		for _, f := range strings.Fields(string(data)) {
			pid, err := strconv.ParseUint(f, 10, 32)
			require.NoError(b, err)
			pids = append(pids, uint32(pid))
		}
		return len(pids) >= n+1 // the sleeps and their shell
	}, time.Minute, 50*time.Millisecond, "sleeping processes started")
	return pids
}

// cpuTime is the user+system CPU time of this process so far.
func cpuTime(b *testing.B) time.Duration {
	var ru unix.Rusage
	require.NoError(b, unix.Getrusage(unix.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportPerProcess adds the CPU time per process per scrape, the figure the
// issue sets a goal for (≤ 20 µs).
func reportPerProcess(b *testing.B, start time.Duration, procs int) {
	used := cpuTime(b) - start
	b.ReportMetric(float64(used.Microseconds())/float64(b.N)/float64(procs), "cpu-µs/proc")
}

// BenchmarkScrape measures a whole scrape (list /proc, one taskstats query
// and one stat per container process, metrics built) over a container of
// sleeping processes. The baselines beside it read /proc/<pid>/stat for the
// same pids, and query the same pids through github.com/mdlayher/taskstats.
func BenchmarkScrape(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("processes=%d", n), func(b *testing.B) { benchmarkScrape(b, n) })
	}
}

func benchmarkScrape(b *testing.B, n int) {
	pids := sleepingContainer(b, n)

	b.Run("receiver", func(b *testing.B) {
		host, _ := containeridtest.Host(b, containerid.Config{DisableDocker: true})
		cfg := createDefaultConfig().(*Config)
		cfg.ContainerIdentity = containeridtest.ID()
		s := newDelayScraper(cfg, receivertest.NewNopSettings(metadata.Type))
		require.NoError(b, s.start(context.Background(), host))
		defer func() { require.NoError(b, s.shutdown(context.Background())) }()
		_, err := s.scrape(context.Background()) // the first scan resolves every pid once
		require.NoError(b, err)

		b.ReportAllocs()
		start := cpuTime(b)
		for b.Loop() {
			if _, err := s.scrape(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		require.GreaterOrEqual(b, s.tracker.stats.lastSampled, int64(n))
		reportPerProcess(b, start, len(pids))
	})

	b.Run("baseline-proc-stat", func(b *testing.B) {
		buf := make([]byte, 4096)
		b.ReportAllocs()
		start := cpuTime(b)
		for b.Loop() {
			for _, pid := range pids {
				f, err := os.Open("/proc/" + strconv.FormatUint(uint64(pid), 10) + "/stat")
				if err != nil {
					continue
				}
				_, _ = f.Read(buf)
				f.Close()
			}
		}
		reportPerProcess(b, start, len(pids))
	})

	b.Run("baseline-mdlayher-taskstats", func(b *testing.B) {
		c, err := taskstats.New()
		require.NoError(b, err)
		defer c.Close()
		b.ReportAllocs()
		start := cpuTime(b)
		for b.Loop() {
			for _, pid := range pids {
				_, _ = c.TGID(int(pid))
			}
		}
		reportPerProcess(b, start, len(pids))
	})
}
