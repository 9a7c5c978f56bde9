// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawEvent lays out a struct conn_event the way the BPF program writes it.
func rawEvent(kind eventKind, family uint16, saddr, daddr []byte, sport, dport uint16) []byte {
	b := make([]byte, connEventSize)
	ne := binary.NativeEndian
	ne.PutUint64(b[0:], 42)          // cgroup_id
	ne.PutUint64(b[8:], 7)           // cookie
	ne.PutUint32(b[16:], 1234)       // pid
	ne.PutUint32(b[20:], 4026531840) // netns
	ne.PutUint16(b[24:], family)
	ne.PutUint16(b[26:], sport)
	ne.PutUint16(b[28:], dport)
	b[30] = byte(kind)
	copy(b[32:48], saddr)
	copy(b[48:64], daddr)
	return b
}

func TestDecodeConnEventIPv4(t *testing.T) {
	e, err := decodeConnEvent(rawEvent(eventNewKey, afInet, []byte{10, 0, 0, 1}, []byte{10, 0, 0, 2}, 40000, 443))
	require.NoError(t, err)
	assert.Equal(t, connEvent{
		kind: eventNewKey, cgroupID: 42, cookie: 7, pid: 1234, netns: 4026531840,
		src: netip.MustParseAddrPort("10.0.0.1:40000"),
		dst: netip.MustParseAddrPort("10.0.0.2:443"),
	}, e)
}

func TestDecodeConnEventIPv6AndMapped(t *testing.T) {
	v6 := netip.MustParseAddr("2001:db8::1").As16()
	mapped := netip.MustParseAddr("::ffff:192.0.2.7").As16()
	e, err := decodeConnEvent(rawEvent(eventListenOpen, afInet6, v6[:], mapped[:], 50000, 8080))
	require.NoError(t, err)
	assert.Equal(t, "[2001:db8::1]:50000", e.src.String())
	assert.Equal(t, "192.0.2.7:8080", e.dst.String(), "IPv4-mapped addresses are shown as IPv4")
}

func TestDecodeConnEventErrors(t *testing.T) {
	_, err := decodeConnEvent(make([]byte, connEventSize-1))
	assert.ErrorIs(t, err, errShortRecord)
	_, err = decodeConnEvent(rawEvent(99, afInet, nil, nil, 0, 0))
	assert.ErrorIs(t, err, errBadKind)
	_, err = decodeConnEvent(rawEvent(eventListenOpen, 3, nil, nil, 0, 0))
	assert.ErrorIs(t, err, errBadFamily)
}

func TestDecodeConnSample(t *testing.T) {
	b := make([]byte, connSampleSize)
	ne := binary.NativeEndian
	ne.PutUint64(b[0:], 42)
	ne.PutUint64(b[8:], 7)
	ne.PutUint64(b[16:], 100)
	ne.PutUint64(b[24:], 200)
	ne.PutUint64(b[32:], 2)
	ne.PutUint32(b[48:], 80)
	ne.PutUint16(b[52:], afInet)
	ne.PutUint16(b[54:], 40000)
	ne.PutUint16(b[56:], 5432)
	copy(b[64:], []byte{127, 0, 0, 1})
	copy(b[80:], []byte{127, 0, 0, 2})
	s, err := decodeConnSample(b)
	require.NoError(t, err)
	assert.Equal(t, socketTotals{bytesAcked: 100, bytesReceived: 200, retransmits: 2}, s.totals)
	assert.Equal(t, 80*time.Microsecond, s.srtt)
	assert.Equal(t, "127.0.0.2:5432", s.dst.String())
	_, err = decodeConnSample(b[:10])
	assert.ErrorIs(t, err, errShortRecord)
}

func FuzzDecodeConnEvent(f *testing.F) {
	f.Add(rawEvent(eventNewKey, afInet, []byte{10, 0, 0, 1}, []byte{10, 0, 0, 2}, 1, 2))
	f.Add(make([]byte, 3))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeConnEvent(b)
		if err != nil {
			return
		}
		if !e.dst.Addr().IsValid() || (e.kind != eventNewKey && e.kind != eventListenOpen && e.kind != eventListenClosed) {
			t.Fatalf("decoded an invalid event without error: %+v", e)
		}
	})
}

func FuzzDecodeConnSample(f *testing.F) {
	f.Add(make([]byte, connSampleSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, err := decodeConnSample(b); err == nil && !s.dst.Addr().IsValid() {
			t.Fatalf("decoded an invalid sample without error: %+v", s)
		}
	})
}

func TestParsePortRange(t *testing.T) {
	r, err := parsePortRange("32768\t60999\n")
	require.NoError(t, err)
	assert.Equal(t, portRange{low: 32768, high: 60999}, r)
	assert.True(t, r.contains(32768))
	assert.False(t, r.contains(61000))
	for _, bad := range []string{"", "1", "a b", "70000 80000", "500 400"} {
		_, err := parsePortRange(bad)
		assert.ErrorIs(t, err, errBadPortRange, bad)
	}
}

func TestFormatEndpoint(t *testing.T) {
	assert.Equal(t, "[::1]:80", formatEndpoint(netip.MustParseAddr("::1"), 80))
	assert.Equal(t, "10.0.0.1:0", formatEndpoint(netip.MustParseAddr("::ffff:10.0.0.1"), 0))
}
