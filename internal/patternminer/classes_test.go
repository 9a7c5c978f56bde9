// SPDX-License-Identifier: Apache-2.0

package patternminer

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The tests in this file hold one scenario each for the ways a miner can
// split one event or merge two. Every line was written for the test; none
// comes from a public log collection.

// sameHash adds msgs to one miner in order, asserts they are counted under
// one hash once the renames are applied, and returns the pattern of the
// last one.
func sameHash(t *testing.T, m *Miner, msgs ...string) Pattern {
	t.Helper()
	m.Renames()
	counted := countedUnder(m, msgs[:len(msgs)-1])
	p := m.Add(msgs[len(msgs)-1])
	for _, r := range m.Renames() {
		for i, h := range counted {
			if h == r.From {
				counted[i] = r.To
			}
		}
	}
	for i, h := range counted {
		assert.Equal(t, p.Hash, h, "%q should join %q", msgs[i], msgs[len(msgs)-1])
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
	// One word that differs among them is a value that is a word once a
	// fourth word has been seen in its place (TestWordsThatTakeManyValues).
	c := sameHash(t, m,
		"replica sync step 5 wrote journal entries to the standby node now",
		"replica sync step 6 wrote journal blocks to the standby node now",
		"replica sync step 7 wrote journal records to the standby node now",
		"replica sync step 9 wrote journal frames to the standby node now",
	)
	assert.Equal(t, "replica sync step <*> wrote journal <*> to the standby node now", c.Template)
	assert.NotEqual(t, c.Hash, m.Add("replica sync step 8 wrote index pages to the standby node now").Hash)
}

// TestWordWithDigitsAgainstPlainWord: a plain word and a word with digits
// in it, in one place of otherwise equal messages, are two words: they stay
// two events until a fourth word is seen there, as plain words do. Two
// words that each hold digits in their own shape are one value.
func TestWordWithDigitsAgainstPlainWord(t *testing.T) {
	m := newTestMiner(t)
	tls := m.Add("tunnel 7 to gateway opened over HTTPS")
	socks := m.Add("tunnel 8 to gateway opened over SOCKS5")
	assert.NotEqual(t, tls.Hash, socks.Hash, "two protocols are two events")
	assert.Equal(t, "tunnel <*> to gateway opened over SOCKS<*>", socks.Template)
	assert.Equal(t, tls.Hash, m.Add("tunnel 9 to gateway opened over HTTPS").Hash)
	p := sameHash(t, m,
		"tunnel 10 to gateway opened over HTTPS",
		"tunnel 11 to gateway opened over SOCKS5",
		"tunnel 12 to gateway opened over QUIC",
		"tunnel 13 to gateway opened over WireGuard",
	)
	assert.Equal(t, "tunnel <*> to gateway opened over <*>", p.Template, "a fourth word makes the place a variable")

	m = newTestMiner(t)
	assert.Equal(t, "replica <*> lagging behind primary",
		sameHash(t, m, "replica node-17 lagging behind primary", "replica node-K4 lagging behind primary").Template)
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

// TestPlainWordVariable: a plain word that varies among otherwise equal
// messages becomes a wildcard once four words have been seen in its place,
// wherever it is after the first word.
func TestPlainWordVariable(t *testing.T) {
	m := newTestMiner(t)
	p := sameHash(t, m,
		"removing stale entry nginx from pool",
		"removing stale entry redis from pool",
		"removing stale entry postgres from pool",
		"removing stale entry memcached from pool",
	)
	assert.Equal(t, "removing stale entry <*> from pool", p.Template)
	assert.Equal(t, p.Hash, m.Add("removing stale entry kafka from pool").Hash)
	assert.NotEqual(t, m.Add("Failed login for admin").Hash, m.Add("Failed lookup for admin").Hash)
}

// TestWordsThatTakeManyValues: whether a differing word names the event or
// is a value is decided by how many words take its place among otherwise
// equal messages, not by the second message: two words ("stored as
// bytes" / "stored as values") are two events, and so are three (an
// enumeration: "state LOOKING" / "LEADING" / "FOLLOWING", axes "x" / "y" /
// "z"); a fourth makes the place a variable. The same holds for the leading words, which no share of equal
// words may merge.
func TestWordsThatTakeManyValues(t *testing.T) {
	m := newTestMiner(t)
	bytes := m.Add("chunk 7 kept as bytes in the local spill area")
	values := m.Add("chunk 8 kept as values in the local spill area")
	assert.NotEqual(t, bytes.Hash, values.Hash, "two words in one place may be two events")
	assert.Equal(t, bytes.Hash, m.Add("chunk 9 kept as bytes in the local spill area").Hash)
	records := m.Add("chunk 10 kept as records in the local spill area")
	assert.Equal(t, "chunk <*> kept as records in the local spill area", records.Template,
		"three words in one place may be three events")
	objects := m.Add("chunk 11 kept as objects in the local spill area")
	assert.Equal(t, "chunk <*> kept as <*> in the local spill area", objects.Template)
	renamed := map[string]string{}
	for _, r := range m.Renames() {
		renamed[r.From] = r.To
	}
	assert.Equal(t, objects.Hash, renamed[bytes.Hash])
	assert.Equal(t, objects.Hash, renamed[values.Hash])
	assert.Equal(t, objects.Hash, renamed[records.Hash])

	// A leading word: "Reloading" names the event; what follows it varies.
	m = newTestMiner(t)
	p := sameHash(t, m,
		"Reloading nginx configuration from disk after change",
		"Reloading envoy configuration from disk after change",
		"Reloading haproxy configuration from disk after change",
		"Reloading traefik configuration from disk after change",
	)
	assert.Equal(t, "Reloading <*> configuration from disk after change", p.Template)
}

// TestShortMessagesWithPlainWordValue: a message too short for a share of
// equal words ("removing nginx") finds its siblings by context: the clusters
// equal to it everywhere but in one word. Four words merge them. The first
// word is never such a place: it names the event.
func TestShortMessagesWithPlainWordValue(t *testing.T) {
	m := newTestMiner(t)
	first := m.Add("removing nginx")
	second := m.Add("removing redis")
	assert.NotEqual(t, first.Hash, second.Hash)
	assert.NotEqual(t, first.Hash, m.Add("removing postgres").Hash)
	p := sameHash(t, m, "removing nginx", "removing redis", "removing postgres", "removing memcached")
	assert.Equal(t, "removing <*>", p.Template)
	assert.Equal(t, p.Hash, m.Add("removing kafka").Hash)
	assert.NotEqual(t, p.Hash, m.Add("removing nginx now").Hash, "another length is another shape")

	sameHash(t, m, "Started session for alice", "Started session for bob", "Started session for carol",
		"Started session for dave")
	sameHash(t, m, "cache warmup done on east", "cache warmup done on west", "cache warmup done on north",
		"cache warmup done on south")

	hashes := map[string]bool{}
	for _, daemon := range []string{"cupsd", "sshd", "crond", "ntpd"} {
		hashes[m.Add(daemon+" startup succeeded").Hash] = true
	}
	assert.Len(t, hashes, 4, "first words name events")
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

// TestWordAfterAKeyName: a source that writes "user=root" somewhere says
// that the word after "user" is a value; where it writes the user as a plain
// word, two users make the place a variable, without waiting for four. The
// merge is the same whether the key or the users come first, and a word
// after a name the source never used as a key still waits.
func TestWordAfterAKeyName(t *testing.T) {
	const alice, bob = "session opened for user alice by (uid=0)", "session opened for user bob by (uid=1000)"
	const keyed = "authentication failure; tty=pts0 User=root"

	m := newTestMiner(t)
	m.Add(keyed)
	p := sameHash(t, m, alice, bob)
	assert.Equal(t, "session opened for user <*> by (uid=<*>)", p.Template)
	short := sameHash(t, m, "deleted user carol", "deleted user dave")
	assert.Equal(t, "deleted user <*>", short.Template, "short messages, found by context")

	late := newTestMiner(t)
	a, b := late.Add(alice), late.Add(bob)
	assert.NotEqual(t, a.Hash, b.Hash, "before the key is seen, two words may be two events")
	late.Renames()
	late.Add(keyed)
	assert.ElementsMatch(t, []Rename{{a.Hash, p.Hash}, {b.Hash, p.Hash}}, late.Renames(),
		"learning the key merges the words waiting after it")
	assert.Equal(t, p.Hash, late.Add(alice).Hash)
	checkInvariants(t, late)

	assert.NotEqual(t, m.Add("cache hit for entry 7").Hash, m.Add("cache miss for entry 7").Hash,
		"a word that follows no key name keeps waiting")
}

// TestKeyNamesAreBounded: a miner remembers maxKeyNames key names and
// counts the others.
func TestKeyNamesAreBounded(t *testing.T) {
	m := newTestMiner(t)
	extra := 10
	for i := range maxKeyNames + extra {
		m.Add(fmt.Sprintf("option opt%c%c=%d set", 'a'+i/26, 'a'+i%26, i))
	}
	assert.Len(t, m.keyNames, maxKeyNames)
	assert.EqualValues(t, extra, m.Stats().KeyNamesDropped)
}
