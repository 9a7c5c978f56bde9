// SPDX-License-Identifier: Apache-2.0

package patternminer

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	// minAverageGA and minDatasetGA guard against regressions on the
	// LogHub-2k copy (design.md has the table and says why Linux is the
	// lowest). minLODOGA guards the leave-one-dataset-out average, the
	// number that predicts logs never seen here (issue 10 asks for 0.95);
	// it fell below the visible average while the count of words that
	// makes a variable was a trade-off between the sets (design.md,
	// "Accuracy").
	minAverageGA = 0.96
	minDatasetGA = 0.75
	minLODOGA    = 0.95
)

// maxTokensLimit stands for "no limit" in maxDifferences.
const maxTokensLimit = 1 << 30

// paramGrid is every combination of matching constants the
// leave-one-dataset-out protocol may choose from; defaultMatchParams comes
// first so that it wins ties.
func paramGrid() []matchParams {
	grid := []matchParams{defaultMatchParams}
	for _, sim := range []float64{0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9} {
		for _, prefix := range []int{0, 1, 2, 3} {
			for _, diffs := range []int{1, 2, 3, maxTokensLimit} {
				for _, siblings := range []int{0, 2, 3, 4, 6} {
					for _, deferred := range []int{2, 3, 4} {
						p := matchParams{minSimilarity: sim, fixedPrefix: prefix, maxDifferences: diffs,
							siblingValues: siblings, deferValues: deferred}
						if p != defaultMatchParams {
							grid = append(grid, p)
						}
					}
				}
			}
		}
	}
	return grid
}

func (p matchParams) String() string {
	diffs := fmt.Sprint(p.maxDifferences)
	if p.maxDifferences == maxTokensLimit {
		diffs = "any"
	}
	return fmt.Sprintf("minSimilarity=%.2f fixedPrefix=%d maxDifferences=%s siblingValues=%d deferValues=%d",
		p.minSimilarity, p.fixedPrefix, diffs, p.siblingValues, p.deferValues)
}

// variedFromDefault counts the constants of p that differ from the shipped
// ones.
func (p matchParams) variedFromDefault() int {
	d := defaultMatchParams
	n := 0
	for _, differs := range []bool{p.minSimilarity != d.minSimilarity, p.fixedPrefix != d.fixedPrefix,
		p.maxDifferences != d.maxDifferences, p.siblingValues != d.siblingValues, p.deferValues != d.deferValues} {
		if differs {
			n++
		}
	}
	return n
}

// countedUnder mines msgs in order with m and returns, for each message,
// the hash it is counted under at the end: the hash Add returned, moved
// along every Renames entry as a counter keyed by the hash is moved (the
// container_log_pattern receiver and cmd/logpatterns --summary do the same).
func countedUnder(m *Miner, msgs []string) []string {
	lines := map[string][]int{}
	for i, msg := range msgs {
		h := m.Add(msg).Hash
		lines[h] = append(lines[h], i)
		for _, r := range m.Renames() {
			lines[r.To] = append(lines[r.To], lines[r.From]...)
			delete(lines, r.From)
		}
	}
	out := make([]string, len(msgs))
	for h, idx := range lines {
		for _, i := range idx {
			out[i] = h
		}
	}
	return out
}

// datasetGA mines one data set online with a fresh miner and scores the
// hash each line is counted under at the end (countedUnder).
func datasetGA(t testing.TB, ds loghubDataset, p matchParams) (ga float64, found int) {
	m, err := newWithParams(DefaultConfig(), p)
	require.NoError(t, err)
	pred := countedUnder(m, ds.contents)
	return groupingAccuracy(pred, ds.eventIDs), countDistinct(pred)
}

