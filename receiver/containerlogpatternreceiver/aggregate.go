// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/loglevel"
	"github.com/otelcol-node/otelcol-node/internal/logsource"
	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

// overflowPatternHash is the pattern_hash of the bucket that counts messages
// of patterns beyond max_patterns or max_series.
const overflowPatternHash = "overflow"

// numLevels is the number of loglevel.Level values (unknown..critical).
const numLevels = int(loglevel.Critical) + 1

// aggregate holds the cumulative message counts per owner (container or
// unit) x source x level x pattern. It is the only state shared between the
// source goroutines and the scraper, so it has its own lock.
//
// Two caps bound its series. max_patterns applies per owner x source x
// level. max_series applies to the node: when it is reached, an owner that
// holds its fair share (max_series / owners holding series) or more counts a
// new pattern in its overflow bucket, and an owner below its share gets room
// by evicting the least recently used pattern of the owner holding the most
// series; the evicted count is folded into that owner's overflow bucket, so
// every owner's total stays exact and a noisy container cannot push out a
// quiet one's patterns. Every message counted in an overflow bucket is
// counted in patterns_dropped, by the cap that sent it there.
type aggregate struct {
	maxPatterns int
	maxSeries   int
	maxSample   int
	idleTimeout time.Duration

	mu     sync.Mutex
	owners map[string]*ownerCounts
	// series is the number of pattern series (overflow buckets excluded);
	// holders is the number of owners with at least one.
	series  int
	holders int
	// droppedByPatterns and droppedBySeries count messages counted in an
	// overflow bucket because of max_patterns and max_series;
	// patternsEvicted counts patterns folded into an overflow bucket to make
	// room under max_series; patternsExpired counts patterns dropped after
	// idleTimeout.
	droppedByPatterns int64
	droppedBySeries   int64
	patternsEvicted   int64
	patternsExpired   int64
}

type ownerCounts struct {
	// id is the identity the owner was last emitted with; each emission
	// refreshes it (core.currentIdentity).
	id      containerid.Identity
	sources map[string]*[numLevels]levelCounts
	// series is the owner's pattern series; lru links them from most
	// (head) to least (tail) recently counted.
	series     int
	head, tail *patternCount
}

type levelCounts struct {
	patterns         map[string]*patternCount
	overflow         int64
	overflowLastSeen time.Time
	// overflowStart is when the overflow bucket's series began: a bucket
	// emptied at idle expiry starts over.
	overflowStart time.Time
}

type patternCount struct {
	count  int64
	sample string
	// start is when the series was created: the start timestamp of its
	// cumulative points. A pattern that expires or is evicted and comes
	// back is a new series, from 0 with a new start.
	start    time.Time
	lastSeen time.Time
	// Where the pattern sits, for eviction from the owner's LRU list.
	hash       string
	level      *levelCounts
	prev, next *patternCount
}

// aggregateStats are the aggregate's own counters, for the self-metrics.
type aggregateStats struct {
	droppedByPatterns, droppedBySeries int64
	evicted, expired                   int64
	series                             int
}

func newAggregate(maxPatterns, maxSeries, maxSample int, idleTimeout time.Duration) *aggregate {
	return &aggregate{
		maxPatterns: maxPatterns,
		maxSeries:   maxSeries,
		maxSample:   maxSample,
		idleTimeout: idleTimeout,
		owners:      make(map[string]*ownerCounts),
	}
}

