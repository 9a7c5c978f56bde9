// SPDX-License-Identifier: Apache-2.0

package patternminer // import "github.com/otelcol-node/otelcol-node/internal/patternminer"

// Key names: a source that writes "user=root" in one message says that
// what follows the word "user" is a value, and it often writes the same
// value as a plain word elsewhere ("session opened for user alice"). Such
// a word cannot be told from a word that names the event by counting how
// many words take its place (siblings.go) when the source has only two or
// three users; the key it was given elsewhere tells. So a miner learns the
// names of the keys it meets in key=value words, and a position right
// after a word that is one of those names becomes a variable as soon as
// two words differ there, without waiting for deferValues or siblingValues
// words. The names come from the source itself, not from a list: "user",
// "host" or "pid" count only where the source used them as keys.
//
// The merge does not depend on whether the key or the values came first:
// learning a name merges the sibling groups already waiting after it
// (mergeGroupsAfterKey), so every order ends with the same template.

// maxKeyNames bounds the key names a miner remembers; names beyond it are
// counted in Stats.KeyNamesDropped and change nothing.
const maxKeyNames = 256

// learnKeyNames remembers the key names of the keyed words of toks and
// merges the sibling groups that wait after a name learned now.
func (m *Miner) learnKeyNames(toks []token) {
	for i := range toks {
		if !toks[i].keyed {
			continue
		}
		for _, pc := range m.tok.pieces[toks[i].p0:toks[i].p1] {
			if pc.wild || pc.space {
				continue
			}
			lit := m.tok.msg[pc.start:pc.end]
			for j := 0; j < len(lit); j++ {
				if lit[j] == '=' {
					m.learnKeyName(keyNameBefore(lit, j))
				}
			}
		}
	}
}

func (m *Miner) learnKeyName(name string) {
	if name == "" {
		return
	}
	h := foldedHash(name)
	if _, ok := m.keyNames[h]; ok {
		return
	}
	if len(m.keyNames) >= maxKeyNames {
		m.stats.KeyNamesDropped++
		return
	}
	m.keyNames[h] = struct{}{}
	m.mergeGroupsAfterKey()
}

// keyNameBefore returns the name that ends at lit[eq], the '=' of a
// key=value pair: the letters, digits, '_', '-' and '.' before it, without
// leading punctuation ("--user=" and "user=" name the same key). A name
// with no letter ("1=") is none.
func keyNameBefore(lit string, eq int) string {
	start := eq
	for start > 0 && isKeyNameByte(lit[start-1]) {
		start--
	}
	for start < eq && charClass[lit[start]]&(clLower|clUpper) == 0 {
		start++
	}
	return lit[start:eq]
}

func isKeyNameByte(c byte) bool {
	return charClass[c]&(clLower|clUpper|clDigit) != 0 || c == '_' || c == '-' || c == '.'
}

// foldedHash is FNV-1a of s with ASCII letters lowercased: "User" after a
// "user=" key is the same name.
func foldedHash(s string) uint64 {
	h := uint64(fnvOffset64)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if charClass[c]&clUpper != 0 {
			c |= 0x20
		}
		h = (h ^ uint64(c)) * fnvPrime64
	}
	return h
}

// keyBefore reports whether the plain word at pos-1 of c is a learned key
// name ("user", or "user:").
func (m *Miner) keyBefore(c *cluster, pos int) bool {
	if len(m.keyNames) == 0 || pos < 1 || pos > len(c.tokens) {
		return false
	}
	prev := &c.tokens[pos-1]
	if prev.wild || prev.masked {
		return false
	}
	name := prev.text
	if n := len(name); n > 1 && name[n-1] == ':' {
		name = name[:n-1]
	}
	_, ok := m.keyNames[foldedHash(name)]
	return ok
}

// mergeGroupsAfterKey merges every sibling group of two clusters or more
// whose position follows a learned key name. Only groups after the name
// learned just now can be waiting: after a known name the second word
// merges at once.
func (m *Miner) mergeGroupsAfterKey() {
	var waiting []*siblingGroup
	for c := m.head; c != nil; c = c.next {
		for _, g := range c.groups {
			if len(g.members) < 2 || g.members[0] != c {
				continue // each group once, through its first member
			}
			if m.keyBefore(c, g.pos) {
				waiting = append(waiting, g)
			}
		}
	}
	for _, g := range waiting {
		if len(g.members) >= 2 {
			m.mergeGroup(g, nil, sameLength)
		}
	}
}
