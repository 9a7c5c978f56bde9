// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// eventKind mirrors enum event_kind in ebpftcp.bpf.c.
type eventKind uint8

const (
	eventNewKey       eventKind = 1
	eventListenOpen   eventKind = 4
	eventListenClosed eventKind = 5
)

const (
	afInet  = 2
	afInet6 = 10
)

// Record sizes and field offsets of struct conn_event and struct conn_sample
// in ebpftcp.bpf.c; layout_linux_test.go checks them against the bpf2go types.
const (
	connEventSize  = 64
	connSampleSize = 96
)

var (
	errShortRecord = errors.New("record too short")
	errBadKind     = errors.New("unknown event kind")
	errBadFamily   = errors.New("unknown address family")
)

// socketTotals are the per-socket counters that only grow over the life of
// a connection; user space takes deltas of them.
type socketTotals struct {
	bytesAcked    uint64
	bytesReceived uint64
	retransmits   uint64
}

// connEvent is a decoded ring-buffer event (struct conn_event): a new
// (cgroup, destination) key with its first connection's tuple, or a
// listener opening or closing.
type connEvent struct {
	kind     eventKind
	cgroupID uint64
	cookie   uint64
	pid      uint32
	netns    uint32
	src, dst netip.AddrPort
}

// connSample is a live connection's state from the iterator (struct conn_sample).
type connSample struct {
	listening bool // only from seed_sockets
	cgroupID  uint64
	cookie    uint64
	pid       uint32
	netns     uint32
	totals    socketTotals
	srtt      time.Duration
	src, dst  netip.AddrPort
}

var ne = binary.NativeEndian

func decodeAddrs(family uint16, sport, dport uint16, saddr, daddr []byte) (src, dst netip.AddrPort, err error) {
	switch family {
	case afInet:
		src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(saddr[:4])), sport)
		dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(daddr[:4])), dport)
	case afInet6:
		src = netip.AddrPortFrom(netip.AddrFrom16([16]byte(saddr[:16])).Unmap(), sport)
		dst = netip.AddrPortFrom(netip.AddrFrom16([16]byte(daddr[:16])).Unmap(), dport)
	default:
		return src, dst, fmt.Errorf("%w: %d", errBadFamily, family)
	}
	return src, dst, nil
}

// decodeConnEvent decodes one ring-buffer record. The layout is fixed by
// the C struct; fields are read at their offsets rather than with
// binary.Read, which reflects on every call.
func decodeConnEvent(b []byte) (connEvent, error) {
	if len(b) < connEventSize {
		return connEvent{}, fmt.Errorf("%w: %d bytes, want %d", errShortRecord, len(b), connEventSize)
	}
	e := connEvent{
		cgroupID: ne.Uint64(b[0:]),
		cookie:   ne.Uint64(b[8:]),
		pid:      ne.Uint32(b[16:]),
		netns:    ne.Uint32(b[20:]),
		kind:     eventKind(b[30]),
	}
	switch e.kind {
	case eventNewKey, eventListenOpen, eventListenClosed:
	default:
		return connEvent{}, fmt.Errorf("%w: %d", errBadKind, e.kind)
	}
	var err error
	e.src, e.dst, err = decodeAddrs(ne.Uint16(b[24:]), ne.Uint16(b[26:]), ne.Uint16(b[28:]), b[32:48], b[48:64])
	if err != nil {
		return connEvent{}, err
	}
	return e, nil
}

// appendConnSamples decodes raw, whole conn_sample records as the socket
// iterators write them, onto dst.
func appendConnSamples(dst []connSample, raw []byte) ([]connSample, error) {
	for off := 0; off+connSampleSize <= len(raw); off += connSampleSize {
		s, err := decodeConnSample(raw[off : off+connSampleSize])
		if err != nil {
			return dst, err
		}
		dst = append(dst, s)
	}
	return dst, nil
}

// decodeConnSample decodes one record written by the sample_sockets iterator.
func decodeConnSample(b []byte) (connSample, error) {
	if len(b) < connSampleSize {
		return connSample{}, fmt.Errorf("%w: %d bytes, want %d", errShortRecord, len(b), connSampleSize)
	}
	s := connSample{
		cgroupID: ne.Uint64(b[0:]),
		cookie:   ne.Uint64(b[8:]),
		totals: socketTotals{
			bytesAcked:    ne.Uint64(b[16:]),
			bytesReceived: ne.Uint64(b[24:]),
			retransmits:   ne.Uint64(b[32:]),
		},
		pid:       ne.Uint32(b[40:]),
		netns:     ne.Uint32(b[44:]),
		srtt:      time.Duration(ne.Uint32(b[48:])) * time.Microsecond,
		listening: b[58] != 0,
	}
	var err error
	s.src, s.dst, err = decodeAddrs(ne.Uint16(b[52:]), ne.Uint16(b[54:]), ne.Uint16(b[56:]), b[64:80], b[80:96])
	if err != nil {
		return connSample{}, err
	}
	return s, nil
}
