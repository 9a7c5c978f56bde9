// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver

import (
	"net/netip"
	"testing"
	"time"
)

// BenchmarkScrapeAggregate is the user-space cost of one scrape over 1,000
// kernel keys (8 containers) with 1,000 live connections: what the receiver
// pays per collection interval whatever the connection rate. The baseline
// is a plain map update per key and per connection.
func BenchmarkScrapeAggregate(b *testing.B) {
	keys := make([]kernelKey, 1000)
	samples := make([]connSample, 1000)
	for i := range keys {
		keys[i] = kernelKey{cgroupID: uint64(i % 8), dst: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 80)}
		samples[i] = connSample{cgroupID: keys[i].cgroupID, dst: keys[i].dst, totals: socketTotals{bytesAcked: 100}}
	}
	b.Run("scrape", func(b *testing.B) {
		a := newAggregate(aggregateLimits{maxDestinations: 1024, maxContainers: 64, maxSockets: 65536, idleTimeout: time.Minute, ephemeral: defaultEphemeralRange})
		now := time.Now()
		b.ReportAllocs()
		n := uint64(0)
		for b.Loop() {
			n++
			for _, k := range keys {
				a.applyCounters(k, kernelTotals{successful: n, bytesAcked: 100 * n}, now)
			}
			a.applySamples(samples, now)
		}
	})
	b.Run("baseline_map_update", func(b *testing.B) {
		counts := map[kernelKey]uint64{}
		b.ReportAllocs()
		for b.Loop() {
			for _, k := range keys {
				counts[k]++
			}
			for _, s := range samples {
				counts[kernelKey{cgroupID: s.cgroupID, dst: s.dst}]++
			}
		}
	})
}

// BenchmarkDecodeConnEvent decodes one ring-buffer record, beside a copy of
// the same bytes as the baseline.
func BenchmarkDecodeConnEvent(b *testing.B) {
	raw := rawEvent(eventNewKey, afInet, []byte{10, 0, 0, 1}, []byte{10, 0, 0, 2}, 40000, 443)
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
