// SPDX-License-Identifier: Apache-2.0

package logsource

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzDecodeDockerJSON(f *testing.F) {
	f.Add([]byte(`{"log":"hello\n","stream":"stdout","time":"2024-05-01T10:00:00Z"}`))
	f.Add([]byte(`{"log":"part","stream":"stderr"}`))
	f.Add([]byte(`{"log":null}`))
	f.Add([]byte("\xff\xfe{"))
	f.Add([]byte(`{"log":"a \u003cb\u003e \ud83d\ude00 \"q\" \\ \t\n","stream":"stderr","time":"2024-05-01T10:00:00Z"}`))
	f.Add([]byte(`{"log":"x\n","stream":"stdout","attrs":{"a":"b"},"time":"t"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		// The fast path must agree with encoding/json whenever it answers.
		if fast, ok := decodeDockerJSONFast(line); ok {
			slow, err := decodeDockerJSONSlow(line)
			if err != nil {
				t.Fatalf("fast path accepted %q, encoding/json refused it: %v", line, err)
			}
			if fast != slow {
				t.Fatalf("fast path %+v, encoding/json %+v for %q", fast, slow, line)
			}
		}
		e, err := DecodeDockerJSON(line)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if !e.Partial && e.Stream != "" {
			// Exactly one trailing newline (with its \r) belongs to the
			// runtime: a text that itself ends in a newline keeps it.
			var l struct {
				Log string `json:"log"`
			}
			if json.Unmarshal(line, &l) == nil && l.Log != e.Text+"\n" && l.Log != e.Text+"\r\n" {
				t.Fatalf("complete entry %q does not end its log value %q with one newline", e.Text, l.Log)
			}
		}
	})
}

// FuzzDecodeDockerJSONCut checks a cut line never panics and never yields
// more text than the line holds.
func FuzzDecodeDockerJSONCut(f *testing.F) {
	f.Add([]byte(`{"log":"abc\u00`))
	f.Add([]byte(`{"log":"a\"b\\`))
	f.Fuzz(func(t *testing.T, line []byte) {
		e, err := DecodeDockerJSONCut(line)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if !e.Truncated || e.Partial {
			t.Fatalf("a cut line is complete and truncated: %+v", e)
		}
		// An escape decodes to at most 3 bytes for 6 bytes of input.
		if len(e.Text) > len(line) {
			t.Fatalf("text %q longer than its line", e.Text)
		}
	})
}

func FuzzDecodeCRI(f *testing.F) {
	f.Add([]byte("2016-10-06T00:17:09.669794202Z stdout F log content"))
	f.Add([]byte("2016-10-06T00:17:09Z stderr P part"))
	f.Add([]byte("2016-10-06T00:17:09Z stdout F:x"))
	f.Add([]byte(" stdout F"))
	f.Fuzz(func(t *testing.T, line []byte) {
		e, err := DecodeCRI(line)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if e.Stream != "stdout" && e.Stream != "stderr" {
			t.Fatalf("stream %q accepted", e.Stream)
		}
		if len(e.Text) >= len(line) {
			t.Fatalf("text %q longer than its line", e.Text)
		}
	})
}

func FuzzReassembler(f *testing.F) {
	f.Add("abc", "defgh", true, 4)
	f.Fuzz(func(t *testing.T, a, b string, partial bool, limit int) {
		limit = limit&0xff + 1
		r := NewReassembler(limit)
		r.Add(Entry{Stream: "stdout", Text: a, Partial: partial})
		line, trunc, complete := r.Add(Entry{Stream: "stdout", Text: b})
		if !complete {
			t.Fatal("a full entry must complete the line")
		}
		if len(line) > limit {
			t.Fatalf("line of %d bytes over the cap %d", len(line), limit)
		}
		if utf8.ValidString(a) && utf8.ValidString(b) && !utf8.ValidString(line) {
			t.Fatalf("cut split a UTF-8 sequence: %q", line)
		}
		if !trunc && partial && line != a+b {
			t.Fatalf("got %q, want %q", line, a+b)
		}
	})
}

func FuzzDecodeJournalJSON(f *testing.F) {
	f.Add([]byte(`{"__CURSOR":"c","MESSAGE":"m","PRIORITY":"3","_SYSTEMD_UNIT":"x.service"}`))
	f.Add([]byte(`{"__CURSOR":"c","MESSAGE":[104,105]}`))
	f.Add([]byte(`{"__CURSOR":["a","b"],"MESSAGE":[[1],[2]]}`))
	f.Add([]byte(`{"__CURSOR":"c","MESSAGE":null}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		e, err := DecodeJournalJSON(line)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if e.Cursor == "" {
			t.Fatal("entry without cursor accepted")
		}
		if e.Priority < -1 || e.Priority > 7 {
			t.Fatalf("priority %d out of range", e.Priority)
		}
	})
}

func FuzzGrouper(f *testing.F) {
	f.Add("ERROR x\njava.lang.Error: y\n\tat a.b(C.java:1)\nnext", 5, 64)
	f.Add("panic: x\n\ngoroutine 1 [running]:\nmain.main()\n\t/a.go:1", 100, 1000)
	f.Add("Traceback (most recent call last):\n  File \"a\"\nE: x", 2, 10)
	f.Fuzz(func(t *testing.T, input string, maxLines, maxBytes int) {
		maxLines = maxLines&0xff + 1
		maxBytes = maxBytes&0xfff + 1
		g := NewGrouper(maxLines, maxBytes)
		lines := strings.Split(input, "\n")
		var messages []Message
		for _, l := range lines {
			if m, ok := g.Add(l); ok {
				messages = append(messages, m)
			}
		}
		if m, ok := g.Flush(); ok {
			messages = append(messages, m)
		}
		if len(messages) == 0 || len(messages) > len(lines) {
			t.Fatalf("%d lines gave %d messages", len(lines), len(messages))
		}
		joined := 0
		for _, m := range messages {
			if len(m.Text) > maxBytes {
				t.Fatalf("message of %d bytes over the cap %d", len(m.Text), maxBytes)
			}
			if !m.Truncated {
				joined += strings.Count(m.Text, "\n") + 1
			}
		}
		if joined > len(lines) {
			t.Fatalf("messages hold %d lines, input had %d", joined, len(lines))
		}
	})
}
