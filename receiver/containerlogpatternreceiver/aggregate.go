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
// of patterns beyond max_patterns.
const overflowPatternHash = "overflow"

// numLevels is the number of loglevel.Level values (unknown..critical).
const numLevels = int(loglevel.Critical) + 1

// aggregate holds the cumulative message counts per owner (container or
// unit) x source x level x pattern. It is the only state shared between the
// source goroutines and the scraper, so it has its own lock.
type aggregate struct {
	maxPatterns int
	maxSample   int
	idleTimeout time.Duration

	mu     sync.Mutex
	owners map[string]*ownerCounts
	// patternsDropped counts new patterns sent to the overflow bucket;
	// patternsExpired counts patterns dropped after idleTimeout.
	patternsDropped int64
	patternsExpired int64
}

type ownerCounts struct {
	id      containerid.Identity
	sources map[string]*[numLevels]levelCounts
}

type levelCounts struct {
	patterns map[string]*patternCount
	overflow int64
}

type patternCount struct {
	count    int64
	sample   string
	lastSeen time.Time
}

func newAggregate(maxPatterns, maxSample int, idleTimeout time.Duration) *aggregate {
	return &aggregate{
		maxPatterns: maxPatterns,
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
		return
	}
	if len(lc.patterns) >= a.maxPatterns {
		lc.overflow++
		a.patternsDropped++
		return
	}
	lc.patterns[hash] = &patternCount{count: 1, sample: sampleOf(message, a.maxSample), lastSeen: now}
}

// expire drops patterns idle for longer than idleTimeout, and owners and
// sources left empty. Overflow buckets go with their source.
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
						delete(lc.patterns, hash)
						a.patternsExpired++
					}
				}
				if len(lc.patterns) > 0 {
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
		rb := mb.NewResourceBuilder()
		res := rb.Emit()
		o.id.CopyToResource(res.Attributes())
		mb.EmitForResource(metadata.WithResource(res))
	}
}

func (a *aggregate) stats() (dropped, expired int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.patternsDropped, a.patternsExpired
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
