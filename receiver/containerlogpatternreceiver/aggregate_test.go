// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/loglevel"
	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

func emitCounts(a *aggregate) map[countKey]int64 {
	return countsOf(emitAggregate(a, time.Now()))
}

// emitAggregate emits a's counts at now, each series with its own start,
// under the identities the owners were counted with.
func emitAggregate(a *aggregate, now time.Time) pmetric.Metrics {
	mb := metadata.NewMetricsBuilder(metadata.DefaultMetricsBuilderConfig(), receivertest.NewNopSettings(metadata.Type))
	a.emit(mb, pcommon.NewTimestampFromTime(now), keepIdentity, true)
	return mb.Emit()
}

func keepIdentity(_ string, id containerid.Identity) containerid.Identity { return id }

// seriesPoint is one container.log.messages point of a series.
type seriesPoint struct {
	value int64
	start time.Time
}

// pointsOf returns the container.log.messages points by series.
func pointsOf(md pmetric.Metrics) map[countKey]seriesPoint {
	out := make(map[countKey]seriesPoint)
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		rm := md.ResourceMetrics().At(i)
		owner, _ := rm.Resource().Attributes().Get("container.id")
		ms := rm.ScopeMetrics().At(0).Metrics()
		for k := 0; k < ms.Len(); k++ {
			if ms.At(k).Name() != "container.log.messages" {
				continue
			}
			dps := ms.At(k).Sum().DataPoints()
			for d := 0; d < dps.Len(); d++ {
				dp := dps.At(d)
				get := func(k string) string { v, _ := dp.Attributes().Get(k); return v.Str() }
				key := countKey{owner: owner.Str(), source: get("source"), level: get("level"), hash: get("pattern_hash"), sample: get("sample")}
				out[key] = seriesPoint{value: dp.IntValue(), start: dp.StartTimestamp().AsTime()}
			}
		}
	}
	return out
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

// TestSeriesStartTimes: each series carries the time it was created as its
// start; a series dropped at idle expiry, or evicted under max_series, that
// is counted again restarts at 1 with a newer start, while the series that
// stayed keep theirs (issue 12).
func TestSeriesStartTimes(t *testing.T) {
	a := newAggregate(10, 1000, 100, time.Minute)
	id := containerid.Identity{ContainerID: "c1"}
	t0 := time.Unix(1_700_000_000, 0).UTC()
	a.count("container://c1", id, "s", loglevel.Info, "idle", "idle", t0)
	a.count("container://c1", id, "s", loglevel.Info, "idle", "idle", t0)
	a.count("container://c1", id, "s", loglevel.Info, "busy", "busy", t0.Add(time.Second))
	idle := countKey{owner: "c1", source: "s", level: "info", hash: "idle", sample: "idle"}
	busy := countKey{owner: "c1", source: "s", level: "info", hash: "busy", sample: "busy"}

	got := pointsOf(emitAggregate(a, t0.Add(2*time.Second)))
	assert.Equal(t, seriesPoint{value: 2, start: t0}, got[idle])
	assert.Equal(t, seriesPoint{value: 1, start: t0.Add(time.Second)}, got[busy])

	// "idle" expires; "busy" is still counted.
	a.count("container://c1", id, "s", loglevel.Info, "busy", "busy", t0.Add(50*time.Second))
	a.expire(t0.Add(90 * time.Second))
	assert.NotContains(t, pointsOf(emitAggregate(a, t0.Add(91*time.Second))), idle)

	t1 := t0.Add(100 * time.Second)
	a.count("container://c1", id, "s", loglevel.Info, "idle", "idle", t1)
	got = pointsOf(emitAggregate(a, t1.Add(time.Second)))
	assert.Equal(t, seriesPoint{value: 1, start: t1}, got[idle], "restarts at 1 with a new start")
	assert.Equal(t, seriesPoint{value: 2, start: t0.Add(time.Second)}, got[busy], "keeps its start")

	// An overflow bucket emptied at idle expiry starts over too.
	b := newAggregate(1, 1000, 100, time.Minute)
	b.count("container://c1", id, "s", loglevel.Info, "kept", "kept", t0)
	b.count("container://c1", id, "s", loglevel.Info, "over", "over", t0)
	b.count("container://c1", id, "s", loglevel.Info, "kept", "kept", t0.Add(80*time.Second))
	b.expire(t0.Add(90 * time.Second))
	b.count("container://c1", id, "s", loglevel.Info, "over", "over", t1)
	overflow := countKey{owner: "c1", source: "s", level: "info", hash: overflowPatternHash}
	assert.Equal(t, seriesPoint{value: 1, start: t1}, pointsOf(emitAggregate(b, t1))[overflow])

	// An evicted pattern that comes back is a new series. Its count went to
	// the overflow bucket, which starts when the evicted pattern did.
	c := newAggregate(10, 2, 100, time.Minute)
	noisy := containerid.Identity{ContainerID: "noisy"}
	quiet := containerid.Identity{ContainerID: "quiet"}
	n1 := countKey{owner: "noisy", source: "s", level: "info", hash: "n1", sample: "n1"}
	n2 := countKey{owner: "noisy", source: "s", level: "info", hash: "n2", sample: "n2"}
	c.count("container://noisy", noisy, "s", loglevel.Info, "n1", "n1", t0)
	c.count("container://noisy", noisy, "s", loglevel.Info, "n2", "n2", t0.Add(time.Second))
	c.count("container://quiet", quiet, "s", loglevel.Info, "q1", "q1", t0.Add(2*time.Second))
	require.Equal(t, int64(1), c.stats().evicted, "q1 evicted n1")
	got = pointsOf(emitAggregate(c, t0.Add(3*time.Second)))
	assert.NotContains(t, got, n1)
	assert.Equal(t, seriesPoint{value: 1, start: t0}, got[countKey{owner: "noisy", source: "s", level: "info", hash: overflowPatternHash}])
	// q1 and the overflow bucket go idle and expire, which makes room.
	c.count("container://noisy", noisy, "s", loglevel.Info, "n2", "n2", t0.Add(60*time.Second))
	c.expire(t0.Add(64 * time.Second))
	c.count("container://noisy", noisy, "s", loglevel.Info, "n1", "n1", t1)
	got = pointsOf(emitAggregate(c, t1))
	assert.Equal(t, seriesPoint{value: 1, start: t1}, got[n1], "the evicted pattern restarts at 1 with a new start")
	assert.Equal(t, seriesPoint{value: 2, start: t0.Add(time.Second)}, got[n2])
}

