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
}

// defaultMatchParams are the values every miner uses. The
// leave-one-dataset-out protocol of TestGroupingAccuracyLoghub2k chooses
// them for each of the 8 LogHub-2k sets from the other 7 (design.md has the
// table; some neighbours tie with them).
var defaultMatchParams = matchParams{
	minSimilarity:  0.75,
	fixedPrefix:    2,
	maxDifferences: 1,
}
