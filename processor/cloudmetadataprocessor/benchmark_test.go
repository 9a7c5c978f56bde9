// SPDX-License-Identifier: Apache-2.0

package cloudmetadataprocessor

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"
	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/metadata"
)

// benchBatch is a receiver batch of n container resources.
func benchBatch(n int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	for i := range n {
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr("container.id", fmt.Sprintf("%064x", i))
		rm.Resource().Attributes().PutStr("container.name", "app")
		m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName("container.oom_kills")
		m.SetEmptySum().DataPoints().AppendEmpty().SetIntValue(int64(i))
	}
	return md
}

// BenchmarkProcessMetrics measures the consume path with a full AWS
// snapshot against a baseline that builds the same batch and passes it on
// untouched; the difference is what the processor adds per batch.
func BenchmarkProcessMetrics(b *testing.B) {
	cfg := createDefaultConfig()
	f, err := newFetcher(processortest.NewNopSettings(metadata.Type), cfg)
	if err != nil {
		b.Fatal(err)
	}
	f.snap.Store(newSnapshot(cloudmeta.Instance{
		Provider: cloudmeta.ProviderAWS, AccountID: "123456789012", InstanceID: "i-1234567890abcdef0",
		InstanceType: "t2.micro", LifeCycle: "spot", Region: "us-west-2", AvailabilityZone: "us-west-2b",
		AvailabilityZoneID: "usw2-az2", LocalIPv4: "10.158.112.84", PublicIPv4: "203.0.113.25", HostName: "ip-10-158-112-84",
	}, cfg.Static, cfg.ResourceAttributes, f.build, true))
	p := &cloudMetadataProcessor{fetcher: f}
	ctx := context.Background()

	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("resources=%d/baseline_passthrough", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = benchBatch(n)
			}
		})
		b.Run(fmt.Sprintf("resources=%d/cloud_metadata", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.processMetrics(ctx, benchBatch(n)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("resources=%d/cloud_metadata_with_info", n), func(b *testing.B) {
			// info_interval 0 appends node.cloud.info to every batch: the worst case.
			cfg.InfoInterval = time.Nanosecond
			defer func() { cfg.InfoInterval = defaultInfoInterval }()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.processMetrics(ctx, benchBatch(n)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
