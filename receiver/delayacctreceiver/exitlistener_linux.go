// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver // import "github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// exitSocketBuffer is the receive buffer asked for the exit socket. Every task
// exit on the machine is one ~1 KiB message; 8 MiB absorbs bursts of several
// thousand exits between two reads. Overflows are counted, not hidden.
const exitSocketBuffer = 8 << 20

// registerTimeout bounds the wait for the kernel's acknowledgement of the
// CPU mask registration.
var registerTimeout = unix.Timeval{Sec: 5}

// exitListener receives the taskstats record the kernel sends for every task
// that exits on a registered CPU (TASKSTATS_CMD_ATTR_REGISTER_CPUMASK). The
// kernel unicasts these to the registered socket; nothing is multicast.
//
// Every exit on the node is a datagram, and a socket in Go's network poller
// wakes the runtime for each one, even while nobody reads it (each arrival
// is an edge): on a node starting ~100 processes a second that was 20 ms of
// CPU a second, most of the collector's idle cost. A blocking wait in a
// system call instead is woken once per burst, but each wait makes the
// runtime's sysmon poll every 20 µs to 10 ms until it takes the P back. So
// the socket is watched by an epoll instance of its own with EPOLLONESHOT,
// and that instance, not the socket, sits in Go's poller: the first exit of
// a burst makes it readable once, the rest queue in the socket unseen, and
// drain reads them all without waiting (MSG_DONTWAIT) and re-arms the watch.
type exitListener struct {
	fd      int      // the netlink socket
	ready   *os.File // epoll instance watching fd, one event per arming
	stopped atomic.Bool
	family  uint16
	cpumask string
	seq     uint32
	buf     []byte
}

// listenExits registers a new socket for the exits on every possible CPU and
// waits for the kernel to acknowledge it. The registration needs the initial
// user and PID namespaces (hostPID) and fails with EINVAL elsewhere.
func listenExits(possibleCPUsPath string) (*exitListener, error) {
	mask, err := os.ReadFile(possibleCPUsPath)
	if err != nil {
		return nil, fmt.Errorf("reading the possible CPUs: %w", err)
	}
	fd, family, err := openTaskstatsSocket()
	if err != nil {
		return nil, err
	}
	l := &exitListener{fd: fd, family: family, cpumask: strings.TrimSpace(string(mask)), buf: make([]byte, receiveBufferSize)}
	if err := l.open(); err != nil {
		_ = l.Close()
		return nil, err
	}
	return l, nil
}

func (l *exitListener) open() error {
	// Past net.core.rmem_max when privileged (SO_RCVBUFFORCE); best effort:
	// a small buffer loses notifications in bursts and those are counted.
	if unix.SetsockoptInt(l.fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, exitSocketBuffer) != nil {
		_ = unix.SetsockoptInt(l.fd, unix.SOL_SOCKET, unix.SO_RCVBUF, exitSocketBuffer)
	}
	if err := l.register(); err != nil {
		return err
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("watching the exit socket: %w", err)
	}
	// Non-blocking, os.NewFile puts the instance in Go's poller.
	if err := unix.SetNonblock(epfd, true); err != nil {
		_ = unix.Close(epfd)
		return fmt.Errorf("watching the exit socket: %w", err)
	}
	l.ready = os.NewFile(uintptr(epfd), "taskstats-exits-epoll")
	return l.arm(unix.EPOLL_CTL_ADD)
}

// arm asks the epoll instance for one event when the socket has data queued
// (already queued data counts: the instance is readable at once).
func (l *exitListener) arm(op int) error {
	raw, err := l.ready.SyscallConn()
	if err != nil {
		return fmt.Errorf("watching the exit socket: %w", err)
	}
	var ctlErr error
	err = raw.Control(func(epfd uintptr) {
		ctlErr = unix.EpollCtl(int(epfd), op, l.fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLONESHOT, Fd: int32(l.fd)})
	})
	if err = errors.Join(err, ctlErr); err != nil {
		return fmt.Errorf("watching the exit socket: %w", err)
	}
	return nil
}

// cpumaskRequest is a TASKSTATS_CMD_GET request carrying one cpumask
// attribute: the kernel parses a NUL-terminated cpulist string ("0-63").
func (l *exitListener) cpumaskRequest(attrType uint16, flags uint16) []byte {
	value := append([]byte(l.cpumask), 0)
	b := make([]byte, nlmsgHdrLen+genlHdrLen+(attrHdrLen+len(value)+3)&^3)
	putTaskstatsRequest(b, l.family, flags, attrType, len(value))
	l.seq++
	binary.NativeEndian.PutUint32(b[8:], l.seq)
	copy(b[nlmsgHdrLen+genlHdrLen+attrHdrLen:], value)
	return b
}

