// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver // import "github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver/internal/metadata"
)

// Defaults for the receiver's own settings.
const (
	defaultCollectionInterval   = 10 * time.Second
	defaultMaxProcesses         = 65536
	defaultMaxContainers        = 4096
	defaultContainerIdleTimeout = 5 * time.Minute
	defaultMaxExitLookupsPerSec = 200

	// minCollectionInterval rejects intervals that validate but cannot be
	// meant: a bare number is read as nanoseconds, and `collection_interval: 1`
	// burned 12 CPU-seconds per 10 s. Each scrape walks /proc and asks the
	// kernel for the taskstats of every tracked process, so more than once a
	// second is never worth it. It also bounds a non-zero scrape `timeout`.
	minCollectionInterval = time.Second
)

// Config configures the delay_acct receiver.
type Config struct {
	scraperhelper.ControllerConfig `mapstructure:",squash"`
	metadata.MetricsBuilderConfig  `mapstructure:",squash"`

	// ContainerIdentity names the container_identity extension whose
	// resolver attributes processes to containers; its proc root is also
	// where the receiver lists processes and finds kernel.task_delayacct.
	// Without it the receiver uses a private resolver with the default
	// paths.
	ContainerIdentity *component.ID `mapstructure:"container_identity"`

	// EnableDelayAcct writes 1 to kernel.task_delayacct at start when delay
	// accounting is off (the default since Linux 5.14). When false, or when
	// the write fails, the receiver reports the switch as off and says so once.
	EnableDelayAcct bool `mapstructure:"enable_delayacct"`
	// ExitNotifications registers for taskstats exit records so that
	// processes exiting between scrapes, and short-lived ones, are counted.
	ExitNotifications bool `mapstructure:"exit_notifications"`
	// IncludeSystemdServices also reports processes of systemd services
	// (/system.slice/<unit>.service), with the systemd.unit.name attribute.
	IncludeSystemdServices bool `mapstructure:"include_systemd_services"`
	// MaxProcesses caps the processes the receiver remembers (tracked or
	// not); the rest are skipped and counted in processes_dropped.
	MaxProcesses int `mapstructure:"max_processes"`
	// MaxContainers caps the containers with counters; processes of further
	// containers are skipped and counted in processes_dropped.
	MaxContainers int `mapstructure:"max_containers"`
	// ContainerIdleTimeout drops the counters of a container that has had no
	// process for this long.
	ContainerIdleTimeout time.Duration `mapstructure:"container_idle_timeout"`
	// MaxExitLookupsPerSecond bounds the /proc lookups made to attribute the
	// exits of processes no scrape saw (through their parent); exits beyond
	// it are counted as unattributed.
	MaxExitLookupsPerSecond int `mapstructure:"max_exit_lookups_per_second"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks the receiver's settings, the durations of the embedded
// controller included: its own check only wants a positive interval, which
// lets a unit-less number through as nanoseconds.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.CollectionInterval < minCollectionInterval {
		errs = append(errs, fmt.Errorf("'collection_interval' must be at least %s, got %s (a number without a unit is read as nanoseconds: write e.g. %s)",
			minCollectionInterval, cfg.CollectionInterval, defaultCollectionInterval))
	}
	if cfg.InitialDelay < 0 {
		errs = append(errs, fmt.Errorf("'initial_delay' must not be negative, got %s", cfg.InitialDelay))
	}
	if cfg.Timeout != 0 && cfg.Timeout < minCollectionInterval {
		errs = append(errs, fmt.Errorf("'timeout' must be 0 (no limit) or at least %s, got %s", minCollectionInterval, cfg.Timeout))
	}
	if cfg.MaxProcesses <= 0 {
		errs = append(errs, fmt.Errorf("'max_processes' must be positive, got %d", cfg.MaxProcesses))
	}
	if cfg.MaxContainers <= 0 {
		errs = append(errs, fmt.Errorf("'max_containers' must be positive, got %d", cfg.MaxContainers))
	}
	// Counters dropped between two scrapes would restart at every scrape.
	if cfg.ContainerIdleTimeout < cfg.CollectionInterval {
		errs = append(errs, fmt.Errorf("'container_idle_timeout' (%s) must not be shorter than 'collection_interval' (%s)", cfg.ContainerIdleTimeout, cfg.CollectionInterval))
	}
	if cfg.MaxExitLookupsPerSecond < 0 {
		errs = append(errs, fmt.Errorf("'max_exit_lookups_per_second' must not be negative, got %d", cfg.MaxExitLookupsPerSecond))
	}
	return errors.Join(errs...)
}
