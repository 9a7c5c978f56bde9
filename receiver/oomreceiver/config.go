// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
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
	// would scrape without pause. A scrape only copies the kill counters, so
	// 100ms (what the kernel tests use) costs nothing; it also bounds a
	// non-zero scrape `timeout`.
	minCollectionInterval = 100 * time.Millisecond
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

	// ProcRoot and CgroupRoot are where procfs and cgroupfs are mounted: set
	// them to /host/proc and /host/sys/fs/cgroup in a container.
	ProcRoot   string `mapstructure:"proc_root"`
	CgroupRoot string `mapstructure:"cgroup_root"`
	// DockerSocket is the Docker Engine API socket used for container names;
	// empty disables the lookups.
	DockerSocket string `mapstructure:"docker_socket"`
	// CgroupHierarchy chooses whose cgroup ids attribute kills: "auto" (the
	// v1 memory hierarchy where it is mounted, else v2), "v1" or "v2".
	CgroupHierarchy string `mapstructure:"cgroup_hierarchy"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks the receiver's settings, the durations of the embedded
// controller included: its own check only wants a positive interval, which
// lets a unit-less number through as nanoseconds. The path rules are those
// of delay_acct.
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
	if !filepath.IsAbs(cfg.ProcRoot) {
		errs = append(errs, fmt.Errorf("'proc_root' must be an absolute path, got %q", cfg.ProcRoot))
	}
	if !filepath.IsAbs(cfg.CgroupRoot) {
		errs = append(errs, fmt.Errorf("'cgroup_root' must be an absolute path, got %q", cfg.CgroupRoot))
	}
	if cfg.DockerSocket != "" && !filepath.IsAbs(cfg.DockerSocket) {
		errs = append(errs, fmt.Errorf("'docker_socket' must be empty (no container names from Docker) or an absolute path, got %q", cfg.DockerSocket))
	}
	if err := containerid.ValidateHierarchyKey(cfg.CgroupHierarchy); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
