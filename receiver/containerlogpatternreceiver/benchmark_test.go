// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

// loghubRawGlob is the shared LogHub-2k copy, read in place.
const loghubRawGlob = "../../../shared/testdata/loghub2k/*/*_2k.log"

// loghubLines returns the raw lines of every LogHub-2k data set, as a node
// would find them in log files.
func loghubLines(b *testing.B) [][]byte {
	paths, _ := filepath.Glob(loghubRawGlob)
	testenv.Require(b, len(paths) > 0, "LogHub-2k data at "+loghubRawGlob)
	var lines [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range bytes.Split(bytes.TrimRight(data, "\n"), []byte{'\n'}) {
			lines = append(lines, l)
		}
	}
	return lines
}

// BenchmarkStream measures the per-line work of the receiver (decode,
// reassemble, multiline grouping, level detection, mining, counting) on
// LogHub lines, beside a plain line split of the same bytes as the baseline.
// File reading is fileconsumer's and is left out.
func BenchmarkStream(b *testing.B) {
	raw := loghubLines(b)
	stamp := []byte(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC).Format(time.RFC3339Nano) + " stdout F ")
	formats := []struct {
		name   string
		format lineFormat
		lines  [][]byte
	}{
		{name: "plain", format: formatPlain, lines: raw},
		{name: "cri", format: formatCRI, lines: func() [][]byte {
			out := make([][]byte, len(raw))
			for i, l := range raw {
				out[i] = append(append([]byte(nil), stamp...), l...)
			}
			return out
		}()},
	}
	for _, f := range formats {
		var blob []byte
		for _, l := range f.lines {
			blob = append(append(blob, l...), '\n')
		}
		b.Run(f.name+"/line_split", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(blob)))
			n := 0
			for b.Loop() {
				s := bufio.NewScanner(bytes.NewReader(blob))
				for s.Scan() {
					n++
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lines/s")
		})
		b.Run(f.name+"/receiver", func(b *testing.B) {
			cfg := testConfig()
			c := newCore(cfg, receivertest.NewNopSettings(metadata.Type))
			s := c.streamFor("container://bench", "bench", f.format, "", func() containerid.Identity { return containerid.Identity{ContainerID: "bench"} })
			now := time.Now()
			b.ReportAllocs()
			b.SetBytes(int64(len(blob)))
			n := 0
			for b.Loop() {
				for _, l := range f.lines {
					s.addLine(l, now)
				}
				n += len(f.lines)
			}
			s.flushAll(now)
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}
