// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/otelcol-node/otelcol-node/internal/patternminer/loghubtest"
)

// BenchmarkLogpatterns runs the command end to end (read, mine, write one
// row per line) over about a million LogHub-2k lines, beside its baseline
// in the same run: the same line reader over the same bytes doing nothing
// else. The ratio of the two lines/s figures is the number to report:
//
//	go test -run '^$' -bench Logpatterns -cpu 1 ./cmd/logpatterns
//
// Each iteration starts a fresh miner, as each run of the command does.
func BenchmarkLogpatterns(b *testing.B) {
	data, lines := loghubtest.Lines(loghubtest.Load(b), 1_000_000)
	b.Run("split", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			lr := newLineReader(bytes.NewReader(data), defaultOptions().maxLineBytes)
			n := 0
			for {
				line, err := lr.next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n += len(line)
			}
			if n == 0 {
				b.Fatal("no lines")
			}
		}
		b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	})
	for _, mode := range []struct {
		name    string
		summary bool
	}{{"rows", false}, {"summary", true}} {
		b.Run(mode.name, func(b *testing.B) {
			o := defaultOptions()
			o.summary = mode.summary
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				rep, err := run(bytes.NewReader(data), io.Discard, o)
				if err != nil {
					b.Fatal(err)
				}
				if rep.lines != uint64(lines) {
					b.Fatalf("mined %d lines, want %d", rep.lines, lines)
				}
			}
			b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}
