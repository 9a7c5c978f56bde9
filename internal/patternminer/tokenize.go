// SPDX-License-Identifier: Apache-2.0

package patternminer // import "github.com/otelcol-node/otelcol-node/internal/patternminer"

import "strings"

// A message is split on whitespace into words; each word becomes one token.
// Inside a word, delimiters (brackets, '=', ':', ',', ';', '|', quotes) cut
// it into segments, and each segment is kept or masked on its own, so
// "chdir(/tmp/x)" becomes "chdir(<*>)" and "(uid=0)" becomes "(uid=<*>)".
// A token is stored as a list of pieces (literal text or a wildcard) and a
// 64-bit hash of those pieces, so matching never builds strings.

// piece is a literal part of the message, msg[start:end], a wildcard when
// wild, or one space when space (whitespace inside a quoted value).
type piece struct {
	start, end int32
	wild       bool
	space      bool
}

// token is one word of a message after masking.
type token struct {
	hash       uint64
	wild       bool   // the whole word is one variable
	masked     bool   // some part of the word is a variable
	structured bool   // masked, and its constant part holds delimiters: "(uid=<*>)"
	keyed      bool   // structured, with a '=' naming a value: "uid=<*>"
	named      bool   // structured, with a part of text not glued to a value: "sshd[<*>]:"
	skeleton   uint64 // structured: its delimiters, texts and values, see skeletonOf
	p0, p1     int32  // its pieces: tokenizer.pieces[p0:p1]
}

// tokenizer holds buffers reused across messages so Add does not allocate.
type tokenizer struct {
	maxTokens int
	msg       string // the message being tokenized
	tokens    []token
	pieces    []piece
	truncated bool // the last message had more than maxTokens words
}

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
	// wildHash is mixed into a token hash for a wildcard, and is the hash
	// of a token that is one variable as a whole.
	wildHash = 0x9e3779b97f4a7c15
)

// maxQuotedSpan bounds how far a double-quoted value may run over spaces
// ("Mozilla/5.0 (X11; Linux x86_64)"), so that it stays one token however
// many words it has.
const maxQuotedSpan = 256

// quotedSpanEnd extends the word msg[start:end] to the end of the word that
// closes a double quote it opens ("a b" or key="a b"); without a closing
// quote within maxQuotedSpan bytes the word stays as it is.
func quotedSpanEnd(msg string, start, end int) int {
	w := msg[start:end]
	if strings.IndexByte(w, '"') < 0 {
		return end
	}
	q := -1
	if w[0] == '"' {
		q = 0
	} else if k := strings.Index(w, "=\""); k > 0 {
		q = k + 1
	}
	if q < 0 || strings.IndexByte(w[q+1:], '"') >= 0 {
		return end
	}
	limit := min(len(msg), end+maxQuotedSpan)
	for k := end; k < limit; k++ {
		if msg[k] == '"' && msg[k-1] != '\\' {
			for k < len(msg) && !isSpace(msg[k]) {
				k++
			}
			return k
		}
	}
	return end
}

// tokenize fills t.tokens for msg. Consecutive whole-word variables collapse
// into one, and so do repeats of the same partly masked word
// ("blk_<*> blk_<*> blk_<*>"), because lists of values vary in length.
func (t *tokenizer) tokenize(msg string) {
	t.reset(msg)
	if t.tokenizeJSON(msg) {
		return
	}
	t.reset(msg)
	prevEquals, prevPath := false, false
	i := 0
	for i < len(msg) {
		for i < len(msg) && isSpace(msg[i]) {
			i++
		}
		if i == len(msg) {
			break
		}
		start := i
		var classes uint16
		for i < len(msg) {
			cl := charClass[msg[i]]
			if cl&clSpace != 0 {
				break
			}
			classes |= cl
			i++
		}
		if classes&clQuote != 0 {
			if end := quotedSpanEnd(msg, start, i); end != i {
				i = end
				classes = classesOf(msg[start:i])
			}
		}
		if len(t.tokens) == t.maxTokens-1 && strings.TrimLeft(msg[i:], " \t\n\r\v\f") != "" {
			// The rest of a very long message is one variable: it keeps
			// matching bounded and such tails are rarely constant.
			t.truncated = true
			t.appendWild()
			break
		}
		if n := len(t.tokens); n > 0 && t.endsWithWild(t.tokens[n-1]) {
			if w := msg[start:i]; isUnitWord(trimEdgePunct(w)) {
				// "5.2 KB" and "93 B" are one value each; punctuation after
				// the unit stays ("<*>,").
				t.appendUnitTail(start, i)
				continue
			}
		}
		if prevEquals {
			// "key = value" spelled with spaces: the value is a variable.
			prevEquals = false
			t.appendWild()
			continue
		}
		w := msg[start:i]
		if prevPath && w[0] != '/' && strings.IndexByte(w, '/') > 0 {
			// "/srv/my files/a": a path with a space goes on after it;
			// the value would otherwise take more tokens than usual.
			t.appendWild()
			continue
		}
		prevEquals = i-start == 1 && msg[start] == '='
		t.appendWord(start, i, classes)
		prevPath = isPathStart(w) && t.tokens[len(t.tokens)-1].wild
	}
}

