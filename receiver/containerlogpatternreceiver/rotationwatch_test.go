// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// splitAll cuts content as the poller does and returns its tokens and the
// offsets the emit callback gets.
func splitAll(content []byte) (tokens [][]byte, offsets []int64) {
	offsets = []int64{0}
	var pos int64
	for len(content) > 0 {
		adv, tok, _ := splitLines(content, false)
		if adv == 0 {
			break
		}
		tokens = append(tokens, tok)
		pos += int64(adv)
		offsets = append(offsets, pos)
		content = content[adv:]
	}
	return tokens, offsets
}

// TestHeadOfDeliveryIsHeadOfFile checks that the head taken from a
// delivery, which is all the watch sees of a file the poller read before it
// was truncated, is the head read later from a copy of that file: a
// mismatch would count a copytruncate copy twice.
func TestHeadOfDeliveryIsHeadOfFile(t *testing.T) {
	for name, content := range map[string]string{
		"Short":        "first line\nsecond\n",
		"CRLF":         "first line\r\nsecond\r\n",
		"EmptyFirst":   "\nsecond\n",
		"LongFirst":    strings.Repeat("x", 3*headBytes) + "\nsecond\n",
		"ExactlyHead":  strings.Repeat("y", headBytes-1) + "\nsecond\n",
		"JustOverHead": strings.Repeat("z", headBytes) + "\nsecond\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.log")
			require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			tokens, offsets := splitAll([]byte(content))
			head, ok := headOfDelivery(tokens, offsets)
			require.True(t, ok)
			assert.Equal(t, headOfFile(f), head)
			// The raw bytes rebuilt from the delivery are the file's.
			want := rawPrefix(tokens, offsets, verifyBytes)
			assert.True(t, contentAt(f, 0, want))
		})
	}
}
