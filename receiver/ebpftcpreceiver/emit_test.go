// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver/internal/metadata"
)

// TestEmitMetrics: replayed events come out as one resource per container
// with the contract's names, units and attributes, plus the self-metrics.
func TestEmitMetrics(t *testing.T) {
	const containerID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	a := newAggregate(testLimits())
	a.applyEvent(newKey(7, "10.0.0.2:80"), "10.9.9.9:8080", t0)
	a.applyCounters(key(7, "10.0.0.2:80"), counters(1, 0, 1000, 2000, 3), t0)
	a.applyCounters(key(7, "10.0.0.3:443"), counters(0, 1, 0, 0, 0), t0)
	a.applyEvent(connEvent{kind: eventListenOpen, cgroupID: 7, src: ap("0.0.0.0:8080")}, "", t0)
	a.applyCounters(key(8, "[fd00::1]:5432"), counters(1, 0, 0, 0, 0), t0) // a systemd service
	identify := func(id uint64) (containerid.Identity, bool) {
		switch id {
		case 7:
			return containerid.Identity{CgroupPath: "/docker/" + containerID, ContainerID: containerID, Runtime: "docker"}, true
		case 8:
			return containerid.Identity{CgroupPath: "/system.slice/pg.service", SystemdUnit: "pg.service"}, true
		}
		return containerid.Identity{}, false
	}
	mb := metadata.NewMetricsBuilder(metadata.NewDefaultMetricsBuilderConfig(), receivertest.NewNopSettings(metadata.Type))
	md := emitMetrics(mb, t0, a, fixedIdentities(identify), selfStats{ringbufFull: 2, recursionMisses: 4}, "ebpf_tcp", t0.Add(time.Second))

	require.Equal(t, 3, md.ResourceMetrics().Len())
	byResource := map[string]map[string]pmetric.Metric{}
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		rm := md.ResourceMetrics().At(i)
		key := ""
		if v, ok := rm.Resource().Attributes().Get("container.id"); ok {
			key = v.Str()
		} else if v, ok := rm.Resource().Attributes().Get("systemd.unit.name"); ok {
			key = v.Str()
		} else if v, ok := rm.Resource().Attributes().Get("otelcol.component.id"); ok {
			key = "self:" + v.Str()
		}
		byResource[key] = map[string]pmetric.Metric{}
		ms := rm.ScopeMetrics().At(0).Metrics()
		for j := 0; j < ms.Len(); j++ {
			byResource[key][ms.At(j).Name()] = ms.At(j)
		}
	}

	ctr := byResource[containerID]
	require.NotNil(t, ctr)
	ok := ctr["container.net.tcp.successful_connects"]
	assert.Equal(t, "{connect}", ok.Unit())
	assert.True(t, ok.Sum().IsMonotonic())
	dp := ok.Sum().DataPoints().At(0)
	assert.Equal(t, int64(1), dp.IntValue())
	dst, _ := dp.Attributes().Get("destination")
	actual, _ := dp.Attributes().Get("actual_destination")
	assert.Equal(t, "10.0.0.2:80", dst.Str())
	assert.Equal(t, "10.9.9.9:8080", actual.Str())
	assert.Equal(t, int64(1000), ctr["container.net.tcp.bytes_sent"].Sum().DataPoints().At(0).IntValue())
	assert.Equal(t, "By", ctr["container.net.tcp.bytes_sent"].Unit())
	assert.Equal(t, int64(3), ctr["container.net.tcp.retransmits"].Sum().DataPoints().At(0).IntValue())
	assert.Equal(t, "s", ctr["container.net.tcp.connection_time"].Unit())
	assert.InDelta(t, 0.001, ctr["container.net.tcp.connection_time"].Sum().DataPoints().At(0).DoubleValue(), 1e-9)
	assert.Equal(t, int64(1), ctr["container.net.tcp.failed_connects"].Sum().DataPoints().At(0).IntValue())
	assert.Equal(t, "", ctr["container.net.tcp.listen_info"].Unit())
	assert.Equal(t, pmetric.MetricTypeGauge, ctr["container.net.tcp.active_connections"].Type())
	assert.Equal(t, "s", ctr["container.net.latency"].Unit())

	svc := byResource["pg.service"]
	require.NotNil(t, svc)
	dst, _ = svc["container.net.tcp.successful_connects"].Sum().DataPoints().At(0).Attributes().Get("destination")
	assert.Equal(t, "[fd00::1]:5432", dst.Str())

	self := byResource["self:ebpf_tcp"]
	require.NotNil(t, self)
	assert.Equal(t, int64(2), self["otelcol_node.ebpf_tcp.events_processed"].Sum().DataPoints().At(0).IntValue())
	lost := map[string]int64{}
	dps := self["otelcol_node.ebpf_tcp.events_lost"].Sum().DataPoints()
	for i := 0; i < dps.Len(); i++ {
		reason, _ := dps.At(i).Attributes().Get("reason")
		lost[reason.Str()] = dps.At(i).IntValue()
	}
	assert.Equal(t, map[string]int64{"ringbuf_full": 2, "storage_alloc_failed": 0, "decode_error": 0, "recursion_miss": 4, "keys_full": 0}, lost)
}

