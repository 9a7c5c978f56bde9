// SPDX-License-Identifier: Apache-2.0

package oomreceiver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/receiver/oomreceiver/internal/metadata"
)

// replayInstance is one configured receiver (metrics and logs) fed recorded
// kernel records through a fake kernel side, made the way the factory makes
// it: both instances share one source.
type replayInstance struct {
	kernel  *fakeKernel
	source  *source
	scraper *oomScraper
	logs    *consumertest.LogsSink
}

// startReplayInstance starts the metrics and logs instances of cfg on host
// (a nop host when nil). A non-nil resolver stands in for the container
// identity; nil takes the resolver the collector's way, from the extension
// cfg.ContainerIdentity names on host.
func startReplayInstance(t *testing.T, id component.ID, cfg *Config, host component.Host, resolver identityResolver) *replayInstance {
	t.Helper()
	ri := &replayInstance{kernel: &fakeKernel{}, logs: new(consumertest.LogsSink)}
	ss := newSharedSources()
	ss.open = ri.kernel.open
	if resolver != nil {
		ss.acquire = func(component.Host, *component.ID, *zap.Logger) (identityResolver, func() error, error) {
			return resolver, func() error { return nil }, nil
		}
	}
	if host == nil {
		host = componenttest.NewNopHost()
	}
	set := receivertest.NewNopSettings(metadata.Type)
	set.ID = id
	logsShared, err := ss.load(cfg, set)
	require.NoError(t, err)
	metricsShared, err := ss.load(cfg, set)
	require.NoError(t, err)
	require.Same(t, logsShared, metricsShared, "one source per configured receiver")
	ri.source = logsShared.Unwrap()
	ri.source.pageSize = 4096 // the recording machine's; keeps goldens portable
	// Recorded monotonic times belong to another boot; kills "now" keep them
	// clear of the idle timeout.
	ri.source.toWall = func(uint64) time.Time { return time.Now() }

	lr := newLogsReceiver(logsShared, cfg, set, ri.logs)
	ri.scraper = newOOMScraper(metricsShared, cfg, set)
	require.NoError(t, lr.Start(context.Background(), host))
	require.NoError(t, ri.scraper.start(context.Background(), host))
	t.Cleanup(func() {
		assert.NoError(t, lr.Shutdown(context.Background()))
		assert.NoError(t, ri.scraper.shutdown(context.Background()))
		assert.Zero(t, ss.sources.Len(), "the shared source is gone after both shut down")
	})
	return ri
}

// resourceOf returns the resource carrying metric, failing when there is
// not exactly one.
func resourceOf(t *testing.T, m pmetric.Metrics, metric string) pcommon.Resource {
	t.Helper()
	var found []pcommon.Resource
	for i := 0; i < m.ResourceMetrics().Len(); i++ {
		rm := m.ResourceMetrics().At(i)
		ms := rm.ScopeMetrics().At(0).Metrics()
		for j := 0; j < ms.Len(); j++ {
			if ms.At(j).Name() == metric {
				found = append(found, rm.Resource())
			}
		}
	}
	require.Len(t, found, 1, "resources with %s", metric)
	return found[0]
}

// TestResourceAttributeSwitches: `container.id: {enabled: false}` removes
// container.id from the metrics and the kill log records, and nothing else.
func TestResourceAttributeSwitches(t *testing.T) {
	kube := readRecords(t, "kubepods_tp_btf")[0]
	k, err := decodeKill(kube, fixedWall, 4096)
	require.NoError(t, err)
	path := containerid.Classify(k.CgroupPath)
	resolver := &fakeResolver{cgroups: map[uint64]containerid.Identity{k.CgroupID: {
		CgroupPath: k.CgroupPath, ContainerID: path.ContainerID, PodUID: path.PodUID, Runtime: "containerd",
		PodName: "web-0", PodNamespace: "shop", K8sContainerName: "web",
	}}}
	require.NotEmpty(t, path.ContainerID, "the recorded kill is in a container")

	for _, tc := range []struct {
		name          string
		yaml          map[string]any
		wantContainer bool
	}{
		{name: "default", wantContainer: true},
		{name: "container.id disabled", yaml: map[string]any{
			"resource_attributes": map[string]any{"container.id": map[string]any{"enabled": false}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			require.NoError(t, confmap.NewFromStringMap(tc.yaml).Unmarshal(cfg))
			require.NoError(t, cfg.Validate())
			ri := startReplayInstance(t, component.NewID(metadata.Type), cfg, nil, resolver)
			ri.kernel.feed(kube)

			m, err := ri.scraper.scrape(context.Background())
			require.NoError(t, err)
			require.Len(t, ri.logs.AllLogs(), 1)
			resources := map[string]pcommon.Resource{
				"metrics": resourceOf(t, m, "container.oom_kills"),
				"logs":    ri.logs.AllLogs()[0].ResourceLogs().At(0).Resource(),
			}
			for signal, res := range resources {
				attrs := res.Attributes().AsRaw()
				want := map[string]any{
					"container.runtime":  "containerd",
					"k8s.pod.uid":        path.PodUID,
					"k8s.pod.name":       "web-0",
					"k8s.namespace.name": "shop",
					"k8s.container.name": "web",
				}
				if tc.wantContainer {
					want["container.id"] = path.ContainerID
				}
				assert.Equal(t, want, attrs, "%s resource", signal)
			}
		})
	}
}

// TestSelfMetricsCarryComponentID: two instances of the receiver (oom and
// oom/2) report their own health on different resources, named by their
// component IDs, while the container resources stay free of it.
func TestSelfMetricsCarryComponentID(t *testing.T) {
	kube := readRecords(t, "kubepods_tp_btf")[0]
	ids := []component.ID{component.NewID(metadata.Type), component.MustNewIDWithName(metadata.Type.String(), "2")}
	var selfResources []pcommon.Resource
	for _, id := range ids {
		ri := startReplayInstance(t, id, createDefaultConfig().(*Config), nil, &fakeResolver{})
		ri.kernel.feed(kube)
		m, err := ri.scraper.scrape(context.Background())
		require.NoError(t, err)

		self := resourceOf(t, m, "otelcol_node.oom.events")
		assert.Equal(t, map[string]any{"otelcol.component.id": id.String()}, self.Attributes().AsRaw())
		for _, name := range []string{"otelcol_node.oom.events_lost", "otelcol_node.oom.decode_errors", "otelcol_node.oom.containers_dropped"} {
			assert.Equal(t, self, resourceOf(t, m, name), "%s is on the self-metrics resource", name)
		}
		kills := resourceOf(t, m, "container.oom_kills")
		_, has := kills.Attributes().Get("otelcol.component.id")
		assert.False(t, has, "container resources do not carry the component ID")
		selfResources = append(selfResources, self)
	}
	assert.Equal(t, "oom", ids[0].String())
	assert.Equal(t, "oom/2", ids[1].String())
	assert.NotEqual(t, selfResources[0].Attributes().AsRaw(), selfResources[1].Attributes().AsRaw(),
		"two instances' self-metrics must not collide")
}
