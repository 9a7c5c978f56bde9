// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver

import (
	"net/netip"
	"testing"
	"time"
)

// BenchmarkAggregate is the user-space cost of one connection lifecycle
// (connect event + close event), beside a plain map update per event as
// the baseline.
func BenchmarkAggregate(b *testing.B) {
	dsts := make([]netip.AddrPort, 256)
	for i := range dsts {
		dsts[i] = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 1, byte(i)}), 80)
	}
	b.Run("lifecycle", func(b *testing.B) {
		a := newAggregate(aggregateLimits{maxDestinations: 1024, maxContainers: 64, maxSockets: 65536, idleTimeout: time.Minute, ephemeral: defaultEphemeralRange})
		now := time.Now()
		b.ReportAllocs()
		i := uint64(0)
		for b.Loop() {
			dst := dsts[i%uint64(len(dsts))]
			a.applyEvent(connEvent{kind: eventConnectOK, cgroupID: i % 8, cookie: i, dst: dst, srtt: time.Millisecond}, "", now)
			a.applyEvent(connEvent{kind: eventClosed, cgroupID: i % 8, cookie: i, dst: dst, totals: socketTotals{bytesAcked: 100}}, "", now)
			i++
		}
	})
	b.Run("baseline_map_update", func(b *testing.B) {
		counts := map[netip.AddrPort]uint64{}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			counts[dsts[i%len(dsts)]]++
			counts[dsts[i%len(dsts)]]++
			i++
		}
	})
}

// BenchmarkDecodeConnEvent decodes one ring-buffer record, beside a copy of
// the same bytes as the baseline.
func BenchmarkDecodeConnEvent(b *testing.B) {
	raw := rawEvent(eventConnectOK, afInet, []byte{10, 0, 0, 1}, []byte{10, 0, 0, 2}, 40000, 443)
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeConnEvent(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline_copy", func(b *testing.B) {
		dst := make([]byte, len(raw))
		b.ReportAllocs()
		for b.Loop() {
			copy(dst, raw)
		}
	})
}