// TestEmitHonoursResourceAttributeSwitches: a resource attribute the user
// disabled is not emitted, the others are.
func TestEmitHonoursResourceAttributeSwitches(t *testing.T) {
	const containerID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	a := newAggregate(testLimits())
	a.applyCounters(key(7, "10.0.0.2:80"), counters(1, 0, 0, 0, 0), t0)
	identify := func(uint64) (containerid.Identity, bool) {
		return containerid.Identity{CgroupPath: "/docker/" + containerID, ContainerID: containerID, Runtime: "docker", Name: "web"}, true
	}
	cfg := metadata.NewDefaultMetricsBuilderConfig()
	cfg.ResourceAttributes.ContainerID.Enabled = false
	mb := metadata.NewMetricsBuilder(cfg, receivertest.NewNopSettings(metadata.Type))
	md := emitMetrics(mb, t0, a, fixedIdentities(identify), selfStats{}, "ebpf_tcp", t0)

	found := false
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		attrs := md.ResourceMetrics().At(i).Resource().Attributes()
		_, hasID := attrs.Get("container.id")
		assert.False(t, hasID, "container.id is disabled")
		if name, ok := attrs.Get("container.name"); ok {
			found = true
			assert.Equal(t, "web", name.Str())
			runtime, _ := attrs.Get("container.runtime")
			assert.Equal(t, "docker", runtime.Str())
		}
	}
	assert.True(t, found, "the container's other attributes are still emitted")
}

// TestEmitSelfMetricsPerInstance: two instances (ebpf_tcp, ebpf_tcp/2) put
// their self-metrics on different resources, so their series never collide.
func TestEmitSelfMetricsPerInstance(t *testing.T) {
	ids := map[string]bool{}
	for _, id := range []string{"ebpf_tcp", "ebpf_tcp/2"} {
		mb := metadata.NewMetricsBuilder(metadata.NewDefaultMetricsBuilderConfig(), receivertest.NewNopSettings(metadata.Type))
		md := emitMetrics(mb, t0, newAggregate(testLimits()), fixedIdentities(nil), selfStats{}, id, t0)
		require.Equal(t, 1, md.ResourceMetrics().Len())
		v, ok := md.ResourceMetrics().At(0).Resource().Attributes().Get("otelcol.component.id")
		require.True(t, ok)
		ids[v.Str()] = true
	}
	assert.Len(t, ids, 2)
}

// fixedIdentities answers Current from a function, keeping the last
// identity when the function no longer knows the cgroup (as the resolver does).
type fixedIdentities func(cgroupID uint64) (containerid.Identity, bool)

func (f fixedIdentities) Current(cgroupID uint64, last containerid.Identity) (containerid.Identity, bool) {
	if f != nil {
		if ident, ok := f(cgroupID); ok {
			return ident, true
		}
	}
	return last, last != containerid.Identity{}
}

