// SPDX-License-Identifier: Apache-2.0

package patternminer

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The tests in this file hold one scenario each for the ways a miner can
// split one event or merge two. Every line was written for the test; none
// comes from a public log collection.

// sameHash adds msgs to one miner in order, asserts they share a hash and
// returns the pattern of the last one.
func sameHash(t *testing.T, m *Miner, msgs ...string) Pattern {
	t.Helper()
	p := m.Add(msgs[0])
	for _, msg := range msgs[1:] {
		q := m.Add(msg)
		assert.Equal(t, p.Hash, q.Hash, "%q should join %q", msg, msgs[0])
		p = q
	}
	return p
}

// TestDifferingWordsAreAnotherEvent: a word that holds a value only in
// part ("QUIC3") must not make two events look alike: it counts neither as
// an equal word nor in the base of the share. And however many words agree,
// two that differ make another event.
func TestDifferingWordsAreAnotherEvent(t *testing.T) {
	m := newTestMiner(t)
	up := m.Add("relay link QUIC3 up")
	down := m.Add("relay link QUIC3 down")
	assert.NotEqual(t, up.Hash, down.Hash)
	assert.Equal(t, "relay link QUIC<*> up", m.Add("relay link QUIC4 up").Template)

	// Two words that differ are another event however long the message:
	// nine equal words would pass a share of 75 %.
	m = newTestMiner(t)
	a := m.Add("replica sync step 3 wrote journal entries to the standby node now")
	b := m.Add("replica sync step 4 wrote index pages to the standby node now")
	assert.NotEqual(t, a.Hash, b.Hash)
	// One word that differs among them is a value that is a word.
	c := m.Add("replica sync step 5 wrote journal blocks to the standby node now")
	assert.Equal(t, a.Hash, c.Hash)
	assert.Equal(t, "replica sync step <*> wrote journal <*> to the standby node now", c.Template)
}

// TestValueInFirstToken: when the first token holds a value (a host with
// its port, a script name), messages are not told apart by it.
func TestValueInFirstToken(t *testing.T) {
	m := newTestMiner(t)
	p := sameHash(t, m,
		"web-3:8443 accepted connection from 10.0.0.7",
		"db-12:5432 accepted connection from 10.0.0.9",
		"10.1.1.1:80 accepted connection from 10.0.0.9",
		"cache7 accepted connection from 10.0.0.3",
		"cache:8443 accepted connection from 10.0.0.4",
	)
	assert.Equal(t, "<*> accepted connection from <*>", p.Template)
	sameHash(t, m, "rotate.py finished job 12", "cleanup.sh finished job 7")
	sameHash(t, m, "nginx.service: main process exited, code=exited, status=1/FAILURE",
		"backup.timer: main process exited, code=killed, status=9/KILL")
	// A plain first word still names the event.
	assert.NotEqual(t, p.Hash, m.Add("rejected connection from 10.0.0.9").Hash)
	assert.NotEqual(t, m.Add("sshd[12]: session opened").Hash, m.Add("crond[40]: session opened").Hash,
		"a program name with its pid is a name, not a value")
	assert.NotEqual(t, m.Add("onResume:15 state saved").Hash, m.Add("onPause:16 state saved").Hash,
		"a name with a value after a colon is a name, unless it is a lowercase host name")
}

// TestValueOfVariableTokenCount: a value written with one word more or
// less, in either order, joins the same pattern.
func TestValueOfVariableTokenCount(t *testing.T) {
	m := newTestMiner(t)
	sameHash(t, m,
		"upload of nightly report done: 512 bytes",
		"upload of nightly report done: 2048 bytes (2 KB)",
		"upload of nightly report done: 0 bytes",
	)
	m = newTestMiner(t)
	sameHash(t, m,
		"upload of nightly report done: 4096 bytes (4 KB)",
		"upload of nightly report done: 12 bytes",
	)
	m = newTestMiner(t)
	p := sameHash(t, m,
		"indexing /srv/share/q3.csv took 3s",
		"indexing /srv/team docs/summary took 5s",
	)
	assert.Equal(t, "indexing <*> took <*>", p.Template)
	// A word, or a key naming a value, is never the optional part.
	assert.NotEqual(t, p.Hash, m.Add("indexing /srv/share/q3.csv took 3s again").Hash)
	k := m.Add("login failed for uid=7 from 10.0.0.1")
	assert.NotEqual(t, k.Hash, m.Add("login failed for uid=7 from 10.0.0.1 tries=3").Hash)
}

// TestValueGluedToDelimiters: a value glued to brackets or commas is one
// value whatever text it carries, but keys and names around values are
// structure.
func TestValueGluedToDelimiters(t *testing.T) {
	m := newTestMiner(t)
	p := sameHash(t, m,
		"task finished on worker(alpha1), status ok",
		"task finished on worker(beta7), status ok",
		"task finished on worker(12), status ok",
	)
	assert.Equal(t, "task finished on worker(<*>), status ok", p.Template)
	m = newTestMiner(t)
	sameHash(t, m,
		"clock stepped to PEER(2), offset 31 ms",
		"clock stepped to 10.9.8.7, offset 2 ms",
	)
	m = newTestMiner(t)
	assert.NotEqual(t, m.Add("quota exceeded (uid=12)").Hash, m.Add("quota exceeded (gid=12)").Hash,
		"keys name the value: another key is another event")
	assert.NotEqual(t, m.Add("limit hit by (uid=3) now").Hash, m.Add("limit hit by SYSTEM(uid=3) now").Hash,
		"a name before the brackets is structure")
}

// TestPlainWordVariable: a plain word that varies after the leading words
// becomes a wildcard; within the leading words it names the event (see
// design.md, Known limits).
func TestPlainWordVariable(t *testing.T) {
	m := newTestMiner(t)
	p := sameHash(t, m,
		"removing stale entry nginx from pool",
		"removing stale entry redis from pool",
		"removing stale entry postgres from pool",
	)
	assert.Equal(t, "removing stale entry <*> from pool", p.Template)
	assert.NotEqual(t, m.Add("Failed login for admin").Hash, m.Add("Failed lookup for admin").Hash)
}

// TestAllWildcardTemplateDoesNotSwallow: a template made of values only
// ("<*> <*>") takes messages made of values only, not a message whose words
// it shares none of.
func TestAllWildcardTemplateDoesNotSwallow(t *testing.T) {
	m := newTestMiner(t)
	values := m.Add("web-3 10.0.0.1")
	assert.Equal(t, "<*> <*>", values.Template)
	assert.Equal(t, values.Hash, m.Add("edge-12 10.0.0.2").Hash)
	assert.NotEqual(t, values.Hash, m.Add("cache7 started").Hash)
}