// isPathStart reports a word that starts an absolute or relative path.
func isPathStart(w string) bool {
	return len(w) > 1 && (w[0] == '/' || strings.HasPrefix(w, "./") || strings.HasPrefix(w, "~/"))
}

func (t *tokenizer) reset(msg string) {
	t.msg = msg
	t.tokens = t.tokens[:0]
	t.pieces = t.pieces[:0]
	t.truncated = false
}

func (t *tokenizer) appendWild() {
	n := len(t.tokens)
	if n > 0 && t.tokens[n-1].wild {
		return
	}
	p := int32(len(t.pieces))
	t.pieces = append(t.pieces, piece{wild: true})
	t.tokens = append(t.tokens, token{hash: wildHash, wild: true, masked: true, p0: p, p1: p + 1})
}

// endsWithWild reports whether tok ends in a variable ("<*>", "(<*>").
func (t *tokenizer) endsWithWild(tok token) bool {
	return tok.wild || t.pieces[tok.p1-1].wild
}

// appendUnitTail folds a unit word into the variable that ends the previous
// token, keeping the punctuation that follows the unit ("(1.2 KB)," ->
// "(<*>),").
func (t *tokenizer) appendUnitTail(start, end int) {
	w := t.msg[start:end]
	unit := trimEdgePunct(w)
	if w[0] != unit[0] {
		return // leading punctuation: "5 (KB)" is not a number with a unit
	}
	unitEnd := start + len(unit)
	if unitEnd == end {
		return
	}
	n := len(t.tokens)
	prev := t.tokens[n-1]
	t.tokens = t.tokens[:n-1]
	p0 := int32(len(t.pieces))
	if prev.wild {
		t.pieces = append(t.pieces, piece{wild: true})
	} else {
		t.pieces = append(t.pieces, t.pieces[prev.p0:prev.p1]...)
	}
	t.pieces = append(t.pieces, piece{start: int32(unitEnd), end: int32(end)})
	t.pushToken(p0)
}

// appendWord masks one whitespace-free word and appends it as a token;
// classes is the union of its bytes' classes (classesOf).
func (t *tokenizer) appendWord(start, end int, classes uint16) {
	p0 := int32(len(t.pieces))
	w := t.msg[start:end]
	if isPlainWordOf(w, classes) {
		// The common case, decided in one pass: a word of letters, '-'
		// and '_' is kept whole (a month or weekday name, a boolean or a
		// null is a value, which isPlainWord excludes).
		t.pieces = append(t.pieces, piece{start: int32(start), end: int32(end)})
		t.pushToken(p0)
		return
	}
	if w[0] == '"' {
		if q := strings.IndexByte(w[1:], '"'); q >= 0 && strings.IndexAny(w[:q+1], " \t") >= 0 {
			t.appendQuoted(start, start+1+q, end)
			return
		}
	}
	// isWholeVariable needs a digit: without one, its pass is skipped.
	if core := trimEdgePunct(w); classes&clDigit != 0 && core != "" && isWholeVariable(core) {
		// Keep the punctuation around the value: "[10.0.0.1]" -> "[<*>]".
		// A comparison sign belongs to the number ("<1", ">100").
		lead := strings.Index(w, core)
		coreEnd := lead + len(core)
		if lead == 1 && (w[0] == '<' || w[0] == '>' || w[0] == '~') {
			lead = 0
		}
		if lead == 0 && coreEnd == len(w) {
			t.appendWild()
			return
		}
		if lead > 0 {
			t.pieces = append(t.pieces, piece{start: int32(start), end: int32(start + lead)})
		}
		t.pieces = append(t.pieces, piece{wild: true})
		if coreEnd < len(w) {
			t.pieces = append(t.pieces, piece{start: int32(start + coreEnd), end: int32(end)})
		}
		t.pushToken(p0)
		return
	}
	maskWord(t.msg, start, end, &t.pieces)
	t.pushToken(p0)
}

