// SPDX-License-Identifier: Apache-2.0

package patternminer

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// syntheticPatterns generate messages of one event each, with values of
// every kind the miner recognises: numbers, addresses, paths, ids, a value
// in the first token, values glued to delimiters, logfmt and JSON. The
// values differ between messages, and so does which message of a pattern
// comes first in each order below.
var syntheticPatterns = []func(r *rand.Rand) string{
	func(r *rand.Rand) string {
		return fmt.Sprintf("Connection from 10.%d.%d.%d port %d", r.IntN(256), r.IntN(256), r.IntN(256), 1024+r.IntN(60000))
	},
	func(r *rand.Rand) string {
		first := []string{"web-%d:8443", "db-%d:5432", "10.0.0.%d:80", "cache%d"}[r.IntN(4)]
		return fmt.Sprintf(first+" accepted connection from 192.168.1.%d", r.IntN(100), r.IntN(256))
	},
	func(r *rand.Rand) string {
		worker := []string{"alpha%d", "beta%d", "%d"}[r.IntN(3)]
		return fmt.Sprintf("task finished on worker("+worker+"), status ok", r.IntN(50))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("disk /dev/sd%c%d at %d%% after %dms", 'a'+rune(r.IntN(4)), r.IntN(9), r.IntN(100), r.IntN(5000))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf(`{"level":"info","ts":%d.%03d,"msg":"cache refreshed in %dms","entries":%d}`,
			1700000000+r.IntN(1e6), r.IntN(1000), r.IntN(900), r.IntN(1e5))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("session %08x-%04x-4%03x-a%03x-%012x expired after %ds", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12),
			r.IntN(1<<12), r.Uint64()&(1<<48-1), r.IntN(3600))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf(`level=warn msg="queue is full" queue=jobs-%d depth=%d`, r.IntN(20), r.IntN(1e4))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("GET /api/v1/items/%d?page=%d took %d.%dms", r.IntN(1e6), r.IntN(50), r.IntN(100), r.IntN(10))
	},
}

// TestHashAgreesAcrossOrders feeds the same lines to miners in different
// orders and interleavings, as nodes see them: every line must get the
// same hash from every miner, and each pattern exactly one hash. The hash
// is a function of the pattern's canonical constant structure, not of
// which of its messages came first.
func TestHashAgreesAcrossOrders(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	const perPattern = 60
	type line struct {
		pattern int
		msg     string
	}
	var byPattern [][]line
	for p, gen := range syntheticPatterns {
		var ls []line
		for range perPattern {
			ls = append(ls, line{p, gen(r)})
		}
		byPattern = append(byPattern, ls)
	}
	orders := map[string][]line{}
	for _, ls := range byPattern {
		orders["pattern by pattern"] = append(orders["pattern by pattern"], ls...)
	}
	reversed := slices.Clone(orders["pattern by pattern"])
	slices.Reverse(reversed)
	orders["reversed"] = reversed
	for seed := range uint64(3) {
		shuffled := slices.Clone(orders["pattern by pattern"])
		rand.New(rand.NewPCG(seed, 99)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		orders[fmt.Sprintf("shuffled %d", seed)] = shuffled
	}
	var interleaved []line // round robin, patterns in reverse order
	for i := range perPattern {
		for p := len(byPattern) - 1; p >= 0; p-- {
			interleaved = append(interleaved, byPattern[p][perPattern-1-i])
		}
	}
	orders["interleaved"] = interleaved

	want := map[string]string{} // message -> hash, from the first order run
	var wantFrom string
	for _, name := range slices.Sorted(maps.Keys(orders)) {
		m := newTestMiner(t)
		hashOf := map[int]map[string]bool{}
		for _, l := range orders[name] {
			h := m.Add(l.msg).Hash
			if hashOf[l.pattern] == nil {
				hashOf[l.pattern] = map[string]bool{}
			}
			hashOf[l.pattern][h] = true
			if w, ok := want[l.msg]; ok {
				require.Equal(t, w, h, "%q: hash in order %q differs from order %q", l.msg, name, wantFrom)
			} else {
				want[l.msg] = h
			}
		}
		if wantFrom == "" {
			wantFrom = name
		}
		for p, hs := range hashOf {
			assert.Len(t, hs, 1, "order %q: pattern %d (%q) got several hashes", name, p, byPattern[p][0].msg)
		}
		assert.Equal(t, len(syntheticPatterns), m.Stats().Patterns, "order %q", name)
	}
}

// TestHashAgreesWhenAnotherSetCameFirst: a node that saw other logs before
// gives a set's lines the hashes a fresh node gives them. For every
// ordered pair of LogHub-2k sets (A, B), B mined after A must get, line
// for line, the hashes B gets alone.
func TestHashAgreesWhenAnotherSetCameFirst(t *testing.T) {
	sets := loadLoghub(t)
	alone := make([][]string, len(sets))
	for d, ds := range sets {
		m := newTestMiner(t)
		for _, c := range ds.contents {
			alone[d] = append(alone[d], m.Add(c).Hash)
		}
	}
	pairs, changedPairs := 0, 0
	for a := range sets {
		for b := range sets {
			if a == b {
				continue
			}
			pairs++
			m := newTestMiner(t)
			for _, c := range sets[a].contents {
				m.Add(c)
			}
			changed := 0
			for i, c := range sets[b].contents {
				if m.Add(c).Hash != alone[b][i] {
					changed++
				}
			}
			if changed > 0 {
				changedPairs++
				t.Errorf("%s after %s: %d of %d lines of %s changed hash", sets[b].name, sets[a].name, changed,
					len(sets[b].contents), sets[b].name)
			}
		}
	}
	t.Logf("%d ordered pairs of data sets, %d changed the second set's hashes", pairs, changedPairs)
}
