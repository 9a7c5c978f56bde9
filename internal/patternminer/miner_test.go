// SPDX-License-Identifier: Apache-2.0

package patternminer

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestMiner(t testing.TB) *Miner {
	t.Helper()
	m, err := New(DefaultConfig())
	require.NoError(t, err)
	return m
}

// TestGoldenHashes pins the hash of a few messages. A failure here means
// counts keyed by pattern_hash would no longer add up across nodes running
// different versions: bump AlgorithmVersion on purpose and update the
// values, never just the values.
func TestGoldenHashes(t *testing.T) {
	tests := []struct {
		msg      string
		template string
		hash     string
	}{
		{"Connection from 10.0.0.1 port 52311", "Connection from <*> port <*>", "dced3d9828dc3a5b"},
		{"Failed password for root from 5.36.59.76 port 42393 ssh2", "Failed password for root from <*> port <*> ssh<*>", "d7edad31df955372"},
		{"session opened for user cyrus by (uid=0)", "session opened for user cyrus by (uid=<*>)", "3ee55a97df40b3fe"},
		{"Block broadcast_9_piece0 stored as bytes in memory (estimated size 5.2 KB, free 5.2 KB)", "Block <*> stored as bytes in memory (estimated size <*>, free <*>)", "f089d4575dd29faf"},
		{"GET /api/v1/users/42 took 12ms", "GET <*> took <*>", "47401054538c48b7"},
		{`level=info msg="Starting server" addr=:8080`, `level=<*> msg="Starting server" addr=<*>`, "dfade8ed9c04d578"},
	}
	for _, tt := range tests {
		m := newTestMiner(t)
		p := m.Add(tt.msg)
		assert.Equal(t, tt.template, p.Template, tt.msg)
		assert.Equal(t, tt.hash, p.Hash, tt.msg)
	}
}

// TestMasking shows what counts as an obvious variable, one message per
// miner so that no clustering is involved.
func TestMasking(t *testing.T) {
	tests := []struct{ msg, template string }{
		{"plain words stay", "plain words stay"},
		{"took 12ms and 5 s, size 5.2 KB", "took <*> and <*>, size <*>"},
		{"from 10.0.0.1:8080 and [10.0.0.2]:80 and fe80::1ff:fe23:4567:890a", "from <*> and [<*>]:<*> and <*>"},
		{"mac 00:1A:2B:3C:4D:5E ok", "mac <*> ok"},
		{"id 123e4567-e89b-12d3-a456-426614174000 req-1f2e3d4c-77aa", "id <*> req-<*>"},
		{"at Sun Jul  3 10:05:25 2005 UTC", "at <*> UTC"},
		{"open /var/log/app.log and ./x/y and C:\\Windows\\System32\\x.dll", "open <*> and <*> and C:<*>"},
		{"GET https://example.com/a/b?x=1 HTTP/1.1", "GET https:<*> <*>"},
		{"host mail.example.com and db-3.internal.example.com", "host <*> and <*>"},
		{"class org.apache.Foo stays", "class org.apache.Foo stays"},
		{"pod default/web-7d4b9c-xk2p9 read/write", "pod <*> read/write"},
		{"opened backup.exe", "opened <*>"},
		{"uid=0 euid=0 tty= ruser=", "uid=<*> euid=<*> tty=<*> ruser=<*>"},
		{"(uid=0) (reserved) ()", "(uid=<*>) (reserved) (<*>)"},
		{"size = 30 , flag = true", "size = <*> , flag = <*>"},
		{"via ssh2 test9 blk_-1234 blk_99 rdd_2_1 0x1f #3 -17", "via ssh<*> test<*> <*>"},
		{"web-3:8443 up, on worker(alpha1),", "<*> up, on worker(<*>),"},
		{"delete blk_1 blk_2 blk_3 done", "delete <*> done"},
		{"delete core.1 core.2 core-3 done", "delete <*> core-<*> done"},
		{"values 1 2 3 4 done", "values <*> done"},
		{"enabled true, cache null", "enabled <*>, cache <*>"},
		{"state=\"running\" count=3 extras=[] tags=[a,b],", "state=<*> count=<*> extras=<*> tags=<*>,"},
		{"flushed, 0 bytes (1.5 KB) queued, wait <1 sec", "flushed, <*> bytes (<*>) queued, wait <*>"},
		{"uptime 00:02", "uptime <*>"},
		{"mail to alice@example.org from deploy@build-host", "mail to <*> from <*>"},
		{"probe [10.0.0.1] reported (72F)", "probe [<*>] reported (<*>)"},
		{`{"level":"warn","ts":1.5,"msg":"disk /dev/sda1 at 91%","dev":"sda","tags":["a"],"ok":true}`,
			`"level":"warn" "ts":<*> "msg": disk <*> at <*> "dev":"sda" "tags":<*> "ok":<*>`},
		{`{"broken": "json`, `{"broken": "json`},
		{`1.2.3.4 "GET /a/b HTTP/1.1" 200 "Mozilla/5.0 (X11; Linux x86_64)"`, `<*> "GET <*>" <*> "<*>"`},
	}
	for _, tt := range tests {
		m := newTestMiner(t)
		assert.Equal(t, tt.template, m.Add(tt.msg).Template, "%q", tt.msg)
	}
}

