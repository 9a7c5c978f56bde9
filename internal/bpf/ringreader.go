// SPDX-License-Identifier: Apache-2.0

package bpf // import "github.com/otelcol-node/otelcol-node/internal/bpf"

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf/ringbuf"
	"go.uber.org/zap"
)

// DefaultMaxBatch bounds how many records the reader handles back to back
// before yielding the processor, so a flood of events cannot starve the
// scrape path on small nodes (the profiler uses the same bound).
const DefaultMaxBatch = 4096

// RecordHandler handles one ring-buffer record. raw is only valid during the
// call: the reader reuses its buffer. An error counts as a decode error.
type RecordHandler func(raw []byte) error

// RingReader is the single reader goroutine of one ring buffer.
type RingReader struct {
	name   string
	rd     *ringbuf.Reader
	handle RecordHandler
	logger *zap.Logger

	records      atomic.Uint64
	decodeErrors atomic.Uint64

	closeOnce sync.Once
	done      chan struct{}

	// drainWaiters are closed when the reader next runs dry after a Flush.
	drainMu      sync.Mutex
	drainWaiters []chan struct{}
}

// NewRingReader starts reading the shared ring-buffer map mapName, calling
// handle for every record on one goroutine. Loader.Close stops it; so does
// RingReader.Close.
func (l *Loader) NewRingReader(mapName string, handle RecordHandler) (*RingReader, error) {
	m := l.maps[mapName]
	if m == nil {
		return nil, fmt.Errorf("ring buffer %s not in the object", mapName)
	}
	rd, err := ringbuf.NewReader(m)
	if err != nil {
		return nil, fmt.Errorf("opening ring buffer %s: %w", mapName, err)
	}
	r := &RingReader{name: mapName, rd: rd, handle: handle, logger: l.logger, done: make(chan struct{})}

	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		_ = rd.Close()
		return nil, errors.New("loader is closed")
	}
	l.readers = append(l.readers, r)
	l.mu.Unlock()

	go r.run()
	return r, nil
}

func (r *RingReader) run() {
	defer close(r.done)
	var rec ringbuf.Record
	batch := 0
	for {
		if err := r.rd.ReadInto(&rec); err != nil {
			switch {
			case errors.Is(err, ringbuf.ErrClosed) || errors.Is(err, os.ErrClosed):
				return
			case errors.Is(err, ringbuf.ErrFlushed):
				// Everything submitted before the flush has been handled.
				batch = 0
				r.releaseDrainers()
				continue
			}
			// Not expected from a healthy epoll fd; stop rather than spin.
			r.logger.Error("Reading ring buffer failed, stopping reader", zap.String("map", r.name), zap.Error(err))
			return
		}
		r.records.Add(1)
		if err := r.handle(rec.RawSample); err != nil {
			r.decodeErrors.Add(1)
		}
		// A full batch yields the processor; Remaining == 0 means the buffer
		// is drained and the next read blocks in epoll, which starts a new one.
		batch++
		switch {
		case batch >= DefaultMaxBatch:
			runtime.Gosched()
			batch = 0
		case rec.Remaining == 0:
			batch = 0
		}
	}
}

// Drain returns once the reader has handled every record submitted before
// the call, so that a scrape sees what those records said (a new key's NAT
// lookup, say). It gives up after timeout, or when the reader stops, and
// then returns false.
func (r *RingReader) Drain(timeout time.Duration) bool {
	done := make(chan struct{})
	r.drainMu.Lock()
	r.drainWaiters = append(r.drainWaiters, done)
	r.drainMu.Unlock()
	if err := r.rd.Flush(); err != nil {
		return false
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-done:
		return true
	case <-r.done:
		return false
	case <-timer.C:
		return false
	}
}

func (r *RingReader) releaseDrainers() {
	r.drainMu.Lock()
	defer r.drainMu.Unlock()
	for _, w := range r.drainWaiters {
		close(w)
	}
	r.drainWaiters = nil
}

// Records is the number of records read so far.
func (r *RingReader) Records() uint64 { return r.records.Load() }

// DecodeErrors is the number of records the handler rejected so far.
func (r *RingReader) DecodeErrors() uint64 { return r.decodeErrors.Load() }

// Close unblocks the pending read and waits until the goroutine has exited,
// so no handler call is running when it returns.
func (r *RingReader) Close() error {
	var err error
	r.closeOnce.Do(func() { err = r.rd.Close() })
	<-r.done
	return err
}
