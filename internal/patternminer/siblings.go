// SPDX-License-Identifier: Apache-2.0

package patternminer // import "github.com/otelcol-node/otelcol-node/internal/patternminer"

import "slices"

// Siblings are clusters whose messages are equal in every position but one,
// where each holds another plain word: "removing nginx", "removing redis".
// Whether that word names the event or is a value that happens to be a
// word cannot be told from two messages, but it can from how many words
// take that place among otherwise equal messages (as in Brain, a position
// whose values are many is a variable): once siblingValues different words
// have been seen there, the siblings are merged and the position becomes a
// wildcard. Until then each word keeps its cluster, and an event named by
// one of two or three words ("cache hit" / "cache miss") stays apart. A
// word after a name the source uses as a key elsewhere needs only two
// (keynames.go).
//
// Two paths lead to a sibling group:
//   - by context, for messages that find no cluster at all: every cluster
//     is indexed under its creation message with each plain word but the
//     first left out (the word may be a leading one the matching rule never
//     lets differ, or a word of a message too short for minSimilarity);
//   - by candidate, for a message that would join a cluster with exactly
//     one differing plain word (deferValues above two): the group is
//     anchored on the candidate and the position.
//
// The decision depends on the set of words seen, not on their order, so
// every node ends with the same template and hash.

// siblingGroup is the clusters known to differ from each other in one
// position only, pos. After the merge it holds one cluster, wild at pos.
type siblingGroup struct {
	key     uint64 // in Miner.siblings; 0 for a group anchored on a candidate
	pos     int
	members []*cluster
}

// merged reports a group whose position already became a wildcard.
func (g *siblingGroup) merged() *cluster {
	if len(g.members) == 1 && g.members[0].tokens[g.pos].wild {
		return g.members[0]
	}
	return nil
}

// positionMix spreads a token hash and its position over 64 bits, so that
// contexts can be summed and one position taken out again (contextKeys).
func positionMix(h uint64, pos int) uint64 {
	h ^= uint64(pos+1) * 0x9e3779b97f4a7c15
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	return h ^ h>>31
}

// contextKeys calls f with the key of each plain word of toks after the
// first token: the hash of every other token and its position, the word's
// position, and the length. The first token is left out as a variable
// position: it picks the bucket because it names the event more often than
// any other ("cupsd startup succeeded", "sshd startup succeeded"), and
// events named by their first word are many. A message whose first token
// is not a plain word has no context either: nothing would name the event.
func contextKeys(toks []token, f func(i int, key uint64) bool) {
	if len(toks) < 2 || toks[0].masked {
		return
	}
	var sum uint64
	for i := range toks {
		sum += positionMix(toks[i].hash, i)
	}
	n := uint64(len(toks))
	for i := 1; i < len(toks); i++ {
		if toks[i].masked {
			continue
		}
		key := sum - positionMix(toks[i].hash, i) + positionMix(n<<32|uint64(i), -1)
		if key == 0 {
			key = 1 // 0 marks anchored groups
		}
		if !f(i, key) {
			return
		}
	}
}

// registerSiblings indexes a new cluster under the contexts of its
// creation message.
func (m *Miner) registerSiblings(c *cluster, toks []token) {
	if m.params.siblingValues == 0 {
		return
	}
	contextKeys(toks, func(i int, key uint64) bool {
		g := m.siblings[key]
		if g == nil {
			g = &siblingGroup{key: key, pos: i}
			m.siblings[key] = g
		}
		g.members = append(g.members, c)
		c.groups = append(c.groups, g)
		return true
	})
}

// leaveSiblings takes c out of its groups; an empty group is dropped.
func (m *Miner) leaveSiblings(c *cluster) {
	for _, g := range c.groups {
		if i := slices.Index(g.members, c); i >= 0 {
			g.members = slices.Delete(g.members, i, i+1)
		}
		if len(g.members) == 0 && g.key != 0 {
			delete(m.siblings, g.key)
		}
	}
	c.groups = nil
}

