// SPDX-License-Identifier: Apache-2.0

package logsource // import "github.com/otelcol-node/otelcol-node/internal/logsource"

import (
	"regexp"
	"strings"
)

// Grouper joins the lines of one stream into messages: a line that continues
// the previous message (an indented stack frame, "Caused by:", the lines of a
// Python traceback or a Go panic) is appended to it instead of starting a new
// one. A message is complete only when the next one starts, so the caller
// must Flush a grouper that has been idle for a while.
//
// Limits: the rules recognise the common stack trace layouts of Java, Python
// and Go, and treat every indented line as a continuation. An application that
// writes unrelated messages indented will see them joined. Not goroutine-safe.
type Grouper struct {
	maxLines int
	maxBytes int

	// first is the pending message's first line; pending holds the whole
	// message only once a second line joins, so the common one-line message
	// is handed on without a copy.
	first     string
	pending   strings.Builder
	lines     int
	truncated bool
	mode      groupMode
}

type groupMode uint8

const (
	modePlain groupMode = iota
	// modePythonTraceback: inside "Traceback (most recent call last):"; the
	// first unindented line is the exception and ends the message.
	modePythonTraceback
	// modePythonAfter: just after a traceback's exception line, where a
	// chained traceback may follow after a blank line and "During handling
	// of the above exception ...".
	modePythonAfter
	// modeGoPanic: inside a Go panic or fatal error dump, which has blank
	// lines, "goroutine N [state]:" headers and unindented function frames.
	modeGoPanic
)

// Message is one complete, possibly multiline, message.
type Message struct {
	Text string
	// Truncated is set when the message went over the grouper's line or
	// byte cap and lines were dropped.
	Truncated bool
}

// NewGrouper returns a Grouper capping a message at maxLines lines and
// maxBytes bytes.
func NewGrouper(maxLines, maxBytes int) *Grouper {
	return &Grouper{maxLines: maxLines, maxBytes: maxBytes}
}

// javaExceptionLine matches the first line of a Java exception that a logger
// prints after its own message line ("java.lang.IllegalStateException: boom").
var javaExceptionLine = regexp.MustCompile(`^(?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable)(?::.*)?$`)

// mayBeJavaException is a cheap test that keeps the regular expression off
// the common path: nearly every line is compared against it.
func mayBeJavaException(line string) bool {
	return strings.IndexByte(line, '.') > 0 &&
		(strings.Contains(line, "Exception") || strings.Contains(line, "Error") || strings.Contains(line, "Throwable"))
}

// goFrameLine matches an unindented function frame of a Go stack dump:
// "main.main()", "net/http.(*conn).serve(0xc000136000, {0x6c6f68, 0xc00010e2a0})".
var goFrameLine = regexp.MustCompile(`^[\w./\-*()\[\]]+\(.*\)$`)

// Add feeds one line. It returns the previous message when line starts a
// new one.
func (g *Grouper) Add(line string) (Message, bool) {
	if g.lines > 0 && g.continues(line) {
		g.appendLine(line)
		return Message{}, false
	}
	prev, ok := g.Flush()
	g.start(line)
	return prev, ok
}

// Flush returns the pending message, if any, and resets the grouper.
func (g *Grouper) Flush() (Message, bool) {
	if g.lines == 0 {
		return Message{}, false
	}
	// Blank lines a chained-traceback or panic rule took in at the end are
	// not part of the message.
	text := g.first
	if g.pending.Len() > 0 {
		text = g.pending.String()
	}
	if strings.HasSuffix(text, "\n") {
		text = strings.TrimRight(text, "\n")
	}
	m := Message{Text: text, Truncated: g.truncated}
	g.pending.Reset()
	g.first = ""
	g.lines = 0
	g.truncated = false
	g.mode = modePlain
	return m, true
}

// Snapshot returns the lines of the pending message without completing it,
// for a checkpoint: adding them to a new Grouper, in order, restores its
// state, since the rules that joined them depend only on the lines.
// truncated says lines were already dropped or cut by the caps.
func (g *Grouper) Snapshot() (lines []string, truncated bool) {
	if g.lines == 0 {
		return nil, false
	}
	if g.pending.Len() == 0 {
		return []string{g.first}, g.truncated
	}
	return strings.Split(g.pending.String(), "\n"), g.truncated
}

// Pending reports whether a message waits for its end.
func (g *Grouper) Pending() bool { return g.lines > 0 }

func (g *Grouper) start(line string) {
	g.lines = 1
	g.mode = modePlain
	switch {
	case strings.HasPrefix(line, "Traceback (most recent call last):"):
		g.mode = modePythonTraceback
	case strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: "):
		g.mode = modeGoPanic
	}
	if len(line) > g.maxBytes {
		line = CutUTF8(line, g.maxBytes)
		g.truncated = true
	}
	g.first = line
}

func (g *Grouper) appendLine(line string) {
	if strings.Contains(line, "Traceback (most recent call last):") {
		g.mode = modePythonTraceback
	}
	if g.pending.Len() == 0 {
		g.pending.WriteString(g.first)
	}
	if g.lines >= g.maxLines || g.pending.Len()+1+len(line) > g.maxBytes {
		g.truncated = true
		g.lines++ // keep counting so the message stays one message
		return
	}
	g.pending.WriteByte('\n')
	g.pending.WriteString(line)
	g.lines++
}

// continues reports whether line belongs to the pending message.
func (g *Grouper) continues(line string) bool {
	if line != "" && (line[0] == ' ' || line[0] == '\t') {
		return true
	}
	if strings.HasPrefix(line, "Caused by: ") || strings.HasPrefix(line, "Suppressed: ") {
		return true
	}
	switch g.mode {
	case modePythonTraceback:
		if line == "" {
			return false
		}
		// The exception line ends this traceback.
		g.mode = modePythonAfter
		return true
	case modePythonAfter:
		switch {
		case line == "",
			strings.HasPrefix(line, "During handling of the above exception"),
			strings.HasPrefix(line, "The above exception was the direct cause"):
			return true
		case strings.HasPrefix(line, "Traceback (most recent call last):"):
			g.mode = modePythonTraceback
			return true
		}
		return false
	case modeGoPanic:
		return line == "" ||
			strings.HasPrefix(line, "goroutine ") ||
			strings.HasPrefix(line, "[signal ") ||
			strings.HasPrefix(line, "created by ") ||
			strings.HasPrefix(line, "exit status ") ||
			goFrameLine.MatchString(line)
	}
	// A Python traceback or a Java exception right after a single-line log
	// message is that message's cause, printed by the logger on the next
	// line (logging.exception, logback, log4j).
	if strings.HasPrefix(line, "Traceback (most recent call last):") {
		return g.lines == 1
	}
	return g.lines == 1 && mayBeJavaException(line) && javaExceptionLine.MatchString(line)
}
