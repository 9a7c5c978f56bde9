// SPDX-License-Identifier: Apache-2.0

package patternminer

// groupingAccuracy is the LogPAI grouping accuracy: the share of lines whose
// predicted group holds exactly the same lines as their ground-truth group.
func groupingAccuracy(predicted, truth []string) float64 {
	if len(predicted) != len(truth) || len(truth) == 0 {
		return 0
	}
	// Two partitions agree on a group when the group has the same size in
	// both and every member of the predicted group has the same truth label.
	predSize := map[string]int{}
	truthSize := map[string]int{}
	for i := range predicted {
		predSize[predicted[i]]++
		truthSize[truth[i]]++
	}
	// pair counts how many lines carry a given (predicted, truth) pair.
	type pairKey struct{ p, t string }
	pair := map[pairKey]int{}
	for i := range predicted {
		pair[pairKey{predicted[i], truth[i]}]++
	}
	correct := 0
	for k, n := range pair {
		if n == predSize[k.p] && n == truthSize[k.t] {
			correct += n
		}
	}
	return float64(correct) / float64(len(truth))
}
