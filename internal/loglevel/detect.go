// SPDX-License-Identifier: Apache-2.0

package loglevel // import "github.com/otelcol-node/otelcol-node/internal/loglevel"

import "strings"

const (
	// maxHeaderTokens and maxHeaderBytes bound where Detect looks for a
	// level word: loggers put the level in the header, and free text later
	// in a message mentions "ERROR" without being one.
	maxHeaderTokens = 12
	maxHeaderBytes  = 512
	// maxJSONBytes bounds how far into a JSON message a level key is looked for.
	maxJSONBytes = 4096
)

// Detect returns the level a message states, or Unknown. It recognises, in
// this order:
//   - JSON with a "level", "severity", "lvl", "levelname", "log.level" or
//     "loglevel" key (string or numeric value);
//   - a syslog/printk priority prefix "<3>";
//   - glog/klog headers "E0102 15:04:05.000000 ...";
//   - in the first words of the message: logfmt "level=warn" (Go slog,
//     logrus), bracketed levels "[error]", "[WARN]", "[core:error]" (nginx,
//     Apache), upper-case words "ERROR", "WARN" (Java, Python, Go), a
//     level followed by ':' ("ERROR:root:", "error:", "panic:"), and
//     uncaught exception headers ("Traceback (most recent call last):").
func Detect(msg string) Level {
	s := strings.TrimLeft(msg, " \t\r\n")
	if s == "" {
		return Unknown
	}
	if s[0] == '{' {
		// A JSON message says its level in a key or not at all: words in
		// its values are data.
		return jsonLevel(s)
	}
	if l, ok := priorityPrefix(s); ok {
		return l
	}
	if l, ok := glogHeader(s); ok {
		return l
	}
	return headerLevel(s)
}

// priorityPrefix reads "<N>" with N a syslog PRI (facility*8 + severity).
func priorityPrefix(s string) (Level, bool) {
	if len(s) < 3 || s[0] != '<' {
		return Unknown, false
	}
	n, i := 0, 1
	for ; i < len(s) && i <= 4 && isDigit(s[i]); i++ {
		n = n*10 + int(s[i]-'0')
	}
	if i == 1 || i >= len(s) || s[i] != '>' || n > 191 {
		return Unknown, false
	}
	return FromSyslogPriority(n % 8), true
}

// glogHeader reads the "Lmmdd " start of glog and klog lines.
func glogHeader(s string) (Level, bool) {
	if len(s) < 6 || s[5] != ' ' || !strings.ContainsRune("IWEF", rune(s[0])) {
		return Unknown, false
	}
	for i := 1; i < 5; i++ {
		if !isDigit(s[i]) {
			return Unknown, false
		}
	}
	return ParseName(s[:1])
}

// headerLevel looks at the first words of s for a level marker.
func headerLevel(s string) Level {
	if len(s) > maxHeaderBytes {
		s = s[:maxHeaderBytes]
	}
	if strings.HasPrefix(s, "Traceback (most recent call last)") || strings.HasPrefix(s, "Exception in thread ") {
		return Error
	}
	for n := 0; n < maxHeaderTokens && s != ""; n++ {
		end := strings.IndexAny(s, " \t")
		if end < 0 {
			end = len(s)
		}
		if l, ok := wordLevel(s[:end], n == 0); ok {
			return l
		}
		s = strings.TrimLeft(s[end:], " \t")
	}
	return Unknown
}

// wordLevel reads one whitespace-free word. first tells whether it starts
// the message, where "error:" in lower case is a level too.
func wordLevel(w string, first bool) (Level, bool) {
	// logfmt: level=warn, lvl="error", severity=ERROR, log.level=info
	if eq := strings.IndexByte(w, '='); eq > 0 {
		if isLevelKey(w[:eq]) {
			return valueLevel(strings.Trim(w[eq+1:], `"'`))
		}
		return Unknown, false
	}
	// Bracketed: [error], [WARN], <info>, (debug), [core:error]
	inner := strings.TrimRight(w, ":,")
	if len(inner) >= 3 && isOpen(inner[0]) && isClose(inner[len(inner)-1]) {
		inner = inner[1 : len(inner)-1]
		if c := strings.LastIndexByte(inner, ':'); c >= 0 {
			inner = inner[c+1:]
		}
		if len(inner) >= 3 {
			return ParseName(inner)
		}
		return Unknown, false
	}
	// ERROR, WARN:, ERROR:root:msg, error: (first word), panic:
	name, colon := w, false
	if c := strings.IndexByte(w, ':'); c > 0 {
		name, colon = w[:c], true
	}
	name = strings.TrimRight(name, ",;-|")
	if len(name) < 3 {
		return Unknown, false // single letters are too common in prose
	}
	if isUpper(name) || (colon && first) {
		return ParseName(name)
	}
	return Unknown, false
}

// valueLevel parses a level value: a name or a number.
func valueLevel(v string) (Level, bool) {
	if v == "" {
		return Unknown, false
	}
	if isDigit(v[0]) {
		n := 0
		for i := 0; i < len(v); i++ {
			if !isDigit(v[i]) || n > 1000 {
				return Unknown, false
			}
			n = n*10 + int(v[i]-'0')
		}
		l := fromNumber(n)
		return l, l != Unknown
	}
	return ParseName(v)
}

// levelKeys are the keys structured loggers put the level under, compared
// without regard to case.
var levelKeys = [...]string{"level", "lvl", "severity", "levelname", "log.level", "loglevel", "log_level", "@l", "severity_text"}

func isLevelKey(k string) bool {
	for _, lk := range levelKeys {
		if strings.EqualFold(k, lk) {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isOpen(c byte) bool  { return c == '[' || c == '<' || c == '(' || c == '{' }
func isClose(c byte) bool { return c == ']' || c == '>' || c == ')' || c == '}' }

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
