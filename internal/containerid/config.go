// SPDX-License-Identifier: Apache-2.0

package containerid // import "github.com/otelcol-node/otelcol-node/internal/containerid"

import (
	"errors"
	"fmt"
	"time"
)

// Defaults applied by NewResolver to zero-valued Config fields.
const (
	DefaultProcRoot          = "/proc"
	DefaultCgroupRoot        = "/sys/fs/cgroup"
	DefaultDockerSocket      = "/var/run/docker.sock"
	DefaultMaxEntries        = 16384
	DefaultPodLogsDir        = "/var/log/pods"
	DefaultContainerLogsDir  = "/var/log/containers"
	DefaultMinRescanInterval = 100 * time.Millisecond
	DefaultRemovedRetention  = time.Minute
	DefaultDockerTimeout     = 2 * time.Second
	DefaultDockerNegativeTTL = 30 * time.Second
	DefaultDockerPositiveTTL = 10 * time.Minute
)

// Config configures a Resolver. Zero values take the defaults above, so
// Config{} is a working configuration for a collector running on the host.
type Config struct {
	ProcRoot     string // where procfs is mounted
	CgroupRoot   string // where the cgroup hierarchies are mounted
	DockerSocket string // Docker Engine API socket; absent socket = no names, one Debug line
	MaxEntries   int    // cap on cached cgroups (and on cached Docker lookups)

	// Additions to the shared contract.

	// MinRescanInterval rate-limits the cgroupfs rescan a cache miss triggers.
	MinRescanInterval time.Duration
	// RemovedRetention keeps a removed cgroup's identity this long (space
	// permitting) so events that arrive after a short-lived container is gone
	// are still attributed.
	RemovedRetention time.Duration
	// PodLogsDir and ContainerLogsDir are the kubelet's CRI log directories;
	// their listings name pods (by uid) and containers (by id). Absent
	// directories simply give no names.
	PodLogsDir       string
	ContainerLogsDir string
	// DisableDocker turns the Docker Engine API lookups off.
	DisableDocker bool
	// DockerTimeout bounds one Docker Engine API request.
	DockerTimeout time.Duration
	// DockerNegativeTTL is how long an unknown id, a failed lookup or an absent
	// socket is remembered before asking again.
	DockerNegativeTTL time.Duration
	// DockerPositiveTTL is how long a found name is reused (containers can be renamed).
	DockerPositiveTTL time.Duration
	// Hierarchy chooses the cgroup hierarchy whose ids are mapped (and so
	// which ids the BPF side must report, see Resolver.Hierarchy):
	// HierarchyAuto (the default), HierarchyV1 or HierarchyV2. See
	// SelectHierarchy.
	Hierarchy string
}

// withDefaults returns cfg with zero fields replaced by defaults.
func (cfg Config) withDefaults() Config {
	setDefault(&cfg.ProcRoot, DefaultProcRoot)
	setDefault(&cfg.CgroupRoot, DefaultCgroupRoot)
	setDefault(&cfg.DockerSocket, DefaultDockerSocket)
	setDefault(&cfg.MaxEntries, DefaultMaxEntries)
	setDefault(&cfg.PodLogsDir, DefaultPodLogsDir)
	setDefault(&cfg.ContainerLogsDir, DefaultContainerLogsDir)
	setDefault(&cfg.MinRescanInterval, DefaultMinRescanInterval)
	setDefault(&cfg.RemovedRetention, DefaultRemovedRetention)
	setDefault(&cfg.DockerTimeout, DefaultDockerTimeout)
	setDefault(&cfg.DockerNegativeTTL, DefaultDockerNegativeTTL)
	setDefault(&cfg.DockerPositiveTTL, DefaultDockerPositiveTTL)
	setDefault(&cfg.Hierarchy, HierarchyAuto)
	// A chosen hierarchy pins CgroupRoot to where that hierarchy is mounted,
	// so that detecting under it (NewResolver) finds that hierarchy or fails
	// naming its place, never the other one. The mapping is idempotent.
	cfg.CgroupRoot = hierarchyRoot(cfg.CgroupRoot, cfg.Hierarchy)
	return cfg
}

// Validate rejects negative sizes and durations (zero means "default") and
// an unknown Hierarchy.
func (cfg Config) Validate() error {
	var errs []error
	if err := validateHierarchyChoice(cfg.Hierarchy); err != nil {
		errs = append(errs, fmt.Errorf("Hierarchy: %w", err))
	}
	if cfg.MaxEntries < 0 {
		errs = append(errs, fmt.Errorf("MaxEntries must not be negative, got %d", cfg.MaxEntries))
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{
		{"MinRescanInterval", cfg.MinRescanInterval},
		{"RemovedRetention", cfg.RemovedRetention},
		{"DockerTimeout", cfg.DockerTimeout},
		{"DockerNegativeTTL", cfg.DockerNegativeTTL},
		{"DockerPositiveTTL", cfg.DockerPositiveTTL},
	} {
		if d.value < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative, got %v", d.name, d.value))
		}
	}
	return errors.Join(errs...)
}

func setDefault[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}
