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
}

type patternCount struct {
	count    int64
	sample   string
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
		lc.overflow++
		lc.overflowLastSeen = now
		a.droppedByPatterns++
		return
	}
	if a.series >= a.maxSeries && !a.makeRoom(o, now) {
		lc.overflow++
		lc.overflowLastSeen = now
		a.droppedBySeries++
		return
	}
	p := &patternCount{count: 1, sample: sampleOf(message, a.maxSample), lastSeen: now, hash: hash, level: lc}
	lc.patterns[hash] = p
	if o.series == 0 {
		a.holders++
	}
	o.series++
	a.series++
	o.pushFront(p)
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
	p.level.overflow += p.count
	p.level.overflowLastSeen = now
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

// emit records every count into mb, one resource per owner.
func (a *aggregate) emit(mb *metadata.MetricsBuilder, now pcommon.Timestamp) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, o := range a.owners {
		for source, levels := range o.sources {
			for l := range levels {
				lc := &levels[l]
				level := levelAttribute(loglevel.Level(l))
				for hash, p := range lc.patterns {
					mb.RecordContainerLogMessagesDataPoint(now, p.count, source, level, hash, p.sample)
				}
				if lc.overflow > 0 {
					mb.RecordContainerLogMessagesDataPoint(now, lc.overflow, source, level, overflowPatternHash, "")
				}
			}
		}
		// Through the generated builder, so that resource_attributes
		// switches (enabled: false) apply.
		rb := mb.NewResourceBuilder()
		o.id.SetResource(rb)
		mb.EmitForResource(metadata.WithResource(rb.Emit()))
	}
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