// appendQuoted appends a double-quoted text of several words, msg[open]
// to its closing quote msg[closing], followed by msg[closing+1:end], as one
// token whatever its length. A text that starts with a plain word is named
// by it, like a request line "GET /x HTTP/1.1" or a query "SELECT ...": the
// word stays and the rest is one variable. A text that starts with a value
// ("Mozilla/5.0 (X11; Linux)", "10.0.0.1 said hi") is one variable.
func (t *tokenizer) appendQuoted(open, closing, end int) {
	p0 := int32(len(t.pieces))
	t.pieces = append(t.pieces, piece{start: int32(open), end: int32(open + 1)})
	first := open + 1
	for first < closing && !isSpace(t.msg[first]) {
		first++
	}
	if w := t.msg[open+1 : first]; w != "" && isPlainWord(w) {
		t.pieces = append(t.pieces, piece{start: int32(open + 1), end: int32(first)}, piece{space: true})
	}
	t.pieces = append(t.pieces, piece{wild: true}, piece{start: int32(closing), end: int32(end)})
	t.pushToken(p0)
}

// pushToken appends the token made of t.pieces[p0:], collapsing it into the
// previous token when both are variables or the same partly masked word.
func (t *tokenizer) pushToken(p0 int32) {
	p1 := int32(len(t.pieces))
	tok := token{hash: fnvOffset64, p0: p0, p1: p1}
	for _, pc := range t.pieces[p0:p1] {
		if pc.wild {
			tok.masked = true
		}
		tok.hash = mixPiece(tok.hash, t.msg, pc)
	}
	if p1-p0 == 1 && t.pieces[p0].wild {
		t.pieces = t.pieces[:p0]
		t.appendWild()
		return
	}
	if tok.masked {
		tok.structured, tok.keyed = t.hasDelimiter(p0, p1)
		if tok.structured {
			tok.skeleton, tok.named = t.skeletonOf(p0, p1)
		}
	}
	n := len(t.tokens)
	if tok.masked && n > 0 && t.tokens[n-1].hash == tok.hash {
		t.pieces = t.pieces[:p0]
		return
	}
	t.tokens = append(t.tokens, tok)
}

// hasDelimiter reports whether the literal pieces[p0:p1] hold a delimiter,
// and whether one of them is '='.
func (t *tokenizer) hasDelimiter(p0, p1 int32) (delim, equals bool) {
	for _, pc := range t.pieces[p0:p1] {
		for i := pc.start; i < pc.end; i++ {
			if c := t.msg[i]; isDelimiter(c) {
				delim = true
				equals = equals || c == '='
			}
		}
	}
	return delim, equals
}

