// SPDX-License-Identifier: Apache-2.0

package patternminer // import "github.com/otelcol-node/otelcol-node/internal/patternminer"

import (
	"unicode/utf8"
	"unsafe"
)

// Miner groups messages into patterns. It is NOT goroutine-safe.
type Miner struct {
	cfg     Config
	tok     tokenizer
	buckets map[bucketKey][]*cluster
	// bySignature remembers which cluster a masked message shape went to,
	// so a repeated shape skips the similarity search.
	bySignature map[uint64]*cluster
	// byHash holds the live cluster of each hash: two clusters whose
	// templates become equal are merged (settle), so a hash always names
	// one cluster and a Rename never moves another pattern's counts.
	byHash map[string]*cluster
	// siblings indexes the clusters by their creation message with one
	// plain word left out (siblings.go).
	siblings map[uint64]*siblingGroup
	// keyNames holds the folded hashes of the key names seen in key=value
	// words (keynames.go).
	keyNames   map[uint64]struct{}
	renames    []Rename // hash changes not yet taken by Renames
	nextID     uint64
	live       int
	head, tail *cluster // LRU list, head is the most recently used
	scratch    []token  // reused by matchWithExtraValue
	params     matchParams
	stats      Stats
}

// New returns a miner bounded by cfg, or the error of cfg.Validate.
func New(cfg Config) (*Miner, error) {
	return newWithParams(cfg, defaultMatchParams)
}

// newWithParams is New with other constants of the matching rule, for the
// accuracy test's parameter search.
func newWithParams(cfg Config, p matchParams) (*Miner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Miner{
		cfg:         cfg,
		tok:         tokenizer{maxTokens: cfg.MaxTokens},
		buckets:     make(map[bucketKey][]*cluster),
		bySignature: make(map[uint64]*cluster),
		byHash:      make(map[string]*cluster),
		siblings:    make(map[uint64]*siblingGroup),
		keyNames:    make(map[uint64]struct{}),
		params:      p,
	}, nil
}

// AddBytes is Add for a message held in a byte slice, such as a line just
// read from a file. It does not copy msg and does not keep it: every string
// the miner stores is built anew, so the caller may reuse msg afterwards.
func (m *Miner) AddBytes(msg []byte) Pattern {
	return m.Add(unsafe.String(unsafe.SliceData(msg), len(msg)))
}

// Add puts msg into a pattern and returns it. Add does not keep msg.
func (m *Miner) Add(msg string) Pattern {
	m.stats.Messages++
	if len(msg) > m.cfg.MaxMessageBytes {
		msg = msg[:m.cfg.MaxMessageBytes]
		m.stats.TruncatedBytes++
	}
	if !utf8.ValidString(msg) {
		// Invalid bytes are matched as they are; they only have to be
		// counted, never decoded.
		m.stats.InvalidUTF8++
	}
	m.tok.tokenize(msg)
	if m.tok.truncated {
		m.stats.TruncatedTokens++
	}
	toks := m.tok.tokens
	sig := signature(toks)
	if c, ok := m.bySignature[sig]; ok {
		if c = resolve(c); c.alive {
			m.touch(c)
			return c.pattern
		}
	}
	c := m.place(toks)
	if c.dirty {
		c = m.settle(c)
	}
	m.touch(c)
	m.remember(sig, c)
	return c.pattern
}

// place finds or makes the cluster of a message whose shape is not cached.
func (m *Miner) place(toks []token) *cluster {
	m.learnKeyNames(toks)
	key := newBucketKey(toks)
	if c := m.bestMatch(key, toks); c != nil {
		return m.joinOrDefer(c, toks)
	}
	if c := m.matchWithExtraValue(toks); c != nil {
		return c
	}
	if c := m.matchWithMissingValue(toks); c != nil {
		return c
	}
	if c := m.joinSiblings(toks); c != nil {
		return c
	}
	return m.create(key)
}

// Renames returns the hash changes since the last call, oldest first, and
// forgets them. Call it after Add (it is cheap when nothing changed) and
// move what was counted under each From to its To, in order.
func (m *Miner) Renames() []Rename {
	r := m.renames
	m.renames = nil
	return r
}

// maxPendingRenames bounds the renames kept for a caller that never takes
// them (a few tens of bytes each): beyond it they are counted in
// Stats.RenamesDropped.
func (m *Miner) maxPendingRenames() int { return m.cfg.MaxPatterns }

func (m *Miner) rename(from, to string) {
	if from == to {
		return
	}
	if len(m.renames) >= m.maxPendingRenames() {
		m.stats.RenamesDropped++
		return
	}
	m.renames = append(m.renames, Rename{From: from, To: to})
	m.stats.Renamed++
}

// settle gives c, whose template generalised, the hash of its new
// template. When another live cluster already has that template, the two
// are one pattern: c is merged into it, and the other cluster is returned.
func (m *Miner) settle(c *cluster) *cluster {
	c.dirty = false
	tmpl := c.template()
	h := hashTemplate(tmpl)
	old := c.pattern.Hash
	c.pattern.Template = tmpl
	if h == old {
		return c
	}
	if m.byHash[old] == c {
		delete(m.byHash, old)
	}
	if other := m.byHash[h]; other != nil && other != c {
		m.mergeInto(c, other)
		m.rename(old, h)
		return other
	}
	m.byHash[h] = c
	c.pattern.Hash = h
	m.rename(old, h)
	return c
}

// mergeInto removes c, whose messages now belong to into. The caller
// reports the rename of c's hash.
func (m *Miner) mergeInto(c, into *cluster) {
	m.remove(c)
	c.mergedInto = into
	c.tokens = nil
	m.stats.Merged++
}

