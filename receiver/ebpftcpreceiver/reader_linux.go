// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"
	"go.uber.org/zap"
)

// flushInterval bounds how long an event waits in the ring buffer: the BPF
// side wakes the reader only every 32 events (see wakeup_flags), so the
// reader also wakes on this deadline.
const flushInterval = 100 * time.Millisecond

// eventReader is the one goroutine reading the events ring buffer. It
// differs from internal/bpf's RingReader in reading on a deadline, which
// the BPF side's batched wake-ups need.
type eventReader struct {
	rd     *ringbuf.Reader
	handle func([]byte) error
	logger *zap.Logger

	records      atomic.Uint64
	decodeErrors atomic.Uint64

	closeOnce sync.Once
	done      chan struct{}
}

func startEventReader(m *ebpf.Map, handle func([]byte) error, logger *zap.Logger) (*eventReader, error) {
	rd, err := ringbuf.NewReader(m)
	if err != nil {
		return nil, err
	}
	r := &eventReader{rd: rd, handle: handle, logger: logger, done: make(chan struct{})}
	go r.run()
	return r, nil
}

func (r *eventReader) run() {
	defer close(r.done)
	var rec ringbuf.Record
	for {
		r.rd.SetDeadline(time.Now().Add(flushInterval))
		err := r.rd.ReadInto(&rec)
		switch {
		case err == nil:
			r.records.Add(1)
			if r.handle(rec.RawSample) != nil {
				r.decodeErrors.Add(1)
			}
		case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, ringbuf.ErrFlushed):
			// Nothing (more) queued: read again on a fresh deadline.
		case errors.Is(err, ringbuf.ErrClosed), errors.Is(err, os.ErrClosed):
			return
		default:
			r.logger.Error("reading TCP events failed, stopping", zap.Error(err))
			return
		}
	}
}

// Close unblocks the read and waits until no handler call is running.
func (r *eventReader) Close() error {
	var err error
	r.closeOnce.Do(func() { err = r.rd.Close() })
	<-r.done
	return err
}
