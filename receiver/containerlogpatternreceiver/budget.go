// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"strings"
	"sync/atomic"

	"github.com/otelcol-node/otelcol-node/internal/patternminer"
)

const (
	// minMinerPatterns is the smallest cluster cap a miner is shrunk to
	// when the budget empties it.
	minMinerPatterns = 16
	// Estimated memory of one miner cluster: its template and token texts
	// (about twice the template), one token record per word, and the fixed
	// part (cluster, bucket slot, shape-cache entries, map overhead).
	// Calibrated against the Go heap with BenchmarkNoisyNode; an estimate,
	// since the miner does not report its memory.
	clusterBytesPerTemplateByte = 2
	clusterBytesPerToken        = 48
	clusterFixedBytes           = 400
	// maxBudgetSweeps bounds the miners emptied in one maintenance round.
	maxBudgetSweeps = 64
)

// minerBudget is the node-wide budget for the pattern miners' state
// (max_pattern_memory). Each stream keeps an estimate of its miner's size
// and adds its changes to used. When used is over the limit, a stream whose
// miner holds more than its fair share (limit / streams) has its miner
// emptied and capped at half its clusters: the noisy streams shrink, the
// quiet ones keep their patterns. Counts are kept in the aggregate under the
// pattern hash, which does not depend on the miner's history, so emptying a
// miner loses no count.
type minerBudget struct {
	limit  int64
	used   atomic.Int64
	resets atomic.Int64
}

// estimateClusterBytes estimates the memory of a cluster of this template.
func estimateClusterBytes(template string) int64 {
	tokens := strings.Count(template, " ") + 1
	return int64(clusterBytesPerTemplateByte*len(template) + clusterBytesPerToken*tokens + clusterFixedBytes)
}

// accountMiner updates the stream's miner estimate after an Add that
// returned p, and empties the miner when the node is over budget and this
// stream over its share. Called with s.mu held.
func (s *stream) accountMiner(p patternminer.Pattern) {
	st := s.miner.Stats()
	created := int64(st.Created - s.minerCreated)
	evicted := int64(st.Evicted - s.minerEvicted)
	s.minerCreated, s.minerEvicted = st.Created, st.Evicted
	var delta int64
	if evicted > 0 {
		// The miner evicted its least recently used clusters, whose size
		// it does not tell: take the average before this Add.
		before := max(1, int64(st.Patterns)-created+evicted)
		delta -= evicted * (s.minerBytes / before)
	}
	delta += created * estimateClusterBytes(p.Template)
	if delta == 0 {
		return
	}
	s.minerBytes += delta
	b := &s.core.budget
	if b.used.Add(delta) > b.limit && s.minerBytes > b.limit/max(1, s.core.nStreams.Load()) {
		s.resetMiner(st.Patterns)
	}
}

// resetMiner replaces the stream's miner by an empty one capped at half the
// clusters it had. Called with s.mu held.
func (s *stream) resetMiner(live int) {
	cfg := s.core.minerConfig()
	cfg.MaxPatterns = max(minMinerPatterns, min(cfg.MaxPatterns, live/2))
	m, err := patternminer.New(cfg)
	if err != nil {
		return // unreachable: the config was valid for the first miner
	}
	s.miner = m
	s.core.budget.used.Add(-s.minerBytes)
	s.core.budget.resets.Add(1)
	s.minerBytes, s.minerCreated, s.minerEvicted = 0, 0, 0
}

// releaseMiner returns a stream's share of the budget when it goes away.
func (s *stream) releaseMiner() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.core.budget.used.Add(-s.minerBytes)
	s.minerBytes = 0
}

// enforceBudget empties the largest miners while the node is over budget:
// accountMiner only catches a stream that keeps creating patterns.
func (c *core) enforceBudget() {
	for range maxBudgetSweeps {
		if c.budget.used.Load() <= c.budget.limit {
			return
		}
		var largest *stream
		var largestBytes int64
		for _, s := range c.allStreams() {
			s.mu.Lock()
			if s.minerBytes > largestBytes {
				largest, largestBytes = s, s.minerBytes
			}
			s.mu.Unlock()
		}
		if largest == nil {
			return
		}
		largest.mu.Lock()
		largest.resetMiner(largest.miner.Stats().Patterns)
		largest.mu.Unlock()
	}
}
