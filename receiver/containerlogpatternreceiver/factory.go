// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/sharedcomponent"
	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

// NewFactory returns the factory of the container_log_pattern receiver. A
// configuration used in both a metrics and a logs pipeline runs once: both
// outputs share one core, so files are read once.
func NewFactory() receiver.Factory {
	f := coreFactory{cores: sharedcomponent.NewMap[*Config, *core]()}
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithMetrics(f.createMetrics, metadata.MetricsStability),
		receiver.WithLogs(f.createLogs, metadata.LogsStability),
	)
}

// defaultCollectionInterval is how often counts are emitted, and so how stale
// the Prometheus exporter's /metrics can be; scraperhelper's own 1-minute
// default left finished workloads uncounted for up to a minute (issue 9).
const defaultCollectionInterval = 15 * time.Second

func createDefaultConfig() component.Config {
	cc := scraperhelper.NewDefaultControllerConfig()
	cc.CollectionInterval = defaultCollectionInterval
	return &Config{
		ControllerConfig:     cc,
		MetricsBuilderConfig: metadata.DefaultMetricsBuilderConfig(),
		Docker: DockerConfig{
			Enabled:       true,
			ContainersDir: defaultDockerContainersDir,
		},
		CRI: CRIConfig{
			Enabled: true,
			PodsDir: defaultPodsDir,
		},
		Journald: JournaldConfig{
			Enabled:        true,
			JournalctlPath: defaultJournalctlPath,
		},
		ContainerFiles: ContainerFilesConfig{
			Enabled:        true,
			Include:        []string{"/var/log/*.log", "/var/log/*/*.log"},
			RescanInterval: defaultRescanInterval,
			MaxContainers:  defaultMaxContainerRoots,
		},
		StartAt:               startAtEnd,
		PollInterval:          defaultPollInterval,
		MaxLogSize:            defaultMaxLogSize,
		MaxMessageBytes:       defaultMaxMessageBytes,
		MaxMessageLines:       defaultMaxMessageLines,
		MultilineFlushTimeout: defaultMultilineFlushTimeout,
		MaxPatterns:           defaultMaxPatterns,
		MaxSampleLength:       defaultMaxSampleLength,
		PatternIdleTimeout:    defaultPatternIdleTimeout,
		MaxStreams:            defaultMaxStreams,
		MaxSeries:             defaultMaxSeries,
		MaxPatternMemory:      defaultMaxPatternMemory,
		MaxPendingLogRecords:  defaultMaxPendingLogRecords,
	}
}

// coreFactory creates the receivers of the factory's configurations; the
// metrics and logs receivers of one *Config share one core, started by the
// first Start and shut down by the last Shutdown.
type coreFactory struct {
	cores *sharedcomponent.Map[*Config, *core]
}

func (f coreFactory) shared(cfg *Config, set receiver.Settings) (*sharedcomponent.Component[*core], error) {
	return f.cores.LoadOrStore(cfg, func() (*core, error) { return newCore(cfg, set), nil })
}

func (f coreFactory) createMetrics(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	rCfg := cfg.(*Config)
	shared, err := f.shared(rCfg, set)
	if err != nil {
		return nil, err
	}
	ms := newMetricsScraper(shared.Unwrap(), set)
	s, err := scraper.NewMetrics(ms.scrape, scraper.WithStart(shared.Start), scraper.WithShutdown(shared.Shutdown))
	if err != nil {
		return nil, errors.Join(err, shared.Shutdown(context.Background()))
	}
	r, err := scraperhelper.NewMetricsController(&rCfg.ControllerConfig, set, next, scraperhelper.AddMetricsScraper(metadata.Type, s))
	if err != nil {
		return nil, errors.Join(err, shared.Shutdown(context.Background()))
	}
	return r, nil
}

func (f coreFactory) createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	shared, err := f.shared(cfg.(*Config), set)
	if err != nil {
		return nil, err
	}
	c := shared.Unwrap()
	// Log records carry the identity their owner's metrics carry.
	identify := func(owner string, seed containerid.Identity) containerid.Identity {
		return c.agg.currentIdentity(owner, seed, c.currentIdentity)
	}
	c.logs = newLogsOutput(next, c.cfg.MaxPendingLogRecords, &c.stats, c.cfg.MetricsBuilderConfig.ResourceAttributes, identify)
	return shared, nil
}

// Start and Shutdown make the core the component the metrics and logs
// receivers share.
func (c *core) Start(ctx context.Context, host component.Host) error { return c.start(ctx, host) }

func (c *core) Shutdown(ctx context.Context) error { return c.shutdown(ctx) }