func TestSamePatternSameHashAcrossMiners(t *testing.T) {
	a, b := newTestMiner(t), newTestMiner(t)
	a.Add("unrelated message first")
	pa := a.Add("Connection from 10.0.0.1 port 52311")
	pb := b.Add("Connection from 192.168.7.7 port 22")
	assert.Equal(t, pa.Hash, pb.Hash, "the hash depends on the pattern, not on the miner's history or the values")
	assert.Equal(t, pa.Template, pb.Template)
	assert.NotEqual(t, pa.ID, pb.ID, "the ID is local to a miner")
}

// TestHashFollowsTemplate: when a plain word turns out to be a value, the
// template generalises, the cluster keeps its ID, and its hash becomes that
// of the new template; Renames reports the change once so that counts
// keyed by the old hash can be moved.
func TestHashFollowsTemplate(t *testing.T) {
	m := newTestMiner(t)
	alice := m.Add("session closed for user alice")
	assert.Equal(t, "session closed for user alice", alice.Template)
	bob := m.Add("session closed for user bob")
	assert.NotEqual(t, alice.Hash, bob.Hash, "two words may be two events")
	carol := m.Add("session closed for user carol")
	assert.NotEqual(t, alice.Hash, carol.Hash, "three words may be three events")
	assert.Empty(t, m.Renames())
	dave := m.Add("session closed for user dave")
	assert.Equal(t, "session closed for user <*>", dave.Template)
	assert.Equal(t, alice.ID, dave.ID, "the oldest cluster holds the merged pattern")
	assert.ElementsMatch(t, []Rename{{alice.Hash, dave.Hash}, {bob.Hash, dave.Hash}, {carol.Hash, dave.Hash}},
		m.Renames())
	assert.Empty(t, m.Renames(), "a rename is reported once")
	assert.Equal(t, dave, m.Add("session closed for user alice"))
	assert.Equal(t, dave, m.Add("session closed for user bob"), "the shape cache follows the merge")
	fresh := newTestMiner(t)
	for _, user := range []string{"erin", "frank", "grace", "heidi"} {
		fresh.Add("session closed for user " + user)
	}
	assert.Equal(t, dave.Hash, fresh.Add("session closed for user alice").Hash,
		"the hash is that of the final template, whichever words made it")
	s := m.Stats()
	assert.EqualValues(t, 2, s.Merged)
	assert.EqualValues(t, 3, s.Renamed)
	assert.Equal(t, 1, s.Patterns)
}

// checkInvariants verifies what Renames relies on: every live cluster is
// reachable by its hash and by no other, its hash is the hash of its
// current template, and every live cluster is in the LRU list once.
func checkInvariants(t testing.TB, m *Miner) {
	t.Helper()
	live := 0
	for key, list := range m.buckets {
		for _, c := range list {
			live++
			require.True(t, c.alive)
			require.Nil(t, c.mergedInto)
			require.Equal(t, key, c.key)
			require.False(t, c.dirty)
			require.Equal(t, c.template(), c.pattern.Template)
			require.Equal(t, hashTemplate(c.pattern.Template), c.pattern.Hash)
			require.Same(t, c, m.byHash[c.pattern.Hash], "cluster %q", c.pattern.Template)
		}
	}
	require.Equal(t, live, m.live)
	require.Len(t, m.byHash, live)
	n := 0
	for c := m.head; c != nil; c = c.next {
		n++
	}
	require.Equal(t, live, n)
	for key, g := range m.siblings {
		require.Equal(t, key, g.key)
		require.NotEmpty(t, g.members)
		for _, c := range g.members {
			require.True(t, c.alive, "a sibling group holds live clusters only")
		}
	}
}

