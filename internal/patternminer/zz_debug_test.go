package patternminer

import (
	"fmt"
	"os"
	"sort"
	"testing"
)

func TestZZDebugErrors(t *testing.T) {
	want := os.Getenv("DS")
	for _, ds := range loadLoghub(t) {
		if ds.name != want {
			continue
		}
		m, _ := newWithParams(DefaultConfig(), defaultMatchParams)
		pred := countedUnder(m, ds.contents)
		byPred := map[string][]int{}
		byTruth := map[string][]int{}
		for i := range pred {
			byPred[pred[i]] = append(byPred[pred[i]], i)
			byTruth[ds.eventIDs[i]] = append(byTruth[ds.eventIDs[i]], i)
		}
		type bad struct{ kind, key string; n int }
		var bads []bad
		// merges: predicted groups with >1 truth
		for h, idx := range byPred {
			truths := map[string]int{}
			for _, i := range idx { truths[ds.eventIDs[i]]++ }
			if len(truths) > 1 { bads = append(bads, bad{"MERGE", h, len(idx)}) }
		}
		for e, idx := range byTruth {
			preds := map[string]int{}
			for _, i := range idx { preds[pred[i]]++ }
			if len(preds) > 1 { bads = append(bads, bad{"SPLIT", e, len(idx)}) }
		}
		sort.Slice(bads, func(a, b int) bool { return bads[a].n > bads[b].n })
		for _, b := range bads {
			var idx []int
			if b.kind == "MERGE" { idx = byPred[b.key] } else { idx = byTruth[b.key] }
			fmt.Printf("== %s %s (%d lines)\n", b.kind, b.key, b.n)
			seen := map[string]bool{}
			for _, i := range idx {
				k := ds.eventIDs[i] + "|" + pred[i]
				if seen[k] { continue }
				seen[k] = true
				fmt.Printf("   truth=%s pred=%.8s  %q\n", ds.eventIDs[i], pred[i], ds.contents[i])
				if len(seen) > 8 { break }
			}
		}
	}
}