func signature(toks []token) uint64 {
	h := uint64(fnvOffset64)
	for _, t := range toks {
		h = (h ^ t.hash) * fnvPrime64
	}
	return h
}

// bestMatch returns the cluster toks should join, or nil.
func (m *Miner) bestMatch(key bucketKey, toks []token) *cluster {
	var best *cluster
	var bestScore matchScore
	for _, c := range m.buckets[key] {
		s, ok := c.score(toks, sameLength, &m.params)
		if !ok || !s.accepted(&m.params) {
			continue
		}
		if best == nil || s.betterThan(bestScore) {
			best, bestScore = c, s
		}
	}
	return best
}

// matchWithExtraValue finds a cluster one token shorter than the message
// that the message fits exactly (every constant the same) once one of its
// pure value tokens is left out: a value that took two words this time
// ("2048 bytes (2 KB)" where the cluster has "512 bytes", "build.sh
// *arm64" where it has "backup.sh"). The cluster's template keeps its
// length.
func (m *Miner) matchWithExtraValue(toks []token) *cluster {
	n := len(toks)
	if n < 3 {
		return nil
	}
	key := newBucketKey(toks)
	key.n = n - 1
	if len(m.buckets[key]) == 0 {
		return nil
	}
	for j := 1; j < n; j++ {
		if !isPureValue(&toks[j]) {
			continue // a word, a key or a name is part of the event
		}
		m.scratch = append(append(m.scratch[:0], toks[:j]...), toks[j+1:]...)
		shiftedBy := alignment{skip: noSkip, shifted: true}
		for _, c := range m.buckets[key] {
			if s, ok := c.score(m.scratch, shiftedBy, &m.params); ok && s.exact() {
				c.absorb(m.scratch, shiftedBy)
				return c
			}
		}
	}
	return nil
}

// matchWithMissingValue is matchWithExtraValue the other way round: the
// cluster is one token longer than the message, and the message fits it
// exactly once one of the cluster's pure value positions is left out
// ("512 bytes" where the cluster was made from "2048 bytes (2 KB)").
func (m *Miner) matchWithMissingValue(toks []token) *cluster {
	n := len(toks)
	if n < 2 {
		return nil
	}
	key := newBucketKey(toks)
	key.n = n + 1
	var best *cluster
	var bestScore matchScore
	bestSkip := noSkip
	for _, c := range m.buckets[key] {
		for j := 1; j <= n; j++ {
			if ct := &c.tokens[j]; !ct.wild && (!ct.masked || ct.named || ct.keyed) {
				continue // a word, a key or a name is part of the event
			}
			s, ok := c.score(toks, alignment{skip: j, shifted: true}, &m.params)
			if !ok || !s.exact() {
				continue
			}
			if best == nil || s.betterThan(bestScore) {
				best, bestScore, bestSkip = c, s, j
			}
		}
	}
	if best != nil {
		best.absorb(toks, alignment{skip: bestSkip, shifted: true})
	}
	return best
}

// create makes a cluster of the message in m.tok, unless a live cluster
// already has its canonical template (a pattern whose bucket the message
// does not reach, such as one generalised in its first word): the message
// then joins that one.
func (m *Miner) create(key bucketKey) *cluster {
	c := newCluster(&m.tok, key, m.nextID+1)
	if other := m.byHash[c.pattern.Hash]; other != nil {
		return other
	}
	if m.live >= m.cfg.MaxPatterns {
		m.evict(m.tail)
	}
	m.nextID++
	m.buckets[key] = append(m.buckets[key], c)
	m.byHash[c.pattern.Hash] = c
	m.live++
	m.stats.Created++
	m.pushFront(c)
	m.registerSiblings(c, m.tok.tokens)
	return c
}

// remember caches sig -> c. The cache is bounded: when it holds more than
// a few shapes per live cluster it is dropped and rebuilt from new messages.
func (m *Miner) remember(sig uint64, c *cluster) {
	if len(m.bySignature) >= 4*m.cfg.MaxPatterns {
		clear(m.bySignature)
		m.stats.CacheResets++
	}
	m.bySignature[sig] = c
}

func (m *Miner) evict(c *cluster) {
	m.remove(c)
	// Stale entries of the shape cache may still point at c until the cache
	// is reset: drop what is big so only the small struct stays behind.
	c.tokens = nil
	c.pattern = Pattern{}
	m.stats.Evicted++
}

// remove takes c out of every index of live clusters.
func (m *Miner) remove(c *cluster) {
	m.unlink(c)
	c.alive = false
	if m.byHash[c.pattern.Hash] == c {
		delete(m.byHash, c.pattern.Hash)
	}
	m.leaveSiblings(c)
	list := m.buckets[c.key]
	for i, other := range list {
		if other == c {
			list[i] = list[len(list)-1]
			list[len(list)-1] = nil
			list = list[:len(list)-1]
			break
		}
	}
	if len(list) == 0 {
		delete(m.buckets, c.key)
	} else {
		m.buckets[c.key] = list
	}
	m.live--
}

func (m *Miner) touch(c *cluster) {
	if m.head == c {
		return
	}
	m.unlink(c)
	m.pushFront(c)
}

func (m *Miner) pushFront(c *cluster) {
	c.prev, c.next = nil, m.head
	if m.head != nil {
		m.head.prev = c
	}
	m.head = c
	if m.tail == nil {
		m.tail = c
	}
}

func (m *Miner) unlink(c *cluster) {
	if c.prev != nil {
		c.prev.next = c.next
	} else if m.head == c {
		m.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else if m.tail == c {
		m.tail = c.prev
	}
	c.prev, c.next = nil, nil
}

// Stats returns what the miner saw so far.
func (m *Miner) Stats() Stats {
	s := m.stats
	s.Patterns = m.live
	return s
}
