// SPDX-License-Identifier: Apache-2.0

package patternminer

import (
	"testing"

	"github.com/otelcol-node/otelcol-node/internal/patternminer/loghubtest"
)

// loghubDataset is the Content and EventId columns of one corrected CSV.
type loghubDataset struct {
	name     string
	contents []string
	eventIDs []string
}

// loadLoghub reads the shared LogHub-2k copy (loghubtest.Load): under
// CI=true a missing copy fails the test; elsewhere it skips.
func loadLoghub(tb testing.TB) []loghubDataset {
	tb.Helper()
	var sets []loghubDataset
	for _, ds := range loghubtest.Load(tb) {
		sets = append(sets, loghubDataset{name: ds.Name, contents: ds.Contents, eventIDs: ds.EventIDs})
	}
	return sets
}