// joinSiblings finds, for a message that fits no cluster, a context it
// shares with clusters that differ from it in one plain word only. It joins
// the group's merged cluster, or merges the group when the message brings
// its siblingValues-th word; otherwise it returns nil.
func (m *Miner) joinSiblings(toks []token) *cluster {
	if m.params.siblingValues == 0 {
		return nil
	}
	var found *siblingGroup
	contextKeys(toks, func(_ int, key uint64) bool {
		g := m.siblings[key]
		if g == nil {
			return true
		}
		if g.merged() != nil || len(g.members)+1 >= m.siblingsNeeded(g) {
			found = g
			return false
		}
		return true
	})
	if found == nil {
		return nil
	}
	return m.mergeGroup(found, toks, sameLength)
}

// siblingsNeeded is how many words at g's position merge a group found by
// context: siblingValues, or two after a learned key name (keynames.go).
func (m *Miner) siblingsNeeded(g *siblingGroup) int {
	if m.keyBefore(g.members[0], g.pos) {
		return 2
	}
	return m.params.siblingValues
}

// joinOrDefer lets a message join c, its best candidate. When the two
// differ in exactly one plain word and deferValues asks for more than two
// words in that place, the message instead opens a sibling of c, until
// the group anchored on c at that position has deferValues words.
func (m *Miner) joinOrDefer(c *cluster, toks []token) *cluster {
	pos := -1
	if m.params.deferValues > 2 {
		pos = c.onlyWordDifference(toks)
	}
	if pos < 0 || m.keyBefore(c, pos) {
		c.absorb(toks, sameLength)
		return c
	}
	var g *siblingGroup
	for _, cg := range c.groups {
		if cg.key == 0 && cg.pos == pos {
			g = cg
			break
		}
	}
	if g == nil {
		g = &siblingGroup{pos: pos, members: []*cluster{c}}
		c.groups = append(c.groups, g)
	}
	if len(g.members)+1 >= m.params.deferValues {
		return m.mergeGroup(g, toks, sameLength)
	}
	s := m.create(newBucketKey(toks))
	if s.pattern.ID == c.pattern.ID || slices.Contains(g.members, s) {
		return s
	}
	g.members = append(g.members, s)
	s.groups = append(s.groups, g)
	return s
}

// onlyWordDifference returns the position of the one plain word of the
// message that differs from a plain word of c, when every other compared
// position agrees, or -1.
func (c *cluster) onlyWordDifference(toks []token) int {
	pos := -1
	for i := range c.tokens {
		ct, mt := &c.tokens[i], &toks[i]
		switch {
		case ct.wild || ct.hash == mt.hash:
		case (!ct.masked || !mt.masked) && !ct.structured && !mt.wild && !mt.structured:
			// A plain word against another word, plain or with digits
			// masked in it ("HTTPS" / "SOCKS<*>"): a word difference
			// whether or not one side holds digits, decided by counting
			// words like two plain ones ("over HTTPS" and "over SOCKS5"
			// stay two events until more protocols are seen there). Two
			// partly masked words ("shard-<*>" / "shard-K<*>") are values.
			if pos >= 0 {
				return -1
			}
			pos = i
		case ct.structured && mt.structured && ct.skeleton == mt.skeleton:
		case i == 0 && ct.masked && mt.masked && !ct.named && !mt.named:
		default:
			return -1
		}
	}
	return pos
}

// mergeGroup merges the members of g into the oldest one, which then holds
// the message too (toks; nil when a learned key name merges the group
// between messages), and reports the other members' hashes as renamed.
func (m *Miner) mergeGroup(g *siblingGroup, toks []token, a alignment) *cluster {
	members := slices.Clone(g.members)
	survivor := members[0]
	var olds []string
	for _, o := range members[1:] {
		if o == survivor || !o.alive {
			continue
		}
		olds = append(olds, o.pattern.Hash)
		survivor.absorbCluster(o)
		m.mergeInto(o, survivor)
	}
	if toks != nil {
		survivor.absorb(toks, a)
	}
	if !survivor.tokens[g.pos].wild {
		survivor.tokens[g.pos].wild = true
		survivor.tokens[g.pos].text = ""
		survivor.dirty = true
	}
	final := survivor
	if survivor.dirty {
		final = m.settle(survivor)
	}
	for _, h := range olds {
		m.rename(h, final.pattern.Hash)
	}
	return final
}
