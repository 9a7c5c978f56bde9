// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver/internal/metadata"
)

const (
	defaultMaxDestinationsPerContainer = 1024
	defaultMaxContainers               = 4096
	defaultMaxTrackedConnections       = 65536
	defaultMaxConnectionKeys           = 65536
	defaultIdleTimeout                 = 10 * time.Minute
	// defaultCollectionInterval is how often the aggregate is emitted. The
	// Prometheus exporter serves the last emitted snapshot, so this is also
	// how stale /metrics can be; scraperhelper's own default (1 minute) made
	// a storm look uncounted for up to a minute (issue 9).
	defaultCollectionInterval = 15 * time.Second
	// minCollectionInterval keeps a unit-less `collection_interval: 1`
	// (1 ns) from turning the scrape loop into a busy loop.
	minCollectionInterval = time.Second
)

// Config configures the ebpf_tcp receiver.
type Config struct {
	scraperhelper.ControllerConfig `mapstructure:",squash"`
	metadata.MetricsBuilderConfig  `mapstructure:",squash"`

	// MaxDestinationsPerContainer caps the destinations (and, separately,
	// failed destinations, listen addresses and RTT peers) kept per
	// container; further ones are counted under destination "overflow".
	MaxDestinationsPerContainer int `mapstructure:"max_destinations_per_container"`
	// MaxContainers caps the containers (cgroups) with state; events of
	// further containers are not counted (keys_dropped{cap="containers"}).
	MaxContainers int `mapstructure:"max_containers"`
	// MaxTrackedConnections caps the live connections whose bytes and
	// retransmits a scrape takes from the socket sampler; connects beyond it
	// still count (keys_dropped{cap="sockets"}).
	MaxTrackedConnections int `mapstructure:"max_tracked_connections"`
	// MaxConnectionKeys sizes the in-kernel aggregate: the (cgroup,
	// destination) pairs counted node-wide. A connection to a new pair past
	// it is not counted (events_lost{reason="keys_full"}); pairs idle for
	// idle_timeout are removed.
	MaxConnectionKeys int `mapstructure:"max_connection_keys"`
	// IdleTimeout drops a destination with no connection activity for this
	// long (open connections keep it alive).
	IdleTimeout time.Duration `mapstructure:"idle_timeout"`
	// ResolveNAT looks up actual_destination in conntrack; when false it
	// always equals destination.
	ResolveNAT bool `mapstructure:"resolve_nat"`
	// ContainerIdentity names the container_identity extension that
	// attributes connections to containers (its cgroup_hierarchy chooses
	// whose cgroup ids the programs report). Without it the receiver uses
	// a private resolver with the default paths.
	ContainerIdentity *component.ID `mapstructure:"container_identity"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks the caps and durations, naming the YAML keys.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.CollectionInterval < minCollectionInterval {
		errs = append(errs, fmt.Errorf("'collection_interval' must be at least %s, got %s (durations need a unit, e.g. 15s)", minCollectionInterval, cfg.CollectionInterval))
	}
	if cfg.MaxDestinationsPerContainer <= 0 {
		errs = append(errs, fmt.Errorf("'max_destinations_per_container' must be positive, got %d", cfg.MaxDestinationsPerContainer))
	}
	if cfg.MaxContainers <= 0 {
		errs = append(errs, fmt.Errorf("'max_containers' must be positive, got %d", cfg.MaxContainers))
	}
	if cfg.MaxTrackedConnections <= 0 {
		errs = append(errs, fmt.Errorf("'max_tracked_connections' must be positive, got %d", cfg.MaxTrackedConnections))
	}
	if cfg.MaxConnectionKeys <= 0 {
		errs = append(errs, fmt.Errorf("'max_connection_keys' must be positive, got %d", cfg.MaxConnectionKeys))
	}
	if cfg.IdleTimeout <= 0 {
		errs = append(errs, fmt.Errorf("'idle_timeout' must be positive, got %s", cfg.IdleTimeout))
	} else if cfg.IdleTimeout < cfg.CollectionInterval {
		errs = append(errs, fmt.Errorf("'idle_timeout' (%s) must not be shorter than 'collection_interval' (%s)", cfg.IdleTimeout, cfg.CollectionInterval))
	}
	return errors.Join(errs...)
}
