// SPDX-License-Identifier: Apache-2.0

// Package seriesstart gives each data point of an emission its own series'
// start time. mdatagen's MetricsBuilder stamps every point of a resource with
// one start time, but a receiver that drops an idle series and later counts
// it again from 0 must give the new series a new start time, or a backend
// sees a counter that went down without a reset.
package seriesstart // import "github.com/otelcol-node/otelcol-node/internal/seriesstart"

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Recorder collects, per metric name and in record order, the start time of
// every data point recorded into a MetricsBuilder, then stamps them on what
// the builder emits. The builder appends points in record order and moves
// them, resource by resource, in EmitForResource order, so the n-th point of
// a metric in the emitted Metrics is the n-th one recorded.
type Recorder struct {
	starts map[string][]pcommon.Timestamp
}

// NewRecorder returns an empty recorder; Reset it before each emission.
func NewRecorder() *Recorder {
	return &Recorder{starts: make(map[string][]pcommon.Timestamp)}
}

// Reset forgets the previous emission, keeping the allocations.
func (r *Recorder) Reset() {
	for name, s := range r.starts {
		r.starts[name] = s[:0]
	}
}

// Add notes the start time of the next data point of metric. Call it only
// for points the builder records (an enabled metric).
func (r *Recorder) Add(metric string, start time.Time) {
	r.starts[metric] = append(r.starts[metric], pcommon.NewTimestampFromTime(start))
}

// Apply stamps the noted start times on md. A metric whose point count does
// not match what was noted (a metric disabled after all) keeps the builder's
// start times rather than get wrong ones.
func (r *Recorder) Apply(md pmetric.Metrics) {
	counts := make(map[string]int, len(r.starts))
	forEachPoint(md, func(name string, _ pointStarter) { counts[name]++ })
	next := make(map[string]int, len(r.starts))
	forEachPoint(md, func(name string, dp pointStarter) {
		starts, ok := r.starts[name]
		if !ok || len(starts) != counts[name] {
			return
		}
		dp.SetStartTimestamp(starts[next[name]])
		next[name]++
	})
}

// pointStarter is the part of a number or histogram point Apply sets.
type pointStarter interface {
	SetStartTimestamp(pcommon.Timestamp)
}

func forEachPoint(md pmetric.Metrics, fn func(metric string, dp pointStarter)) {
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				var points pmetric.NumberDataPointSlice
				switch m.Type() {
				case pmetric.MetricTypeSum:
					points = m.Sum().DataPoints()
				case pmetric.MetricTypeGauge:
					points = m.Gauge().DataPoints()
				default:
					continue
				}
				for p := 0; p < points.Len(); p++ {
					fn(m.Name(), points.At(p))
				}
			}
		}
	}
}
