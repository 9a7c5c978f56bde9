// SPDX-License-Identifier: Apache-2.0

package loglevel // import "github.com/otelcol-node/otelcol-node/internal/loglevel"

// jsonLevel finds the first level key of a JSON object (at any depth, the
// first one wins) and parses its value. It scans instead of decoding, so it
// neither allocates nor fails on JSON that is cut or slightly broken.
func jsonLevel(s string) Level {
	if len(s) > maxJSONBytes {
		s = s[:maxJSONBytes]
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '"' {
			continue
		}
		str, next := readJSONString(s, i)
		if next < 0 {
			return Unknown
		}
		j := skipSpace(s, next)
		if j >= len(s) || s[j] != ':' {
			i = next - 1 // a value, not a key
			continue
		}
		j = skipSpace(s, j+1)
		if !isLevelKey(str) || j >= len(s) {
			i = j - 1
			continue
		}
		var value string
		if s[j] == '"' {
			v, end := readJSONString(s, j)
			if end < 0 {
				return Unknown
			}
			value = v
		} else {
			end := j
			for end < len(s) && isDigit(s[end]) {
				end++
			}
			value = s[j:end]
		}
		if l, ok := valueLevel(value); ok {
			return l
		}
		return Unknown
	}
	return Unknown
}

// readJSONString returns the raw content of the string starting at the
// quote s[i] and the index after its closing quote, or -1 when it is not
// closed. Escapes are skipped, not decoded: level names have none.
func readJSONString(s string, i int) (string, int) {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return s[i+1 : j], j + 1
		}
	}
	return "", -1
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}