// register sends REGISTER_CPUMASK and waits for the acknowledgement. Exit
// notifications can arrive before the acknowledgement; they are dropped
// here, before the tracker has seen any process.
func (l *exitListener) register() error {
	req := l.cpumaskRequest(unix.TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, unix.NLM_F_REQUEST|unix.NLM_F_ACK)
	if err := unix.Sendto(l.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("registering for exit notifications: %w", err)
	}
	if err := unix.SetsockoptTimeval(l.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &registerTimeout); err != nil {
		return fmt.Errorf("registering for exit notifications: %w", err)
	}
	defer func() { _ = unix.SetsockoptTimeval(l.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{}) }()
	for {
		n, _, err := unix.Recvfrom(l.fd, l.buf, 0)
		switch {
		case errors.Is(err, unix.EINTR), errors.Is(err, unix.ENOBUFS):
			continue
		case err != nil:
			return fmt.Errorf("registering for exit notifications on CPUs %s: %w", l.cpumask, err)
		}
		acked, err := l.findAck(l.buf[:n])
		if acked {
			if err != nil {
				return fmt.Errorf("registering for exit notifications on CPUs %s: %w", l.cpumask, err)
			}
			return nil
		}
	}
}

// findAck looks for the acknowledgement of the last request in a datagram.
func (l *exitListener) findAck(b []byte) (found bool, err error) {
	_ = forEachMessage(b, func(typ uint16, seq uint32, msg []byte) bool {
		if typ != unix.NLMSG_ERROR || seq != l.seq {
			return true
		}
		errno, ok := netlinkErrno(msg)
		if !ok {
			return true
		}
		found = true
		if errno != 0 {
			err = errno
		}
		return false
	})
	return found, err
}

// wait blocks until notifications are queued, and reports stopped once
// Stop was called.
func (l *exitListener) wait() (stopped bool, err error) {
	raw, err := l.ready.SyscallConn()
	if err != nil {
		return l.stopped.Load(), err
	}
	var events [1]unix.EpollEvent
	var waitErr error
	err = raw.Read(func(epfd uintptr) bool {
		// Never blocks: the poller waits for the instance to be readable.
		n, err := unix.EpollWait(int(epfd), events[:], 0)
		if errors.Is(err, unix.EINTR) {
			return false
		}
		waitErr = err
		return n > 0 || err != nil
	})
	if l.stopped.Load() {
		return true, nil
	}
	if err = errors.Join(err, waitErr); err != nil {
		return false, fmt.Errorf("waiting for exit notifications: %w", err)
	}
	return false, nil
}

// drain handles every notification queued in the socket without waiting for
// more. overflows is how many times the kernel dropped notifications because
// the socket buffer was full; errs holds the decode errors of malformed
// messages, returned after handling the others.
func (l *exitListener) drain(handle func(exitNotification)) (overflows int, errs error) {
	// Re-armed on every way out: a watch left disarmed would wait forever.
	defer func() { errs = errors.Join(errs, l.arm(unix.EPOLL_CTL_MOD)) }()
	for {
		n, _, err := unix.Recvfrom(l.fd, l.buf, unix.MSG_DONTWAIT|unix.MSG_TRUNC)
		switch {
		case errors.Is(err, unix.EAGAIN):
			return overflows, errs
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.ENOBUFS):
			// Reported once per overflow; what is still queued is read on.
			overflows++
			continue
		case err != nil:
			return overflows, errors.Join(errs, fmt.Errorf("reading exit notifications: %w", err))
		case n > len(l.buf):
			errs = errors.Join(errs, fmt.Errorf("%w: exit notification of %d bytes", errTruncated, n))
			continue
		}
		errs = errors.Join(errs, l.handleDatagram(l.buf[:n], handle))
	}
}

// handleDatagram decodes the exit notifications of one datagram.
func (l *exitListener) handleDatagram(b []byte, handle func(exitNotification)) error {
	var errs error
	walkErr := forEachMessage(b, func(typ uint16, _ uint32, msg []byte) bool {
		if typ != l.family || len(msg) < genlHdrLen || msg[0] != unix.TASKSTATS_CMD_NEW {
			return true
		}
		n, err := decodeExitNotification(msg[genlHdrLen:])
		if err != nil {
			errs = errors.Join(errs, err)
			return true
		}
		handle(n)
		return true
	})
	return errors.Join(errs, walkErr)
}

// Stop deregisters (best effort: the kernel also drops a listener whose
// socket is gone at its next send) and ends a pending wait. The socket stays
// open until Close, which comes after the listening goroutine ended: closing
// it under a read in progress could let the read use a reused number.
func (l *exitListener) Stop() {
	req := l.cpumaskRequest(unix.TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK, unix.NLM_F_REQUEST)
	_ = unix.Sendto(l.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
	l.stopped.Store(true)
	if l.ready != nil {
		_ = l.ready.Close()
	}
}

// Close closes the socket and its watch.
func (l *exitListener) Close() error {
	var errs []error
	if l.ready != nil {
		if err := l.ready.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
			errs = append(errs, err)
		}
	}
	errs = append(errs, unix.Close(l.fd))
	return errors.Join(errs...)
}
