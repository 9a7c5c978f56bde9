// SPDX-License-Identifier: Apache-2.0

// Package loghubtest reads the shared LogHub-2k copy for the pattern
// miner's accuracy tests and for benchmarks over real log lines. It is
// used by tests only.
//
// The copy lives outside the repository, in ../shared/testdata/loghub2k
// next to the checkout, and is read in place: its licence forbids shipping
// it. Under CI=true a missing copy fails the test; elsewhere it skips,
// naming what is missing (internal/testenv).
package loghubtest // import "github.com/otelcol-node/otelcol-node/internal/patternminer/loghubtest"

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"

	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// Dataset is the Content and EventId columns of one
// <Name>_2k.log_structured_corrected.csv, in file order.
type Dataset struct {
	Name     string
	Contents []string
	EventIDs []string
}

// Dir is where the LogHub-2k copy is expected: ../shared/testdata/loghub2k
// from the repository root.
func Dir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return filepath.Join("..", "shared", "testdata", "loghub2k")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
	return filepath.Clean(filepath.Join(root, "..", "shared", "testdata", "loghub2k"))
}

// Load reads every <Dataset>/<Dataset>_2k.log_structured_corrected.csv
// under Dir, sorted by name.
func Load(tb testing.TB) []Dataset {
	tb.Helper()
	dir := Dir()
	paths, _ := filepath.Glob(filepath.Join(dir, "*", "*_2k.log_structured_corrected.csv"))
	testenv.Require(tb, len(paths) > 0, "LogHub-2k data (*_2k.log_structured_corrected.csv) in "+dir)
	sort.Strings(paths)
	sets := make([]Dataset, 0, len(paths))
	for _, p := range paths {
		ds, err := readStructuredCSV(p)
		if err != nil {
			tb.Fatalf("reading %s: %v", p, err)
		}
		sets = append(sets, ds)
	}
	return sets
}

func readStructuredCSV(path string) (Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return Dataset{}, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return Dataset{}, fmt.Errorf("reading header: %w", err)
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
		return Dataset{}, errors.New("header lacks Content or EventId")
	}
	ds := Dataset{Name: filepath.Base(filepath.Dir(path))}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Dataset{}, err
		}
		ds.Contents = append(ds.Contents, rec[contentCol])
		ds.EventIDs = append(ds.EventIDs, rec[eventCol])
	}
	return ds, nil
}

// Lines joins the Content column of every set, one message per line (a
// newline inside a message becomes a space), repeated until there are at
// least minLines lines, so that a benchmark's steady state (mostly known
// patterns) dominates as it does on a node.
func Lines(sets []Dataset, minLines int) (data []byte, lines int) {
	for lines < minLines {
		for _, ds := range sets {
			for _, c := range ds.Contents {
				for i := 0; i < len(c); i++ {
					if c[i] == '\n' || c[i] == '\r' {
						data = append(data, ' ')
					} else {
						data = append(data, c[i])
					}
				}
				data = append(data, '\n')
				lines++
			}
		}
		if lines == 0 {
			break
		}
	}
	return data, lines
}
