// SPDX-License-Identifier: Apache-2.0

package logsource // import "github.com/otelcol-node/otelcol-node/internal/logsource"

import "strings"

// Reassembler joins the partial entries a runtime split a long line into
// (Docker at 16 KiB, CRI runtimes at their buffer size), per stream. The
// joined line is capped at maxBytes: the rest is dropped and the line is
// reported as truncated. Not goroutine-safe.
type Reassembler struct {
	maxBytes  int
	pending   map[string]*partialLine
	maxStream int
}

type partialLine struct {
	buf       strings.Builder
	truncated bool
}

// maxStreams bounds the per-stream state; runtimes only use stdout and
// stderr, so anything beyond is a malformed source and is not reassembled.
const maxStreams = 4

// NewReassembler returns a Reassembler capping joined lines at maxBytes.
func NewReassembler(maxBytes int) *Reassembler {
	return &Reassembler{maxBytes: maxBytes, pending: make(map[string]*partialLine, 2), maxStream: maxStreams}
}

// Add feeds one entry. It returns the complete line when e ends one, with
// truncated set when the line went over the cap or one of its pieces was
// already cut (e.Truncated): a line is reported truncated once, however many
// times it was cut.
func (r *Reassembler) Add(e Entry) (line string, truncated, complete bool) {
	p := r.pending[e.Stream]
	if p == nil {
		if !e.Partial {
			if len(e.Text) > r.maxBytes {
				return CutUTF8(e.Text, r.maxBytes), true, true
			}
			return e.Text, e.Truncated, true
		}
		if len(r.pending) >= r.maxStream {
			// Too many distinct streams: pass the piece through as is.
			return CutUTF8(e.Text, r.maxBytes), e.Truncated || len(e.Text) > r.maxBytes, true
		}
		p = &partialLine{}
		r.pending[e.Stream] = p
	}
	p.append(e.Text, r.maxBytes)
	p.truncated = p.truncated || e.Truncated
	if e.Partial {
		return "", false, false
	}
	delete(r.pending, e.Stream)
	return p.buf.String(), p.truncated, true
}

// Snapshot returns the pending partial lines without removing them, as
// partial entries: feeding them to a new Reassembler restores its state (a
// checkpoint taken while a line waits for its next piece).
func (r *Reassembler) Snapshot() []Entry {
	var out []Entry
	for stream, p := range r.pending {
		out = append(out, Entry{Stream: stream, Text: p.buf.String(), Partial: true, Truncated: p.truncated})
	}
	return out
}

// Pending reports whether a partial line waits for its next piece.
func (r *Reassembler) Pending() bool { return len(r.pending) > 0 }

// Flush returns the pending partial lines, for when the source ends (file
// removed, container gone) or the runtime never writes the final piece. The
// entries are complete; Truncated says a cap cut them.
func (r *Reassembler) Flush() []Entry {
	var out []Entry
	for stream, p := range r.pending {
		out = append(out, Entry{Stream: stream, Text: p.buf.String(), Truncated: p.truncated})
		delete(r.pending, stream)
	}
	return out
}

func (p *partialLine) append(s string, maxBytes int) {
	room := maxBytes - p.buf.Len()
	if len(s) > room {
		s = CutUTF8(s, max(room, 0))
		p.truncated = true
	}
	p.buf.WriteString(s)
}

// CutUTF8 cuts s to at most n bytes without splitting a UTF-8 sequence.
func CutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
