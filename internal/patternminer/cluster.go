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
	// dirty is set when the template generalised and the hash has not
	// been recomputed yet (Miner.settle).
	dirty bool
	// mergedInto is the cluster this one was merged into, for entries of
	// the shape cache that still point here.
	mergedInto *cluster
	// groups are the sibling groups this cluster is a member of.
	groups []*siblingGroup
	// prev and next link the clusters from most to least recently used.
	prev, next *cluster
}

// clusterToken is one template position.
type clusterToken struct {
	hash       uint64
	wild       bool   // any message token matches here
	masked     bool   // the token had a variable part at creation
	structured bool   // ... and delimiters in its constant part
	keyed      bool   // ... one of which is a '=' naming a value
	named      bool   // ... and a part of text not glued to a value
	skeleton   uint64 // delimiters, texts and values of a structured token
	text       string // masked text of the token, for the template string
}

// bucketKey groups clusters that may match each other: messages of one
// pattern have the same number of tokens, and their first token is the
// most reliable constant (it names the event more often than any other), so
// clusters whose first plain words differ are never merged, as in Drain. A
// first token that holds a value ("host-3:8080", "app.exe") names nothing:
// all such messages share one bucket (first is maskedFirst), or every value
// would open a pattern of its own.
type bucketKey struct {
	n     int
	first uint64
}

// newCluster makes a cluster of the message in t. Its template is the
// message's canonical form: the form the matching rule cannot tell from
// other values in the same place, so that the hash does not depend on
// which of a pattern's messages came first. A first token that is a value
// and names nothing ("web-3:8443") is one wildcard, and the text glued to
// a value inside delimiters is part of the value ("worker(alpha1)," ->
// "worker(<*>),"); see score.
func newCluster(t *tokenizer, key bucketKey, id uint64) *cluster {
	c := &cluster{key: key, alive: true, tokens: make([]clusterToken, len(t.tokens))}
	for i, tok := range t.tokens {
		ct := clusterToken{
			hash: tok.hash, wild: tok.wild, masked: tok.masked, structured: tok.structured, keyed: tok.keyed,
			named: tok.named, skeleton: tok.skeleton,
		}
		switch {
		case tok.wild || (i == 0 && isPureValue(&tok)):
			ct.wild = true
		case tok.structured:
			ct.text = valueForm(t, tok)
		default:
			ct.text = tokenText(t, tok)
		}
		c.tokens[i] = ct
	}
	tmpl := c.template()
	c.pattern = Pattern{ID: id, Hash: hashTemplate(tmpl), Template: tmpl}
	return c
}

// resolve follows the clusters c was merged into to the one that holds
// its messages now.
func resolve(c *cluster) *cluster {
	for c.mergedInto != nil {
		c = c.mergedInto
	}
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

// maskedFirst is bucketKey.first for messages whose first token holds a
// value.
const maskedFirst = wildHash ^ 0x5bd1e9955bd1e995

func newBucketKey(toks []token) bucketKey {
	key := bucketKey{n: len(toks)}
	if len(toks) > 0 {
		key.first = toks[0].hash
		if toks[0].masked && !toks[0].named {
			key.first = maskedFirst
		}
	}
	return key
}
