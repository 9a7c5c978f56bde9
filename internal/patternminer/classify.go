// SPDX-License-Identifier: Apache-2.0

package patternminer // import "github.com/otelcol-node/otelcol-node/internal/patternminer"

import "strings"

// The rules below decide what is "obviously a variable" without knowing the
// application: numbers and anything starting with one (sizes "64KB",
// durations "10ms", hex "0x1f"), hex runs, IPs, MACs, UUIDs, dates and
// times, paths, URLs and file names, hostnames and versions (digits with
// dots), identifiers built from numbers ("rdd_2_1"), month and weekday
// names, booleans and nulls. Everything else is kept and left to clustering.

// Byte classes, looked up in charClass so the tokenizer looks at each byte
// once or twice.
const (
	clSpace      uint16 = 1 << iota
	clDigit             // 0-9
	clHexLetter         // a-f A-F
	clLower             // a-z
	clUpper             // A-Z
	clDelim             // cuts a word into segments
	clLeadPunct         // sentence punctuation before a word
	clTrailPunct        // sentence punctuation after a word
	clValueGlue         // joins the parts of a value: 10.0.0.1:80, 2024-01-02
	clPathy             // '.', '_', '/', '\\', '@': a segment holding one needs a closer look
	clQuote             // '"': the word may open a quoted span
	clNotPlain          // anything but a letter, '-' and '_' (see isPlainWord)
)

// charClass is a constant table in all but name: it is filled once by
// newCharClass and never written again.
var charClass = newCharClass()

func newCharClass() (t [256]uint16) {
	for _, c := range " \t\n\r\v\f" {
		t[c] |= clSpace
	}
	for c := '0'; c <= '9'; c++ {
		t[c] |= clDigit
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= clLower
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] |= clUpper
	}
	for _, c := range "abcdefABCDEF" {
		t[c] |= clHexLetter
	}
	for _, c := range "()[]{}<>=:,;|\"'`" {
		t[c] |= clDelim
	}
	for _, c := range "([{<\"'" {
		t[c] |= clLeadPunct
	}
	for _, c := range ")]}>\"',;:.!?" {
		t[c] |= clTrailPunct
	}
	for _, c := range ":.-/+," {
		t[c] |= clValueGlue
	}
	for _, c := range "._/\\@" {
		t[c] |= clPathy
	}
	t['"'] |= clQuote
	for c := range t {
		if t[c]&(clLower|clUpper) == 0 && c != '-' && c != '_' {
			t[c] |= clNotPlain
		}
	}
	return t
}

// classesOf is the union of the byte classes of w: what the tokenizer's
// word scan gathers on its way, so that later checks can skip a pass.
func classesOf(w string) uint16 {
	var classes uint16
	for i := 0; i < len(w); i++ {
		classes |= charClass[w[i]]
	}
	return classes
}

func isSpace(c byte) bool     { return charClass[c]&clSpace != 0 }
func isDigit(c byte) bool     { return charClass[c]&clDigit != 0 }
func isHexLetter(c byte) bool { return charClass[c]&clHexLetter != 0 }
func isAlnum(c byte) bool     { return charClass[c]&(clDigit|clLower|clUpper) != 0 }
func isDelimiter(c byte) bool { return charClass[c]&clDelim != 0 }

func isOpenBracket(c byte) bool  { return c == '(' || c == '[' || c == '{' || c == '<' }
func isCloseBracket(c byte) bool { return c == ')' || c == ']' || c == '}' || c == '>' }

// trimEdgePunct drops sentence punctuation around a word, which tells
// nothing about whether the word is a value.
func trimEdgePunct(w string) string {
	for w != "" && charClass[w[0]]&clLeadPunct != 0 {
		w = w[1:]
	}
	for w != "" && charClass[w[len(w)-1]]&clTrailPunct != 0 {
		w = w[:len(w)-1]
	}
	return w
}

// isWholeVariable reports words (trimmed of edge punctuation) that are one
// value as a whole before they are cut at delimiters: IPs with ports, MACs, IPv6 addresses, times and
// dates ("10:05:25", "2005-07-03"), made of hex digits and glue only. They
// are recognised here because a MAC's "EB" parts alone look like words.
func isWholeVariable(w string) bool {
	digits := 0
	for i := 0; i < len(w); i++ {
		cl := charClass[w[i]]
		switch {
		case cl&clDigit != 0:
			digits++
		case cl&(clHexLetter|clValueGlue) == 0:
			return false
		}
	}
	return digits > 0
}

