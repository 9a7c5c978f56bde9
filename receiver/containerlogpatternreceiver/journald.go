// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/logsource"
)

const (
	journaldCursorKey     = "journald.cursor"
	journaldMinBackoff    = time.Second
	journaldMaxBackoff    = 30 * time.Second
	journaldStderrMaxSize = 4 << 10
)

// journaldSource follows the journal through `journalctl -o json -f`.
// journalctl is the only reader of the journal file format that systemd
// keeps compatible; the alternatives are cgo bindings to libsystemd or
// reimplementing the format. Restarts resume after the last cursor.
type journaldSource struct {
	c    *core
	host component.Host

	mu         sync.Mutex
	cursor     string
	savedCurs  string
	warnedOnce bool
}

func newJournaldSource(c *core, host component.Host) *journaldSource {
	return &journaldSource{c: c, host: host}
}

// run keeps journalctl running until ctx ends, with back-off between runs.
func (j *journaldSource) run(ctx context.Context) {
	j.loadCursor(ctx)
	backoff := journaldMinBackoff
	first := true
	for {
		started := time.Now()
		err := j.follow(ctx, first)
		first = false
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > journaldMaxBackoff {
			backoff = journaldMinBackoff
		}
		j.reportFailure(err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, journaldMaxBackoff)
	}
}

// reportFailure logs the first failure as a warning and the rest at debug:
// a host without a journal should say so once, not every 30 seconds.
func (j *journaldSource) reportFailure(err error) {
	if !j.warnedOnce {
		j.warnedOnce = true
		j.c.set.Logger.Warn("journalctl stopped; retrying with back-off", zap.Error(err))
		componentstatus.ReportStatus(j.host, componentstatus.NewRecoverableErrorEvent(fmt.Errorf("journald source: %w", err)))
		return
	}
	j.c.set.Logger.Debug("journalctl stopped", zap.Error(err))
}

func (j *journaldSource) args(first bool) []string {
	cfg := j.c.cfg.Journald
	args := []string{"--output=json", "--follow", "--no-pager", "--quiet"}
	if cfg.Directory != "" {
		args = append(args, "--directory="+cfg.Directory)
	}
	if cfg.Namespace != "" {
		args = append(args, "--namespace="+cfg.Namespace)
	}
	for _, u := range cfg.Units {
		args = append(args, "--unit="+u)
	}
	j.mu.Lock()
	cursor := j.cursor
	j.mu.Unlock()
	switch {
	case cursor != "":
		args = append(args, "--after-cursor="+cursor)
	case first && j.c.cfg.StartAt == startAtEnd:
		args = append(args, "--lines=0")
	default:
		args = append(args, "--no-tail")
	}
	return args
}

// follow runs journalctl once and feeds its entries until it exits.
func (j *journaldSource) follow(ctx context.Context, first bool) error {
	cmd := exec.CommandContext(ctx, j.c.cfg.Journald.JournalctlPath, j.args(first)...)
	stderr := &limitedBuffer{max: journaldStderrMaxSize}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("journalctl stdout: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting journalctl: %w", err)
	}
	readErr := j.read(stdout)
	waitErr := cmd.Wait()
	if waitErr != nil {
		return fmt.Errorf("journalctl: %w: %s", waitErr, bytes.TrimSpace(stderr.Bytes()))
	}
	return readErr
}

// read feeds each output line to the stream of its unit or container. A
// line longer than twice max_log_size (journalctl escapes bytes, so JSON is
// longer than the message) is skipped and counted.
func (j *journaldSource) read(r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	maxLine := 2*j.c.cfg.MaxLogSize + 64<<10
	var line []byte
	skipping := false
	for {
		chunk, err := br.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			if !skipping {
				line = append(line, chunk...)
				if len(line) > maxLine {
					// Dropped whole: a cut JSON object cannot be decoded.
					skipping = true
					line = line[:0]
					j.c.stats.linesRead.Add(1)
					j.c.stats.decodeErrors.Add(1)
				}
			}
			continue
		case err != nil:
			return err
		}
		if skipping {
			skipping = false
			continue
		}
		line = append(line, chunk...)
		j.handle(line)
		line = line[:0]
	}
}

func (j *journaldSource) handle(line []byte) {
	e, err := logsource.DecodeJournalJSON(line)
	if err != nil {
		j.c.stats.linesRead.Add(1)
		j.c.stats.decodeErrors.Add(1)
		return
	}
	j.mu.Lock()
	j.cursor = e.Cursor
	j.mu.Unlock()
	owner, identity := journalOwner(e)
	s := j.c.streamFor(owner, sourceJournald, formatPlain, "", func() containerid.Identity { return identity })
	if s == nil {
		j.c.dropLines(1)
		return
	}
	s.addMessage(e.Message, e.Priority, time.Now())
}

// journalOwner attributes an entry to the container its process runs in
// (Docker's journald log driver, or a containerised process logging to the
// journal socket), else to its systemd unit, else to the node.
func journalOwner(e logsource.JournalEntry) (string, containerid.Identity) {
	id := containerid.Classify(e.Cgroup)
	if id.IsContainer() {
		return "container://" + id.ContainerID, id
	}
	unit := e.Unit
	if unit == "" {
		unit = id.SystemdUnit
	}
	if unit == "" {
		return "node", containerid.Identity{}
	}
	return "unit://" + unit, containerid.Identity{SystemdUnit: unit}
}

func (j *journaldSource) loadCursor(ctx context.Context) {
	b, err := j.c.checkpoints.Get(ctx, journaldCursorKey)
	if err != nil {
		j.c.set.Logger.Warn("reading journald cursor", zap.Error(err))
		return
	}
	j.mu.Lock()
	j.cursor = string(b)
	j.savedCurs = j.cursor
	j.mu.Unlock()
}

// currentCursor is the cursor of the last entry counted.
func (j *journaldSource) currentCursor() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.cursor
}

// saveCursor stores cursor when it moved.
func (j *journaldSource) saveCursor(ctx context.Context, cursor string) {
	j.mu.Lock()
	saved := j.savedCurs
	j.mu.Unlock()
	if cursor == saved {
		return
	}
	if err := j.c.checkpoints.Set(ctx, journaldCursorKey, []byte(cursor)); err != nil {
		j.c.set.Logger.Debug("saving journald cursor", zap.Error(err))
		return
	}
	j.mu.Lock()
	j.savedCurs = cursor
	j.mu.Unlock()
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *limitedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Bytes()
}