func TestSampleOf(t *testing.T) {
	assert.Equal(t, "first line", sampleOf("first line\n\tat x", 100))
	assert.Equal(t, "h", sampleOf("hé", 2))
	assert.Equal(t, "abc", sampleOf("abcdef", 3))
}

// A pattern whose hash changes keeps its count under the new hash; two
// patterns found to be one add up; the series count follows.
func TestAggregateRename(t *testing.T) {
	a := newAggregate(10, 1000, 40, time.Hour)
	id := containerid.Identity{ContainerID: "c1"}
	start := time.Unix(1_700_000_000, 0).UTC() // as a point's start reads back
	add := func(level loglevel.Level, hash, msg string, n int) {
		for range n {
			a.count("container://c1", id, "stdout/stderr", level, hash, msg, start)
		}
	}
	add(loglevel.Info, "old", "user alice logged in", 3)
	add(loglevel.Error, "old", "user bob logged in", 1)
	add(loglevel.Info, "other", "user carol logged in", 2)
	require.Equal(t, 3, a.stats().series)

	a.rename("container://c1", "stdout/stderr", "old", "new")
	a.rename("container://c1", "stdout/stderr", "other", "new")
	a.rename("container://absent", "stdout/stderr", "old", "new")

	points := pointsOf(emitAggregate(a, start.Add(time.Minute)))
	assert.Equal(t, map[countKey]seriesPoint{
		{owner: "c1", source: "stdout/stderr", level: "info", hash: "new", sample: "user alice logged in"}: {value: 5, start: start},
		{owner: "c1", source: "stdout/stderr", level: "error", hash: "new", sample: "user bob logged in"}:  {value: 1, start: start},
	}, points)
	assert.Equal(t, 2, a.stats().series)

	// The merged pattern counts on under its new hash.
	add(loglevel.Info, "new", "user dave logged in", 1)
	assert.Equal(t, int64(6), pointsOf(emitAggregate(a, start))[countKey{owner: "c1", source: "stdout/stderr", level: "info", hash: "new", sample: "user alice logged in"}].value)
}
