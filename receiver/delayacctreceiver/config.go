// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver // import "github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver"

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver/internal/metadata"
)

// Defaults for the receiver's own settings.
const (
	defaultCollectionInterval   = 10 * time.Second
	defaultProcRoot             = "/proc"
	defaultCgroupRoot           = "/sys/fs/cgroup"
	defaultMaxProcesses         = 65536
	defaultMaxContainers        = 4096
	defaultContainerIdleTimeout = 5 * time.Minute
	defaultMaxExitLookupsPerSec = 200
)

// Config configures the delay_acct receiver.
type Config struct {
	scraperhelper.ControllerConfig `mapstructure:",squash"`
	metadata.MetricsBuilderConfig  `mapstructure:",squash"`

	// ProcRoot is where the host's procfs is mounted (e.g. /host/proc in a
	// container). The collector must still run in the host PID and network
	// namespaces: taskstats answers in those only.
	ProcRoot string `mapstructure:"proc_root"`
	// CgroupRoot is where the host's cgroup hierarchies are mounted.
	CgroupRoot string `mapstructure:"cgroup_root"`
	// DockerSocket is the Docker Engine API socket used for container names;
	// empty keeps the container identity's default.
	DockerSocket string `mapstructure:"docker_socket"`
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

// Validate checks the receiver's settings; the embedded scraper controller
// validates collection_interval and timeout itself.
func (cfg *Config) Validate() error {
	var errs []error
	if !filepath.IsAbs(cfg.ProcRoot) {
		errs = append(errs, fmt.Errorf("'proc_root' must be an absolute path, got %q", cfg.ProcRoot))
	}
	if !filepath.IsAbs(cfg.CgroupRoot) {
		errs = append(errs, fmt.Errorf("'cgroup_root' must be an absolute path, got %q", cfg.CgroupRoot))
	}
	if cfg.MaxProcesses <= 0 {
		errs = append(errs, fmt.Errorf("'max_processes' must be positive, got %d", cfg.MaxProcesses))
	}
	if cfg.MaxContainers <= 0 {
		errs = append(errs, fmt.Errorf("'max_containers' must be positive, got %d", cfg.MaxContainers))
	}
	if cfg.ContainerIdleTimeout <= 0 {
		errs = append(errs, fmt.Errorf("'container_idle_timeout' must be positive, got %v", cfg.ContainerIdleTimeout))
	}
	if cfg.MaxExitLookupsPerSecond < 0 {
		errs = append(errs, fmt.Errorf("'max_exit_lookups_per_second' must not be negative, got %d", cfg.MaxExitLookupsPerSecond))
	}
	return errors.Join(errs...)
}