// count adds one message. The number of owners is bounded by the streams
// cap upstream (a stream exists before it counts).
func (a *aggregate) count(ownerKey string, id containerid.Identity, source string, level loglevel.Level, hash, message string, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	o := a.owners[ownerKey]
	if o == nil {
		o = &ownerCounts{id: id, sources: make(map[string]*[numLevels]levelCounts)}
		a.owners[ownerKey] = o
	}
	levels := o.sources[source]
	if levels == nil {
		levels = new([numLevels]levelCounts)
		o.sources[source] = levels
	}
	lc := &levels[level]
	if lc.patterns == nil {
		lc.patterns = make(map[string]*patternCount)
	}
	if p := lc.patterns[hash]; p != nil {
		p.count++
		p.lastSeen = now
		o.moveToFront(p)
		return
	}
	if len(lc.patterns) >= a.maxPatterns {
		lc.addOverflow(1, now, now)
		a.droppedByPatterns++
		return
	}
	if a.series >= a.maxSeries && !a.makeRoom(o, now) {
		lc.addOverflow(1, now, now)
		a.droppedBySeries++
		return
	}
	p := &patternCount{count: 1, sample: sampleOf(message, a.maxSample), start: now, lastSeen: now, hash: hash, level: lc}
	lc.patterns[hash] = p
	if o.series == 0 {
		a.holders++
	}
	o.series++
	a.series++
	o.pushFront(p)
}

// rename moves what an owner's source counted under the pattern hash from
// to the hash to, at every level: the miner generalised a pattern (its hash
// follows its constant structure) or found two patterns to be one. A
// pattern not counted yet under to takes from's series, count and start;
// one already counted adds from's count, so both cumulative series stay
// monotonic and the owner's total is unchanged.
func (a *aggregate) rename(ownerKey, source, from, to string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	o := a.owners[ownerKey]
	if o == nil {
		return
	}
	levels := o.sources[source]
	if levels == nil {
		return
	}
	for i := range levels {
		lc := &levels[i]
		p := lc.patterns[from]
		if p == nil {
			continue
		}
		delete(lc.patterns, from)
		into := lc.patterns[to]
		if into == nil {
			p.hash = to
			lc.patterns[to] = p
			continue
		}
		into.count += p.count
		if p.lastSeen.After(into.lastSeen) {
			into.lastSeen = p.lastSeen
			o.unlink(into)
			o.pushFront(into)
		}
		o.unlink(p)
		a.removeSeries(o)
	}
}

// makeRoom frees one series for a new pattern of o when o holds less than
// its fair share, by evicting the least recently used pattern of the owner
// holding the most series. It reports whether there is room.
func (a *aggregate) makeRoom(o *ownerCounts, now time.Time) bool {
	holders := a.holders
	if o.series == 0 {
		holders++
	}
	if o.series >= a.maxSeries/holders {
		return false
	}
	var victim *ownerCounts
	for _, other := range a.owners {
		if other != o && other.tail != nil && (victim == nil || other.series > victim.series) {
			victim = other
		}
	}
	// The largest owner holds at least the average, which is at least o's
	// fair share, so it is never o itself nor one smaller than o.
	if victim == nil || victim.series <= o.series+1 {
		return false
	}
	p := victim.tail
	victim.unlink(p)
	delete(p.level.patterns, p.hash)
	// A new bucket holds the pattern's count, counted since its start.
	p.level.addOverflow(p.count, p.start, now)
	a.droppedBySeries += p.count
	a.patternsEvicted++
	a.removeSeries(victim)
	return true
}

func (a *aggregate) removeSeries(o *ownerCounts) {
	o.series--
	a.series--
	if o.series == 0 {
		a.holders--
	}
}

// expire drops patterns and overflow buckets idle for longer than
// idleTimeout, and owners and sources left empty.
func (a *aggregate) expire(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for key, o := range a.owners {
		for source, levels := range o.sources {
			empty := true
			for l := range levels {
				lc := &levels[l]
				for hash, p := range lc.patterns {
					if now.Sub(p.lastSeen) > a.idleTimeout {
						o.unlink(p)
						delete(lc.patterns, hash)
						a.removeSeries(o)
						a.patternsExpired++
					}
				}
				if lc.overflow > 0 && now.Sub(lc.overflowLastSeen) > a.idleTimeout {
					lc.overflow = 0
				}
				if len(lc.patterns) > 0 || lc.overflow > 0 {
					empty = false
				}
			}
			if empty {
				delete(o.sources, source)
			}
		}
		if len(o.sources) == 0 {
			delete(a.owners, key)
		}
	}
}

