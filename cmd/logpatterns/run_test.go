// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-node/otelcol-node/internal/patternminer"
)

func defaultOptions() options {
	return options{maxLineBytes: patternminer.DefaultMaxMessageBytes, maxPatterns: patternminer.DefaultMaxPatterns}
}

// outputRows splits the tool's output into rows of tab-separated fields.
func outputRows(t *testing.T, out string) [][]string {
	t.Helper()
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		rows = append(rows, strings.Split(line, "\t"))
	}
	return rows
}

func TestRunPrintsOneRowPerLineInOrder(t *testing.T) {
	in := "Connection from 10.0.0.1 port 22\n" +
		"Connection from 10.0.0.2 port 2222\r\n" +
		"Disk /dev/sda1 is 91% full\n" +
		"\n" +
		"Connection from 192.168.1.7 port 40000" // no final newline
	var out bytes.Buffer
	rep, err := run(strings.NewReader(in), &out, defaultOptions())
	require.NoError(t, err)
	rows := outputRows(t, out.String())
	require.Len(t, rows, 5)
	assert.EqualValues(t, 5, rep.lines)
	for _, r := range rows {
		require.Len(t, r, 2)
		assert.Regexp(t, `^[0-9a-f]{16}$`, r[0])
	}
	assert.Equal(t, "Connection from <*> port <*>", rows[0][1])
	assert.Equal(t, rows[0][0], rows[1][0], "same pattern, same hash")
	assert.Equal(t, rows[0][0], rows[4][0], "same pattern after other lines")
	assert.Equal(t, "Disk <*> is <*> full", rows[2][1])
	assert.NotEqual(t, rows[0][0], rows[2][0])
	assert.Empty(t, rows[3][1], "an empty line has the empty pattern")
}

// TestRunSummaryCountsPatterns: counts follow the miner's renames, so
// lines read before a user name was known to be a value are counted with
// the pattern it became, under its final hash.
func TestRunSummaryCountsPatterns(t *testing.T) {
	in := strings.Repeat("session closed for user alice\nsession closed for user bob\n", 3) +
		"Disk /dev/sda1 is 91% full\nsession closed for user carol\nsession closed for user dave\n"
	var out bytes.Buffer
	_, err := run(strings.NewReader(in), &out, options{summary: true, maxLineBytes: 1024, maxPatterns: 16})
	require.NoError(t, err)
	rows := outputRows(t, out.String())
	require.Len(t, rows, 2)
	assert.Equal(t, []string{"8", rows[0][1], "session closed for user <*>"}, rows[0])
	assert.Equal(t, []string{"1", rows[1][1], "Disk <*> is <*> full"}, rows[1])

	var alone bytes.Buffer
	_, err = run(strings.NewReader("session closed for user erin\nsession closed for user frank\n"+
		"session closed for user grace\nsession closed for user heidi\n"),
		&alone, options{summary: true, maxLineBytes: 1024, maxPatterns: 16})
	require.NoError(t, err)
	assert.Equal(t, rows[0][1], outputRows(t, alone.String())[0][1], "the final hash does not depend on the names seen")
}

func TestRunCutsHugeLines(t *testing.T) {
	huge := "payload " + strings.Repeat("x", 1<<20)
	in := "first 1\n" + huge + "\nsecond 2\n"
	var out bytes.Buffer
	rep, err := run(strings.NewReader(in), &out, options{maxLineBytes: 100, maxPatterns: 16})
	require.NoError(t, err)
	rows := outputRows(t, out.String())
	require.Len(t, rows, 3, "the rest of the huge line must not become lines of its own")
	assert.EqualValues(t, 1, rep.cut)
	assert.Equal(t, "payload "+strings.Repeat("x", 92), rows[1][1])
	assert.Equal(t, "second <*>", rows[2][1])
}

func TestRunKeepsGoingOnInvalidUTF8(t *testing.T) {
	in := "bad \xff\xfe bytes 1\nbad \xff\xfe bytes 2\n\x00\x01\x02\n"
	var out bytes.Buffer
	rep, err := run(strings.NewReader(in), &out, defaultOptions())
	require.NoError(t, err)
	rows := outputRows(t, out.String())
	require.Len(t, rows, 3)
	assert.Equal(t, rows[0][0], rows[1][0])
	assert.EqualValues(t, 2, rep.stats.InvalidUTF8)
}

func TestRunRejectsBadOptions(t *testing.T) {
	_, err := run(strings.NewReader(""), &bytes.Buffer{}, options{maxLineBytes: 0, maxPatterns: -1})
	require.Error(t, err)
	assert.ErrorContains(t, err, "--max-line-bytes must be at least 1")
	assert.ErrorContains(t, err, "--max-patterns must be at least 1")
}

func TestMainWithArgs(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := mainWithArgs([]string{"--summary"}, strings.NewReader("a 1\na 2\n"), &stdout, &stderr)
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout.String(), "2\t")

	stderr.Reset()
	code = mainWithArgs([]string{"--max-line-bytes", "0"}, strings.NewReader(""), &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "--max-line-bytes must be at least 1")

	stderr.Reset()
	code = mainWithArgs([]string{"file.log"}, strings.NewReader(""), &stdout, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), "standard input")
}
