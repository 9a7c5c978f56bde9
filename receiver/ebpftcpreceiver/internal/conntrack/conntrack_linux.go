// SPDX-License-Identifier: Apache-2.0

package conntrack // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver/internal/conntrack"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/mdlayher/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Constants from include/uapi/linux/netfilter/nfnetlink.h and
// nfnetlink_conntrack.h.
const (
	nfnlSubsysCtnetlink = 1
	ipctnlMsgCtGet      = 1
	nfnetlinkV0         = 0

	ctaTupleOrig  = 1
	ctaTupleReply = 2

	ctaTupleIP    = 1
	ctaTupleProto = 2

	ctaIPv4Src = 1
	ctaIPv4Dst = 2
	ctaIPv6Src = 3
	ctaIPv6Dst = 4

	ctaProtoNum     = 1
	ctaProtoSrcPort = 2
	ctaProtoDstPort = 3

	nfgenmsgLen = 4
)

// ErrNotFound means conntrack has no entry for the tuple: the connection is
// not tracked (no conntrack rules in that namespace) or the entry expired.
var ErrNotFound = errors.New("no conntrack entry")

// Tuple is a TCP connection as its originator sees it.
type Tuple struct {
	Src, Dst netip.AddrPort
}

// queryTimeout bounds one request: the caller is the ring-buffer reader,
// which must never block on a namespace that stopped answering.
const queryTimeout = time.Second

// Client queries one network namespace's conntrack table.
type Client struct {
	mu  sync.Mutex
	fd  int
	seq uint32
	buf []byte // receive buffer, reused: one lookup per connect must stay cheap
}

// Dial opens a ctnetlink socket in the network namespace of the file
// descriptor netnsFD (an open /proc/<pid>/ns/net or /run/netns/<name>), or
// in the caller's namespace when netnsFD is 0.
func Dial(netnsFD int) (*Client, error) {
	target := netns.None()
	if netnsFD > 0 {
		target = netns.NsHandle(netnsFD)
	}
	// vishvananda/netlink creates the socket on a thread inside the target
	// namespace; the socket stays there. We keep only its descriptor.
	sock, err := nl.GetNetlinkSocketAt(target, netns.None(), unix.NETLINK_NETFILTER)
	if err != nil {
		return nil, fmt.Errorf("opening ctnetlink socket: %w", err)
	}
	fd, err := unix.Dup(sock.GetFd())
	sock.Close()
	if err != nil {
		return nil, fmt.Errorf("opening ctnetlink socket: %w", err)
	}
	unix.CloseOnExec(fd)
	return &Client{fd: fd, buf: make([]byte, 16<<10)}, nil
}

// Close closes the netlink socket.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return unix.Close(c.fd)
}

// ReplySource returns the source of the reply direction of the entry whose
// original direction is orig: for a DNAT-ed connection the backend, else
// orig.Dst itself.
//
// ctnetlink answers a GET with NLM_F_MULTI set but no NLMSG_DONE (so
// mdlayher/netlink's Execute waits forever), hence the request asks for an
// ACK and the answer ends at the ACK or the error.
func (c *Client) ReplySource(orig Tuple) (netip.AddrPort, error) {
	payload, err := encodeGet(orig)
	if err != nil {
		return netip.AddrPort{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	req := make([]byte, unix.SizeofNlMsghdr, unix.SizeofNlMsghdr+len(payload))
	ne := binary.NativeEndian
	ne.PutUint32(req[0:], uint32(unix.SizeofNlMsghdr+len(payload)))
	ne.PutUint16(req[4:], nfnlSubsysCtnetlink<<8|ipctnlMsgCtGet)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK)
	ne.PutUint32(req[8:], c.seq)
	req = append(req, payload...)
	if err := unix.Sendto(c.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return netip.AddrPort{}, fmt.Errorf("querying conntrack: %w", err)
	}

	var (
		reply netip.AddrPort
		found bool
	)
	deadline := time.Now().Add(queryTimeout)
	for {
		n, err := c.recv(deadline)
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("reading conntrack reply: %w", err)
		}
		for b := c.buf[:n]; len(b) >= unix.SizeofNlMsghdr; {
			length := int(ne.Uint32(b[0:]))
			if length < unix.SizeofNlMsghdr || length > len(b) {
				return netip.AddrPort{}, fmt.Errorf("%w: netlink length %d", errMalformed, length)
			}
			typ, seq, data := ne.Uint16(b[4:]), ne.Uint32(b[8:]), b[unix.SizeofNlMsghdr:length]
			b = b[min(nlmAlign(length), len(b)):]
			if seq != c.seq {
				continue // a late answer to an earlier, timed-out request
			}
			if typ == unix.NLMSG_ERROR {
				if len(data) < 4 {
					return netip.AddrPort{}, fmt.Errorf("%w: short NLMSG_ERROR", errMalformed)
				}
				errno := -int32(ne.Uint32(data))
				switch {
				case errno == 0 && found:
					return reply, nil
				case errno == 0, unix.Errno(errno) == unix.ENOENT:
					return netip.AddrPort{}, ErrNotFound
				default:
					return netip.AddrPort{}, fmt.Errorf("querying conntrack: %w", unix.Errno(errno))
				}
			}
			if reply, err = decodeReplySource(data); err != nil {
				return netip.AddrPort{}, err
			}
			found = true
		}
	}
}

