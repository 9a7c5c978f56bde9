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
	a.applyEvent(connectOK(7, 1, "10.0.0.2:80"), "10.9.9.9:8080", t0)
	a.applyEvent(closed(7, 1, "10.0.0.2:80", 1000, 2000, 3), "", t0)
	a.applyEvent(failed(7, "10.0.0.3:443", 0), "", t0)
	a.applyEvent(connEvent{kind: eventListenOpen, cgroupID: 7, src: ap("0.0.0.0:8080")}, "", t0)
	a.applyEvent(connectOK(8, 2, "[fd00::1]:5432"), "", t0) // a systemd service
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
	md := emitMetrics(mb, a, identify, selfStats{ringbufFull: 2}, t0.Add(time.Second))

	require.Equal(t, 3, md.ResourceMetrics().Len())
	byResource := map[string]map[string]pmetric.Metric{}
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		rm := md.ResourceMetrics().At(i)
		key := ""
		if v, ok := rm.Resource().Attributes().Get("container.id"); ok {
			key = v.Str()
		} else if v, ok := rm.Resource().Attributes().Get("systemd.unit.name"); ok {
			key = v.Str()
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

	self := byResource[""]
	require.NotNil(t, self)
	assert.Equal(t, int64(5), self["otelcol_node.ebpf_tcp.events_processed"].Sum().DataPoints().At(0).IntValue())
	assert.Equal(t, 3, self["otelcol_node.ebpf_tcp.events_lost"].Sum().DataPoints().Len())
}
