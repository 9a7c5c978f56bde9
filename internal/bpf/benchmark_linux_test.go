// SPDX-License-Identifier: Apache-2.0

package bpf

import (
	"syscall"
	"testing"

	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/internal/bpf/internal/testprog"
)

// BenchmarkTracepointOverhead measures what an attached program plus the
// ring-buffer reader add to the syscall it traces: getppid with nothing
// attached (the baseline), then with the tracepoint program emitting one
// record per call to a reader that decodes it.
func BenchmarkTracepointOverhead(b *testing.B) {
	b.Run("detached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = syscall.Getppid()
		}
	})
	b.Run("attached", func(b *testing.B) {
		requireKernelTierTB(b)
		spec, err := testprog.LoadTestprog()
		if err != nil {
			b.Fatal(err)
		}
		// The object's one-page ring is for the loss test; give the
		// benchmark a production-sized one.
		spec.Maps[testprog.TestprogMapEvents].MaxEntries = 1 << 20
		l, err := NewLoader(spec, LoaderOptions{Logger: zap.NewNop(), CgroupV1Memory: true, Constants: testConstants()})
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		if err := l.Load(tracepointFeature); err != nil {
			b.Fatal(err)
		}
		if _, err := l.NewRingReader(testprog.TestprogMapEvents, func(raw []byte) error {
			_, err := decodeTestEvent(raw)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			_ = syscall.Getppid()
		}
		b.StopTimer()
		stats, err := l.Stats()
		if err != nil {
			b.Fatal(err)
		}
		// Lost records are part of the result: a reader that cannot keep up
		// shows here, not as a faster number.
		b.ReportMetric(float64(stats.Lost.Total())/float64(b.N), "lost/op")
	})
}