// TestEmitLateNameAndKeptIdentity: a name the resolver learns after the
// first emission shows in the next one; a cgroup the resolver forgets keeps
// the labels it had.
func TestEmitLateNameAndKeptIdentity(t *testing.T) {
	const containerID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	a := newAggregate(testLimits())
	a.applyCounters(key(7, "10.0.0.2:80"), counters(1, 0, 0, 0, 0), t0)
	known := containerid.Identity{CgroupPath: "/docker/" + containerID, ContainerID: containerID, Runtime: "docker"}
	resolverKnows := true
	ids := fixedIdentities(func(uint64) (containerid.Identity, bool) { return known, resolverKnows })
	mb := metadata.NewMetricsBuilder(metadata.NewDefaultMetricsBuilderConfig(), receivertest.NewNopSettings(metadata.Type))
	nameOf := func(md pmetric.Metrics) string {
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			attrs := md.ResourceMetrics().At(i).Resource().Attributes()
			if id, ok := attrs.Get("container.id"); ok && id.Str() == containerID {
				name, _ := attrs.Get("container.name")
				return name.Str()
			}
		}
		return "<no container resource>"
	}

	assert.Empty(t, nameOf(emitMetrics(mb, t0, a, ids, selfStats{}, "ebpf_tcp", t0)))
	known.Name = "web"
	assert.Equal(t, "web", nameOf(emitMetrics(mb, t0, a, ids, selfStats{}, "ebpf_tcp", t0)))
	resolverKnows = false
	assert.Equal(t, "web", nameOf(emitMetrics(mb, t0, a, ids, selfStats{}, "ebpf_tcp", t0)),
		"a container the resolver forgot keeps its labels")
}

// TestEmitPerSeriesStartTime: each series carries the time it began
// counting; one dropped at idle expiry and seen again restarts from 0 with
// a new start time, while the container's other series keep theirs.
func TestEmitPerSeriesStartTime(t *testing.T) {
	limits := testLimits()
	a := newAggregate(limits)
	a.applyCounters(key(7, "10.0.0.2:80"), counters(3, 0, 0, 0, 0), t0)
	later := t0.Add(limits.idleTimeout / 2)
	a.applyCounters(key(7, "10.0.0.3:80"), counters(1, 0, 0, 0, 0), later)
	mb := metadata.NewMetricsBuilder(metadata.NewDefaultMetricsBuilderConfig(), receivertest.NewNopSettings(metadata.Type))
	emit := func(now time.Time) map[string]pmetric.NumberDataPoint {
		md := emitMetrics(mb, t0, a, fixedIdentities(nil), selfStats{}, "ebpf_tcp", now)
		points := map[string]pmetric.NumberDataPoint{}
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			ms := md.ResourceMetrics().At(i).ScopeMetrics().At(0).Metrics()
			for j := 0; j < ms.Len(); j++ {
				if ms.At(j).Name() != "container.net.tcp.successful_connects" {
					continue
				}
				dps := ms.At(j).Sum().DataPoints()
				for k := 0; k < dps.Len(); k++ {
					dst, _ := dps.At(k).Attributes().Get("destination")
					points[dst.Str()] = dps.At(k)
				}
			}
		}
		return points
	}

	first := emit(later)
	require.Len(t, first, 2)
	assert.Equal(t, t0.UnixNano(), int64(first["10.0.0.2:80"].StartTimestamp()))
	assert.Equal(t, later.UnixNano(), int64(first["10.0.0.3:80"].StartTimestamp()))

	// 10.0.0.2:80 goes idle and is retired with the same totals; the
	// series expires. A new connection later counts from 0 again.
	expiry := t0.Add(limits.idleTimeout + time.Second)
	a.applyCounters(key(7, "10.0.0.3:80"), counters(2, 0, 0, 0, 0), expiry)
	a.retireKey(key(7, "10.0.0.2:80"), counters(3, 0, 0, 0, 0), expiry)
	a.expire(expiry)
	again := expiry.Add(time.Second)
	a.applyCounters(key(7, "10.0.0.2:80"), counters(1, 0, 0, 0, 0), again)
	second := emit(again)
	require.Contains(t, second, "10.0.0.2:80")
	assert.Equal(t, int64(1), second["10.0.0.2:80"].IntValue(), "restarts from 0")
	assert.Equal(t, again.UnixNano(), int64(second["10.0.0.2:80"].StartTimestamp()), "with a new start time")
	assert.Equal(t, later.UnixNano(), int64(second["10.0.0.3:80"].StartTimestamp()), "the other series keeps its start")
}
