// SPDX-License-Identifier: Apache-2.0

package oomreceiver

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
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/containerid/containeridtest"
	"github.com/otelcol-node/otelcol-node/receiver/oomreceiver/internal/metadata"
)

const (
	latePodUID = "0f0e0d0c-0b0a-0908-0706-050403020100" // kubeEvent's pod
	// unknownCgroupID is no directory of the test's cgroup tree: looking it
	// up makes the resolver rescan, as a miss on a node does.
	unknownCgroupID = 1 << 62
)

// podTree is a copied cgroup v2 tree holding the pod container of
// kubeEvent, and the kubelet's log directories, empty at first.
type podTree struct {
	cgroupRoot, podLogs, containerLogs string
	containerPath                      string
}

func newPodTree(t *testing.T) podTree {
	t.Helper()
	pt := podTree{
		cgroupRoot: t.TempDir(), podLogs: t.TempDir(), containerLogs: t.TempDir(),
		containerPath: "/kubepods/burstable/pod" + latePodUID + "/" + strings.Repeat("a", 64),
	}
	// A cgroup.controllers file is how a unified hierarchy is recognised.
	require.NoError(t, os.WriteFile(filepath.Join(pt.cgroupRoot, "cgroup.controllers"), nil, 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(pt.cgroupRoot, pt.containerPath), 0o755))
	return pt
}

func (pt podTree) resolverConfig() containerid.Config {
	return containerid.Config{
		CgroupRoot: pt.cgroupRoot, PodLogsDir: pt.podLogs, ContainerLogsDir: pt.containerLogs,
		DisableDocker: true, MinRescanInterval: time.Nanosecond,
	}
}

// rescan makes r relist the kubelet's directories, as the next miss does.
func rescan(r *containerid.Resolver) { _, _ = r.ByCgroupID(unknownCgroupID) }

// podNames returns the k8s.pod.name and k8s.namespace.name of every
// resource of m that carries containerID.
func podNames(m pmetric.Metrics, containerID string) (names [][2]string) {
	for i := 0; i < m.ResourceMetrics().Len(); i++ {
		attrs := m.ResourceMetrics().At(i).Resource().Attributes()
		if attrStr(attrs, "container.id") == containerID {
			names = append(names, [2]string{attrStr(attrs, "k8s.pod.name"), attrStr(attrs, "k8s.namespace.name")})
		}
	}
	return names
}

// TestLateNameShowsInNextScrapeAndStays: a kill attributed before the pod's
// name is known is counted under its container and pod uid at once; when the
// kubelet's pod log directory appears after the first scrape, the next
// scrape carries the pod's name and namespace on the same series, and they
// stay when the directory (the name's source) is gone.
func TestLateNameShowsInNextScrapeAndStays(t *testing.T) {
	pt := newPodTree(t)
	host, resolver := containeridtest.Host(t, pt.resolverConfig())
	cgroupID, err := resolver.CgroupID(pt.containerPath)
	require.NoError(t, err)

	cfg := createDefaultConfig().(*Config)
	cfg.ContainerIdentity = containeridtest.ID()
	ri := startReplayInstance(t, component.NewID(metadata.Type), cfg, host, nil)
	ev := kubeEvent()
	ev.CgroupId = cgroupID
	ri.kernel.feed(encodeEvent(ev))
	containerID := strings.Repeat("a", 64)

	require.Len(t, ri.logs.AllLogs(), 1)
	rec := ri.logs.AllLogs()[0].ResourceLogs().At(0)
	assert.Equal(t, attributedByCgroupID, attrStr(rec.ScopeLogs().At(0).LogRecords().At(0).Attributes(), "oom.attribution"))
	assert.Equal(t, latePodUID, attrStr(rec.Resource().Attributes(), "k8s.pod.uid"))

	first, err := ri.scraper.scrape(context.Background())
	require.NoError(t, err)
	assert.Equal(t, [][2]string{{"", ""}}, podNames(first, containerID), "no name known yet")

	podDir := filepath.Join(pt.podLogs, "shop_web-0_"+latePodUID)
	require.NoError(t, os.Mkdir(podDir, 0o755))
	rescan(resolver)
	second, err := ri.scraper.scrape(context.Background())
	require.NoError(t, err)
	assert.Equal(t, [][2]string{{"web-0", "shop"}}, podNames(second, containerID), "the name learned after the first scrape")
	n, ok := oomKillsIn(second, containerID)
	assert.True(t, ok)
	assert.Equal(t, int64(1), n, "the same series: the count carries on")

	require.NoError(t, os.Remove(podDir))
	rescan(resolver)
	third, err := ri.scraper.scrape(context.Background())
	require.NoError(t, err)
	assert.Equal(t, [][2]string{{"web-0", "shop"}}, podNames(third, containerID), "a series never loses a name it had")
}