// skeletonOf hashes the structure of the token made of pieces[p0:p1]: its
// delimiters and, between them, the text of each part without a value, or
// a mark for a part holding one. A part that glues text to a value is the
// value: "(name<*>)", "(other<*>)" and "(<*>)" have one skeleton, a value
// in brackets; "uid=<*>" and "logname=<*>" do not, nor do "(uid=<*>)" and
// "LOGIN(uid=<*>)".
//
// named reports whether one part is text only: such a token names
// something ("sshd[<*>]:", "run(<*>)"), while in "host-<*>" or "(<*>)" all
// text is glued to the value. A host and its port ("cache:<*>": a
// lowercase host name, a colon, a value and nothing else) is one value
// too, and names nothing; "onExtend:<*>" names an event.
func (t *tokenizer) skeletonOf(p0, p1 int32) (skeleton uint64, named bool) {
	const valueMark = 0x100
	h := uint64(fnvOffset64)
	part := uint64(fnvOffset64) // hash of the text of the part being read
	inPart, hasValue := false, false
	hostLike := true // every text part is lowercase letters, digits, '-' and '.'

	// elems spells the first elements: 'w' a text part, 'v' a value part,
	// or the delimiter itself; n counts all of them.
	var elems [3]byte
	n := 0
	push := func(e byte) {
		if n < len(elems) {
			elems[n] = e
		}
		n++
	}
	flush := func() {
		switch {
		case hasValue:
			h = (h ^ valueMark) * fnvPrime64
			push('v')
		case inPart:
			h = (h ^ part) * fnvPrime64
			named = true
			push('w')
		}
		part, inPart, hasValue = fnvOffset64, false, false
	}
	for _, pc := range t.pieces[p0:p1] {
		switch {
		case pc.wild:
			hasValue = true
		case pc.space:
			flush()
			h = (h ^ ' ') * fnvPrime64
			push(' ')
		default:
			for i := pc.start; i < pc.end; i++ {
				if c := t.msg[i]; isDelimiter(c) {
					flush()
					h = (h ^ uint64(c)) * fnvPrime64
					push(c)
				} else {
					inPart = true
					part = (part ^ uint64(c)) * fnvPrime64
					hostLike = hostLike && (charClass[c]&(clLower|clDigit) != 0 || c == '-' || c == '.')
				}
			}
		}
	}
	flush()
	if n == 3 && elems == [3]byte{'w', ':', 'v'} && hostLike {
		named = false // "cache:<*>": a host and its port
	}
	return h, named
}

func mixPiece(h uint64, msg string, pc piece) uint64 {
	if pc.wild {
		return (h ^ wildHash) * fnvPrime64
	}
	if pc.space {
		return (((h ^ ' ') * fnvPrime64) ^ 0xff) * fnvPrime64
	}
	for i := pc.start; i < pc.end; i++ {
		h ^= uint64(msg[i])
		h *= fnvPrime64
	}
	// A separator after each literal keeps "ab"+"c" apart from "a"+"bc".
	return (h ^ 0xff) * fnvPrime64
}

// maskWord appends the pieces of the word msg[start:end]: delimiters stay
// literal, each segment between them is classified, the value after
// "key=" is always a variable, and an empty pair of brackets or quotes
// holds an (empty) variable. Delimiters between two variables are folded
// into one variable ("10.0.0.1:80").
func maskWord(msg string, start, end int, out *[]piece) {
	base := len(*out)
	segStart := start
	emitSegment := func(s, e int) {
		if s == e {
			return
		}
		if isVariableSegment(msg[s:e]) {
			appendPieceWild(msg, out, base)
			return
		}
		maskDigits(msg, s, e, out, base)
	}
	for i := start; i < end; i++ {
		c := msg[i]
		if isSpace(c) {
			// Inside a quoted value: one space piece per run of blanks.
			emitSegment(segStart, i)
			for i+1 < end && isSpace(msg[i+1]) {
				i++
			}
			*out = append(*out, piece{space: true})
			segStart = i + 1
			continue
		}
		if !isDelimiter(c) {
			continue
		}
		emitSegment(segStart, i)
		switch {
		case c == '=' && i > segStart && isMessageKey(msg[segStart:i]):
			// msg="text": the text is the event, not a value; its words
			// are masked one by one like any other words.
		case c == '=' && i > start && !isDelimiter(msg[i-1]):
			// "key=value": the value runs to the end of the word or to
			// the first ',' ';' or unbalanced closing bracket, and is a
			// variable even when empty ("ruser=").
			appendPieceLit(msg, out, base, i, i+1)
			i = valueEnd(msg, i+1, end)
			appendPieceWild(msg, out, base)
			segStart = i
			i-- // the delimiter ending the value is handled next
			continue
		case i > start && isCloseBracket(c) && isOpenBracket(msg[i-1]),
			i > start && (c == '"' || c == '\'') && msg[i-1] == c:
			// An empty "()", "[]" or `""` held a value that was empty.
			appendPieceWild(msg, out, base)
		}
		appendPieceLit(msg, out, base, i, i+1)
		segStart = i + 1
	}
	emitSegment(segStart, end)
}

