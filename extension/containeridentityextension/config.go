// SPDX-License-Identifier: Apache-2.0

package containeridentityextension // import "github.com/otelcol-node/otelcol-node/extension/containeridentityextension"

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// minRescanInterval keeps a node whose cgroups churn from being walked in a
// loop; minRemovedRetention keeps a short-lived container's identity for at
// least one scrape of the default interval.
const (
	minRescanInterval   = 10 * time.Millisecond
	minRemovedRetention = time.Second
)

// Config is the one place where the node's container identity sources are
// configured.
type Config struct {
	// ProcRoot is where the host's procfs is mounted (/host/proc in a
	// container without hostPID).
	ProcRoot string `mapstructure:"proc_root"`
	// CgroupRoot is where the host's cgroup hierarchies are mounted.
	CgroupRoot string `mapstructure:"cgroup_root"`
	// CgroupHierarchy chooses the hierarchy whose ids the receivers' BPF
	// programs report: auto, v1 (the v1 memory controller) or v2.
	CgroupHierarchy string `mapstructure:"cgroup_hierarchy"`
	// DockerSocket is the Docker Engine API socket whose event stream names
	// Docker containers. An empty value turns Docker names off; an absent
	// socket is normal on a node without Docker.
	DockerSocket string `mapstructure:"docker_socket"`
	// PodLogsDir and ContainerLogsDir are the kubelet's log directories, whose
	// listings name pods and Kubernetes containers.
	PodLogsDir       string `mapstructure:"pod_logs_dir"`
	ContainerLogsDir string `mapstructure:"container_logs_dir"`
	// MaxEntries caps cached cgroups, kubelet log entries and runtime names
	// (each); what the cap leaves out is counted.
	MaxEntries int `mapstructure:"max_entries"`
	// MinRescanInterval rate-limits the cgroupfs walk a cache miss triggers.
	MinRescanInterval time.Duration `mapstructure:"min_rescan_interval"`
	// RemovedRetention keeps a removed cgroup's identity this long, so late
	// events of a short-lived container still get its labels.
	RemovedRetention time.Duration `mapstructure:"removed_retention"`
}

func createDefaultConfig() *Config {
	return &Config{
		ProcRoot:          containerid.DefaultProcRoot,
		CgroupRoot:        containerid.DefaultCgroupRoot,
		CgroupHierarchy:   containerid.HierarchyAuto,
		DockerSocket:      containerid.DefaultDockerSocket,
		PodLogsDir:        containerid.DefaultPodLogsDir,
		ContainerLogsDir:  containerid.DefaultContainerLogsDir,
		MaxEntries:        containerid.DefaultMaxEntries,
		MinRescanInterval: containerid.DefaultMinRescanInterval,
		RemovedRetention:  containerid.DefaultRemovedRetention,
	}
}

// Validate checks everything that can be checked before start.
func (cfg *Config) Validate() error {
	var errs []error
	for _, p := range []struct{ key, value string }{
		{"proc_root", cfg.ProcRoot},
		{"cgroup_root", cfg.CgroupRoot},
		{"pod_logs_dir", cfg.PodLogsDir},
		{"container_logs_dir", cfg.ContainerLogsDir},
	} {
		if !filepath.IsAbs(p.value) {
			errs = append(errs, fmt.Errorf("'%s' must be an absolute path, got %q", p.key, p.value))
		}
	}
	if cfg.DockerSocket != "" && !filepath.IsAbs(cfg.DockerSocket) {
		errs = append(errs, fmt.Errorf("'docker_socket' must be empty (no Docker names) or an absolute path, got %q", cfg.DockerSocket))
	}
	if err := containerid.ValidateHierarchyKey(cfg.CgroupHierarchy); err != nil {
		errs = append(errs, err)
	}
	if cfg.MaxEntries < 1 {
		errs = append(errs, fmt.Errorf("'max_entries' must be at least 1, got %d", cfg.MaxEntries))
	}
	if cfg.MinRescanInterval < minRescanInterval {
		errs = append(errs, fmt.Errorf("'min_rescan_interval' must be at least %v, got %v", minRescanInterval, cfg.MinRescanInterval))
	}
	if cfg.RemovedRetention < minRemovedRetention {
		errs = append(errs, fmt.Errorf("'removed_retention' must be at least %v, got %v", minRemovedRetention, cfg.RemovedRetention))
	}
	return errors.Join(errs...)
}

// resolverConfig is the resolver's view of the config.
func (cfg *Config) resolverConfig() containerid.Config {
	return containerid.Config{
		ProcRoot:          cfg.ProcRoot,
		CgroupRoot:        cfg.CgroupRoot,
		Hierarchy:         cfg.CgroupHierarchy,
		DockerSocket:      cfg.DockerSocket,
		DisableDocker:     cfg.DockerSocket == "",
		PodLogsDir:        cfg.PodLogsDir,
		ContainerLogsDir:  cfg.ContainerLogsDir,
		MaxEntries:        cfg.MaxEntries,
		MinRescanInterval: cfg.MinRescanInterval,
		RemovedRetention:  cfg.RemovedRetention,
	}
}
