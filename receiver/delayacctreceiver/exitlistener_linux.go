// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver // import "github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver"

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// exitSocketBuffer is the receive buffer asked for the exit socket. Every task
// exit on the machine is one ~1 KiB message; 8 MiB absorbs bursts of several
// thousand exits between two reads. Overflows are counted, not hidden.
const exitSocketBuffer = 8 << 20

// registerTimeout bounds the wait for the kernel's acknowledgement of the
// CPU mask registration.
const registerTimeout = 5 * time.Second

// exitListener receives the taskstats record the kernel sends for every task
// that exits on a registered CPU (TASKSTATS_CMD_ATTR_REGISTER_CPUMASK). The
// kernel unicasts these to the registered socket; nothing is multicast.
type exitListener struct {
	conn    *genetlink.Conn
	family  uint16
	cpumask string
}

// listenExits registers a new socket for the exits on every possible CPU and
// waits for the kernel to acknowledge it. The registration needs the initial
// user and PID namespaces (hostPID) and fails with EINVAL elsewhere.
func listenExits(possibleCPUsPath string) (*exitListener, error) {
	mask, err := os.ReadFile(possibleCPUsPath)
	if err != nil {
		return nil, fmt.Errorf("reading the possible CPUs: %w", err)
	}
	conn, family, err := dialFamily()
	if err != nil {
		return nil, err
	}
	l := &exitListener{conn: conn, family: family, cpumask: strings.TrimSpace(string(mask))}
	l.setBuffer()
	if err := l.register(); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return l, nil
}

// setBuffer enlarges the receive buffer, past net.core.rmem_max when
// privileged (SO_RCVBUFFORCE), which is best effort: a small buffer loses
// notifications in bursts and those losses are counted.
func (l *exitListener) setBuffer() {
	raw, err := l.conn.SyscallConn()
	if err == nil {
		var serr error
		err = raw.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, exitSocketBuffer)
		})
		if err == nil && serr == nil {
			return
		}
	}
	_ = l.conn.SetReadBuffer(exitSocketBuffer)
}

func (l *exitListener) cpumaskCommand(attrType uint16) genetlink.Message {
	// The kernel parses a NUL-terminated cpulist string such as "0-63".
	data, _ := netlink.MarshalAttributes([]netlink.Attribute{{Type: attrType, Data: append([]byte(l.cpumask), 0)}})
	return genetlink.Message{
		Header: genetlink.Header{Command: unix.TASKSTATS_CMD_GET, Version: unix.TASKSTATS_VERSION},
		Data:   data,
	}
}

// register sends REGISTER_CPUMASK and waits for the acknowledgement. Exit
// notifications can arrive before the acknowledgement, which is why this
// does not use Execute (it would reject them as unrelated replies); they
// are dropped here, before the tracker has seen any process.
func (l *exitListener) register() error {
	req, err := l.conn.Send(l.cpumaskCommand(unix.TASKSTATS_CMD_ATTR_REGISTER_CPUMASK), l.family, netlink.Request|netlink.Acknowledge)
	if err != nil {
		return fmt.Errorf("registering for exit notifications: %w", err)
	}
	if err := l.conn.SetReadDeadline(time.Now().Add(registerTimeout)); err != nil {
		return fmt.Errorf("registering for exit notifications: %w", err)
	}
	defer func() { _ = l.conn.SetReadDeadline(time.Time{}) }()
	for {
		_, nmsgs, err := l.conn.Receive()
		if err != nil {
			if errors.Is(err, unix.ENOBUFS) {
				continue
			}
			return fmt.Errorf("registering for exit notifications on CPUs %s: %w", l.cpumask, err)
		}
		for _, m := range nmsgs {
			if m.Header.Type == netlink.Error && m.Header.Sequence == req.Header.Sequence {
				return nil // errors were returned by Receive; this is the ack
			}
		}
	}
}

// receive blocks for the next batch of exit notifications and calls handle
// for each decoded one. It returns errExitsOverflow when the kernel dropped
// notifications because the socket buffer was full, and the decode error of
// a malformed message after handling the rest of the batch.
func (l *exitListener) receive(handle func(exitNotification)) error {
	msgs, _, err := l.conn.Receive()
	if err != nil {
		if errors.Is(err, unix.ENOBUFS) {
			return errExitsOverflow
		}
		return err
	}
	var decodeErr error
	for i := range msgs {
		if msgs[i].Header.Command != unix.TASKSTATS_CMD_NEW {
			continue
		}
		n, err := decodeExitNotification(msgs[i].Data)
		if err != nil {
			decodeErr = errors.Join(decodeErr, err)
			continue
		}
		handle(n)
	}
	return decodeErr
}

// drain handles the notifications already queued in the socket, and stops
// once none comes within drainWait. (A deadline already past would not do:
// Go's poller fails the read before trying it.)
func (l *exitListener) drain(handle func(exitNotification)) error {
	defer func() { _ = l.conn.SetReadDeadline(time.Time{}) }()
	for {
		if err := l.conn.SetReadDeadline(time.Now().Add(drainWait)); err != nil {
			return err
		}
		err := l.receive(handle)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// drainWait is how long drain waits for one more queued notification.
const drainWait = time.Millisecond

// Close deregisters (best effort: the kernel also drops a listener whose
// socket is gone at its next send) and closes the socket, which unblocks a
// pending receive.
func (l *exitListener) Close() error {
	_, _ = l.conn.Send(l.cpumaskCommand(unix.TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK), l.family, netlink.Request)
	return l.conn.Close()
}
