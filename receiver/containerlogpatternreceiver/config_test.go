// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	storageID := component.MustNewID("file_storage")
	custom := createDefaultConfig().(*Config)
	custom.CollectionInterval = 30 * time.Second
	custom.StartAt = startAtBeginning
	custom.PollInterval = time.Second
	custom.MaxPatterns = 64
	custom.MaxSampleLength = 120
	custom.PatternIdleTimeout = 30 * time.Minute
	custom.MultilineFlushTimeout = 2 * time.Second
	custom.StorageID = &storageID
	identityID := component.MustNewID("container_identity")
	custom.ContainerIdentity = &identityID
	custom.Docker.ContainersDir = "/host/var/lib/docker/containers"
	custom.CRI.Enabled = false
	custom.Journald.Directory = "/host/var/log/journal"
	custom.Journald.Units = []string{"kubelet.service", "containerd.service"}
	custom.ContainerFiles.Include = []string{"/var/log/app/*.log"}
	custom.ContainerFiles.RescanInterval = time.Minute

	tests := []struct {
		id   component.ID
		want *Config
	}{
		{id: component.NewID(metadata.Type), want: createDefaultConfig().(*Config)},
		{id: component.NewIDWithName(metadata.Type, "custom"), want: custom},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tt.want, cfg)
		})
	}
}

func TestInvalidConfig(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"invalid_start_at.yaml", `'start_at' must be "end" or "beginning", got "middle"`},
		{"invalid_max_patterns.yaml", "'max_patterns' must be positive"},
		{"invalid_journald.yaml", "'journald.directory' and 'journald.namespace' are mutually exclusive"},
		{"invalid_include.yaml", `'container_files.include' pattern "var/log/*.log" must be an absolute path inside the container`},
		{"invalid_no_source.yaml", "at least one of 'docker', 'cri', 'journald', 'container_files' must be enabled"},
		{"invalid_poll_interval.yaml", "'poll_interval' must be at least 10ms, got 1ns (a number without a unit is read as nanoseconds"},
		{"invalid_collection_interval.yaml", "'collection_interval' must be at least 100ms, got 1ns"},
		{"invalid_multiline_flush_timeout.yaml", "'multiline_flush_timeout' must be at least 10ms, got 5ns"},
		{"invalid_pods_dir_glob.yaml", `'cri.pods_dir' "/var/log/[pods" is not a valid path pattern`},
		{"invalid_containers_dir_glob.yaml", `'docker.containers_dir' "/var/lib/docker/containers\\" is not a valid path pattern`},
		{"invalid_include_glob.yaml", `'container_files.include' pattern "/var/log/[a-.log" is not a valid glob`},
		{"invalid_budget.yaml", "'max_pattern_memory' must be at least 1048576 (1 MiB) bytes, got 1000"},
		{"invalid_budget.yaml", "'max_series' must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			cm, err := confmaptest.LoadConf(filepath.Join("testdata", tt.file))
			require.NoError(t, err)
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(metadata.Type.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			assert.ErrorContains(t, confmap.Validate(cfg), tt.want)
		})
	}
}

// TestInvalidConfigNamesComponent validates the receiver's config the way
// the collector does, inside its 'receivers' section: the message names the
// component, the key and the minimum.
func TestInvalidConfigNamesComponent(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "invalid_poll_interval.yaml"))
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig()
	sub, err := cm.Sub(metadata.Type.String())
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(cfg))
	collectorConfig := struct {
		Receivers map[component.ID]component.Config `mapstructure:"receivers"`
	}{Receivers: map[component.ID]component.Config{component.NewID(metadata.Type): cfg}}
	assert.ErrorContains(t, confmap.Validate(&collectorConfig),
		"receivers::container_log_pattern: 'poll_interval' must be at least 10ms, got 1ns")
}

// TestStorageNotConfigured names the 'storage' key when the extension it
// names is not running: Validate cannot see other components.
func TestStorageNotConfigured(t *testing.T) {
	cfg := testConfig()
	cfg.Docker.Enabled = true
	cfg.Docker.ContainersDir = t.TempDir()
	storageID := component.MustNewID("file_storage")
	cfg.StorageID = &storageID
	require.NoError(t, cfg.Validate())
	r, err := NewFactory().CreateMetrics(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, new(consumertest.MetricsSink))
	require.NoError(t, err)
	err = r.Start(context.Background(), componenttest.NewNopHost())
	assert.ErrorContains(t, err, `'storage': extension "file_storage" is not running: configure it under 'extensions' and list it in 'service::extensions'`)
	require.NoError(t, r.Shutdown(context.Background()))
}

// TestRemovedKeysRejected: procfs, cgroupfs and the Docker socket are the
// container_identity extension's keys now; the receiver rejects its old
// ones instead of ignoring them.
func TestRemovedKeysRejected(t *testing.T) {
	for _, removed := range []struct{ section, key string }{
		{"docker", "socket"},
		{"container_files", "proc_root"},
		{"container_files", "cgroup_root"},
	} {
		t.Run(removed.section+"::"+removed.key, func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			conf := confmap.NewFromStringMap(map[string]any{removed.section: map[string]any{removed.key: "/host/x"}})
			assert.ErrorContains(t, conf.Unmarshal(cfg), "has invalid keys: "+removed.key)
		})
	}
}

// TestContainerIdentityNotConfigured names the 'container_identity' key
// when the extension it names is not running.
func TestContainerIdentityNotConfigured(t *testing.T) {
	cfg := testConfig()
	cfg.CRI.Enabled = true
	cfg.CRI.PodsDir = t.TempDir()
	identityID := component.MustNewID("container_identity")
	cfg.ContainerIdentity = &identityID
	require.NoError(t, cfg.Validate())
	r, err := NewFactory().CreateMetrics(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, new(consumertest.MetricsSink))
	require.NoError(t, err)
	err = r.Start(context.Background(), componenttest.NewNopHost())
	assert.ErrorContains(t, err, `'container_identity': extension "container_identity" is not configured`)
	require.NoError(t, r.Shutdown(context.Background()))
}
