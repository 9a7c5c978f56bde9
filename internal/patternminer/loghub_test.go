// SPDX-License-Identifier: Apache-2.0

package patternminer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// loghubDir is the shared LogHub-2k copy; it is read in place, never copied
// into the repository (its licence forbids shipping it).
const loghubDir = "../../../shared/testdata/loghub2k"

// loghubDataset is the Content and EventId columns of one corrected CSV.
type loghubDataset struct {
	name     string
	contents []string
	eventIDs []string
}

// loadLoghub reads every <Dataset>/<Dataset>_2k.log_structured_corrected.csv.
// Under CI=true a missing data set fails the test; elsewhere it skips.
func loadLoghub(tb testing.TB) []loghubDataset {
	tb.Helper()
	paths, _ := filepath.Glob(filepath.Join(loghubDir, "*", "*_2k.log_structured_corrected.csv"))
	testenv.Require(tb, len(paths) > 0, "LogHub-2k data in "+loghubDir)
	sort.Strings(paths)
	sets := make([]loghubDataset, 0, len(paths))
	for _, p := range paths {
		ds, err := readStructuredCSV(p)
		if err != nil {
			tb.Fatalf("reading %s: %v", p, err)
		}
		sets = append(sets, ds)
	}
	return sets
}

func readStructuredCSV(path string) (loghubDataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return loghubDataset{}, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return loghubDataset{}, fmt.Errorf("reading header: %w", err)
	}
	contentCol, eventCol := -1, -1
	for i, h := range header {
		switch h {
		case "Content":
			contentCol = i
		case "EventId":
			eventCol = i
		}
	}
	if contentCol < 0 || eventCol < 0 {
		return loghubDataset{}, errors.New("header lacks Content or EventId")
	}
	ds := loghubDataset{name: filepath.Base(filepath.Dir(path))}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return loghubDataset{}, err
		}
		ds.contents = append(ds.contents, rec[contentCol])
		ds.eventIDs = append(ds.eventIDs, rec[eventCol])
	}
	return ds, nil
}
