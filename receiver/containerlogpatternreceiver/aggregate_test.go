// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/loglevel"
	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

func emitCounts(a *aggregate) map[countKey]int64 {
	mb := metadata.NewMetricsBuilder(metadata.DefaultMetricsBuilderConfig(), receivertest.NewNopSettings(metadata.Type))
	a.emit(mb, pcommon.NewTimestampFromTime(time.Now()))
	return countsOf(mb.Emit())
}

func TestAggregateCapAndOverflow(t *testing.T) {
	a := newAggregate(2, 10, time.Hour)
	id := containerid.Identity{ContainerID: "c1"}
	now := time.Now()
	for i, hash := range []string{"h1", "h2", "h1", "h3", "h4", "h3"} {
		a.count("container://c1", id, "stdout/stderr", loglevel.Error, hash, "message number "+string(rune('a'+i)), now)
	}
	// Another level has its own cap.
	a.count("container://c1", id, "stdout/stderr", loglevel.Info, "h9", "info", now)

	got := emitCounts(a)
	assert.Equal(t, map[countKey]int64{
		{owner: "c1", source: "stdout/stderr", level: "error", hash: "h1", sample: "message nu"}: 2,
		{owner: "c1", source: "stdout/stderr", level: "error", hash: "h2", sample: "message nu"}: 1,
		{owner: "c1", source: "stdout/stderr", level: "error", hash: overflowPatternHash}:        3,
		{owner: "c1", source: "stdout/stderr", level: "info", hash: "h9", sample: "info"}:        1,
	}, got)
	dropped, _ := a.stats()
	assert.Equal(t, int64(3), dropped)
}

func TestAggregateExpiry(t *testing.T) {
	a := newAggregate(10, 100, time.Minute)
	id := containerid.Identity{ContainerID: "c1"}
	start := time.Now()
	a.count("container://c1", id, "s", loglevel.Info, "old", "old", start)
	a.count("container://c1", id, "s", loglevel.Info, "new", "new", start.Add(50*time.Second))
	a.expire(start.Add(90 * time.Second))
	got := emitCounts(a)
	assert.Len(t, got, 1)
	assert.Equal(t, int64(1), got[countKey{owner: "c1", source: "s", level: "info", hash: "new", sample: "new"}])
	_, expired := a.stats()
	assert.Equal(t, int64(1), expired)

	a.expire(start.Add(10 * time.Minute))
	assert.Empty(t, emitCounts(a))
	assert.Empty(t, a.owners, "an owner without patterns is dropped")
}

func TestSampleOf(t *testing.T) {
	assert.Equal(t, "first line", sampleOf("first line\n\tat x", 100))
	assert.Equal(t, "h", sampleOf("hé", 2))
	assert.Equal(t, "abc", sampleOf("abcdef", 3))
}
