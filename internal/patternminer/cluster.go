// SPDX-License-Identifier: Apache-2.0

package patternminer // import "github.com/otelcol-node/otelcol-node/internal/patternminer"

import "strings"

// cluster is one pattern: a template of the same length as the messages it
// holds, where each position is a constant token or a wildcard.
type cluster struct {
	pattern Pattern
	tokens  []clusterToken
	key     bucketKey
	alive   bool
	// prev and next link the clusters from most to least recently used.
	prev, next *cluster
}

// clusterToken is one template position.
type clusterToken struct {
	hash       uint64
	wild       bool   // any message token matches here
	masked     bool   // the token had a variable part at creation
	structured bool   // ... and delimiters in its constant part
	text       string // masked text of the token, for the template string
}

// bucketKey groups clusters that may match each other: messages of one
// pattern have the same number of tokens, and their first token is the
// most reliable constant (it names the event more often than any other), so
// clusters whose first tokens differ are never merged, as in Drain.
type bucketKey struct {
	n     int
	first uint64
}

func newCluster(t *tokenizer, key bucketKey) *cluster {
	c := &cluster{key: key, alive: true, tokens: make([]clusterToken, len(t.tokens))}
	for i, tok := range t.tokens {
		c.tokens[i] = clusterToken{
			hash: tok.hash, wild: tok.wild, masked: tok.masked, structured: tok.structured, text: tokenText(t, tok),
		}
	}
	tmpl := c.template()
	c.pattern = Pattern{Hash: hashTemplate(tmpl), Template: tmpl}
	return c
}

func tokenText(t *tokenizer, tok token) string {
	if tok.wild {
		return Wildcard
	}
	var b strings.Builder
	for _, pc := range t.pieces[tok.p0:tok.p1] {
		switch {
		case pc.wild:
			b.WriteString(Wildcard)
		case pc.space:
			b.WriteByte(' ')
		default:
			b.WriteString(t.msg[pc.start:pc.end])
		}
	}
	return b.String()
}

func (c *cluster) template() string {
	var b strings.Builder
	for i, ct := range c.tokens {
		if i > 0 {
			b.WriteByte(' ')
		}
		if ct.wild {
			b.WriteString(Wildcard)
		} else {
			b.WriteString(ct.text)
		}
	}
	return b.String()
}

// matchScore says how well a message fits a cluster: equal is the number
// of the cluster's constant positions holding the same token, consts the
// number of its constant positions (wildcards match anything and count in
// neither).
type matchScore struct {
	equal, consts int
}

// accepted reports whether the message may join the cluster: at least
// minSimilarity of the constants agree.
func (s matchScore) accepted() bool {
	return s.consts == 0 || float64(s.equal) >= minSimilarity*float64(s.consts)
}

// betterThan prefers the larger share of equal constants, then the more
// specific cluster (more equal constants).
func (s matchScore) betterThan(o matchScore) bool {
	l, r := s.equal*max(o.consts, 1), o.equal*max(s.consts, 1)
	if l != r {
		return l > r
	}
	return s.equal > o.equal
}

// score compares a message of the same length with c. ok is false when c
// is ruled out whatever the share:
//   - two plain words differ in the first fixedPrefix positions: like
//     Drain's parse tree, the leading words name the event ("Failed
//     password ..." vs "Failed none ...");
//   - two words that both hold a value inside a structure of delimiters
//     differ in their constant part ("(uid=<*>)" vs "LOGIN(uid=<*>)"); words
//     without delimiters ("node-<*>" vs "node-D<*>") are just values.
func (c *cluster) score(toks []token) (s matchScore, ok bool) {
	for i, ct := range c.tokens {
		if ct.wild {
			continue
		}
		s.consts++
		switch {
		case ct.hash == toks[i].hash:
			s.equal++
		case i < fixedPrefix && !toks[i].masked && !ct.masked:
			return s, false
		case toks[i].structured && ct.structured:
			return s, false
		}
	}
	return s, true
}

const (
	// minSimilarity is the share of a cluster's constant positions that must
	// hold the same token for a message to join it. At 0.75 one differing
	// word is tolerated in four, so "session closed for user alice" joins
	// "... bob" while "cupsd startup succeeded" and "sshd startup
	// succeeded" stay apart. Accuracy on LogHub-2k is flat between 0.7 and
	// 0.75 and drops on both sides (see design.md).
	minSimilarity = 0.75
	// fixedPrefix is how many leading plain words must agree for two
	// messages to share a cluster.
	fixedPrefix = 2
)

// absorb turns every template position the message disagrees with into a
// wildcard. The hash stays what it was at creation.
func (c *cluster) absorb(toks []token) {
	changed := false
	for i := range c.tokens {
		ct := &c.tokens[i]
		if !ct.wild && ct.hash != toks[i].hash {
			ct.wild = true
			ct.text = ""
			changed = true
		}
	}
	if changed {
		c.pattern.Template = c.template()
	}
}
