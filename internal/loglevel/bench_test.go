// SPDX-License-Identifier: Apache-2.0

package loglevel

import (
	"strings"
	"testing"
)

var benchMessages = []string{
	"2024-01-02 10:00:00.123 ERROR [main] c.e.App - failed to connect to db-1:5432",
	`{"level":"info","ts":1704189600.123,"caller":"svc/h.go:10","msg":"user logged in","user":"bob"}`,
	`time=2024-01-02T10:00:00.000Z level=WARN msg="slow request" path=/api/v1/orders duration=2.5s`,
	"I0102 10:00:00.000000       1 controller.go:42] Reconciled object default/web",
	"Connection from 10.0.0.1 port 52311 on 10.0.0.2 port 22 rdomain \"\"",
}

// BenchmarkDetect reports messages/s of Detect beside BenchmarkScanBaseline,
// which only looks at every byte of the same messages once.
func BenchmarkDetect(b *testing.B) {
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, m := range benchMessages {
			n += int(Detect(m))
		}
	}
	b.ReportMetric(float64(b.N*len(benchMessages))/b.Elapsed().Seconds(), "msgs/s")
	_ = n
}

func BenchmarkScanBaseline(b *testing.B) {
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, m := range benchMessages {
			n += strings.Count(m, " ")
		}
	}
	b.ReportMetric(float64(b.N*len(benchMessages))/b.Elapsed().Seconds(), "msgs/s")
	_ = n
}
