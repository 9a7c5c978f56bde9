// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver // import "github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"

	"github.com/mdlayher/genetlink"
	"golang.org/x/sys/unix"
)

// errProcessGone means taskstats has no such thread group any more.
var errProcessGone = errors.New("process has exited")

// Sizes of the request a thread-group query sends: netlink header, generic
// netlink header, one u32 attribute.
const (
	nlmsgHdrLen   = unix.SizeofNlMsghdr
	genlHdrLen    = unix.GENL_HDRLEN
	queryLen      = nlmsgHdrLen + genlHdrLen + attrHdrLen + 4
	replyBufBytes = 8 << 10 // one reply is ~0.5 KiB; room for growth of struct taskstats
)

// queryTimeout bounds the wait for a reply. The kernel replies while handling
// the request, so hitting it means something is badly wrong, and a scrape
// must not hang on it.
var queryTimeout = unix.Timeval{Sec: 1}

// taskstatsConn asks taskstats for the totals of one thread group at a time.
// It is not goroutine-safe: the scrape owns it.
//
// The scrape queries every container process, so this is the hot path the
// per-process cost goal is about. It writes the request into a reused buffer
// and reads the reply into another over a plain netlink socket: no allocation
// per query. (github.com/mdlayher/taskstats, whose genetlink transport looks
// the family up here, allocates about 60 objects per query, casts the
// kernel's struct without a length check and has no compaction delay; the
// benchmark keeps it as a baseline.) The kernel answers a request while
// handling the send, so the receive that follows never waits.
type taskstatsConn struct {
	fd     int
	family uint16
	seq    uint32
	req    [queryLen]byte
	reply  []byte
}

// dialTaskstats looks up the taskstats family and opens the query socket.
// The family only exists in the initial network namespace.
func dialTaskstats() (*taskstatsConn, error) {
	fd, family, err := openTaskstatsSocket()
	if err != nil {
		return nil, err
	}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &queryTimeout); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("setting the taskstats reply timeout: %w", err)
	}
	c := &taskstatsConn{fd: fd, family: family, reply: make([]byte, replyBufBytes)}
	putTaskstatsRequest(c.req[:], family, unix.NLM_F_REQUEST, unix.TASKSTATS_CMD_ATTR_TGID, 4)
	return c, nil
}

// openTaskstatsSocket resolves the taskstats generic netlink family id and
// opens a plain netlink socket, bound, to talk to it.
func openTaskstatsSocket() (fd int, family uint16, err error) {
	conn, err := genetlink.Dial(nil)
	if err != nil {
		return -1, 0, fmt.Errorf("opening generic netlink socket: %w", err)
	}
	f, err := conn.GetFamily(unix.TASKSTATS_GENL_NAME)
	_ = conn.Close()
	if err != nil {
		return -1, 0, fmt.Errorf("looking up the %s generic netlink family: %w", unix.TASKSTATS_GENL_NAME, err)
	}
	fd, err = unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_GENERIC)
	if err != nil {
		return -1, 0, fmt.Errorf("opening generic netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		_ = unix.Close(fd)
		return -1, 0, fmt.Errorf("binding generic netlink socket: %w", err)
	}
	return fd, f.ID, nil
}

// putTaskstatsRequest writes the headers of a TASKSTATS_CMD_GET request with
// one attribute of valueLen bytes into b, which holds the whole message; the
// caller writes the sequence number (b[8:12]) and the value after the
// attribute header.
func putTaskstatsRequest(b []byte, family, flags, attrType uint16, valueLen int) {
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], uint32(len(b))) // nlmsg_len
	ne.PutUint16(b[4:], family)         // nlmsg_type
	ne.PutUint16(b[6:], flags)          // nlmsg_flags
	b[nlmsgHdrLen] = unix.TASKSTATS_CMD_GET
	b[nlmsgHdrLen+1] = unix.TASKSTATS_VERSION
	a := b[nlmsgHdrLen+genlHdrLen:]
	ne.PutUint16(a[0:], uint16(attrHdrLen+valueLen))
	ne.PutUint16(a[2:], attrType)
}