// recv reads one datagram into c.buf, waiting until deadline at most.
func (c *Client) recv(deadline time.Time) (int, error) {
	for {
		n, _, err := unix.Recvfrom(c.fd, c.buf, unix.MSG_DONTWAIT)
		if err == nil {
			return n, nil
		}
		if err != unix.EAGAIN && err != unix.EINTR {
			return 0, err
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return 0, unix.ETIMEDOUT
		}
		fds := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, int(wait.Milliseconds())+1); err != nil && err != unix.EINTR {
			return 0, err
		}
	}
}

func nlmAlign(n int) int { return (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1) }

func family(a netip.Addr) uint8 {
	if a.Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// encodeGet builds the body (nfgenmsg + attributes) of the
// IPCTNL_MSG_CT_GET request for orig.
func encodeGet(orig Tuple) ([]byte, error) {
	src, dst := orig.Src.Addr().Unmap(), orig.Dst.Addr().Unmap()
	if !src.IsValid() || !dst.IsValid() || src.Is4() != dst.Is4() {
		return nil, fmt.Errorf("invalid tuple %v -> %v", orig.Src, orig.Dst)
	}
	ae := netlink.NewAttributeEncoder()
	ae.ByteOrder = binary.BigEndian // ctnetlink attributes are in network order
	ae.Nested(ctaTupleOrig, func(ae *netlink.AttributeEncoder) error {
		ae.Nested(ctaTupleIP, func(ae *netlink.AttributeEncoder) error {
			if src.Is4() {
				s, d := src.As4(), dst.As4()
				ae.Bytes(ctaIPv4Src, s[:])
				ae.Bytes(ctaIPv4Dst, d[:])
			} else {
				s, d := src.As16(), dst.As16()
				ae.Bytes(ctaIPv6Src, s[:])
				ae.Bytes(ctaIPv6Dst, d[:])
			}
			return nil
		})
		ae.Nested(ctaTupleProto, func(ae *netlink.AttributeEncoder) error {
			ae.Uint8(ctaProtoNum, unix.IPPROTO_TCP)
			ae.Uint16(ctaProtoSrcPort, orig.Src.Port())
			ae.Uint16(ctaProtoDstPort, orig.Dst.Port())
			return nil
		})
		return nil
	})
	attrs, err := ae.Encode()
	if err != nil {
		return nil, fmt.Errorf("encoding conntrack request: %w", err)
	}
	data := make([]byte, nfgenmsgLen, nfgenmsgLen+len(attrs))
	data[0] = family(src)
	data[1] = nfnetlinkV0
	return append(data, attrs...), nil
}

var errMalformed = errors.New("malformed conntrack message")

// decodeReplySource reads CTA_TUPLE_REPLY's source address and port from a
// ctnetlink message body (nfgenmsg + attributes).
func decodeReplySource(b []byte) (netip.AddrPort, error) {
	if len(b) < nfgenmsgLen {
		return netip.AddrPort{}, fmt.Errorf("%w: %d bytes", errMalformed, len(b))
	}
	ad, err := netlink.NewAttributeDecoder(b[nfgenmsgLen:])
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: %w", errMalformed, err)
	}
	ad.ByteOrder = binary.BigEndian
	var (
		addr  netip.Addr
		port  uint16
		found bool
	)
	for ad.Next() {
		if ad.Type() != ctaTupleReply {
			continue
		}
		found = true
		ad.Nested(func(ad *netlink.AttributeDecoder) error {
			for ad.Next() {
				switch ad.Type() {
				case ctaTupleIP:
					ad.Nested(func(ad *netlink.AttributeDecoder) error {
						for ad.Next() {
							switch ad.Type() {
							case ctaIPv4Src, ctaIPv6Src:
								a, ok := netip.AddrFromSlice(ad.Bytes())
								if !ok {
									return fmt.Errorf("%w: address of %d bytes", errMalformed, len(ad.Bytes()))
								}
								addr = a
							}
						}
						return nil
					})
				case ctaTupleProto:
					ad.Nested(func(ad *netlink.AttributeDecoder) error {
						for ad.Next() {
							if ad.Type() == ctaProtoSrcPort {
								port = ad.Uint16()
							}
						}
						return nil
					})
				}
			}
			return nil
		})
	}
	if err := ad.Err(); err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: %w", errMalformed, err)
	}
	if !found || !addr.IsValid() {
		return netip.AddrPort{}, fmt.Errorf("%w: no reply tuple source", errMalformed)
	}
	return netip.AddrPortFrom(addr.Unmap(), port), nil
}
