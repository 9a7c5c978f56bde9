// SPDX-License-Identifier: Apache-2.0

package patternminer

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/otelcol-node/otelcol-node/internal/patternminer/loghubtest"
)

// loghubCorpus joins the Content column of every LogHub-2k data set, one
// message per line, repeated to about a million lines so that the miner's
// steady state (mostly known patterns) dominates as it does on a node.
func loghubCorpus(b *testing.B) ([]byte, int) {
	b.Helper()
	return loghubtest.Lines(loghubtest.Load(b), 1_000_000)
}

// BenchmarkLineSplit is the baseline: splitting the same bytes into lines
// with bufio.Scanner and nothing else.
func BenchmarkLineSplit(b *testing.B) {
	data, lines := loghubCorpus(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		sc := bufio.NewScanner(bytes.NewReader(data))
		n := 0
		for sc.Scan() {
			n += len(sc.Bytes())
		}
		if n == 0 {
			b.Fatal("no lines")
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkMiner splits the same bytes into lines and mines each one, with
// one miner kept across iterations (a node's miner lives for days).
func BenchmarkMiner(b *testing.B) {
	data, lines := loghubCorpus(b)
	m, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			m.AddBytes(sc.Bytes())
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