// receiveBufferSize holds any taskstats message (about 1 KiB) with room to
// spare; a larger one is counted as truncated, not cut.
const receiveBufferSize = 64 << 10

// threadGroup returns the thread-group totals of tgid: every live thread plus
// every thread that already exited. A process that has exited gives
// errProcessGone.
func (c *taskstatsConn) threadGroup(tgid uint32) (taskstatsRecord, error) {
	c.seq++
	ne := binary.NativeEndian
	ne.PutUint32(c.req[8:], c.seq)
	ne.PutUint32(c.req[queryLen-4:], tgid)
	if err := unix.Sendto(c.fd, c.req[:], 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return taskstatsRecord{}, fmt.Errorf("querying taskstats of %d: %w", tgid, err)
	}
	for {
		n, _, err := unix.Recvfrom(c.fd, c.reply, 0)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return taskstatsRecord{}, fmt.Errorf("reading taskstats of %d: %w", tgid, err)
		}
		rec, done, err := c.parseReply(c.reply[:n], tgid)
		if done {
			return rec, err
		}
	}
}

// parseReply looks for the answer to the current request in one datagram.
// done=false means the datagram held only stale messages (of a query whose
// reply was abandoned), so the caller reads again.
func (c *taskstatsConn) parseReply(b []byte, tgid uint32) (rec taskstatsRecord, done bool, err error) {
	walkErr := forEachMessage(b, func(typ uint16, seq uint32, msg []byte) bool {
		if seq != c.seq {
			return true
		}
		switch typ {
		case unix.NLMSG_ERROR:
			done = true
			switch errno, ok := netlinkErrno(msg); {
			case !ok:
				err = fmt.Errorf("reading taskstats of %d: %w", tgid, errTruncated)
			case errno == unix.ESRCH:
				err = errProcessGone
			default:
				err = fmt.Errorf("querying taskstats of %d: %w", tgid, errno)
			}
		case c.family:
			done = true
			if len(msg) < genlHdrLen {
				err = fmt.Errorf("reading taskstats of %d: %w", tgid, errTruncated)
				break
			}
			agg, decodeErr := decodeThreadGroupReply(msg[genlHdrLen:])
			if decodeErr != nil {
				err = fmt.Errorf("decoding taskstats of %d: %w", tgid, decodeErr)
				break
			}
			rec = agg.stats
		}
		return !done
	})
	if walkErr != nil && !done {
		return taskstatsRecord{}, true, fmt.Errorf("reading taskstats of %d: %w", tgid, walkErr)
	}
	return rec, done, err
}

// netlinkErrno reads the error code of an NLMSG_ERROR payload (0 for an
// acknowledgement); false when the payload is too short to hold one.
func netlinkErrno(payload []byte) (syscall.Errno, bool) {
	if len(payload) < 4 {
		return 0, false
	}
	return syscall.Errno(-int32(binary.NativeEndian.Uint32(payload))), true
}

// forEachMessage calls fn with the type, sequence number and payload of each
// netlink message in a datagram until fn returns false. A message length
// that does not fit the datagram ends the walk with errBadAttrLength.
func forEachMessage(b []byte, fn func(typ uint16, seq uint32, payload []byte) bool) error {
	ne := binary.NativeEndian
	for len(b) >= nlmsgHdrLen {
		msgLen := int(ne.Uint32(b[0:]))
		if msgLen < nlmsgHdrLen || msgLen > len(b) {
			return fmt.Errorf("%w: message of %d in %d bytes", errBadAttrLength, msgLen, len(b))
		}
		typ, seq := ne.Uint16(b[4:]), ne.Uint32(b[8:])
		payload := b[nlmsgHdrLen:msgLen]
		b = b[min((msgLen+3)&^3, len(b)):]
		if !fn(typ, seq, payload) {
			return nil
		}
	}
	return nil
}

func (c *taskstatsConn) Close() error { return unix.Close(c.fd) }
