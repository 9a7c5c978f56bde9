// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/containerid/containeridtest"
	"github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver/internal/metadata"
)

const latePodUID = "0b3a3f0e-6c1d-4c55-9d1e-1f2a3b4c5d6e"

// podMetricFamilies are the container metrics every container resource
// carries: the names must be the same in each.
var podMetricFamilies = []string{
	"container.resources.cpu.delay", "container.resources.disk.delay", "container.resources.memory_reclaim.delay",
	"container.resources.swapin.delay", "container.resources.thrashing.delay", "container.resources.compaction.delay",
}

// podNamesByFamily returns, for every container metric family of m, the
// k8s.pod.name and k8s.namespace.name of the resource of containerID.
func podNamesByFamily(t *testing.T, m pmetric.Metrics, containerID string) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	for i := range m.ResourceMetrics().Len() {
		rm := m.ResourceMetrics().At(i)
		attrs := rm.Resource().Attributes().AsRaw()
		if attrs["container.id"] != containerID {
			continue
		}
		pod, _ := attrs["k8s.pod.name"].(string)
		ns, _ := attrs["k8s.namespace.name"].(string)
		ms := rm.ScopeMetrics().At(0).Metrics()
		for j := range ms.Len() {
			_, dup := out[ms.At(j).Name()]
			require.False(t, dup, "one series per family: %s", ms.At(j).Name())
			out[ms.At(j).Name()] = [2]string{pod, ns}
		}
	}
	return out
}

func allFamilies(names [2]string) map[string][2]string {
	out := map[string][2]string{}
	for _, f := range podMetricFamilies {
		out[f] = names
	}
	return out
}

// TestLateNameShowsInNextEmissionAndStays: a pod container first seen
// before the kubelet's pod log directory names its pod is emitted with its
// pod uid only; once the directory appears (after the first emission), the
// next emission carries the pod's name and namespace in every metric family
// of the container, and they stay when the directory is gone. The series
// key (the cgroup path) does not change: the counters carry on.
func TestLateNameShowsInNextEmissionAndStays(t *testing.T) {
	// A copied cgroup v2 tree (recognised by its cgroup.controllers file)
	// and empty kubelet log directories.
	cgroupRoot, podLogs := t.TempDir(), t.TempDir()
	containerID := strings.Repeat("b", 64)
	path := "/kubepods/burstable/pod" + latePodUID + "/" + containerID
	require.NoError(t, os.WriteFile(filepath.Join(cgroupRoot, "cgroup.controllers"), nil, 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(cgroupRoot, path), 0o755))
	_, resolver := containeridtest.Host(t, containerid.Config{
		CgroupRoot: cgroupRoot, PodLogsDir: podLogs, ContainerLogsDir: t.TempDir(),
		DisableDocker: true, MinRescanInterval: time.Nanosecond,
	})
	// A lookup of a cgroup the tree does not have rescans it, relisting the
	// kubelet's directories, as the next miss does on a node.
	rescan := func() { _, _ = resolver.ByCgroupID(1 << 62) }

	s := newDelayScraper(createDefaultConfig().(*Config), receivertest.NewNopSettings(metadata.Type))
	s.resolver = resolver // as start sets it
	emit := func(at time.Time, d delays) pmetric.Metrics {
		s.tracker.beginScan(at)
		if known, _ := s.tracker.seen(100); !known {
			require.True(t, s.tracker.admit(100, containerid.Classify(path), true, at))
		}
		s.tracker.applySample(100, d, 1, at)
		s.tracker.endScan(at, 1)
		s.record(pcommon.NewTimestampFromTime(at), delayAcctOn)
		return s.mb.Emit()
	}

	first := emit(t0, delays{})
	assert.Equal(t, allFamilies([2]string{"", ""}), podNamesByFamily(t, first, containerID), "no name known yet")

	podDir := filepath.Join(podLogs, "shop_web-0_"+latePodUID)
	require.NoError(t, os.Mkdir(podDir, 0o755))
	rescan()
	second := emit(t0.Add(10*time.Second), cpu(time.Second))
	assert.Equal(t, allFamilies([2]string{"web-0", "shop"}), podNamesByFamily(t, second, containerID),
		"the name learned after the first emission, in every family")
	got, ok := containerValue(t, second, containerID, "container.resources.cpu.delay")
	require.True(t, ok)
	assert.InDelta(t, 1.0, got, 1e-9, "the same series: the counter carries on")

	require.NoError(t, os.Remove(podDir))
	rescan()
	third := emit(t0.Add(20*time.Second), cpu(2*time.Second))
	assert.Equal(t, allFamilies([2]string{"web-0", "shop"}), podNamesByFamily(t, third, containerID),
		"a series never loses a name it had")
}

// TestMissingExtensionFailsStart: container_identity naming an extension
// the collector does not run is a configuration error that fails Start,
// naming the key.
func TestMissingExtensionFailsStart(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	id := component.MustNewIDWithName("container_identity", "missing")
	cfg.ContainerIdentity = &id
	s := newDelayScraper(cfg, receivertest.NewNopSettings(metadata.Type))
	err := s.start(context.Background(), componenttest.NewNopHost())
	require.Error(t, err)
	assert.ErrorContains(t, err, "'container_identity'")
	assert.ErrorContains(t, err, "container_identity/missing")
	assert.Nil(t, s.conn, "nothing opened")
	require.NoError(t, s.shutdown(context.Background()))
}
