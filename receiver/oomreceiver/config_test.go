// SPDX-License-Identifier: Apache-2.0

package oomreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-node/otelcol-node/receiver/oomreceiver/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	custom := createDefaultConfig().(*Config)
	custom.CollectionInterval = 30 * time.Second
	custom.MaxContainers = 100
	custom.IdleTimeout = time.Hour
	custom.ProcRoot = "/host/proc"
	custom.CgroupRoot = "/host/sys/fs/cgroup"
	custom.DockerSocket = ""

	for _, tc := range []struct {
		id   component.ID
		want component.Config
	}{
		{id: component.NewID(metadata.Type), want: createDefaultConfig()},
		{id: component.NewIDWithName(metadata.Type, "custom"), want: custom},
	} {
		t.Run(tc.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(tc.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tc.want, cfg)
		})
	}
}

func TestInvalidConfig(t *testing.T) {
	for _, tc := range []struct {
		file    string
		wantErr string
	}{
		{file: "config-invalid-max-containers.yaml", wantErr: "'max_containers' must be positive"},
		{file: "config-invalid-idle-timeout.yaml", wantErr: "'idle_timeout' must be positive"},
		{file: "config-invalid-proc-root.yaml", wantErr: "'proc_root' must not be empty"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			cm, err := confmaptest.LoadConf(filepath.Join("testdata", tc.file))
			require.NoError(t, err)
			cfg := createDefaultConfig()
			sub, err := cm.Sub(metadata.Type.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			assert.ErrorContains(t, confmap.Validate(cfg), tc.wantErr)
		})
	}
}
