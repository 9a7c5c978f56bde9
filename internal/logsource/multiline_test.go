// SPDX-License-Identifier: Apache-2.0

package logsource

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// group feeds lines through a Grouper and returns the messages it forms.
func group(g *Grouper, lines []string) []string {
	var out []string
	for _, l := range lines {
		if m, ok := g.Add(l); ok {
			out = append(out, m.Text)
		}
	}
	if m, ok := g.Flush(); ok {
		out = append(out, m.Text)
	}
	return out
}

func TestGrouperStackTraces(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{
			name:  "plain lines stay apart",
			input: "one\ntwo\nthree",
			want:  []string{"one", "two", "three"},
		},
		{
			name: "java",
			input: "2024-05-01 10:00:00 ERROR [main] c.e.App - request failed\n" +
				"java.lang.IllegalStateException: boom\n" +
				"\tat com.example.App.handle(App.java:42)\n" +
				"\tat com.example.App.main(App.java:10)\n" +
				"Caused by: java.io.IOException: disk\n" +
				"\t... 2 more\n" +
				"2024-05-01 10:00:01 INFO [main] c.e.App - next",
			want: []string{
				"2024-05-01 10:00:00 ERROR [main] c.e.App - request failed\njava.lang.IllegalStateException: boom\n\tat com.example.App.handle(App.java:42)\n\tat com.example.App.main(App.java:10)\nCaused by: java.io.IOException: disk\n\t... 2 more",
				"2024-05-01 10:00:01 INFO [main] c.e.App - next",
			},
		},
		{
			name: "java uncaught",
			input: "Exception in thread \"main\" java.lang.RuntimeException: x\n" +
				"\tat Main.main(Main.java:3)\n" +
				"done",
			want: []string{"Exception in thread \"main\" java.lang.RuntimeException: x\n\tat Main.main(Main.java:3)", "done"},
		},
		{
			name: "python logging.exception",
			input: "ERROR:root:failed to load\n" +
				"Traceback (most recent call last):\n" +
				"  File \"app.py\", line 3, in <module>\n" +
				"    load()\n" +
				"ValueError: bad value\n" +
				"INFO:root:retrying",
			want: []string{
				"ERROR:root:failed to load\nTraceback (most recent call last):\n  File \"app.py\", line 3, in <module>\n    load()\nValueError: bad value",
				"INFO:root:retrying",
			},
		},
		{
			name: "python chained",
			input: "Traceback (most recent call last):\n" +
				"  File \"a.py\", line 1, in <module>\n" +
				"KeyError: 'x'\n" +
				"\n" +
				"During handling of the above exception, another exception occurred:\n" +
				"\n" +
				"Traceback (most recent call last):\n" +
				"  File \"a.py\", line 3, in <module>\n" +
				"RuntimeError: y\n" +
				"after",
			want: []string{
				"Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nKeyError: 'x'\n\n" +
					"During handling of the above exception, another exception occurred:\n\n" +
					"Traceback (most recent call last):\n  File \"a.py\", line 3, in <module>\nRuntimeError: y",
				"after",
			},
		},
		{
			name: "go panic",
			input: "panic: runtime error: index out of range [5] with length 3\n" +
				"\n" +
				"goroutine 1 [running]:\n" +
				"main.main()\n" +
				"\t/tmp/x/main.go:8 +0x1d\n" +
				"exit status 2\n" +
				"next message",
			want: []string{
				"panic: runtime error: index out of range [5] with length 3\n\ngoroutine 1 [running]:\nmain.main()\n\t/tmp/x/main.go:8 +0x1d\nexit status 2",
				"next message",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := group(NewGrouper(1000, 1<<20), strings.Split(tt.input, "\n"))
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestGrouperCaps(t *testing.T) {
	g := NewGrouper(3, 1<<20)
	for _, l := range []string{"head", "\tat 1", "\tat 2", "\tat 3", "\tat 4"} {
		_, ok := g.Add(l)
		assert.False(t, ok)
	}
	m, ok := g.Flush()
	assert.True(t, ok)
	assert.True(t, m.Truncated)
	assert.Equal(t, "head\n\tat 1\n\tat 2", m.Text)

	g = NewGrouper(10, 8)
	g.Add("0123456789")
	m, _ = g.Flush()
	assert.Equal(t, "01234567", m.Text)
	assert.True(t, m.Truncated)
	assert.False(t, g.Pending())
}

// TestGrouperSnapshotRestores checks that the lines of a pending message,
// added to a new grouper, give the same message as the original.
func TestGrouperSnapshotRestores(t *testing.T) {
	for name, lines := range map[string][]string{
		"one line":  {"GET / 200"},
		"java":      {"ERROR request failed", "java.lang.IllegalStateException: boom", "\tat com.example.App.handle(App.java:42)"},
		"go panic":  {"panic: boom", "", "goroutine 1 [running]:", "main.main()", "\t/src/main.go:12 +0x1d"},
		"traceback": {"Traceback (most recent call last):", `  File "x.py", line 1, in <module>`, "ValueError: bad"},
	} {
		t.Run(name, func(t *testing.T) {
			g := NewGrouper(100, 1<<20)
			for _, l := range lines {
				_, ok := g.Add(l)
				require.False(t, ok)
			}
			snap, truncated := g.Snapshot()
			require.False(t, truncated)
			restored := NewGrouper(100, 1<<20)
			for _, l := range snap {
				_, ok := restored.Add(l)
				require.False(t, ok)
			}
			// The next message completes both the same way.
			want, ok := g.Add("INFO next")
			require.True(t, ok)
			got, ok := restored.Add("INFO next")
			require.True(t, ok)
			assert.Equal(t, want, got)
		})
	}
	snap, _ := NewGrouper(1, 1).Snapshot()
	assert.Nil(t, snap)
}
