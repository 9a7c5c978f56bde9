// SPDX-License-Identifier: Apache-2.0

package patternminer // import "github.com/otelcol-node/otelcol-node/internal/patternminer"

import "strings"

// matchScore says how well a message fits a cluster: equal is the number
// of the cluster's plain constant positions holding the same word, consts
// the number of its plain constant positions compared. Positions holding a
// value on either side count in neither: see matchParams.minSimilarity.
type matchScore struct {
	equal, consts int
	// wordsOnWild counts the message's plain words that face a wildcard.
	wordsOnWild int
}

// accepted reports whether the message may join the cluster: at least
// minSimilarity of the compared constants agree, and at most
// maxDifferences of them differ.
func (s matchScore) accepted(p *matchParams) bool {
	if s.consts-s.equal > p.maxDifferences || !s.sharesAWord() {
		return false
	}
	return s.consts == 0 || float64(s.equal) >= p.minSimilarity*float64(s.consts)
}

// sharesAWord reports that a message with plain words agrees with the
// cluster on at least one of them: a template that became all wildcards
// must not take in every message of its length.
func (s matchScore) sharesAWord() bool {
	return s.equal > 0 || s.wordsOnWild == 0
}

// exact reports that every compared constant agrees. A message whose
// number of tokens differs from the cluster's must fit it exactly: a
// length that differs is already one difference.
func (s matchScore) exact() bool {
	return s.equal == s.consts && s.sharesAWord()
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

// An alignment says which tokens of a message and a cluster face each
// other. sameLength is the common case; otherwise one extra value token,
// of the message or of the cluster, is left out (matchWithExtraValue,
// matchWithMissingValue).
type alignment struct {
	// skip is the cluster position left out, or noSkip.
	skip int
	// shifted is set when the lengths differ: a wildcard of the cluster
	// then only faces values, so that a word shifted into its place by the
	// left-out token does not pass for a value.
	shifted bool
}

const noSkip = -1

var sameLength = alignment{skip: noSkip}

// score compares a message with c. ok is false when c is ruled out
// whatever the share:
//   - two plain words differ in the first fixedPrefix positions;
//   - two words that both name a value with a key have different
//     structures ("uid=<*>" vs "gid=<*>", "(uid=<*>)" vs "LOGIN(uid=<*>)").
//
// Two words with the same structure that differ only in the text glued to
// their values ("(name<*>)" vs "(other<*>)" vs "(<*>)") are one value in
// the same place: they count as a value. So do two first tokens that hold
// values and name nothing ("web-<*>" vs "<*>"), see bucketKey.
func (c *cluster) score(toks []token, a alignment, p *matchParams) (s matchScore, ok bool) {
	off := 0
	for i := range c.tokens {
		if i == a.skip {
			off = 1
			continue
		}
		ct, mt := &c.tokens[i], &toks[i-off]
		switch {
		case ct.wild:
			if !mt.masked {
				s.wordsOnWild++
			}
			if a.shifted && !isPureValue(mt) {
				s.consts++
			}
		case ct.hash == mt.hash:
			if !ct.masked {
				s.consts++
				s.equal++
			}
		case !ct.masked && !mt.masked:
			// Two plain words: the question minSimilarity is about.
			if i < p.fixedPrefix {
				return s, false
			}
			s.consts++
		case ct.structured && mt.structured && ct.skeleton == mt.skeleton:
			// One value glued to its delimiters.
		case i == 0 && ct.masked && mt.masked && !ct.named && !mt.named:
			// A first token that is a value ("web-<*>" vs "<*>"): the
			// bucket holds only such tokens.
		case ct.structured && mt.structured && ct.keyed && mt.keyed:
			return s, false
		default:
			// A constant against a value, or two words each with a value
			// and different text ("ssh<*>" vs "QUIC<*>"): the words differ.
			s.consts++
		}
	}
	return s, true
}

// isPureValue reports a token that is a value and names nothing: a
// wildcard, or a word whose text is all glued to its value ("web-<*>").
func isPureValue(t *token) bool {
	return t.wild || (t.masked && !t.named && !t.keyed)
}

// absorb generalises the template to hold the message, with the tokens
// aligned as score aligned them: a position whose word differs becomes a
// wildcard, unless it is the same structure around another value. A
// template that changed is marked dirty: Miner.settle gives it the hash of
// its new form.
func (c *cluster) absorb(toks []token, a alignment) {
	off := 0
	for i := range c.tokens {
		if i == a.skip {
			off = 1
			continue
		}
		ct, mt := &c.tokens[i], &toks[i-off]
		switch {
		case ct.wild || ct.hash == mt.hash:
		case ct.structured && mt.structured && ct.skeleton == mt.skeleton:
			// The template already holds the value form ("worker(<*>),").
		default:
			ct.wild = true
			ct.text = ""
			c.dirty = true
		}
	}
}

// absorbCluster generalises c to hold every message of o, a cluster of the
// same length: a position where the two templates differ becomes a
// wildcard, as absorb does for a message.
func (c *cluster) absorbCluster(o *cluster) {
	for i := range c.tokens {
		ct, ot := &c.tokens[i], &o.tokens[i]
		switch {
		case ct.wild:
		case ot.wild:
			ct.wild, ct.text, c.dirty = true, "", true
		case ct.hash == ot.hash:
		case ct.structured && ot.structured && ct.skeleton == ot.skeleton:
		default:
			ct.wild, ct.text, c.dirty = true, "", true
		}
	}
}

// valueForm writes tok with every part between delimiters that holds a
// value as one wildcard: "worker(alpha<*>)," -> "worker(<*>),".
func valueForm(t *tokenizer, tok token) string {
	var b strings.Builder
	part := -1 // start in b of the part being written
	hasValue := false
	closePart := func() {
		if part >= 0 && hasValue {
			s := b.String()[:part]
			b.Reset()
			b.WriteString(s)
			b.WriteString(Wildcard)
		}
		part, hasValue = -1, false
	}
	for _, pc := range t.pieces[tok.p0:tok.p1] {
		switch {
		case pc.wild:
			if part < 0 {
				part = b.Len()
			}
			hasValue = true
		case pc.space:
			closePart()
			b.WriteByte(' ')
		default:
			for i := pc.start; i < pc.end; i++ {
				c := t.msg[i]
				if isDelimiter(c) {
					closePart()
				} else if part < 0 {
					part = b.Len()
				}
				b.WriteByte(c)
			}
		}
	}
	closePart()
	return b.String()
}
