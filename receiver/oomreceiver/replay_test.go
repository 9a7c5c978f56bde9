// SPDX-License-Identifier: Apache-2.0

package oomreceiver

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/internal/bpf"
	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/receiver/oomreceiver/internal/metadata"
)

var update = flag.Bool("update", false, "rewrite the expected_*.yaml goldens of the replay tests")

// fakeResolver answers from fixed tables, like a resolver whose cache holds
// exactly these cgroups and processes and that knows these container names.
// It records the cgroups the source hands it to resolve (Observe).
type fakeResolver struct {
	cgroups  map[uint64]containerid.Identity
	pids     map[int]containerid.Identity
	names    map[string]string // container id -> container.name
	observed []observation
}

// observation is one Observe call.
type observation struct {
	cgroupID uint64
	pid      uint32
}

func (f *fakeResolver) Lookup(id uint64) (containerid.Identity, bool) {
	ident, ok := f.cgroups[id]
	return f.Refresh(ident), ok
}

func (f *fakeResolver) Observe(id uint64, pid uint32) {
	f.observed = append(f.observed, observation{cgroupID: id, pid: pid})
}

func (f *fakeResolver) Refresh(id containerid.Identity) containerid.Identity {
	if name, ok := f.names[id.ContainerID]; ok && id.Name == "" {
		id.Name = name
	}
	return id
}

func (f *fakeResolver) ByPID(pid int) (containerid.Identity, error) {
	if ident, ok := f.pids[pid]; ok {
		return f.Refresh(ident), nil
	}
	return containerid.Identity{}, containerid.ErrProcessNotFound
}

func (*fakeResolver) Hierarchy() containerid.Hierarchy {
	return containerid.Hierarchy{Kind: containerid.V2, MountPoint: "/sys/fs/cgroup"}
}

// fakeKernel stands in for the BPF side: the test feeds records to the
// handler the source built and counts them as the plumbing would.
type fakeKernel struct {
	handle bpf.RecordHandler
	stats  bpf.Stats
}

func (k *fakeKernel) open(_ containerid.Hierarchy, _ sourceOptions, _ *zap.Logger, handle bpf.RecordHandler) (kernelSource, error) {
	k.handle = handle
	return k, nil
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
		resolver      *fakeResolver
		maxContainers int
	}{
		// The cgroup is unknown to the resolver (created after its last
		// scan): attributed from the path captured in the kernel.
		{name: "kubepods_tp_btf", records: [][]byte{kube}},
		{name: "kubepods_tracepoint_fallback", records: [][]byte{kubeFallback}},
		{name: "host_process", records: [][]byte{host}},
		// The resolver knows the cgroup id and adds names.
		{name: "resolved_by_cgroup_id", records: [][]byte{kube}, resolver: &fakeResolver{cgroups: map[uint64]containerid.Identity{
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
			resolver := tc.resolver
			if resolver == nil {
				resolver = &fakeResolver{}
			}
			// A fixed instance name: it is the self-metrics resource's
			// otelcol.component.id in the goldens.
			ri := startReplayInstance(t, component.MustNewIDWithName(metadata.Type.String(), "replay"), cfg, nil, resolver)

			for _, raw := range tc.records {
				ri.kernel.feed(raw)
			}
			metrics, err := ri.scraper.scrape(context.Background())
			require.NoError(t, err)
			logs := plog.NewLogs()
			for _, l := range ri.logs.AllLogs() {
				l.ResourceLogs().MoveAndAppendTo(logs.ResourceLogs())
			}

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
