// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

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
	custom.Docker.ContainersDir = "/host/var/lib/docker/containers"
	custom.Docker.Socket = "/host/run/docker.sock"
	custom.CRI.Enabled = false
	custom.Journald.Directory = "/host/var/log/journal"
	custom.Journald.Units = []string{"kubelet.service", "containerd.service"}
	custom.ContainerFiles.Include = []string{"/var/log/app/*.log"}
	custom.ContainerFiles.ProcRoot = "/host/proc"
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
