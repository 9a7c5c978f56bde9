// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import (
	"errors"
	"time"

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

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks the receiver's own settings; the embedded controller and
// metrics builder settings validate themselves.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.MaxContainers <= 0 {
		errs = append(errs, errors.New("'max_containers' must be positive"))
	}
	if cfg.IdleTimeout <= 0 {
		errs = append(errs, errors.New("'idle_timeout' must be positive"))
	}
	if cfg.ProcRoot == "" {
		errs = append(errs, errors.New("'proc_root' must not be empty"))
	}
	if cfg.CgroupRoot == "" {
		errs = append(errs, errors.New("'cgroup_root' must not be empty"))
	}
	return errors.Join(errs...)
}
