// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readAllLines(t testing.TB, in string, maxBytes int) ([]string, uint64) {
	t.Helper()
	lr := newLineReader(strings.NewReader(in), maxBytes)
	var lines []string
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			return lines, lr.cut
		}
		require.NoError(t, err)
		lines = append(lines, string(line))
	}
}

func TestLineReader(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		max   int
		lines []string
		cut   uint64
	}{
		{"empty input", "", 10, nil, 0},
		{"lines", "a\nbb\n", 10, []string{"a", "bb"}, 0},
		{"no final newline", "a\nbb", 10, []string{"a", "bb"}, 0},
		{"crlf", "a\r\nb\r\n", 10, []string{"a", "b"}, 0},
		{"empty lines", "\n\n", 10, []string{"", ""}, 0},
		{"exactly max", "abcd\n", 4, []string{"abcd"}, 0},
		{"exactly max with crlf", "abcd\r\n", 4, []string{"abcd"}, 0},
		{"over max", "abcdef\nxy\n", 4, []string{"abcd", "xy"}, 1},
		{"over max at end", "abcdef", 4, []string{"abcd"}, 1},
		{"longer than the read buffer", strings.Repeat("z", 200_000) + "\nok\n", 8, []string{"zzzzzzzz", "ok"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, cut := readAllLines(t, tt.in, tt.max)
			assert.Equal(t, tt.lines, lines)
			assert.Equal(t, tt.cut, cut)
		})
	}
}

// FuzzLineReader checks the reader against a plain split: same number of
// lines, each the prefix of the real line, and a cut counted exactly when
// a line was longer than the cap.
func FuzzLineReader(f *testing.F) {
	f.Add("a\nb\r\nc", 3)
	f.Add("\n\n\xff\xfe\n", 1)
	f.Add(strings.Repeat("x", 70_000)+"\n", 5)
	f.Fuzz(func(t *testing.T, in string, maxBytes int) {
		if maxBytes < 1 || maxBytes > 1<<20 {
			return // not a cap the command accepts
		}
		want := strings.Split(in, "\n")
		if strings.HasSuffix(in, "\n") || in == "" {
			want = want[:len(want)-1]
		}
		lines, cut := readAllLines(t, in, maxBytes)
		require.Len(t, lines, len(want))
		var wantCut uint64
		for i, w := range want {
			w = strings.TrimSuffix(w, "\r")
			if len(w) > maxBytes {
				wantCut++
				w = w[:maxBytes]
			}
			if !bytes.Equal([]byte(w), []byte(lines[i])) {
				t.Fatalf("line %d = %q, want %q", i, lines[i], w)
			}
		}
		assert.Equal(t, wantCut, cut)
	})
}
