// SPDX-License-Identifier: Apache-2.0

package patternminer // import "github.com/otelcol-node/otelcol-node/internal/patternminer"

import "strings"

// A message that is one JSON object (zap, logrus, bunyan, pino, ECS...) is
// tokenized by member instead of by whitespace: each top-level member
// becomes one token `"key":value`, where numbers, booleans, nulls, nested
// objects and arrays are variables and a string is masked like a word. The
// string of a message key ("msg", "message") is the event itself: its words
// become tokens of their own. Whitespace would otherwise cut members at
// arbitrary places, and one varying word would change every shape.

// tokenizeJSON tokenizes msg as a JSON object and reports whether it was
// one. On false the tokens are in an undefined state and the caller starts
// over.
func (t *tokenizer) tokenizeJSON(msg string) bool {
	start, end := 0, len(msg)
	for start < end && isSpace(msg[start]) {
		start++
	}
	for end > start && isSpace(msg[end-1]) {
		end--
	}
	if end-start < 2 || msg[start] != '{' || msg[end-1] != '}' {
		return false
	}
	i := skipJSONSpace(msg, start+1, end-1)
	for i < end-1 {
		if len(t.tokens) >= t.maxTokens-1 {
			t.truncated = true
			t.appendWild()
			return true
		}
		if msg[i] != '"' {
			return false
		}
		keyEnd := jsonStringEnd(msg, i, end)
		if keyEnd < 0 {
			return false
		}
		colon := skipJSONSpace(msg, keyEnd, end)
		if colon >= end || msg[colon] != ':' {
			return false
		}
		v := skipJSONSpace(msg, colon+1, end-1)
		vEnd := jsonValueEnd(msg, v, end-1)
		if vEnd < 0 {
			return false
		}
		t.appendMember(i, colon+1, v, vEnd)
		i = skipJSONSpace(msg, vEnd, end-1)
		if i < end-1 {
			if msg[i] != ',' {
				return false
			}
			i = skipJSONSpace(msg, i+1, end-1)
		}
	}
	return true
}

// appendMember appends the member whose key (with quotes and colon) is
// msg[k:colonEnd] and whose value is msg[v:vEnd].
func (t *tokenizer) appendMember(k, colonEnd, v, vEnd int) {
	msg := t.msg
	key := msg[k+1 : strings.LastIndexByte(msg[k:colonEnd], '"')+k]
	p0 := int32(len(t.pieces))
	t.pieces = append(t.pieces, piece{start: int32(k), end: int32(colonEnd)})
	switch {
	case v == vEnd:
		t.pieces = append(t.pieces, piece{wild: true})
	case msg[v] == '"' && isMessageKey(key):
		// The message text: "msg": then its words, each a token.
		t.pushToken(p0)
		wordsStart, wordsEnd := v+1, vEnd-1
		for i := wordsStart; i < wordsEnd; {
			for i < wordsEnd && isSpace(msg[i]) {
				i++
			}
			if i == wordsEnd {
				break
			}
			ws := i
			for i < wordsEnd && !isSpace(msg[i]) {
				i++
			}
			if len(t.tokens) >= t.maxTokens-1 {
				t.truncated = true
				t.appendWild()
				return
			}
			t.appendWord(ws, i, classesOf(t.msg[ws:i]))
		}
		return
	case msg[v] == '"':
		t.pieces = append(t.pieces, piece{start: int32(v), end: int32(v + 1)})
		if vEnd-1 > v+1 {
			if isVariableSegment(msg[v+1 : vEnd-1]) {
				t.pieces = append(t.pieces, piece{wild: true})
			} else {
				maskWord(msg, v+1, vEnd-1, &t.pieces)
			}
		} else {
			t.pieces = append(t.pieces, piece{wild: true}) // "" is an empty value
		}
		t.pieces = append(t.pieces, piece{start: int32(vEnd - 1), end: int32(vEnd)})
	default:
		// Numbers, booleans, null, objects and arrays are values.
		t.pieces = append(t.pieces, piece{wild: true})
	}
	t.pushToken(p0)
}

func skipJSONSpace(msg string, i, end int) int {
	for i < end && isSpace(msg[i]) {
		i++
	}
	return i
}

// jsonStringEnd returns the index after the closing quote of the string
// starting at msg[i], or -1.
func jsonStringEnd(msg string, i, end int) int {
	for j := i + 1; j < end; j++ {
		switch msg[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// jsonValueEnd returns the index after the value starting at msg[i] (a
// string, a balanced object or array, or a scalar up to ',' or the end),
// or -1 when it is not closed before end.
func jsonValueEnd(msg string, i, end int) int {
	if i >= end {
		return -1
	}
	switch msg[i] {
	case '"':
		return jsonStringEnd(msg, i, end)
	case '{', '[':
		depth := 0
		for j := i; j < end; j++ {
			switch msg[j] {
			case '"':
				if j = jsonStringEnd(msg, j, end); j < 0 {
					return -1
				}
				j--
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < end && msg[j] != ',' && !isSpace(msg[j]) {
		j++
	}
	return j
}
