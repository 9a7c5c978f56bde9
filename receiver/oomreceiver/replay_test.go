// SPDX-License-Identifier: Apache-2.0

package oomreceiver

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/internal/bpf"
	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/receiver/oomreceiver/internal/metadata"
)

var update = flag.Bool("update", false, "rewrite the expected_*.yaml goldens of the replay tests")

// fakeResolver answers from fixed tables, like a resolver whose cache holds
// exactly these cgroups and processes.
type fakeResolver struct {
	cgroups map[uint64]containerid.Identity
	pids    map[int]containerid.Identity
}

func (f fakeResolver) ByCgroupID(id uint64) (containerid.Identity, bool) {
	ident, ok := f.cgroups[id]
	return ident, ok
}

func (f fakeResolver) ByPID(pid int) (containerid.Identity, error) {
	if ident, ok := f.pids[pid]; ok {
		return ident, nil
	}
	return containerid.Identity{}, containerid.ErrProcessNotFound
}

// fakeKernel stands in for the BPF side: the test feeds records to the
// handler the source built and counts them as the plumbing would.
type fakeKernel struct {
	handle bpf.RecordHandler
	stats  bpf.Stats
}

func (k *fakeKernel) Stats() (bpf.Stats, error) { return k.stats, nil }
func (k *fakeKernel) Close() error              { return nil }

func (k *fakeKernel) feed(raw []byte) {
	k.stats.Records++
	if err := k.handle(raw); err != nil {
		k.stats.DecodeErrors++
	}
}

// readRecords loads the raw ring-buffer records a kernel test saved with
// -oom.record (testdata/replay/<scenario>/<n>.bin).
func readRecords(t *testing.T, scenario string) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "replay", scenario, "*.bin"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no recorded records for %s", scenario)
	sort.Strings(files)
	var out [][]byte
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		out = append(out, raw)
	}
	return out
}

// TestReplay feeds recorded kernel records through decoding, attribution and
// the aggregate, and compares one scrape and the emitted log records with
// goldens (regenerate with -update).
func TestReplay(t *testing.T) {
	kube := readRecords(t, "kubepods_tp_btf")[0]
	kubeFallback := readRecords(t, "kubepods_tracepoint_fallback")[0]
	host := readRecords(t, "host_process")[0]
	kubeKill, err := decodeKill(kube, fixedWall, 4096)
	require.NoError(t, err)

	for _, tc := range []struct {
		name          string
		records       [][]byte
		resolver      fakeResolver
		maxContainers int
	}{
		// The cgroup is unknown to the resolver (created after its last
		// scan): attributed from the path captured in the kernel.
		{name: "kubepods_tp_btf", records: [][]byte{kube}},
		{name: "kubepods_tracepoint_fallback", records: [][]byte{kubeFallback}},
		{name: "host_process", records: [][]byte{host}},
		// The resolver knows the cgroup id and adds names.
		{name: "resolved_by_cgroup_id", records: [][]byte{kube}, resolver: fakeResolver{cgroups: map[uint64]containerid.Identity{
			kubeKill.CgroupID: {
				CgroupPath: kubeKill.CgroupPath, ContainerID: containerid.Classify(kubeKill.CgroupPath).ContainerID,
				PodUID: containerid.Classify(kubeKill.CgroupPath).PodUID, Runtime: "containerd",
				PodName: "web-0", PodNamespace: "shop", K8sContainerName: "web",
			},
		}}},
		// Counters are cumulative per container; the same victim marked
		// twice (another of its threads, see siblingWindow) is one kill; a
		// truncated record is a decode error and nothing else.
		{name: "repeated_and_corrupt", records: [][]byte{kube, host, kube, kube[:100]}},
		// Beyond max_containers, kills go to the resource without container
		// attributes and are counted as dropped.
		{name: "container_cap", records: [][]byte{kube, kubeFallback}, maxContainers: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			if tc.maxContainers > 0 {
				cfg.MaxContainers = tc.maxContainers
			}
			kernel := &fakeKernel{}
			open := func(_ *Config, _ sourceOptions, _ *zap.Logger, newHandler func(identityResolver) bpf.RecordHandler) (kernelSource, error) {
				kernel.handle = newHandler(tc.resolver)
				return kernel, nil
			}
			src := newSource(cfg, zap.NewNop(), open, sourceOptions{})
			src.pageSize = 4096 // the recording machine's; keeps goldens portable
			// Recorded monotonic times belong to another boot; kills "now"
			// keep them clear of the idle timeout.
			src.toWall = func(uint64) time.Time { return time.Now() }
			set := receivertest.NewNopSettings(metadata.Type)
			// A fixed instance name: it is the self-metrics resource's
			// otelcol.component.id in the goldens.
			set.ID = component.MustNewIDWithName(metadata.Type.String(), "replay")
			logsSink := new(consumertest.LogsSink)
			lr := newLogsReceiver(src, cfg, set, logsSink, func() {})
			scr := newOOMScraper(src, cfg, set, func() {})
			require.NoError(t, lr.Start(context.Background(), componenttest.NewNopHost()))
			require.NoError(t, scr.start(context.Background(), componenttest.NewNopHost()))

			for _, raw := range tc.records {
				kernel.feed(raw)
			}
			metrics, err := scr.scrape(context.Background())
			require.NoError(t, err)
			logs := plog.NewLogs()
			for _, l := range logsSink.AllLogs() {
				l.ResourceLogs().MoveAndAppendTo(logs.ResourceLogs())
			}
			require.NoError(t, lr.Shutdown(context.Background()))
			require.NoError(t, scr.shutdown(context.Background()))

			dir := filepath.Join("testdata", "replay", tc.name)
			metricsFile, logsFile := filepath.Join(dir, "expected_metrics.yaml"), filepath.Join(dir, "expected_logs.yaml")
			if *update {
				require.NoError(t, os.MkdirAll(dir, 0o755))
				require.NoError(t, golden.WriteMetricsToFile(metricsFile, metrics))
				require.NoError(t, golden.WriteLogsToFile(logsFile, logs))
			}
			wantMetrics, err := golden.ReadMetrics(metricsFile)
			require.NoError(t, err)
			require.NoError(t, pmetrictest.CompareMetrics(wantMetrics, metrics,
				pmetrictest.IgnoreTimestamp(), pmetrictest.IgnoreStartTimestamp(),
				// The golden writer sorts; scrape order is stable but different.
				pmetrictest.IgnoreResourceMetricsOrder(), pmetrictest.IgnoreMetricDataPointsOrder()))
			wantLogs, err := golden.ReadLogs(logsFile)
			require.NoError(t, err)
			require.NoError(t, plogtest.CompareLogs(wantLogs, logs,
				plogtest.IgnoreTimestamp(), plogtest.IgnoreObservedTimestamp(), plogtest.IgnoreResourceLogsOrder()))
		})
	}
}
