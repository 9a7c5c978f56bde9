// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver/internal/metadata"
)

// Identities with every attribute the receiver can emit.
var (
	namedContainer = containerid.Identity{
		CgroupPath: testContainerA, ContainerID: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		Runtime: containerid.RuntimeDocker, Name: "web", ImageName: "nginx:1.27",
	}
	podContainer = containerid.Identity{
		CgroupPath:  "/kubepods/burstable/pod0b3a3f0e-6c1d-4c55-9d1e-1f2a3b4c5d6e/" + "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		ContainerID: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", Runtime: containerid.RuntimeContainerd,
		PodUID: "0b3a3f0e-6c1d-4c55-9d1e-1f2a3b4c5d6e", PodName: "web-0", PodNamespace: "shop", K8sContainerName: "web",
	}
	serviceUnit = containerid.Identity{CgroupPath: "/system.slice/nginx.service", SystemdUnit: "nginx.service"}
)

// emitFor admits one process per identity, samples it once and emits.
func emitFor(t *testing.T, s *delayScraper, ids ...containerid.Identity) pmetric.Metrics {
	t.Helper()
	s.tracker.beginScan(t0)
	for i, id := range ids {
		pid := uint32(100 + i)
		require.True(t, s.tracker.admit(pid, id, true, t0))
		s.tracker.applySample(pid, delays{cpuDelay: uint64(time.Second)}, 1, t0)
	}
	s.tracker.endScan(t0, len(ids))
	s.record(pcommon.NewTimestampFromTime(t0.Add(time.Second)), delayAcctOn)
	return s.mb.Emit()
}

// resourcesWith returns the attributes of every resource carrying metric.
func resourcesWith(m pmetric.Metrics, metric string) []map[string]any {
	var out []map[string]any
	for i := range m.ResourceMetrics().Len() {
		rm := m.ResourceMetrics().At(i)
		ms := rm.ScopeMetrics().At(0).Metrics()
		for j := range ms.Len() {
			if ms.At(j).Name() == metric {
				out = append(out, rm.Resource().Attributes().AsRaw())
				break
			}
		}
	}
	return out
}

// TestResourceAttributeSwitches: the resource_attributes switches of the
// receiver config apply to the container resources; `container.id:
// {enabled: false}` removes container.id and nothing else.
func TestResourceAttributeSwitches(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml map[string]any
		want []map[string]any
	}{
		{name: "default", want: []map[string]any{
			{"container.id": namedContainer.ContainerID, "container.runtime": "docker", "container.name": "web", "container.image.name": "nginx:1.27"},
			{
				"container.id": podContainer.ContainerID, "container.runtime": "containerd", "k8s.pod.uid": podContainer.PodUID,
				"k8s.pod.name": "web-0", "k8s.namespace.name": "shop", "k8s.container.name": "web",
			},
			{"systemd.unit.name": "nginx.service"},
		}},
		{name: "container.id disabled", yaml: map[string]any{
			"resource_attributes": map[string]any{"container.id": map[string]any{"enabled": false}},
		}, want: []map[string]any{
			{"container.runtime": "docker", "container.name": "web", "container.image.name": "nginx:1.27"},
			{
				"container.runtime": "containerd", "k8s.pod.uid": podContainer.PodUID,
				"k8s.pod.name": "web-0", "k8s.namespace.name": "shop", "k8s.container.name": "web",
			},
			{"systemd.unit.name": "nginx.service"},
		}},
		{name: "systemd.unit.name and k8s.pod.name disabled", yaml: map[string]any{
			"resource_attributes": map[string]any{
				"systemd.unit.name": map[string]any{"enabled": false},
				"k8s.pod.name":      map[string]any{"enabled": false},
			},
		}, want: []map[string]any{
			{"container.id": namedContainer.ContainerID, "container.runtime": "docker", "container.name": "web", "container.image.name": "nginx:1.27"},
			{
				"container.id": podContainer.ContainerID, "container.runtime": "containerd", "k8s.pod.uid": podContainer.PodUID,
				"k8s.namespace.name": "shop", "k8s.container.name": "web",
			},
			{},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			require.NoError(t, confmap.NewFromStringMap(tc.yaml).Unmarshal(cfg))
			require.NoError(t, cfg.Validate())
			s := newDelayScraper(cfg, receivertest.NewNopSettings(metadata.Type))

			m := emitFor(t, s, namedContainer, podContainer, serviceUnit)

			assert.ElementsMatch(t, tc.want, resourcesWith(m, "container.resources.cpu.delay"))
		})
	}
}

// TestSelfMetricsCarryComponentID: two instances of the receiver
// (delay_acct and delay_acct/2) report their own health on resources named
// by their component IDs, so the series do not collide; the container
// resources stay free of it.
func TestSelfMetricsCarryComponentID(t *testing.T) {
	ids := []component.ID{component.NewID(metadata.Type), component.MustNewIDWithName(metadata.Type.String(), "2")}
	var selfResources []map[string]any
	for _, id := range ids {
		set := receivertest.NewNopSettings(metadata.Type)
		set.ID = id
		s := newDelayScraper(createDefaultConfig().(*Config), set)

		m := emitFor(t, s, namedContainer)

		want := map[string]any{"otelcol.component.id": id.String()}
		for _, name := range []string{
			"otelcol_node.delay_acct.enabled", "otelcol_node.delay_acct.processes", "otelcol_node.delay_acct.samples_rejected",
			"otelcol_node.delay_acct.exits", "otelcol_node.delay_acct.processes_dropped", "otelcol_node.delay_acct.exits_lost",
			"otelcol_node.delay_acct.query_errors",
		} {
			assert.Equal(t, []map[string]any{want}, resourcesWith(m, name), "%s is on the self-metrics resource only", name)
		}
		for _, res := range resourcesWith(m, "container.resources.cpu.delay") {
			assert.NotContains(t, res, "otelcol.component.id")
		}
		self := resourcesWith(m, "otelcol_node.delay_acct.enabled")
		require.Len(t, self, 1)
		selfResources = append(selfResources, self[0])
	}
	assert.Equal(t, "delay_acct/2", ids[1].String())
	assert.NotEqual(t, selfResources[0], selfResources[1])
}
