// SPDX-License-Identifier: Apache-2.0

package conntrack

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// replyMessage builds a ctnetlink message body carrying both tuples, as
// the kernel answers a GET.
func replyMessage(t testing.TB, orig, reply Tuple) []byte {
	t.Helper()
	tuple := func(ae *netlink.AttributeEncoder, tp Tuple) {
		ae.Nested(ctaTupleIP, func(ae *netlink.AttributeEncoder) error {
			if tp.Src.Addr().Is4() {
				s, d := tp.Src.Addr().As4(), tp.Dst.Addr().As4()
				ae.Bytes(ctaIPv4Src, s[:])
				ae.Bytes(ctaIPv4Dst, d[:])
			} else {
				s, d := tp.Src.Addr().As16(), tp.Dst.Addr().As16()
				ae.Bytes(ctaIPv6Src, s[:])
				ae.Bytes(ctaIPv6Dst, d[:])
			}
			return nil
		})
		ae.Nested(ctaTupleProto, func(ae *netlink.AttributeEncoder) error {
			ae.Uint8(ctaProtoNum, unix.IPPROTO_TCP)
			ae.Uint16(ctaProtoSrcPort, tp.Src.Port())
			ae.Uint16(ctaProtoDstPort, tp.Dst.Port())
			return nil
		})
	}
	ae := netlink.NewAttributeEncoder()
	ae.ByteOrder = binary.BigEndian
	ae.Nested(ctaTupleOrig, func(ae *netlink.AttributeEncoder) error { tuple(ae, orig); return nil })
	ae.Nested(ctaTupleReply, func(ae *netlink.AttributeEncoder) error { tuple(ae, reply); return nil })
	ae.Uint32(3, 0x190) // CTA_STATUS, ignored
	attrs, err := ae.Encode()
	require.NoError(t, err)
	return append([]byte{unix.AF_INET, nfnetlinkV0, 0, 0}, attrs...)
}

func TestDecodeReplySourceDNAT(t *testing.T) {
	orig := Tuple{Src: netip.MustParseAddrPort("10.0.0.1:40000"), Dst: netip.MustParseAddrPort("192.0.2.10:80")}
	reply := Tuple{Src: netip.MustParseAddrPort("10.0.0.2:8080"), Dst: netip.MustParseAddrPort("10.0.0.1:40000")}
	got, err := decodeReplySource(replyMessage(t, orig, reply))
	require.NoError(t, err)
	assert.Equal(t, netip.MustParseAddrPort("10.0.0.2:8080"), got)
}

func TestDecodeReplySourceIPv6(t *testing.T) {
	orig := Tuple{Src: netip.MustParseAddrPort("[fd00::1]:40000"), Dst: netip.MustParseAddrPort("[fd00::a]:80")}
	reply := Tuple{Src: netip.MustParseAddrPort("[fd00::2]:8080"), Dst: orig.Src}
	got, err := decodeReplySource(replyMessage(t, orig, reply))
	require.NoError(t, err)
	assert.Equal(t, reply.Src, got)
}

func TestDecodeReplySourceMalformed(t *testing.T) {
	for name, b := range map[string][]byte{
		"short":    {2},
		"no reply": {2, 0, 0, 0},
		"garbage":  {2, 0, 0, 0, 0xff, 0xff, 0xff},
	} {
		_, err := decodeReplySource(b)
		assert.ErrorIs(t, err, errMalformed, name)
	}
}

func TestEncodeGetRejectsMixedFamilies(t *testing.T) {
	_, err := encodeGet(Tuple{Src: netip.MustParseAddrPort("10.0.0.1:1"), Dst: netip.MustParseAddrPort("[fd00::1]:2")})
	assert.Error(t, err)
	body, err := encodeGet(Tuple{Src: netip.MustParseAddrPort("10.0.0.1:1"), Dst: netip.MustParseAddrPort("10.0.0.2:2")})
	require.NoError(t, err)
	assert.Equal(t, byte(unix.AF_INET), body[0])
}

func FuzzDecodeReplySource(f *testing.F) {
	orig := Tuple{Src: netip.MustParseAddrPort("10.0.0.1:40000"), Dst: netip.MustParseAddrPort("192.0.2.10:80")}
	f.Add(replyMessage(f, orig, Tuple{Src: netip.MustParseAddrPort("10.0.0.2:8080"), Dst: orig.Src}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, err := decodeReplySource(b); err == nil && !got.Addr().IsValid() {
			t.Fatalf("invalid address without error")
		}
	})
}