func TestLeadingWordsNameTheEvent(t *testing.T) {
	m := newTestMiner(t)
	a := m.Add("Failed password for invalid user admin from 10.0.0.1 port 22 ssh2")
	b := m.Add("Failed none for invalid user admin from 10.0.0.1 port 22 ssh2")
	assert.NotEqual(t, a.Hash, b.Hash)
	c := m.Add("cupsd startup succeeded")
	d := m.Add("sshd startup succeeded")
	assert.NotEqual(t, c.Hash, d.Hash)
}

func TestStructureTellsEventsApart(t *testing.T) {
	m := newTestMiner(t)
	a := m.Add("session opened for user root by (uid=0)")
	b := m.Add("session opened for user root by LOGIN(uid=0)")
	assert.NotEqual(t, a.Hash, b.Hash, "a different structure around the value is another event")
	m.Add("heartbeat lost from shard-17 after retry")
	c := m.Add("heartbeat lost from shard-K4 after retry")
	assert.Equal(t, "heartbeat lost from <*> after retry", c.Template,
		"values of different shapes without structure are still values")
}

func TestValueOfTwoWords(t *testing.T) {
	m := newTestMiner(t)
	a := m.Add("job backup.sh - queued on runner-7.ci.example.org:9000 after retry")
	b := m.Add("job build.sh *arm64 - queued on runner-7.ci.example.org:9000 after retry")
	assert.Equal(t, a.Hash, b.Hash)
	assert.Equal(t, a.Hash, m.Add("job build.sh *arm64 - queued on runner-7.ci.example.org:9000 after retry").Hash)
	c := m.Add("job backup.sh - done on runner-7.ci.example.org:9000, 0 bytes kept, took <1 sec")
	assert.NotEqual(t, a.Hash, c.Hash)
}

func TestMaxPatternsEvictsLeastRecentlyUsed(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxPatterns = 2
	m, err := New(cfg)
	require.NoError(t, err)
	first := m.Add("alpha happened")
	m.Add("beta happened twice over")
	m.Add("alpha happened") // alpha is now the most recently used
	m.Add("gamma went away quietly today")
	s := m.Stats()
	assert.Equal(t, 2, s.Patterns)
	assert.EqualValues(t, 1, s.Evicted, "beta, the least recently used, was evicted")
	assert.EqualValues(t, 3, s.Created)
	assert.Equal(t, first, m.Add("alpha happened"), "alpha survived")
	again := m.Add("beta happened twice over")
	assert.EqualValues(t, 2, m.Stats().Evicted)
	assert.EqualValues(t, 4, m.Stats().Created)
	assert.Len(t, again.Hash, 16, "an evicted pattern comes back with the hash of its shape")
}

func TestCapsAreCounted(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxMessageBytes = 16
	cfg.MaxTokens = 3
	m, err := New(cfg)
	require.NoError(t, err)
	p := m.Add("one two three four five six")
	assert.Equal(t, "one two <*>", p.Template)
	m.Add("short")
	m.Add("bad \xff\xfe bytes")
	s := m.Stats()
	assert.EqualValues(t, 3, s.Messages)
	assert.EqualValues(t, 1, s.TruncatedBytes)
	assert.EqualValues(t, 1, s.TruncatedTokens)
	assert.EqualValues(t, 1, s.InvalidUTF8)
}

func TestConfigValidate(t *testing.T) {
	require.NoError(t, DefaultConfig().Validate())
	_, err := New(Config{})
	require.Error(t, err)
	assert.ErrorContains(t, err, "MaxPatterns must be at least 1")
	assert.ErrorContains(t, err, "MaxTokens must be at least 1")
	assert.ErrorContains(t, err, "MaxMessageBytes must be between 1 and")
}

func TestAddBytesMatchesAdd(t *testing.T) {
	a, b := newTestMiner(t), newTestMiner(t)
	for _, msg := range []string{"Connection from 10.0.0.1 port 1", "x=1 y=2", "", "  ", "session closed for user bob"} {
		buf := []byte(msg)
		pb := b.AddBytes(buf)
		for i := range buf {
			buf[i] = 'Z' // the miner must not have kept the bytes
		}
		assert.Equal(t, a.Add(msg), pb)
	}
	assert.Equal(t, "Connection from <*> port <*>", b.Add("Connection from 10.0.0.2 port 2").Template)
}