// TestGroupingAccuracyLoghub2k feeds the Content column of every
// *_structured_corrected.csv, one message per line, in file order, to a
// fresh miner per data set, and scores the hash each line is counted under
// at the end (countedUnder: renames applied, as a counter keyed by the
// hash sees it) with the LogPAI grouping accuracy. It prints the per-set scores
// with the shipped constants, their average, and the leave-one-dataset-out
// (LODO) scores: for each set, the constants that maximise the average of
// the other seven are chosen from paramGrid, and the held-out set is
// scored with them.
func TestGroupingAccuracyLoghub2k(t *testing.T) {
	sets := loadLoghub(t)
	grid := paramGrid()
	// scores[g][d] is the GA of data set d with grid entry g.
	scores := make([][]float64, len(grid))
	for g, p := range grid {
		scores[g] = make([]float64, len(sets))
		for d, ds := range sets {
			scores[g][d], _ = datasetGA(t, ds, p)
		}
	}

	// lodoChoice is the grid entry chosen for held-out set d among those
	// allowed: the best average over the other sets, ties to the first.
	lodoChoice := func(d int, allowed func(matchParams) bool) int {
		best, bestAvg := 0, -1.0
		for g := range grid {
			if !allowed(grid[g]) {
				continue
			}
			avg := 0.0
			for o := range sets {
				if o != d {
					avg += scores[g][o]
				}
			}
			if avg > bestAvg+1e-12 {
				best, bestAvg = g, avg
			}
		}
		return best
	}
	// The sibling counts re-chosen too (all five constants), or kept at the
	// shipped values (the three constants of version 2, for comparison).
	all := func(matchParams) bool { return true }
	threeOnly := func(p matchParams) bool {
		return p.siblingValues == defaultMatchParams.siblingValues && p.deferValues == defaultMatchParams.deferValues
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %6s %6s %7s   %7s %7s  %s\n", "dataset", "truth", "found", "GA", "LODO", "LODO-3",
		"constants chosen on the other sets")
	sum, lodoSum, lodo3Sum := 0.0, 0.0, 0.0
	for d, ds := range sets {
		ga, found := datasetGA(t, ds, defaultMatchParams)
		sum += ga
		best := lodoChoice(d, all)
		lodo, lodo3 := scores[best][d], scores[lodoChoice(d, threeOnly)][d]
		lodoSum += lodo
		lodo3Sum += lodo3
		fmt.Fprintf(&b, "%-10s %6d %6d %7.4f   %7.4f %7.4f  %v\n", ds.name, countDistinct(ds.eventIDs), found, ga, lodo, lodo3,
			grid[best])
		assert.GreaterOrEqual(t, ga, minDatasetGA, "grouping accuracy on %s", ds.name)
	}
	avg := sum / float64(len(sets))
	lodoAvg := lodoSum / float64(len(sets))
	fmt.Fprintf(&b, "%-10s %6s %6s %7.4f   %7.4f %7.4f  (shipped: %v)\n", "average", "", "", avg, lodoAvg,
		lodo3Sum/float64(len(sets)), defaultMatchParams)
	fmt.Fprintf(&b, "LODO: all five constants re-chosen; LODO-3: only minSimilarity, fixedPrefix, maxDifferences\n")
	// The average with one constant varied at a time shows whether the
	// shipped values sit on a knife's edge.
	fmt.Fprintf(&b, "\naverage GA with one constant varied:\n")
	for g, p := range grid {
		if p.variedFromDefault() > 1 {
			continue
		}
		gs := 0.0
		for d := range sets {
			gs += scores[g][d]
		}
		fmt.Fprintf(&b, "  %v  %.4f\n", p, gs/float64(len(sets)))
	}
	t.Log("grouping accuracy on LogHub-2k (corrected ground truth), per set and leave-one-dataset-out:\n" + b.String())
	assert.GreaterOrEqual(t, avg, minAverageGA, "average grouping accuracy")
	assert.GreaterOrEqual(t, lodoAvg, minLODOGA, "leave-one-dataset-out average grouping accuracy")
}

func TestGroupingAccuracyMetric(t *testing.T) {
	truth := []string{"a", "a", "b", "b", "c"}
	assert.InDelta(t, 1.0, groupingAccuracy([]string{"x", "x", "y", "y", "z"}, truth), 1e-9)
	// Merging b and c makes all three of their lines wrong.
	assert.InDelta(t, 0.4, groupingAccuracy([]string{"x", "x", "y", "y", "y"}, truth), 1e-9)
	// Splitting a makes both of its lines wrong.
	assert.InDelta(t, 0.6, groupingAccuracy([]string{"x", "w", "y", "y", "z"}, truth), 1e-9)
	assert.Zero(t, groupingAccuracy(nil, nil))
	assert.Zero(t, groupingAccuracy([]string{"x"}, truth))
}

func countDistinct(s []string) int {
	seen := map[string]struct{}{}
	for _, v := range s {
		seen[v] = struct{}{}
	}
	return len(seen)
}
