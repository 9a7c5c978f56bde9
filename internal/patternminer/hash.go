// SPDX-License-Identifier: Apache-2.0

package patternminer // import "github.com/otelcol-node/otelcol-node/internal/patternminer"

import (
	"encoding/hex"
	"hash/fnv"
	"strconv"
)

// AlgorithmVersion is mixed into every hash. Bump it only when a change of
// tokenisation, masking or clustering makes the same message get another
// pattern, so counts keyed by old and new hashes are never summed by mistake.
//
// Version 2: values in the first token, values glued to delimiters and one
// value token more or less join a pattern; the template at creation is
// canonical (newCluster).
//
// Version 3: the hash follows the cluster's current template (a plain word
// that turns out to vary no longer stays in the hash), clusters whose
// templates become equal merge, and words that take several values among
// otherwise equal messages become a variable (siblings.go).
//
// Version 4: a plain word against a word with digits masked in it ("HTTPS" /
// "SOCKS<*>") is a word difference, counted like two plain words, instead of
// a mismatch that one allowed difference let through at once.
//
// Version 5: a word right after a name the source uses as a key elsewhere
// ("for user alice" where "user=root" was seen) is a value from its second
// word (keynames.go); other words need four, not three, different words in
// their place before it becomes a variable.
const AlgorithmVersion = 5

// hashTemplate derives a pattern hash from a cluster's canonical template
// (see newCluster and Miner.settle): FNV-1a 64 of
// "patternminer/v<AlgorithmVersion>\x00" and the template text, as 16
// lowercase hex digits.
func hashTemplate(tmpl string) string {
	h := fnv.New64a()
	h.Write([]byte("patternminer/v" + strconv.Itoa(AlgorithmVersion) + "\x00"))
	h.Write([]byte(tmpl))
	var b [8]byte
	return hex.EncodeToString(h.Sum(b[:0]))
}
