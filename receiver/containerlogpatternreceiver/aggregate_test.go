// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"fmt"
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
	a := newAggregate(2, 1000, 10, time.Hour)
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
	assert.Equal(t, int64(3), a.stats().droppedByPatterns)
}

func TestAggregateExpiry(t *testing.T) {
	a := newAggregate(10, 1000, 100, time.Minute)
	id := containerid.Identity{ContainerID: "c1"}
	start := time.Now()
	a.count("container://c1", id, "s", loglevel.Info, "old", "old", start)
	a.count("container://c1", id, "s", loglevel.Info, "new", "new", start.Add(50*time.Second))
	a.expire(start.Add(90 * time.Second))
	got := emitCounts(a)
	assert.Len(t, got, 1)
	assert.Equal(t, int64(1), got[countKey{owner: "c1", source: "s", level: "info", hash: "new", sample: "new"}])
	assert.Equal(t, int64(1), a.stats().expired)

	// An overflow bucket expires like a pattern.
	b := newAggregate(1, 1000, 100, time.Minute)
	b.count("container://c2", id, "s", loglevel.Info, "kept", "kept", start.Add(50*time.Second))
	b.count("container://c2", id, "s", loglevel.Info, "over", "over", start)
	b.expire(start.Add(90 * time.Second))
	assert.Equal(t, map[countKey]int64{{owner: "c1", source: "s", level: "info", hash: "kept", sample: "kept"}: 1}, emitCounts(b))

	a.expire(start.Add(10 * time.Minute))
	assert.Empty(t, emitCounts(a))
	assert.Empty(t, a.owners, "an owner without patterns is dropped")
}

// TestAggregateSeriesCap fills the node-wide series cap with a noisy owner,
// then lets a quiet one add patterns: the quiet owner gets room by evicting
// the noisy owner's least recently used patterns, the noisy owner's new
// patterns go to its overflow bucket, and every owner's total stays exact.
func TestAggregateSeriesCap(t *testing.T) {
	const maxSeries = 10
	a := newAggregate(100, maxSeries, 50, time.Hour)
	noisy := containerid.Identity{ContainerID: "noisy"}
	quiet := containerid.Identity{ContainerID: "quiet"}
	now := time.Now()
	tick := func() time.Time { now = now.Add(time.Millisecond); return now }

	// The noisy owner alone may take every series; 5 more go to overflow.
	for i := range 15 {
		a.count("container://noisy", noisy, "s", loglevel.Info, fmt.Sprintf("n%02d", i), "noisy", tick())
	}
	// n00 is used again: it is now the noisy owner's most recent pattern.
	a.count("container://noisy", noisy, "s", loglevel.Info, "n00", "noisy", tick())
	st := a.stats()
	assert.Equal(t, maxSeries, st.series)
	assert.Equal(t, int64(5), st.droppedBySeries)

	// The quiet owner's 3 patterns evict the noisy owner's 3 least recently
	// used ones (n01, n02, n03; not n00).
	for i := range 3 {
		a.count("container://quiet", quiet, "s", loglevel.Error, fmt.Sprintf("q%d", i), "quiet", tick())
		a.count("container://quiet", quiet, "s", loglevel.Error, fmt.Sprintf("q%d", i), "quiet", tick())
	}
	got := emitCounts(a)
	for i := range 3 {
		assert.Equal(t, int64(2), got[countKey{owner: "quiet", source: "s", level: "error", hash: fmt.Sprintf("q%d", i), sample: "quiet"}])
		assert.NotContains(t, got, countKey{owner: "noisy", source: "s", level: "info", hash: fmt.Sprintf("n%02d", i+1), sample: "noisy"})
	}
	assert.Equal(t, int64(2), got[countKey{owner: "noisy", source: "s", level: "info", hash: "n00", sample: "noisy"}])
	// Overflow: 5 refused + 3 evicted with one message each.
	assert.Equal(t, int64(8), got[countKey{owner: "noisy", source: "s", level: "info", hash: overflowPatternHash}])
	assert.Equal(t, int64(16), totalFor(got, "noisy"))
	assert.Equal(t, int64(6), totalFor(got, "quiet"))

	st = a.stats()
	assert.Equal(t, maxSeries, st.series)
	assert.Equal(t, int64(3), st.evicted)
	assert.Equal(t, int64(8), st.droppedBySeries, "every message in overflow is counted as dropped")

	// Now both hold their fair share (5 each) or more: a new noisy pattern
	// goes to overflow without evicting the quiet owner's.
	a.count("container://noisy", noisy, "s", loglevel.Info, "n99", "noisy", tick())
	got = emitCounts(a)
	assert.Equal(t, int64(9), got[countKey{owner: "noisy", source: "s", level: "info", hash: overflowPatternHash}])
	assert.Equal(t, int64(6), totalFor(got, "quiet"))
	assert.Len(t, got, maxSeries+1, "series plus the noisy overflow bucket")
}

func TestSampleOf(t *testing.T) {
	assert.Equal(t, "first line", sampleOf("first line\n\tat x", 100))
	assert.Equal(t, "h", sampleOf("hé", 2))
	assert.Equal(t, "abc", sampleOf("abcdef", 3))
}
