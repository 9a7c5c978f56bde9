// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"bytes"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/loglevel"
	"github.com/otelcol-node/otelcol-node/internal/logsource"
	"github.com/otelcol-node/otelcol-node/internal/patternminer"
)

// Source names used as the `source` attribute. Files inside a container use
// their path in the container instead, e.g. "/var/log/nginx/error.log".
const (
	sourceStdio    = "stdout/stderr"
	sourceJournald = "journald"
)

// lineFormat says how the raw lines of a stream are decoded.
type lineFormat uint8

const (
	formatPlain lineFormat = iota
	formatDockerJSON
	formatCRI
)

// stream is one source of one owner (a container or a systemd unit): the
// decoding, multiline and mining state of its lines. Files of the same
// stream (a rotated file and its successor) share it. Its methods lock it,
// since fileconsumer reads files concurrently.
type stream struct {
	ownerKey string
	id       containerid.Identity
	source   string
	format   lineFormat
	scope    string // checkpoint scope of its files, "" if none
	core     *core

	mu          sync.Mutex
	reassembler *logsource.Reassembler
	groupers    map[string]*pendingGroup // by std stream; "" for plain files
	miner       *patternminer.Miner
	lastActive  time.Time
	// minerBytes estimates the miner's memory (see minerBudget);
	// minerCreated and minerEvicted are its Stats when last accounted.
	minerBytes                 int64
	minerCreated, minerEvicted uint64
	// lastRuntimeLine is when the last runtime entry arrived: a partial
	// line waits for its next piece at most multiline_flush_timeout.
	lastRuntimeLine time.Time
}

type pendingGroup struct {
	grouper  *logsource.Grouper
	lastLine time.Time
	cut      bool // a line of the pending message was truncated
}

// addLine decodes one raw line of the stream's format and feeds it on. A
// line is counted as truncated at most once, however many caps cut it.
func (s *stream) addLine(line []byte, now time.Time) {
	s.core.noteActivity()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastActive = now
	st := &s.core.stats
	st.linesRead.Add(1)
	// fileconsumer cut the line at max_log_size and skipped the rest.
	cut := len(line) >= s.core.cfg.MaxLogSize
	switch s.format {
	case formatDockerJSON, formatCRI:
		var e logsource.Entry
		var err error
		if s.format == formatDockerJSON {
			e, err = logsource.DecodeDockerJSON(line)
			if err != nil && cut {
				// The cut took the end of the JSON: keep the text up to it.
				e, err = logsource.DecodeDockerJSONCut(line)
			}
		} else {
			e, err = logsource.DecodeCRI(line)
		}
		if err != nil {
			st.decodeErrors.Add(1)
			return
		}
		if e.InvalidUTF8 {
			st.invalidUTF8.Add(1)
		}
		e.Truncated = e.Truncated || cut
		s.lastRuntimeLine = now
		text, truncated, complete := s.reassembler.Add(e)
		if complete {
			s.group(e.Stream, text, truncated, now)
		}
	default:
		text := string(line)
		if len(text) > s.core.cfg.MaxMessageBytes {
			text = logsource.CutUTF8(text, s.core.cfg.MaxMessageBytes)
			cut = true
		}
		s.group("", text, cut, now)
	}
}

// group runs a complete line through the multiline grouper of its std
// stream; cut says the line was truncated, so its message is counted as
// truncated once.
func (s *stream) group(std, text string, cut bool, now time.Time) {
	g := s.groupers[std]
	if g == nil {
		g = &pendingGroup{grouper: logsource.NewGrouper(s.core.cfg.MaxMessageLines, s.core.cfg.MaxMessageBytes)}
		s.groupers[std] = g
	}
	g.lastLine = now
	if !g.grouper.Pending() {
		g.cut = false
	}
	m, ok := g.grouper.Add(text)
	if !ok {
		g.cut = g.cut || cut
		return
	}
	prevCut := g.cut
	g.cut = cut
	s.finish(m, prevCut, -1, now)
}

// addMessage feeds a message that is already complete (a journald entry).
func (s *stream) addMessage(text string, priority int, now time.Time) {
	s.core.noteActivity()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastActive = now
	s.core.stats.linesRead.Add(1)
	truncated := false
	if len(text) > s.core.cfg.MaxMessageBytes {
		text = logsource.CutUTF8(text, s.core.cfg.MaxMessageBytes)
		truncated = true
	}
	s.finish(logsource.Message{Text: text, Truncated: truncated}, false, priority, now)
}

// flushIdle completes the messages that waited longer than the multiline
// timeout for continuation lines, and the partial runtime lines whose next
// piece did not come within that time (counted as incomplete: the runtime
// never finished them, and holding them until the stream expires would keep
// them uncounted for up to pattern_idle_timeout).
//
// It reports whether anything is still pending, to be flushed later.
func (s *stream) flushIdle(now time.Time, timeout time.Duration) (pending bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reassembler != nil && s.reassembler.Pending() {
		if now.Sub(s.lastRuntimeLine) < timeout {
			pending = true
		} else {
			for _, e := range s.reassembler.Flush() {
				s.core.stats.incompleteLines.Add(1)
				s.group(e.Stream, e.Text, e.Truncated, now)
			}
		}
	}
	for _, g := range s.groupers {
		if g.grouper.Pending() {
			if now.Sub(g.lastLine) < timeout {
				pending = true
			} else {
				s.flushGroup(g, now)
			}
		}
	}
	return pending
}

// flushAll completes everything pending, including partial runtime lines,
// for a stream that goes away or a receiver that shuts down.
func (s *stream) flushAll(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reassembler != nil {
		for _, e := range s.reassembler.Flush() {
			s.core.stats.incompleteLines.Add(1)
			s.group(e.Stream, e.Text, e.Truncated, now)
		}
	}
	for _, g := range s.groupers {
		s.flushGroup(g, now)
	}
}

func (s *stream) flushGroup(g *pendingGroup, now time.Time) {
	if m, ok := g.grouper.Flush(); ok {
		cut := g.cut
		g.cut = false
		s.finish(m, cut, -1, now)
	}
}

// finish counts one complete message. cut says a line of it was truncated
// before grouping; priority is the source's own syslog priority, or -1.
func (s *stream) finish(m logsource.Message, cut bool, priority int, now time.Time) {
	st := &s.core.stats
	if m.Truncated || cut {
		st.linesTruncated.Add(1)
	}
	text := m.Text
	if strings.TrimSpace(text) == "" {
		// An empty line is not a message.
		return
	}
	if strings.IndexByte(text, 0) >= 0 {
		st.binaryLines.Add(1)
		text = string(bytes.ReplaceAll([]byte(text), []byte{0}, []byte("\uFFFD")))
	}
	if !utf8.ValidString(text) {
		st.invalidUTF8.Add(1)
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	level := loglevel.Detect(text)
	if level == loglevel.Unknown && priority >= 0 {
		level = loglevel.FromSyslogPriority(priority)
	}
	p := s.miner.Add(text)
	s.accountMiner(p)
	for _, r := range s.miner.Renames() {
		s.core.agg.rename(s.ownerKey, s.source, r.From, r.To)
	}
	s.core.agg.count(s.ownerKey, s.id, s.source, level, p.Hash, text, now)
	if s.core.logs != nil {
		s.core.logs.add(s.ownerKey, s.id, s.source, level, p.Hash, text, now)
	}
}
