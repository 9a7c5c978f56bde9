// SPDX-License-Identifier: Apache-2.0

package containeridentityextension

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-node/otelcol-node/extension/containeridentityextension/internal/metadata"
	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	custom := &Config{
		ProcRoot:          "/host/proc",
		CgroupRoot:        "/host/sys/fs/cgroup",
		CgroupHierarchy:   containerid.HierarchyV2,
		DockerSocket:      "/run/docker.sock",
		PodLogsDir:        "/host/var/log/pods",
		ContainerLogsDir:  "/host/var/log/containers",
		MaxEntries:        4096,
		MinRescanInterval: 250 * time.Millisecond,
		RemovedRetention:  5 * time.Minute,
	}

	minimums := createDefaultConfig()
	minimums.MaxEntries = 1
	minimums.MinRescanInterval = minRescanInterval
	minimums.RemovedRetention = minRemovedRetention

	// An empty docker_socket must override the default, not fall back to it:
	// it is how Docker names are turned off.
	noDocker := createDefaultConfig()
	noDocker.DockerSocket = ""

	for _, tc := range []struct {
		id   component.ID
		want *Config
	}{
		{id: component.NewID(metadata.Type), want: createDefaultConfig()},
		{id: component.NewIDWithName(metadata.Type, "custom"), want: custom},
		{id: component.NewIDWithName(metadata.Type, "minimums"), want: minimums},
		{id: component.NewIDWithName(metadata.Type, "no_docker"), want: noDocker},
	} {
		t.Run(tc.id.String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tc.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tc.want, cfg)
		})
	}
}

// The defaults are the resolver's own, so a receiver's private resolver
// (no container_identity key) and the extension with no keys set see the
// same node.
func TestDefaultConfigIsResolverDefaults(t *testing.T) {
	assert.Equal(t, &Config{
		ProcRoot:          "/proc",
		CgroupRoot:        "/sys/fs/cgroup",
		CgroupHierarchy:   "auto",
		DockerSocket:      "/var/run/docker.sock",
		PodLogsDir:        "/var/log/pods",
		ContainerLogsDir:  "/var/log/containers",
		MaxEntries:        16384,
		MinRescanInterval: 100 * time.Millisecond,
		RemovedRetention:  time.Minute,
	}, createDefaultConfig())
}

func TestResolverConfig(t *testing.T) {
	cfg := &Config{
		ProcRoot:          "/host/proc",
		CgroupRoot:        "/host/sys/fs/cgroup",
		CgroupHierarchy:   containerid.HierarchyV1,
		DockerSocket:      "/run/docker.sock",
		PodLogsDir:        "/host/var/log/pods",
		ContainerLogsDir:  "/host/var/log/containers",
		MaxEntries:        10,
		MinRescanInterval: time.Second,
		RemovedRetention:  time.Hour,
	}
	assert.Equal(t, containerid.Config{
		ProcRoot:          "/host/proc",
		CgroupRoot:        "/host/sys/fs/cgroup",
		Hierarchy:         containerid.HierarchyV1,
		DockerSocket:      "/run/docker.sock",
		PodLogsDir:        "/host/var/log/pods",
		ContainerLogsDir:  "/host/var/log/containers",
		MaxEntries:        10,
		MinRescanInterval: time.Second,
		RemovedRetention:  time.Hour,
	}, cfg.resolverConfig())

	cfg.DockerSocket = ""
	assert.True(t, cfg.resolverConfig().DisableDocker, "an empty docker_socket turns Docker names off")
}

func TestValidateErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		modify  func(*Config)
		wantErr string
	}{
		{
			name:    "relative proc_root",
			modify:  func(c *Config) { c.ProcRoot = "host/proc" },
			wantErr: `'proc_root' must be an absolute path, got "host/proc"`,
		},
		{
			name:    "relative cgroup_root",
			modify:  func(c *Config) { c.CgroupRoot = "sys/fs/cgroup" },
			wantErr: `'cgroup_root' must be an absolute path, got "sys/fs/cgroup"`,
		},
		{
			name:    "relative pod_logs_dir",
			modify:  func(c *Config) { c.PodLogsDir = "var/log/pods" },
			wantErr: `'pod_logs_dir' must be an absolute path, got "var/log/pods"`,
		},
		{
			name:    "empty container_logs_dir",
			modify:  func(c *Config) { c.ContainerLogsDir = "" },
			wantErr: `'container_logs_dir' must be an absolute path, got ""`,
		},
		{
			name:    "relative docker_socket",
			modify:  func(c *Config) { c.DockerSocket = "docker.sock" },
			wantErr: `'docker_socket' must be empty (no Docker names) or an absolute path, got "docker.sock"`,
		},
		{
			name:    "unknown cgroup_hierarchy",
			modify:  func(c *Config) { c.CgroupHierarchy = "v3" },
			wantErr: `'cgroup_hierarchy' must be one of auto, v1, v2, got "v3"`,
		},
		{
			// Unlike the resolver's Config, the key spells its default out.
			name:    "empty cgroup_hierarchy",
			modify:  func(c *Config) { c.CgroupHierarchy = "" },
			wantErr: `'cgroup_hierarchy' must be one of auto, v1, v2, got ""`,
		},
		{
			name:    "max_entries 0",
			modify:  func(c *Config) { c.MaxEntries = 0 },
			wantErr: "'max_entries' must be at least 1, got 0",
		},
		{
			name:    "min_rescan_interval 1ms",
			modify:  func(c *Config) { c.MinRescanInterval = time.Millisecond },
			wantErr: "'min_rescan_interval' must be at least 10ms, got 1ms",
		},
		{
			// A bare number in YAML is nanoseconds.
			name:    "min_rescan_interval without a unit",
			modify:  func(c *Config) { c.MinRescanInterval = 100 },
			wantErr: "'min_rescan_interval' must be at least 10ms, got 100ns",
		},
		{
			name:    "removed_retention 100ms",
			modify:  func(c *Config) { c.RemovedRetention = 100 * time.Millisecond },
			wantErr: "'removed_retention' must be at least 1s, got 100ms",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := createDefaultConfig()
			tc.modify(cfg)
			assert.EqualError(t, cfg.Validate(), tc.wantErr)
		})
	}
}

// Every mistake is reported at once, not the first one only.
func TestValidateReportsEveryError(t *testing.T) {
	cfg := createDefaultConfig()
	cfg.ProcRoot = "proc"
	cfg.MaxEntries = -1
	cfg.RemovedRetention = 0
	err := cfg.Validate()
	assert.ErrorContains(t, err, "'proc_root' must be an absolute path")
	assert.ErrorContains(t, err, "'max_entries' must be at least 1, got -1")
	assert.ErrorContains(t, err, "'removed_retention' must be at least 1s, got 0s")
}

// The collector validates every component's config under its ID, so the
// message names the extension, the key and the minimum.
func TestInvalidConfigNamesComponent(t *testing.T) {
	cfg := createDefaultConfig()
	cfg.MinRescanInterval = time.Millisecond
	collectorConfig := struct {
		Extensions map[component.ID]component.Config `mapstructure:"extensions"`
	}{Extensions: map[component.ID]component.Config{component.NewIDWithName(metadata.Type, "custom"): cfg}}
	assert.ErrorContains(t, confmap.Validate(collectorConfig),
		"extensions::container_identity/custom: 'min_rescan_interval' must be at least 10ms, got 1ms")
}

// A key the extension does not have is rejected when the config is read,
// not silently ignored: the receivers' container_identity key does not
// belong here.
func TestUnknownKeyRejected(t *testing.T) {
	err := confmap.NewFromStringMap(map[string]any{"container_identity": "container_identity"}).Unmarshal(createDefaultConfig())
	assert.ErrorContains(t, err, "container_identity")
}
