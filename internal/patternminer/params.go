// SPDX-License-Identifier: Apache-2.0

package patternminer // import "github.com/otelcol-node/otelcol-node/internal/patternminer"

// matchParams are the constants of the matching rule. They are not part of
// Config: they define the algorithm (and so the hashes), and a user who
// changed them would get hashes no other node agrees with. They live in a
// struct only so that the accuracy test can run its leave-one-dataset-out
// protocol over a grid of values (see design.md, "Accuracy").
type matchParams struct {
	// minSimilarity is the share of a cluster's plain constant positions
	// that must hold the same word for a message to join it. Positions
	// that hold a value on either side (wildcards, masked words) count in
	// neither the share nor its base: a value that matches says nothing
	// about whether two events are the same, so it must not make a merge
	// easier.
	minSimilarity float64
	// fixedPrefix is how many leading plain words must agree for two
	// messages to share a cluster: like Drain's parse tree, the leading
	// words name the event ("Failed password ..." vs "Failed none ...").
	fixedPrefix int
	// maxDifferences is how many plain constants of a cluster may differ
	// from a message that joins it, whatever the share. One is a value
	// that is a word ("user alice" vs "user bob"); two different words in
	// one message ("data read" vs "index written") are more often another
	// event, and a share alone lets them through in long messages.
	maxDifferences int
	// siblingValues is how many different plain words must have been seen
	// in one position among messages equal everywhere else before the
	// position becomes a variable, for messages that fit no cluster (the
	// word is a leading one, or the message is short); 0 turns it off.
	// See siblings.go.
	siblingValues int
	// deferValues is the same count for a message that differs from its
	// best candidate in one plain word only. 2 joins at once (the second
	// word makes the position a variable); more keeps events named by one
	// of a few words apart ("stored as bytes" / "stored as values",
	// "state LOOKING" / "LEADING" / "FOLLOWING"). After a key name the
	// source uses elsewhere, two words are enough for both counts
	// (keynames.go).
	deferValues int
}

// defaultMatchParams are the values every miner uses. The
// leave-one-dataset-out protocol of TestGroupingAccuracyLoghub2k chooses
// them for each of the 8 LogHub-2k sets from the other 7 (design.md has the
// table; some neighbours tie with them). One count, four words, decides
// both sibling paths.
var defaultMatchParams = matchParams{
	minSimilarity:  0.75,
	fixedPrefix:    1,
	maxDifferences: 1,
	siblingValues:  4,
	deferValues:    4,
}