// addOverflow adds n messages, counted since start, to the overflow bucket.
func (lc *levelCounts) addOverflow(n int64, start, now time.Time) {
	if lc.overflow == 0 {
		lc.overflowStart = start
	}
	lc.overflow += n
	lc.overflowLastSeen = now
}

// emit records every count into mb, one resource per owner, whose identity
// identify refreshes from the one it was last emitted with. With
// perSeriesStart each point carries its series' start time; without (the
// user disabled an attribute that tells series apart, so the builder sums
// them into one point) the builder's own start time.
func (a *aggregate) emit(mb *metadata.MetricsBuilder, now pcommon.Timestamp, identify func(owner string, last containerid.Identity) containerid.Identity, perSeriesStart bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	record := func(start time.Time, count int64, source string, level metadata.AttributeLevel, hash, sample string) {
		if perSeriesStart {
			// The generated builder stamps every point with its start
			// time; setting it per point is how a series gets its own.
			mb.Reset(metadata.WithStartTime(pcommon.NewTimestampFromTime(start)))
		}
		mb.RecordContainerLogMessagesDataPoint(now, count, source, level, hash, sample)
	}
	for owner, o := range a.owners {
		for source, levels := range o.sources {
			for l := range levels {
				lc := &levels[l]
				level := levelAttribute(loglevel.Level(l))
				for hash, p := range lc.patterns {
					record(p.start, p.count, source, level, hash, p.sample)
				}
				if lc.overflow > 0 {
					record(lc.overflowStart, lc.overflow, source, level, overflowPatternHash, "")
				}
			}
		}
		o.id = identify(owner, o.id)
		// Through the generated builder, so that resource_attributes
		// switches (enabled: false) apply.
		rb := mb.NewResourceBuilder()
		o.id.SetResource(rb)
		mb.EmitForResource(metadata.WithResource(rb.Emit()))
	}
}

// currentIdentity refreshes owner's identity with identify and returns it,
// so that its log records carry what its metrics carry. An owner without
// counts (expired meanwhile) gets seed, refreshed.
func (a *aggregate) currentIdentity(owner string, seed containerid.Identity, identify func(owner string, last containerid.Identity) containerid.Identity) containerid.Identity {
	a.mu.Lock()
	defer a.mu.Unlock()
	o := a.owners[owner]
	if o == nil {
		return identify(owner, seed)
	}
	o.id = identify(owner, o.id)
	return o.id
}

func (a *aggregate) stats() aggregateStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return aggregateStats{
		droppedByPatterns: a.droppedByPatterns,
		droppedBySeries:   a.droppedBySeries,
		evicted:           a.patternsEvicted,
		expired:           a.patternsExpired,
		series:            a.series,
	}
}

func (o *ownerCounts) pushFront(p *patternCount) {
	p.prev, p.next = nil, o.head
	if o.head != nil {
		o.head.prev = p
	}
	o.head = p
	if o.tail == nil {
		o.tail = p
	}
}

func (o *ownerCounts) unlink(p *patternCount) {
	if p.prev != nil {
		p.prev.next = p.next
	} else {
		o.head = p.next
	}
	if p.next != nil {
		p.next.prev = p.prev
	} else {
		o.tail = p.prev
	}
	p.prev, p.next = nil, nil
}

func (o *ownerCounts) moveToFront(p *patternCount) {
	if o.head == p {
		return
	}
	o.unlink(p)
	o.pushFront(p)
}

func levelAttribute(l loglevel.Level) metadata.AttributeLevel {
	if v, ok := metadata.MapAttributeLevel[l.String()]; ok {
		return v
	}
	return metadata.AttributeLevelUnknown
}

// sampleOf cuts the first line of message to max bytes on a rune boundary:
// a sample is a label value, and a whole stack trace would be a poor one.
func sampleOf(message string, maxBytes int) string {
	for i := 0; i < len(message); i++ {
		if message[i] == '\n' {
			message = message[:i]
			break
		}
	}
	return logsource.CutUTF8(message, maxBytes)
}
