// SPDX-License-Identifier: Apache-2.0

package logsource

import (
	"fmt"
	"testing"
)

// BenchmarkDecoders measures each decoder beside copying the same line, the
// least any decoder must do.
func BenchmarkDecoders(b *testing.B) {
	text := "2024-05-01 10:00:00,123 ERROR [pool-3-thread-7] c.e.OrderService - payment for order 81723 failed after 3 retries"
	inputs := []struct {
		name   string
		line   []byte
		decode func([]byte) (Entry, error)
	}{
		{name: "docker_json", line: fmt.Appendf(nil, `{"log":%q,"stream":"stdout","time":"2024-05-01T10:00:00.123456789Z"}`, text+"\n"), decode: DecodeDockerJSON},
		{name: "cri", line: []byte("2024-05-01T10:00:00.123456789Z stdout F " + text), decode: DecodeCRI},
	}
	for _, in := range inputs {
		b.Run(in.name+"/copy", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in.line)))
			var sink string
			for b.Loop() {
				sink = string(in.line)
			}
			_ = sink
		})
		b.Run(in.name+"/decode", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in.line)))
			for b.Loop() {
				if _, err := in.decode(in.line); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGrouper measures multiline grouping of single-line messages (the
// common case) beside handing the lines on untouched.
func BenchmarkGrouper(b *testing.B) {
	lines := make([]string, 1000)
	for i := range lines {
		lines[i] = fmt.Sprintf("2024-05-01 10:00:00 INFO request %d served in %d ms", i, i%97)
	}
	b.Run("passthrough", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			for _, l := range lines {
				n += len(l)
			}
		}
		_ = n
	})
	b.Run("grouper", func(b *testing.B) {
		g := NewGrouper(500, 64<<10)
		b.ReportAllocs()
		for b.Loop() {
			for _, l := range lines {
				g.Add(l)
			}
		}
		g.Flush()
	})
}