// FuzzAdd: any input is mined without a panic, gets a 16-hex hash and a
// template without whitespace other than single spaces, the miner stays
// within its caps, the same message added again gets its hash as renamed
// meanwhile, and the invariants Renames relies on hold.
func FuzzAdd(f *testing.F) {
	for _, s := range []string{
		"Connection from 10.0.0.1 port 22", "", " ", "\xff\xfe\x00", "a=b=c", "((()))", "[]{}<>\"\"''",
		"0x 0x1 -- - + +1 #", "::::", "key= =value", strings.Repeat("word ", 300), "a\tb\nc\rd",
		`{"msg":"a b","n":[1,{"x":"}"}],"s":"\"q\""}`, `{"a":}`, `{ }`, `{"msg":"` + strings.Repeat("w ", 40) + `"}`,
	} {
		f.Add(s, "session closed for user bob")
	}
	f.Fuzz(func(t *testing.T, msg, other string) {
		cfg := DefaultConfig()
		cfg.MaxPatterns = 4
		cfg.MaxTokens = 16
		cfg.MaxMessageBytes = 256
		m, err := New(cfg)
		require.NoError(t, err)
		p := m.Add(msg)
		if len(p.Hash) != 16 || strings.Trim(p.Hash, "0123456789abcdef") != "" {
			t.Fatalf("hash %q is not 16 hex digits", p.Hash)
		}
		if strings.ContainsAny(p.Template, "\t\n\r\v\f") || strings.Contains(p.Template, "  ") {
			t.Fatalf("template %q holds other whitespace than single spaces", p.Template)
		}
		if n := len(m.tok.tokens); n > cfg.MaxTokens {
			t.Fatalf("message has %d tokens, cap is %d", n, cfg.MaxTokens)
		}
		m.Renames()
		m.Add(other)
		want := p.Hash
		for _, r := range m.Renames() {
			if r.From == want {
				want = r.To
			}
		}
		if again := m.Add(msg); again.Hash != want {
			t.Fatalf("hash of %q is %s after %q, the renames said %s", msg, again.Hash, other, want)
		}
		checkInvariants(t, m)
		if s := m.Stats(); s.Patterns > cfg.MaxPatterns {
			t.Fatalf("%d patterns, cap is %d", s.Patterns, cfg.MaxPatterns)
		}
		if utf8.ValidString(msg) && !utf8.ValidString(p.Template) {
			t.Fatalf("valid message %q gave invalid template %q", msg, p.Template)
		}
	})
}

// TestMultilineMessages: a stack trace arrives as one message (the
// receiver joins its lines); two traces of the same failure that differ
// only in addresses, line numbers and goroutine ids share a pattern.
func TestMultilineMessages(t *testing.T) {
	m := newTestMiner(t)
	goPanic := "panic: runtime error: index out of range [%d] with length %d\n\ngoroutine %d [running]:\n" +
		"main.handler(0xc000%x)\n\t/app/main.go:%d +0x%x\nmain.main()\n\t/app/main.go:%d +0x%x\nexit status 2"
	a := m.Add(fmt.Sprintf(goPanic, 3, 3, 1, 0x1234, 42, 0x1d, 12, 0x25))
	b := m.Add(fmt.Sprintf(goPanic, 7, 5, 19, 0xbeef, 43, 0x2a, 12, 0x31))
	assert.Equal(t, a.Hash, b.Hash)
	assert.Equal(t, "panic: runtime error: index out of range [<*>] with length <*> goroutine <*> [running]: "+
		"main.handler(<*>) <*> main.main(<*>) <*> exit status <*>", b.Template)

	java := "java.lang.IllegalStateException: pool exhausted after %d ms\n" +
		"\tat com.example.Pool.borrow(Pool.java:%d)\n\tat com.example.Api.handle(Api.java:%d)"
	c := m.Add(fmt.Sprintf(java, 100, 42, 7))
	d := m.Add(fmt.Sprintf(java, 250, 42, 9))
	assert.Equal(t, c.Hash, d.Hash)
	assert.NotEqual(t, a.Hash, c.Hash)
}
