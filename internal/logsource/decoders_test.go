// SPDX-License-Identifier: Apache-2.0

package logsource

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeDockerJSON(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Entry
		err  bool
	}{
		{name: "full", line: `{"log":"hello world\n","stream":"stdout","time":"2024-05-01T10:00:00.123456789Z"}`, want: Entry{Stream: "stdout", Text: "hello world"}},
		{name: "crlf", line: `{"log":"hello\r\n","stream":"stderr","time":"2024-05-01T10:00:00Z"}`, want: Entry{Stream: "stderr", Text: "hello"}},
		{name: "partial", line: `{"log":"first part","stream":"stdout","time":"2024-05-01T10:00:00Z"}`, want: Entry{Stream: "stdout", Text: "first part", Partial: true}},
		{name: "escaped", line: `{"log":"a \"quoted\" \u00e9\n","stream":"stdout","time":"x"}`, want: Entry{Stream: "stdout", Text: `a "quoted" é`}},
		{name: "not json", line: `hello`, err: true},
		{name: "no log key", line: `{"stream":"stdout"}`, err: true},
		{name: "truncated json", line: `{"log":"abc`, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeDockerJSON([]byte(tt.line))
			if tt.err {
				require.Error(t, err)
				assert.True(t, errors.Is(err, ErrMalformed))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeCRI(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Entry
		err  bool
	}{
		{name: "full", line: "2016-10-06T00:17:09.669794202Z stdout F log content 1", want: Entry{Stream: "stdout", Text: "log content 1"}},
		{name: "partial", line: "2016-10-06T00:17:09.669794202Z stderr P part", want: Entry{Stream: "stderr", Text: "part", Partial: true}},
		{name: "offset time", line: "2016-10-06T00:17:09.669794202+02:00 stdout F x", want: Entry{Stream: "stdout", Text: "x"}},
		{name: "empty text", line: "2016-10-06T00:17:09Z stdout F", want: Entry{Stream: "stdout", Text: ""}},
		{name: "extended tag", line: "2016-10-06T00:17:09Z stdout F:x y", want: Entry{Stream: "stdout", Text: "y"}},
		{name: "keeps spaces", line: "2016-10-06T00:17:09Z stdout F   indented", want: Entry{Stream: "stdout", Text: "  indented"}},
		{name: "bad time", line: "yesterday stdout F x", err: true},
		{name: "bad stream", line: "2016-10-06T00:17:09Z stdin F x", err: true},
		{name: "bad tag", line: "2016-10-06T00:17:09Z stdout X x", err: true},
		{name: "short", line: "2016-10-06T00:17:09Z", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeCRI([]byte(tt.line))
			if tt.err {
				require.Error(t, err)
				assert.True(t, errors.Is(err, ErrMalformed))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestReassembler(t *testing.T) {
	r := NewReassembler(10)
	_, _, complete := r.Add(Entry{Stream: "stdout", Text: "abc", Partial: true})
	assert.False(t, complete)
	// The other stream is independent.
	line, trunc, complete := r.Add(Entry{Stream: "stderr", Text: "err"})
	assert.Equal(t, "err", line)
	assert.False(t, trunc)
	assert.True(t, complete)
	line, trunc, complete = r.Add(Entry{Stream: "stdout", Text: "def"})
	assert.Equal(t, "abcdef", line)
	assert.False(t, trunc)
	assert.True(t, complete)

	// Over the cap: cut and reported.
	r.Add(Entry{Stream: "stdout", Text: "0123456", Partial: true})
	line, trunc, complete = r.Add(Entry{Stream: "stdout", Text: "789abc"})
	assert.Equal(t, "0123456789", line)
	assert.True(t, trunc)
	assert.True(t, complete)

	r.Add(Entry{Stream: "stdout", Text: "left", Partial: true})
	assert.Equal(t, []Entry{{Stream: "stdout", Text: "left"}}, r.Flush())
	assert.Empty(t, r.Flush())
}

func TestCutUTF8(t *testing.T) {
	assert.Equal(t, "h", CutUTF8("hé", 2)) // é is 2 bytes; never split it
	assert.Equal(t, "hé", CutUTF8("hé", 3))
	assert.Equal(t, "", CutUTF8("é", 1))
}

func TestDecodeJournalJSON(t *testing.T) {
	// Recorded from `journalctl -o json` (systemd 252), trimmed of fields we do not use.
	line := `{"__CURSOR":"s=1a;i=2;b=3;m=4;t=5;x=6","__REALTIME_TIMESTAMP":"1716000000000000","PRIORITY":"3","_SYSTEMD_UNIT":"nginx.service","_SYSTEMD_CGROUP":"/system.slice/nginx.service","MESSAGE":"upstream timed out\n","_PID":"42"}`
	e, err := DecodeJournalJSON([]byte(line))
	require.NoError(t, err)
	assert.Equal(t, JournalEntry{Message: "upstream timed out", Priority: 3, Unit: "nginx.service", Cgroup: "/system.slice/nginx.service", Cursor: "s=1a;i=2;b=3;m=4;t=5;x=6"}, e)

	// Binary MESSAGE as a byte array, repeated unit field, no priority.
	line = `{"__CURSOR":"c","MESSAGE":[104,105,255],"_SYSTEMD_UNIT":["a.service","b.service"]}`
	e, err = DecodeJournalJSON([]byte(line))
	require.NoError(t, err)
	assert.Equal(t, "hi\xff", e.Message)
	assert.Equal(t, "a.service", e.Unit)
	assert.Equal(t, -1, e.Priority)

	// null MESSAGE (too large for journalctl to print).
	e, err = DecodeJournalJSON([]byte(`{"__CURSOR":"c","MESSAGE":null,"PRIORITY":"9"}`))
	require.NoError(t, err)
	assert.Empty(t, e.Message)
	assert.Equal(t, -1, e.Priority)

	for _, bad := range []string{`{}`, `not json`, `{"__CURSOR":"c","MESSAGE":[300]}`, `{"__CURSOR":"c","MESSAGE":{"a":1}}`, `{"__CURSOR":5}`} {
		_, err := DecodeJournalJSON([]byte(bad))
		require.Error(t, err, bad)
		assert.True(t, errors.Is(err, ErrMalformed), bad)
	}
}

// TestDecodeDockerJSONInvalidUTF8 checks that invalid bytes encoding/json
// replaces silently are reported, so they can be counted.
func TestDecodeDockerJSONInvalidUTF8(t *testing.T) {
	got, err := DecodeDockerJSON([]byte("{\"log\":\"bad \xff\xfe bytes\\n\",\"stream\":\"stdout\",\"time\":\"2024-05-01T10:00:00Z\"}"))
	require.NoError(t, err)
	assert.Equal(t, Entry{Stream: "stdout", Text: "bad \uFFFD\uFFFD bytes", InvalidUTF8: true}, got)

	got, err = DecodeDockerJSON([]byte(`{"log":"fine\n","stream":"stdout","time":"2024-05-01T10:00:00Z"}`))
	require.NoError(t, err)
	assert.False(t, got.InvalidUTF8)
}

func TestDecodeDockerJSONCut(t *testing.T) {
	tests := []struct {
		name string
		line string
		want string
		err  bool
	}{
		{name: "cut in text", line: `{"log":"GET /a \"x\" \u00e9 tail`, want: `GET /a "x" é tail`},
		{name: "cut in escape", line: `{"log":"abc\`, want: "abc"},
		{name: "cut in unicode escape", line: `{"log":"abc\u00`, want: "abc"},
		{name: "cut after text", line: `{"log":"whole line\n","stream":"std`, want: "whole line"},
		{name: "not docker", line: `{"msg":"x`, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeDockerJSONCut([]byte(tt.line))
			if tt.err {
				require.ErrorIs(t, err, ErrMalformed)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, Entry{Text: tt.want, Truncated: true}, got)
		})
	}
}

// TestReassemblerTruncatedOnce checks that a line cut before decoding and
// again by the joined-line cap is reported once, and that Flush keeps the
// flag.
func TestReassemblerTruncatedOnce(t *testing.T) {
	r := NewReassembler(8)
	line, truncated, complete := r.Add(Entry{Stream: "stdout", Text: "0123456789abcdef", Truncated: true})
	assert.Equal(t, "01234567", line)
	assert.True(t, truncated)
	assert.True(t, complete)

	_, _, complete = r.Add(Entry{Stream: "stdout", Text: "abc", Partial: true, Truncated: true})
	assert.False(t, complete)
	assert.True(t, r.Pending())
	assert.Equal(t, []Entry{{Stream: "stdout", Text: "abc", Truncated: true}}, r.Flush())
	assert.False(t, r.Pending())
}

func TestReassemblerSnapshotRestores(t *testing.T) {
	r := NewReassembler(100)
	r.Add(Entry{Stream: "stdout", Text: "first ", Partial: true})
	restored := NewReassembler(100)
	for _, e := range r.Snapshot() {
		restored.Add(e)
	}
	assert.True(t, r.Pending(), "Snapshot keeps the pending line")
	line, _, complete := restored.Add(Entry{Stream: "stdout", Text: "second"})
	assert.True(t, complete)
	assert.Equal(t, "first second", line)
}
