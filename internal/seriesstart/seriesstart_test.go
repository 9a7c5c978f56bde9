// SPDX-License-Identifier: Apache-2.0

package seriesstart

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// emitted builds what a MetricsBuilder would emit: two resources, each with
// the sum "c" (points in record order) and the gauge "g".
func emitted(builderStart pcommon.Timestamp, cPoints ...int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	for _, n := range cPoints {
		ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
		c := ms.AppendEmpty()
		c.SetName("c")
		sum := c.SetEmptySum()
		for range n {
			sum.DataPoints().AppendEmpty().SetStartTimestamp(builderStart)
		}
		g := ms.AppendEmpty()
		g.SetName("g")
		g.SetEmptyGauge().DataPoints().AppendEmpty().SetStartTimestamp(builderStart)
	}
	return md
}

func TestApplyStampsPointsInRecordOrder(t *testing.T) {
	t0 := time.Unix(1000, 0)
	r := NewRecorder()
	for i := range 3 {
		r.Add("c", t0.Add(time.Duration(i)*time.Second))
	}
	md := emitted(1, 2, 1)
	r.Apply(md)
	var got []int64
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		dps := md.ResourceMetrics().At(i).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints()
		for j := 0; j < dps.Len(); j++ {
			got = append(got, dps.At(j).StartTimestamp().AsTime().Unix())
		}
	}
	assert.Equal(t, []int64{1000, 1001, 1002}, got)
	g := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(1).Gauge().DataPoints().At(0)
	assert.Equal(t, pcommon.Timestamp(1), g.StartTimestamp(), "metrics not noted keep the builder's start")
}

func TestApplyLeavesMismatchedMetricAlone(t *testing.T) {
	r := NewRecorder()
	r.Add("c", time.Unix(5, 0)) // one noted, three emitted
	md := emitted(1, 3)
	r.Apply(md)
	dps := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints()
	for i := 0; i < dps.Len(); i++ {
		assert.Equal(t, pcommon.Timestamp(1), dps.At(i).StartTimestamp())
	}

	r.Reset()
	r.Add("c", time.Unix(7, 0))
	md = emitted(1, 1)
	r.Apply(md)
	assert.Equal(t, int64(7), md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints().At(0).StartTimestamp().AsTime().Unix(),
		"Reset forgets the previous emission")
}
