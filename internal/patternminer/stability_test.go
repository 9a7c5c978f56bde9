// SPDX-License-Identifier: Apache-2.0

package patternminer

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestHashDoesNotChurn replays every LogHub-2k data set twice through one
// miner: the second time, every line must get the hash it got the first
// time, although the clusters grew in between. This is what makes
// pattern_hash a usable counter key.
func TestHashDoesNotChurn(t *testing.T) {
	for _, ds := range loadLoghub(t) {
		m := newTestMiner(t)
		first := make([]string, len(ds.contents))
		for i, c := range ds.contents {
			first[i] = m.Add(c).Hash
		}
		changed := 0
		for i, c := range ds.contents {
			if h := m.Add(c).Hash; h != first[i] {
				changed++
				if changed <= 3 {
					t.Logf("%s line %d: %s then %s: %q", ds.name, i+1, first[i], h, c)
				}
			}
		}
		assert.Zero(t, changed, "%s: lines whose hash changed on replay", ds.name)
	}
}
