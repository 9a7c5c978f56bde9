// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/otelcol-node/otelcol-node/receiver/oomreceiver/internal/metadata"
)

const (
	// defaultMaxContainers bounds the per-container kill counters. A node
	// runs a few hundred containers; OOM kills touch few of them.
	defaultMaxContainers = 4096
	// defaultIdleTimeout drops the counter of a container with no kill for a
	// day: kills are rare, so a shorter time would reset live series, and a
	// container that has been gone a day no longer needs its series.
	defaultIdleTimeout = 24 * time.Hour

	// minCollectionInterval rejects intervals that validate but cannot be
	// meant: a bare number is read as nanoseconds, and `collection_interval: 1`
	// would scrape without pause. It is every receiver's minimum: kills are
	// counted as they happen, so the interval only sets the reporting delay,
	// and nothing is gained below a second. It also bounds a non-zero scrape
	// `timeout`.
	minCollectionInterval = time.Second
)

// Config is the configuration of the oom receiver. The metrics and logs
// instances of one configured receiver share one Config and one BPF source.
type Config struct {
	scraperhelper.ControllerConfig `mapstructure:",squash"`
	metadata.MetricsBuilderConfig  `mapstructure:",squash"`

	// MaxContainers caps the containers with their own kill counter. Kills
	// beyond it are counted on the resource without container attributes and
	// in otelcol_node.oom.containers_dropped.
	MaxContainers int `mapstructure:"max_containers"`
	// IdleTimeout drops the counter of a container without kills for this
	// long (the series ends; a later kill starts a new one).
	IdleTimeout time.Duration `mapstructure:"idle_timeout"`

	// ContainerIdentity names the container_identity extension whose
	// resolver attributes kills (proc and cgroup roots, cgroup hierarchy,
	// runtime sockets are set there). Without it the receiver uses a private
	// resolver with the default paths.
	ContainerIdentity *component.ID `mapstructure:"container_identity"`

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
	if cfg.MaxContainers <= 0 {
		errs = append(errs, fmt.Errorf("'max_containers' must be positive, got %d", cfg.MaxContainers))
	}
	// A counter dropped between two scrapes would restart at every scrape.
	if cfg.IdleTimeout < cfg.CollectionInterval {
		errs = append(errs, fmt.Errorf("'idle_timeout' (%s) must not be shorter than 'collection_interval' (%s)", cfg.IdleTimeout, cfg.CollectionInterval))
	}
	return errors.Join(errs...)
}
