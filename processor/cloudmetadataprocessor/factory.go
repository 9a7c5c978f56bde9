// SPDX-License-Identifier: Apache-2.0

package cloudmetadataprocessor // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/metadata"
)

var processorCapabilities = consumer.Capabilities{MutatesData: true}

// NewFactory returns a factory for the cloud_metadata processor.
func NewFactory() processor.Factory {
	// One fetcher per component ID, shared by its metrics, logs and traces
	// instances: the metadata service is asked once, not once per signal.
	fetchers := newFetcherRegistry()
	return processor.NewFactory(
		metadata.Type,
		func() component.Config { return createDefaultConfig() },
		processor.WithMetrics(fetchers.createMetrics, metadata.MetricsStability),
		processor.WithLogs(fetchers.createLogs, metadata.LogsStability),
		processor.WithTraces(fetchers.createTraces, metadata.TracesStability),
	)
}

func (r *fetcherRegistry) createMetrics(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Metrics) (processor.Metrics, error) {
	p, err := r.acquire(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	return processorhelper.NewMetrics(ctx, set, cfg, next, p.processMetrics,
		processorhelper.WithCapabilities(processorCapabilities),
		processorhelper.WithStart(p.start), processorhelper.WithShutdown(p.shutdown))
}

func (r *fetcherRegistry) createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	p, err := r.acquire(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	return processorhelper.NewLogs(ctx, set, cfg, next, p.processLogs,
		processorhelper.WithCapabilities(processorCapabilities),
		processorhelper.WithStart(p.start), processorhelper.WithShutdown(p.shutdown))
}

func (r *fetcherRegistry) createTraces(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	p, err := r.acquire(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	return processorhelper.NewTraces(ctx, set, cfg, next, p.processTraces,
		processorhelper.WithCapabilities(processorCapabilities),
		processorhelper.WithStart(p.start), processorhelper.WithShutdown(p.shutdown))
}
