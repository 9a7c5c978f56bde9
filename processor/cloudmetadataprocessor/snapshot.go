// SPDX-License-Identifier: Apache-2.0

package cloudmetadataprocessor // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor"

import (
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"
	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/metadata"
)

// snapshot is what the consume path adds to telemetry. It is built by the
// fetch goroutine and never changed after it is published, so any number of
// consumers can read it at once without locks.
type snapshot struct {
	instance cloudmeta.Instance
	// attrs are the resource attributes to add (only the enabled, non-empty ones).
	attrs pcommon.Map
	// info holds one ResourceMetrics with node.cloud.info, or none while a
	// detected provider has not been read yet (so a half-empty info series
	// never appears next to the real one).
	info pmetric.Metrics
	// lastInfo is when info was last appended (unix ns). It lives in the
	// snapshot so a new snapshot starts at zero and the very next batch
	// carries the new values, with no race against an older snapshot.
	lastInfo atomic.Int64
}

// newSnapshot applies the static overrides to in and builds what the
// consume path needs. withInfo says whether node.cloud.info may be emitted.
func newSnapshot(in cloudmeta.Instance, static StaticConfig, rac metadata.ResourceAttributesConfig, build component.BuildInfo, withInfo bool) *snapshot {
	if static.Region != "" {
		in.Region = static.Region
	}
	if static.AvailabilityZone != "" {
		in.AvailabilityZone = static.AvailabilityZone
	}
	if static.InstanceType != "" {
		in.InstanceType = static.InstanceType
	}

	rb := metadata.NewResourceBuilder(rac)
	setIfKnown(rb.SetCloudProvider, in.Provider.SemconvName())
	setIfKnown(rb.SetCloudPlatform, in.Provider.Platform())
	setIfKnown(rb.SetCloudAccountID, in.AccountID)
	setIfKnown(rb.SetCloudRegion, in.Region)
	setIfKnown(rb.SetCloudAvailabilityZone, in.AvailabilityZone)
	setIfKnown(rb.SetHostID, in.InstanceID)
	setIfKnown(rb.SetHostType, in.InstanceType)
	setIfKnown(rb.SetHostName, in.HostName)
	res := rb.Emit()

	s := &snapshot{instance: in, attrs: res.Attributes(), info: pmetric.NewMetrics()}
	if withInfo {
		s.info = buildInfoMetric(in, res, build)
	}
	return s
}

func setIfKnown(set func(string), v string) {
	if v != "" {
		set(v)
	}
}

// applyTo adds the snapshot's attributes to res. Attributes already set
// upstream are kept unless override is on: a value an SDK or another
// processor set on purpose is more specific than ours.
func (s *snapshot) applyTo(res pcommon.Resource, override bool) {
	dst := res.Attributes()
	dst.EnsureCapacity(dst.Len() + s.attrs.Len())
	for k, v := range s.attrs.All() {
		if _, exists := dst.Get(k); exists && !override {
			continue
		}
		dst.PutStr(k, v.Str()) // every attribute we set is a string
	}
}

// appendInfoIfDue appends a copy of the info metric, stamped now, to md
// when the last one is at least interval old. Of concurrent batches exactly
// one wins per interval.
func (s *snapshot) appendInfoIfDue(md pmetric.Metrics, now time.Time, interval time.Duration) bool {
	if s.info.ResourceMetrics().Len() == 0 {
		return false
	}
	last := s.lastInfo.Load()
	if last != 0 && now.Sub(time.Unix(0, last)) < interval {
		return false
	}
	if !s.lastInfo.CompareAndSwap(last, now.UnixNano()) {
		return false
	}
	ts := pcommon.NewTimestampFromTime(now)
	rm := md.ResourceMetrics().AppendEmpty()
	s.info.ResourceMetrics().At(0).CopyTo(rm)
	for _, sm := range rm.ScopeMetrics().All() {
		for _, m := range sm.Metrics().All() {
			for _, dp := range m.Gauge().DataPoints().All() {
				dp.SetTimestamp(ts)
			}
		}
	}
	return true
}
