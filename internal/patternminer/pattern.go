// SPDX-License-Identifier: Apache-2.0

package patternminer // import "github.com/otelcol-node/otelcol-node/internal/patternminer"

// Wildcard stands for a variable part of a message in a template.
const Wildcard = "<*>"

// Pattern is the group a message was put in.
type Pattern struct {
	// ID names the cluster inside this miner for its whole life: it never
	// changes while the cluster lives and is never reused. It is not
	// comparable across miners; use Hash for that.
	ID uint64
	// Hash is 16 lowercase hex digits: a function of the cluster's current
	// canonical template and AlgorithmVersion only, so every node that
	// learned the same pattern gives it the same hash, whatever order its
	// messages came in. It changes when the template generalises or two
	// clusters merge; each change is reported once by Miner.Renames, so a
	// counter keyed by the hash can be moved to the new key.
	Hash string
	// Template is the cluster's template at the time of the call, such as
	// "Connection from <*> port <*>".
	Template string
}

// Rename says that the messages counted so far under From belong to the
// pattern whose hash is now To. To may be the hash of another pattern
// already counted: the two are then one pattern and their counts add up.
type Rename struct {
	From, To string
}

// Stats counts what a miner saw and what its caps dropped.
type Stats struct {
	Messages        uint64 // messages added
	Patterns        int    // clusters alive now
	Created         uint64 // clusters ever created
	Evicted         uint64 // clusters evicted at MaxPatterns
	Merged          uint64 // clusters merged into another (one pattern found to be the same as another)
	Renamed         uint64 // hash changes reported by Renames
	RenamesDropped  uint64 // hash changes dropped because Renames was not called for too long
	TruncatedBytes  uint64 // messages cut at MaxMessageBytes
	TruncatedTokens uint64 // messages cut at MaxTokens
	InvalidUTF8     uint64 // messages holding invalid UTF-8 (kept, bytes are not decoded)
	CacheResets     uint64 // times the message-shape cache was full and dropped
	KeyNamesDropped uint64 // key names not learned because maxKeyNames were known
}
