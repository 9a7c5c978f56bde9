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
	custom.ContainerIdentity = ptr(component.MustNewIDWithName("container_identity", "host"))

	minimums := createDefaultConfig().(*Config)
	minimums.CollectionInterval = minCollectionInterval
	minimums.Timeout = minCollectionInterval
	minimums.InitialDelay = 0
	minimums.IdleTimeout = minCollectionInterval

	for _, tc := range []struct {
		id   component.ID
		want component.Config
	}{
		{id: component.NewID(metadata.Type), want: createDefaultConfig()},
		{id: component.NewIDWithName(metadata.Type, "custom"), want: custom},
		{id: component.NewIDWithName(metadata.Type, "minimums"), want: minimums},
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
		{file: "config-invalid-collection-interval.yaml", wantErr: "'collection_interval' must be at least 1s, got 1ns (a number without a unit is read as nanoseconds: write e.g. 15s)"},
		{file: "config-invalid-collection-interval-short.yaml", wantErr: "'collection_interval' must be at least 1s, got 100ms"},
		{file: "config-invalid-timeout.yaml", wantErr: "'timeout' must be 0 (no limit) or at least 1s, got 5ns"},
		{file: "config-invalid-initial-delay.yaml", wantErr: "'initial_delay' must not be negative, got -1s"},
		{file: "config-invalid-max-containers.yaml", wantErr: "'max_containers' must be positive, got 0"},
		{file: "config-invalid-idle-timeout.yaml", wantErr: "'idle_timeout' (-5m0s) must not be shorter than 'collection_interval' (15s)"},
		{file: "config-invalid-idle-timeout-short.yaml", wantErr: "'idle_timeout' (30s) must not be shorter than 'collection_interval' (1m0s)"},
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

// The collector validates every component's config under its ID, the way
// otelcol.Config holds them, so the message names the component, the key
// and the minimum: "receivers::oom: 'collection_interval' must be ...".
func TestInvalidConfigNamesComponent(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.CollectionInterval = 1
	collectorConfig := struct {
		Receivers map[component.ID]component.Config `mapstructure:"receivers"`
	}{Receivers: map[component.ID]component.Config{component.NewID(metadata.Type): cfg}}
	assert.ErrorContains(t, confmap.Validate(collectorConfig),
		"receivers::oom: 'collection_interval' must be at least 1s, got 1ns")
}

// TestContainerIdentityKey: container_identity is unset by default (a
// private resolver), and a value that is no component ID is rejected when
// the config is read, naming the key.
func TestContainerIdentityKey(t *testing.T) {
	assert.Nil(t, createDefaultConfig().(*Config).ContainerIdentity)

	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config-invalid-container-identity.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(metadata.Type.String())
	require.NoError(t, err)
	assert.ErrorContains(t, sub.Unmarshal(createDefaultConfig()), "container_identity")
}

// The removed path keys are rejected, not silently ignored: they moved to
// the container_identity extension.
func TestRemovedPathKeys(t *testing.T) {
	for _, key := range []string{"proc_root", "cgroup_root", "docker_socket", "cgroup_hierarchy"} {
		err := confmap.NewFromStringMap(map[string]any{key: "/host"}).Unmarshal(createDefaultConfig())
		assert.ErrorContains(t, err, key)
	}
}

func ptr[T any](v T) *T { return &v }