// isVariableSegment reports a segment (a word part between delimiters)
// that is a value as a whole. It looks at each byte once.
func isVariableSegment(s string) bool {
	c := s[0]
	if isDigit(c) || ((c == '-' || c == '+' || c == '#') && len(s) > 1 && isDigit(s[1])) {
		return true // numbers, sizes, durations, hex "0x1f", "-1", "#3"
	}
	if (c == '/' || c == '\\') && len(s) > 1 {
		return true // absolute paths, "\\server\share"
	}
	var classes uint16
	for i := 0; i < len(s); i++ {
		classes |= charClass[s[i]]
	}
	if classes&clPathy == 0 {
		// A plain word (the common case): only names of months, days,
		// booleans and nulls are values.
		return isDateWord(s) || isLiteralValue(s)
	}
	var digits, dots, joins, slashes, backslashes, upper int
	lastDot, at := -1, -1
	hostLike := true // only [a-z0-9.-], no empty label
	for i := 0; i < len(s); i++ {
		b := s[i]
		cl := charClass[b]
		switch {
		case cl&clDigit != 0:
			digits++
		case cl&clUpper != 0:
			upper++
		case b == '.':
			if i == 0 || i == len(s)-1 || s[i-1] == '.' {
				hostLike = false
			}
			dots++
			lastDot = i
		case b == '_':
			joins++
		case b == '/':
			slashes++
		case b == '\\':
			backslashes++
		case b == '@':
			at = i
		}
		if cl&(clLower|clDigit) == 0 && b != '.' && b != '-' {
			hostLike = false
		}
	}
	switch {
	case digits > 0 && (dots > 0 || joins > 0 || slashes > 0) && !strings.Contains(s, ".."):
		// Hostnames and file names with numbers, versions, identifiers
		// built from numbers ("rdd_2_1", "task_0001_m_02"), references
		// such as "default/web-7d4b9c-xk2p9". A run of dots is leader
		// punctuation ("threshold.....0"), not part of a value: there
		// only the digits are masked.
		return true
	case slashes >= 2 || backslashes >= 2 || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") || strings.HasPrefix(s, "~/"):
		return true // relative paths and URLs
	case dots >= 2 && hostLike && upper == 0:
		// Lowercase dotted names: "mail.example.com". Java class names
		// carry upper case and are kept.
		return true
	case lastDot > 0 && isFileExtension(s[lastDot+1:]):
		return true // "backup.exe", "app.log"
	case at > 0 && at < len(s)-1 && isAlnum(s[at-1]) && isAlnum(s[at+1]):
		return true // "alice@example.org", "deploy@build-host", "image@sha256"
	}
	return isDateWord(s) || isLiteralValue(s)
}

// isFileExtension reports extensions of executables, libraries, sources,
// logs, configuration and archives: a name carrying one is a file name.
func isFileExtension(ext string) bool {
	switch strings.ToLower(ext) {
	case "exe", "dll", "so", "sys", "bin", "jar", "war", "class", "py", "pyc", "js", "ts", "go", "c", "cc", "cpp", "h",
		"java", "scala", "rb", "php", "pl", "sh", "log", "txt", "out", "err", "conf", "cfg", "ini", "json", "xml",
		"yaml", "yml", "toml", "properties", "html", "htm", "css", "csv", "dat", "db", "sqlite", "tmp", "pid",
		"sock", "lock", "gz", "tgz", "zip", "tar", "bz2", "xz", "rpm", "deb", "img", "iso", "pem", "crt", "key",
		// systemd unit files: "nginx.service", "docker.socket".
		"service", "socket", "timer", "mount", "automount", "swap", "slice", "scope", "target", "device":
		return true
	}
	return false
}

// isDateWord reports month and weekday names, parts of a timestamp, in
// title case or upper case.
func isDateWord(s string) bool {
	switch s {
	case "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
		"January", "February", "March", "April", "June", "July", "August", "September", "October", "November", "December",
		"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
		"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
		"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
		"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN":
		return true
	}
	return false
}

// isLiteralValue reports the spelled-out values of booleans and nulls.
func isLiteralValue(s string) bool {
	switch s {
	case "true", "false", "True", "False", "TRUE", "FALSE", "null", "NULL", "nil", "None", "undefined":
		return true
	}
	return false
}

// isUnitWord reports abbreviated units of size and time, which belong to
// the number before them: "5.2 KB" and "850 B" are both one value. Units
// spelled out ("seconds", "bytes") are kept: they read as part of the
// sentence and often tell events apart.
func isUnitWord(s string) bool {
	switch s {
	case "B", "KB", "MB", "GB", "TB", "PB", "KiB", "MiB", "GiB", "TiB", "kB", "kb", "mb", "gb",
		"ns", "us", "µs", "ms", "s", "sec", "secs":
		return true
	}
	return false
}

// isMessageKey reports the keys under which logfmt and similar formats put
// the message text itself.
func isMessageKey(k string) bool {
	return k == "msg" || k == "message" || k == "MESSAGE" || k == "Message"
}

// isPlainWord reports a word of letters only (and '-', '_'), which no rule
// would mask.
func isPlainWord(w string) bool { return isPlainWordOf(w, classesOf(w)) }

// isPlainWordOf is isPlainWord for a word whose byte classes are known.
func isPlainWordOf(w string, classes uint16) bool {
	return classes&clNotPlain == 0 && !isDateWord(w) && !isLiteralValue(w)
}
