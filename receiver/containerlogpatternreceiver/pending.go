// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"context"
	"encoding/json"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/logsource"
)

const (
	// runtimeScope is the checkpoint scope of the Docker and CRI files.
	runtimeScope = "runtime"
	// pendingKey holds, beside a scope's file offsets, the lines of that
	// scope's streams that were read but not yet counted.
	pendingKey = "pending"
)

// pendingStream is what a stream holds uncounted at a checkpoint: partial
// runtime lines and the lines of the message each grouper waits to complete.
type pendingStream struct {
	Owner    string               `json:"owner"`
	Source   string               `json:"source"`
	Format   lineFormat           `json:"format"`
	Identity containerid.Identity `json:"identity"`
	Partials []logsource.Entry    `json:"partials,omitempty"`
	Groups   []pendingLines       `json:"groups,omitempty"`
}

type pendingLines struct {
	Std   string   `json:"std"`
	Lines []string `json:"lines"`
	Cut   bool     `json:"cut,omitempty"`
}

// checkpointPersister is the storage a tailer (fileconsumer) of one scope
// saves its offsets through. fileconsumer saves them after every poll, once
// it handed the poll's lines to the streams; the last message of a stream
// then still waits for continuation lines, so its offset is committed before
// it is counted, and a crash would lose it. This persister writes the
// streams' uncounted lines in the same storage batch as the offsets (one
// transaction in file_storage), and ships the buffered log records first:
// after a crash the offsets, the uncounted lines and the shipped records
// agree, and start restores the lines into their streams.
type checkpointPersister struct {
	operator.Persister // scoped storage client
	c                  *core
	scope              string
}

// tailerPersister returns the persister of a tailer's checkpoints.
func (c *core) tailerPersister(scope string) operator.Persister {
	scoped := operator.NewScopedPersister(scope, c.checkpoints)
	if c.storage == nil {
		// In memory the streams outlive a tailer: nothing to carry.
		return scoped
	}
	return &checkpointPersister{Persister: scoped, c: c, scope: scope}
}

func (p *checkpointPersister) Batch(ctx context.Context, ops ...*storage.Operation) error {
	// Snapshot before shipping: a message counted in between is shipped
	// and not in the snapshot; one counted after the ship is in the
	// snapshot and its unshipped record is lost with a crash, so it is
	// counted once either way.
	pending, err := json.Marshal(p.c.pendingOf(p.scope))
	if err != nil {
		return err
	}
	if p.c.logs != nil {
		p.c.logs.ship(ctx)
	}
	return p.Persister.Batch(ctx, append(ops, storage.SetOperation(pendingKey, pending))...)
}

// pendingOf snapshots the uncounted lines of the streams of scope.
func (c *core) pendingOf(scope string) []pendingStream {
	var out []pendingStream
	for _, s := range c.allStreams() {
		if s.scope != scope {
			continue
		}
		if ps, ok := s.snapshot(); ok {
			out = append(out, ps)
		}
	}
	return out
}

// snapshot returns the stream's uncounted lines, if any.
func (s *stream) snapshot() (pendingStream, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := pendingStream{Owner: s.ownerKey, Source: s.source, Format: s.format, Identity: s.id}
	if s.reassembler != nil {
		ps.Partials = s.reassembler.Snapshot()
	}
	for std, g := range s.groupers {
		if lines, truncated := g.grouper.Snapshot(); len(lines) > 0 {
			ps.Groups = append(ps.Groups, pendingLines{Std: std, Lines: lines, Cut: truncated || g.cut})
		}
	}
	return ps, len(ps.Partials) > 0 || len(ps.Groups) > 0
}

// restorePending puts the uncounted lines saved with scope's checkpoints
// back into their streams, before the scope's tailer resumes after them.
// They are completed by the next lines or after multiline_flush_timeout.
func (c *core) restorePending(ctx context.Context, scope string) {
	if c.storage == nil {
		return
	}
	b, err := operator.NewScopedPersister(scope, c.checkpoints).Get(ctx, pendingKey)
	if err != nil || len(b) == 0 {
		return
	}
	var pending []pendingStream
	if err := json.Unmarshal(b, &pending); err != nil {
		c.set.Logger.Warn("ignoring unreadable pending lines in storage", zap.String("scope", scope), zap.Error(err))
		return
	}
	now := time.Now()
	for _, ps := range pending {
		if c.hasStream(ps.Owner, ps.Source) {
			// The stream lived on in memory (a container's files followed
			// through another of its processes): its state is newer.
			continue
		}
		s := c.streamFor(ps.Owner, ps.Source, ps.Format, scope, func() containerid.Identity { return ps.Identity })
		if s == nil {
			n := len(ps.Partials)
			for _, g := range ps.Groups {
				n += len(g.Lines)
			}
			c.stats.linesDropped.Add(int64(n))
			continue
		}
		s.restore(ps, now)
	}
}

func (c *core) hasStream(owner, source string) bool {
	c.streamsMu.Lock()
	defer c.streamsMu.Unlock()
	return c.streams[streamKey{owner: owner, source: source}] != nil
}

func (s *stream) restore(ps pendingStream, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastActive, s.lastRuntimeLine = now, now
	if s.reassembler != nil {
		for _, e := range ps.Partials {
			s.reassembler.Add(e)
		}
	}
	for _, g := range ps.Groups {
		for _, l := range g.Lines {
			s.group(g.Std, l, g.Cut, now)
		}
	}
}
