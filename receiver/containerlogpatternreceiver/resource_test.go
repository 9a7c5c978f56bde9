// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/loglevel"
	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

// TestResourceAttributeSwitches: with container.id disabled, neither the
// metrics nor the log records carry it; the other attributes stay.
func TestResourceAttributeSwitches(t *testing.T) {
	const containerID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	id := containerid.Identity{ContainerID: containerID, Runtime: "docker", Name: "web"}
	cfg := metadata.DefaultMetricsBuilderConfig()
	cfg.ResourceAttributes.ContainerID.Enabled = false

	a := newAggregate(10, 1000, 100, time.Hour)
	a.count("owner", id, "stdout", loglevel.Error, "abc", "boom", time.Now())
	mb := metadata.NewMetricsBuilder(cfg, receivertest.NewNopSettings(metadata.Type))
	a.emit(mb, pcommon.NewTimestampFromTime(time.Now()), keepIdentity, true)
	md := mb.Emit()
	require.Equal(t, 1, md.ResourceMetrics().Len())
	attrs := md.ResourceMetrics().At(0).Resource().Attributes()
	_, has := attrs.Get("container.id")
	assert.False(t, has)
	name, _ := attrs.Get("container.name")
	assert.Equal(t, "web", name.Str())

	sink := new(consumertest.LogsSink)
	var stats selfStats
	o := newLogsOutput(sink, 10, &stats, cfg.ResourceAttributes, func(_ string, seed containerid.Identity) containerid.Identity { return seed })
	o.add("owner", id, "stdout", loglevel.Error, "abc", "boom", time.Now())
	o.ship(context.Background())
	require.Len(t, sink.AllLogs(), 1)
	ld := sink.AllLogs()[0]
	require.Equal(t, 1, ld.ResourceLogs().Len())
	attrs = ld.ResourceLogs().At(0).Resource().Attributes()
	_, has = attrs.Get("container.id")
	assert.False(t, has)
	runtime, _ := attrs.Get("container.runtime")
	assert.Equal(t, "docker", runtime.Str())
}
