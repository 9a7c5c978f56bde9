// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver/internal/metadata"
)

// NewFactory creates a factory for the ebpf_tcp receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithMetrics(createMetrics, metadata.MetricsStability),
	)
}

func createDefaultConfig() component.Config {
	cc := scraperhelper.NewDefaultControllerConfig()
	cc.CollectionInterval = defaultCollectionInterval
	return &Config{
		ControllerConfig:            cc,
		MetricsBuilderConfig:        metadata.NewDefaultMetricsBuilderConfig(),
		MaxDestinationsPerContainer: defaultMaxDestinationsPerContainer,
		MaxContainers:               defaultMaxContainers,
		MaxTrackedConnections:       defaultMaxTrackedConnections,
		MaxConnectionKeys:           defaultMaxConnectionKeys,
		IdleTimeout:                 defaultIdleTimeout,
		ResolveNAT:                  true,
	}
}

func createMetrics(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	rcfg := cfg.(*Config)
	s := newTCPScraper(rcfg, set)
	sc, err := scraper.NewMetrics(s.scrape, scraper.WithStart(s.start), scraper.WithShutdown(s.shutdown))
	if err != nil {
		return nil, err
	}
	return scraperhelper.NewMetricsController(&rcfg.ControllerConfig, set, next, scraperhelper.AddMetricsScraper(metadata.Type, sc))
}
