// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

// NewFactory returns the factory of the container_log_pattern receiver. A
// configuration used in both a metrics and a logs pipeline runs once: both
// outputs share one core, so files are read once.
func NewFactory() receiver.Factory {
	cores := &sharedCores{m: make(map[*Config]*sharedCore)}
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithMetrics(cores.createMetrics, metadata.MetricsStability),
		receiver.WithLogs(cores.createLogs, metadata.LogsStability),
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
			Socket:        defaultDockerSocket,
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
			ProcRoot:       defaultProcRoot,
			CgroupRoot:     defaultCgroupRoot,
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

// sharedCores holds the cores of the configurations in use, so the metrics
// and logs receivers of one configuration share one. It lives in the factory,
// not in a package variable.
type sharedCores struct {
	mu sync.Mutex
	m  map[*Config]*sharedCore
}

// sharedCore starts its core with the first output and stops it with the last.
type sharedCore struct {
	*core
	owner *sharedCores
	cfg   *Config

	mu      sync.Mutex
	running int
}

func (sc *sharedCores) get(cfg *Config, set receiver.Settings) *sharedCore {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if s, ok := sc.m[cfg]; ok {
		return s
	}
	s := &sharedCore{core: newCore(cfg, set), owner: sc, cfg: cfg}
	sc.m[cfg] = s
	return s
}

func (s *sharedCore) Start(ctx context.Context, host component.Host) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running++
	if s.running > 1 {
		return nil
	}
	return s.start(ctx, host)
}

func (s *sharedCore) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running == 0 {
		return nil
	}
	s.running--
	if s.running > 0 {
		return nil
	}
	s.owner.mu.Lock()
	delete(s.owner.m, s.cfg)
	s.owner.mu.Unlock()
	return s.shutdown(ctx)
}

func (sc *sharedCores) createMetrics(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	rCfg := cfg.(*Config)
	shared := sc.get(rCfg, set)
	ms := newMetricsScraper(shared.core, set)
	s, err := scraper.NewMetrics(ms.scrape, scraper.WithStart(shared.Start), scraper.WithShutdown(shared.Shutdown))
	if err != nil {
		return nil, err
	}
	return scraperhelper.NewMetricsController(&rCfg.ControllerConfig, set, next, scraperhelper.AddMetricsScraper(metadata.Type, s))
}

func (sc *sharedCores) createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	shared := sc.get(cfg.(*Config), set)
	shared.logs = newLogsOutput(next, shared.cfg.MaxPendingLogRecords, &shared.stats, shared.cfg.MetricsBuilderConfig.ResourceAttributes)
	return shared, nil
}
