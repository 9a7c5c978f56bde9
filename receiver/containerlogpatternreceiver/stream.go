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
	core     *core

	mu          sync.Mutex
	reassembler *logsource.Reassembler
	groupers    map[string]*pendingGroup // by std stream; "" for plain files
	miner       *patternminer.Miner
	lastActive  time.Time
}

type pendingGroup struct {
	grouper  *logsource.Grouper
	lastLine time.Time
}

// addLine decodes one raw line of the stream's format and feeds it on.
func (s *stream) addLine(line []byte, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastActive = now
	st := &s.core.stats
	st.linesRead.Add(1)
	if len(line) >= s.core.cfg.MaxLogSize {
		// fileconsumer cut the line at max_log_size and skipped the rest.
		st.linesTruncated.Add(1)
	}
	switch s.format {
	case formatDockerJSON, formatCRI:
		var e logsource.Entry
		var err error
		if s.format == formatDockerJSON {
			e, err = logsource.DecodeDockerJSON(line)
		} else {
			e, err = logsource.DecodeCRI(line)
		}
		if err != nil {
			st.decodeErrors.Add(1)
			return
		}
		text, truncated, complete := s.reassembler.Add(e)
		if truncated {
			st.linesTruncated.Add(1)
		}
		if complete {
			s.group(e.Stream, text, now)
		}
	default:
		s.group("", string(line), now)
	}
}

// group runs a complete line through the multiline grouper of its std stream.
func (s *stream) group(std, text string, now time.Time) {
	g := s.groupers[std]
	if g == nil {
		g = &pendingGroup{grouper: logsource.NewGrouper(s.core.cfg.MaxMessageLines, s.core.cfg.MaxMessageBytes)}
		s.groupers[std] = g
	}
	g.lastLine = now
	if m, ok := g.grouper.Add(text); ok {
		s.finish(m, -1, now)
	}
}

// addMessage feeds a message that is already complete (a journald entry).
func (s *stream) addMessage(text string, priority int, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastActive = now
	s.core.stats.linesRead.Add(1)
	truncated := false
	if len(text) > s.core.cfg.MaxMessageBytes {
		text = logsource.CutUTF8(text, s.core.cfg.MaxMessageBytes)
		truncated = true
	}
	s.finish(logsource.Message{Text: text, Truncated: truncated}, priority, now)
}

// flushIdle completes the messages that waited longer than the multiline
// timeout for continuation lines.
func (s *stream) flushIdle(now time.Time, timeout time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.groupers {
		if g.grouper.Pending() && now.Sub(g.lastLine) >= timeout {
			if m, ok := g.grouper.Flush(); ok {
				s.finish(m, -1, now)
			}
		}
	}
}

// flushAll completes everything pending, including partial runtime lines,
// for a stream that goes away or a receiver that shuts down.
func (s *stream) flushAll(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reassembler != nil {
		for _, e := range s.reassembler.Flush() {
			s.group(e.Stream, e.Text, now)
		}
	}
	for _, g := range s.groupers {
		if m, ok := g.grouper.Flush(); ok {
			s.finish(m, -1, now)
		}
	}
}

// finish counts one complete message. priority is the source's own syslog
// priority, or -1.
func (s *stream) finish(m logsource.Message, priority int, now time.Time) {
	st := &s.core.stats
	if m.Truncated {
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
	s.core.agg.count(s.ownerKey, s.id, s.source, level, p.Hash, text, now)
	if s.core.logs != nil {
		s.core.logs.add(s.ownerKey, s.id, s.source, level, p.Hash, text, now)
	}
}
