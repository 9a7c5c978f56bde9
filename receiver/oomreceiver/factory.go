// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/otelcol-node/otelcol-node/receiver/oomreceiver/internal/metadata"
)

// defaultCollectionInterval matches the usual Prometheus scrape interval;
// kills are counted as they happen, so it only sets the reporting delay.
const defaultCollectionInterval = 15 * time.Second

// NewFactory creates the factory of the oom receiver. The factory owns the
// table of shared BPF sources, so that the metrics and logs instances of one
// configured receiver load the BPF program once.
func NewFactory() receiver.Factory {
	return newFactory(newSharedSources())
}

func newFactory(sources *sharedSources) receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithMetrics(sources.createMetrics, metadata.MetricsStability),
		receiver.WithLogs(sources.createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	cc := scraperhelper.NewDefaultControllerConfig()
	cc.CollectionInterval = defaultCollectionInterval
	return &Config{
		ControllerConfig:     cc,
		MetricsBuilderConfig: metadata.NewDefaultMetricsBuilderConfig(),
		MaxContainers:        defaultMaxContainers,
		IdleTimeout:          defaultIdleTimeout,
	}
}

func (ss *sharedSources) createMetrics(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	oCfg := cfg.(*Config)
	shared, err := ss.load(oCfg, set)
	if err != nil {
		return nil, err
	}
	s := newOOMScraper(shared, oCfg, set)
	sc, err := scraper.NewMetrics(s.scrape, scraper.WithStart(s.start), scraper.WithShutdown(s.shutdown))
	if err == nil {
		var r receiver.Metrics
		if r, err = scraperhelper.NewMetricsController(&oCfg.ControllerConfig, set, next, scraperhelper.AddMetricsScraper(metadata.Type, sc)); err == nil {
			return r, nil
		}
	}
	// This instance will never shut down: give its use of the source back.
	return nil, errors.Join(err, s.shutdown(context.Background()))
}

func (ss *sharedSources) createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	oCfg := cfg.(*Config)
	shared, err := ss.load(oCfg, set)
	if err != nil {
		return nil, err
	}
	return newLogsReceiver(shared, oCfg, set, next), nil
}
