// SPDX-License-Identifier: Apache-2.0

package containeridentityextension // import "github.com/otelcol-node/otelcol-node/extension/containeridentityextension"

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelcol-node/otelcol-node/extension/containeridentityextension/internal/metadata"
	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// newTelemetry reports the resolver's counters as the extension's own
// metrics. The counters live in the resolver (atomics); each callback reads
// them when the collector's telemetry collects.
func newTelemetry(set component.TelemetrySettings, r *containerid.Resolver) (*metadata.TelemetryBuilder, error) {
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	observe := func(value func(containerid.Stats) uint64) metric.Int64Callback {
		return func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(int64(value(r.Stats())))
			return nil
		}
	}
	err = errors.Join(
		tb.RegisterExtensionContainerIdentityCacheEntriesCallback(observe(func(s containerid.Stats) uint64 { return uint64(s.Entries) })),
		tb.RegisterExtensionContainerIdentityCacheMissesCallback(observe(func(s containerid.Stats) uint64 { return s.Misses })),
		tb.RegisterExtensionContainerIdentityCacheDroppedCallback(observe(droppedAtCap)),
		tb.RegisterExtensionContainerIdentityRescansCallback(observe(func(s containerid.Stats) uint64 { return s.Rescans })),
		tb.RegisterExtensionContainerIdentityRuntimeAPIErrorsCallback(observe(func(s containerid.Stats) uint64 { return s.Docker.Errors })),
		tb.RegisterExtensionContainerIdentityRuntimeEventsCallback(observe(func(s containerid.Stats) uint64 { return s.Docker.Events })),
	)
	if err != nil {
		tb.Shutdown()
		return nil, err
	}
	return tb, nil
}

// droppedAtCap sums what every cap of the resolver left out.
func droppedAtCap(s containerid.Stats) uint64 {
	return s.Dropped + s.CRILogDropped + s.ObserveDropped + s.Docker.DroppedAtCap + s.Docker.RequestsDropped
}