// valueEnd returns where the value starting at msg[i] ends within the word
// ending at end: at the first ',' or ';' or closing bracket that is not
// balanced inside the value ("(uid=0)", "a=1,b=2", "x=[1,2]" hold one value
// each).
func valueEnd(msg string, i, end int) int {
	if i < end && msg[i] == '"' {
		if q := strings.IndexByte(msg[i+1:end], '"'); q >= 0 {
			return i + 1 + q + 1 // a quoted value holds any punctuation
		}
	}
	depth := 0
	for ; i < end; i++ {
		switch c := msg[i]; {
		case isOpenBracket(c):
			depth++
		case isCloseBracket(c):
			if depth == 0 {
				return i
			}
			depth--
		case (c == ',' || c == ';') && depth == 0:
			return i
		}
	}
	return end
}

// appendPieceLit appends msg[s:e], extending the previous literal when the
// two are contiguous, so a token's pieces stay few.
func appendPieceLit(msg string, out *[]piece, base, s, e int) {
	n := len(*out)
	if n > base && !(*out)[n-1].wild && int((*out)[n-1].end) == s {
		(*out)[n-1].end = int32(e)
		return
	}
	*out = append(*out, piece{start: int32(s), end: int32(e)})
}

// appendPieceWild appends a wildcard, folding "<*> <delims> <*>" into one.
func appendPieceWild(msg string, out *[]piece, base int) {
	n := len(*out)
	if n > base && (*out)[n-1].wild {
		return
	}
	if n-base >= 2 && (*out)[n-2].wild && isFoldableDelimiters(msg[(*out)[n-1].start:(*out)[n-1].end]) {
		*out = (*out)[:n-1]
		return
	}
	*out = append(*out, piece{wild: true})
}

// isFoldableDelimiters reports literals that glue two values into one
// compound value, as in "10.0.0.1:80", "a|b|c" or a UUID.
func isFoldableDelimiters(s string) bool {
	if s == "" || len(s) > 2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ':', ',', '|', ';', '-', '/', '.', '_', '@', '#', '~', '+', '=', '?', '&':
		default:
			return false
		}
	}
	return true
}

// maskDigits appends msg[start:end], a segment with no delimiter in it,
// looking at each run of letters and digits on its own: a run that starts
// with a digit ("0x1f", "10ms"), is all hex with a digit ("fe1a", a UUID
// group) or mixes in two or more groups of digits ("xk2p9", a generated
// suffix) is a variable as a whole; in any other run only the digits are
// ("ssh2" -> "ssh<*>", "k8s" -> "k<*>s"). Runs are joined by the punctuation between them, so
// "blk_17" -> "blk_<*>" and "req-1f2e-77aa" -> "req-<*>".
func maskDigits(msg string, start, end int, out *[]piece, base int) {
	lit := start // start of the literal text not yet appended
	for i := start; i < end; {
		if !isAlnum(msg[i]) {
			i++
			continue
		}
		j := i
		digits, groups, allHex := 0, 0, true
		for j < end && isAlnum(msg[j]) {
			if isDigit(msg[j]) {
				if digits == 0 || !isDigit(msg[j-1]) {
					groups++
				}
				digits++
			} else if !isHexLetter(msg[j]) {
				allHex = false
			}
			j++
		}
		switch {
		case digits == 0:
		case isDigit(msg[i]) || allHex || groups > 1:
			s := i
			// A sign belongs to the number unless it joins two words
			// ("blk_-17" and "blk_17" get the same shape).
			if s > lit && (msg[s-1] == '-' || msg[s-1] == '+') && (s-1 == start || !isAlnum(msg[s-2])) {
				s--
			}
			if lit < s {
				appendPieceLit(msg, out, base, lit, s)
			}
			appendPieceWild(msg, out, base)
			lit = j
		default:
			for k := i; k < j; {
				if !isDigit(msg[k]) {
					k++
					continue
				}
				e := k
				for e < j && isDigit(msg[e]) {
					e++
				}
				if lit < k {
					appendPieceLit(msg, out, base, lit, k)
				}
				appendPieceWild(msg, out, base)
				lit, k = e, e
			}
		}
		i = j
	}
	if lit < end {
		appendPieceLit(msg, out, base, lit, end)
	}
}
