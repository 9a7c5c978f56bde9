// SPDX-License-Identifier: Apache-2.0

package logsource // import "github.com/otelcol-node/otelcol-node/internal/logsource"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Entry is one line of a container runtime's log file.
type Entry struct {
	// Stream is "stdout" or "stderr".
	Stream string
	// Text is the line the container wrote, without its trailing newline.
	Text string
	// Partial is set when the runtime split a long line and more of it
	// follows in the next entry of the same stream.
	Partial bool
	// Truncated is set when the line was cut before it was decoded (the
	// reader's line cap) or, for a line Reassembler returns, when the joined
	// line went over its cap.
	Truncated bool
	// InvalidUTF8 is set when the decoder replaced invalid UTF-8 in the
	// line with U+FFFD (encoding/json does so silently), so the caller can
	// still count it. Text that keeps its invalid bytes is not flagged: the
	// caller sees them.
	InvalidUTF8 bool
}

// dockerJSONLine mirrors what Docker's json-file driver writes per line
// (daemon/logger/jsonfilelog/jsonlog): the log text keeps the container's
// newline, so a text without one is a partial line (Docker cuts at 16 KiB).
type dockerJSONLine struct {
	Log    *string `json:"log"`
	Stream string  `json:"stream"`
	Time   string  `json:"time"`
}

// DecodeDockerJSON decodes one line of a Docker json-file log.
func DecodeDockerJSON(line []byte) (Entry, error) {
	if e, ok := decodeDockerJSONFast(line); ok {
		return e, nil
	}
	return decodeDockerJSONSlow(line)
}

func decodeDockerJSONSlow(line []byte) (Entry, error) {
	var l dockerJSONLine
	if err := json.Unmarshal(line, &l); err != nil {
		return Entry{}, fmt.Errorf("%w: docker json-file: %w", ErrMalformed, err)
	}
	if l.Log == nil {
		return Entry{}, fmt.Errorf("%w: docker json-file: no \"log\" key", ErrMalformed)
	}
	text, complete := strings.CutSuffix(*l.Log, "\n")
	if complete {
		text = strings.TrimSuffix(text, "\r")
	}
	return Entry{Stream: l.Stream, Text: text, Partial: !complete, InvalidUTF8: !utf8.Valid(line)}, nil
}

// DecodeDockerJSONCut decodes a json-file line that the reader cut at its
// line cap, so it has no end: the text is what the "log" value holds up to
// the cut, and the entry is complete and Truncated. The stream is unknown
// (Docker writes it after the text) and left empty. Invalid UTF-8 is kept.
func DecodeDockerJSONCut(line []byte) (Entry, error) {
	rest, ok := bytes.CutPrefix(line, dockerPrefix)
	if !ok {
		return Entry{}, fmt.Errorf("%w: docker json-file: cut line does not start with %s", ErrMalformed, dockerPrefix)
	}
	buf := make([]byte, 0, len(rest))
	for i := 0; i < len(rest); {
		c := rest[i]
		if c == '"' {
			// The value ended before the cut after all: the cut fell in
			// the stream or time that follow.
			break
		}
		if c != '\\' {
			buf = append(buf, c)
			i++
			continue
		}
		if i+1 >= len(rest) {
			break // the cut split an escape
		}
		switch rest[i+1] {
		case 'n':
			buf = append(buf, '\n')
		case 't':
			buf = append(buf, '\t')
		case 'r':
			buf = append(buf, '\r')
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'u':
			if i+6 > len(rest) {
				i = len(rest) // the cut split an escape
				continue
			}
			r, ok := parseHex4(rest[i+2 : i+6])
			if !ok || utf16IsSurrogate(r) {
				r = utf8.RuneError
			}
			buf = utf8.AppendRune(buf, r)
			i += 6
			continue
		default:
			buf = append(buf, rest[i+1])
		}
		i += 2
	}
	text := strings.TrimSuffix(string(buf), "\n")
	return Entry{Text: text, Truncated: true}, nil
}

// Docker writes every json-file line with the same keys in the same order
// (jsonlog.JSONLogs.MarshalJSONBuf), so the common line is decoded without
// reflection. Anything else (other key order, attrs, surrogate escapes,
// invalid UTF-8) takes encoding/json; FuzzDecodeDockerJSON checks both agree.
var (
	dockerPrefix    = []byte(`{"log":"`)
	dockerStreamKey = []byte(`,"stream":"`)
	dockerTimeKey   = []byte(`,"time":"`)
)

func decodeDockerJSONFast(line []byte) (Entry, bool) {
	rest, ok := bytes.CutPrefix(line, dockerPrefix)
	if !ok {
		return Entry{}, false
	}
	text, n, ok := unquoteJSONString(rest)
	if !ok {
		return Entry{}, false
	}
	rest, ok = bytes.CutPrefix(rest[n:], dockerStreamKey)
	if !ok {
		return Entry{}, false
	}
	end := bytes.IndexByte(rest, '"')
	if end < 0 || !isPlainJSONString(rest[:end]) {
		return Entry{}, false
	}
	stream := rest[:end]
	rest, ok = bytes.CutPrefix(rest[end+1:], dockerTimeKey)
	if !ok {
		return Entry{}, false
	}
	end = bytes.IndexByte(rest, '"')
	if end < 0 || !isPlainJSONString(rest[:end]) {
		return Entry{}, false
	}
	if !bytes.Equal(bytes.TrimRight(rest[end+1:], " \t\r\n"), []byte{'}'}) {
		return Entry{}, false
	}
	t, complete := strings.CutSuffix(text, "\n")
	if complete {
		t = strings.TrimSuffix(t, "\r")
	}
	return Entry{Stream: string(stream), Text: t, Partial: !complete}, true
}

// isPlainJSONString reports whether b is a JSON string body that needs no
// decoding: no escapes, no control characters (which JSON forbids raw) and
// valid UTF-8.
func isPlainJSONString(b []byte) bool {
	for _, c := range b {
		if c == '\\' || c < 0x20 {
			return false
		}
	}
	return utf8.Valid(b)
}

// unquoteJSONString decodes the JSON string body at the start of b (after
// its opening quote) and returns it with the bytes consumed, closing quote
// included. ok is false for what the fast path leaves to encoding/json.
func unquoteJSONString(b []byte) (s string, n int, ok bool) {
	i := 0
	for i < len(b) && b[i] != '"' && b[i] != '\\' && b[i] >= 0x20 && b[i] < utf8.RuneSelf {
		i++
	}
	if i < len(b) && b[i] == '"' {
		return string(b[:i]), i + 1, true
	}
	buf := make([]byte, 0, len(b))
	buf = append(buf, b[:i]...)
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			if !utf8.Valid(buf) {
				return "", 0, false
			}
			return string(buf), i + 1, true
		case c < 0x20:
			return "", 0, false
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		if i+1 >= len(b) {
			return "", 0, false
		}
		switch b[i+1] {
		case '"', '\\', '/':
			buf = append(buf, b[i+1])
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			if i+6 > len(b) {
				return "", 0, false
			}
			r, ok := parseHex4(b[i+2 : i+6])
			if !ok || utf16IsSurrogate(r) {
				return "", 0, false
			}
			buf = utf8.AppendRune(buf, r)
			i += 6
			continue
		default:
			return "", 0, false
		}
		i += 2
	}
	return "", 0, false
}

func parseHex4(b []byte) (rune, bool) {
	var r rune
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func utf16IsSurrogate(r rune) bool { return r >= 0xD800 && r < 0xE000 }
