// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	custom := createDefaultConfig().(*Config)
	custom.CollectionInterval = 30 * time.Second
	containerIdentity := component.MustNewIDWithName("container_identity", "host")
	custom.ContainerIdentity = &containerIdentity
	custom.EnableDelayAcct = false
	custom.ExitNotifications = false
	custom.IncludeSystemdServices = true
	custom.MaxProcesses = 1000
	custom.MaxContainers = 50
	custom.ContainerIdleTimeout = time.Minute
	custom.MaxExitLookupsPerSecond = 10
	// Unmarshal, not assignment, so the metric config also records that the
	// user set it.
	require.NoError(t, confmap.NewFromStringMap(map[string]any{"enabled": false}).
		Unmarshal(&custom.Metrics.ContainerResourcesCompactionDelay))

	minimums := createDefaultConfig().(*Config)
	minimums.CollectionInterval = minCollectionInterval
	minimums.Timeout = minCollectionInterval
	minimums.InitialDelay = 0
	minimums.ContainerIdleTimeout = minCollectionInterval

	tests := []struct {
		id          component.ID
		expected    component.Config
		errContains []string
	}{
		{id: component.NewID(metadata.Type), expected: createDefaultConfig()},
		{id: component.NewIDWithName(metadata.Type, "custom"), expected: custom},
		{id: component.NewIDWithName(metadata.Type, "minimums"), expected: minimums},
		{
			id: component.NewIDWithName(metadata.Type, "unitless_interval"),
			errContains: []string{
				"'collection_interval' must be at least 1s, got 1ns (a number without a unit is read as nanoseconds: write e.g. 10s)",
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "controller_durations"),
			errContains: []string{
				"'timeout' must be 0 (no limit) or at least 1s, got 5ns",
				"'initial_delay' must not be negative, got -1s",
			},
		},
		{
			id:          component.NewIDWithName(metadata.Type, "short_idle"),
			errContains: []string{"'container_idle_timeout' (30s) must not be shorter than 'collection_interval' (1m0s)"},
		},
		{
			id: component.NewIDWithName(metadata.Type, "zero_caps"),
			errContains: []string{
				"'max_processes' must be positive",
				"'max_containers' must be positive",
				"'container_idle_timeout' (0s) must not be shorter than 'collection_interval' (10s)",
				"'max_exit_lookups_per_second' must not be negative",
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "zero_interval"),
			errContains: []string{
				`"collection_interval": requires positive value`,
				"'collection_interval' must be at least 1s, got 0s",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))

			err = confmap.Validate(cfg)
			if len(tt.errContains) > 0 {
				for _, msg := range tt.errContains {
					assert.ErrorContains(t, err, msg)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.expected, cfg)
		})
	}
}

func TestDefaultConfigTurnsDelayAccountingOn(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	assert.True(t, cfg.EnableDelayAcct, "enable_delayacct defaults to true: off means every delay is silently zero")
	assert.True(t, cfg.ExitNotifications)
	assert.Equal(t, defaultCollectionInterval, cfg.CollectionInterval)
}

// The collector validates every component's config under its ID, the way
// otelcol.Config holds them, so the message names the component, the key
// and the minimum: "receivers::delay_acct: 'collection_interval' must be ...".
func TestInvalidConfigNamesComponent(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.CollectionInterval = 1
	cfg.MaxProcesses = 0
	collectorConfig := struct {
		Receivers map[component.ID]component.Config `mapstructure:"receivers"`
	}{Receivers: map[component.ID]component.Config{component.NewID(metadata.Type): cfg}}
	err := confmap.Validate(collectorConfig)
	assert.ErrorContains(t, err, "receivers::delay_acct: 'collection_interval' must be at least 1s, got 1ns")
	// The collector prefixes the joined errors of one component once.
	assert.ErrorContains(t, err, "'max_processes' must be positive, got 0")
}

// TestContainerIdentityKey: container_identity is unset by default (a
// private resolver), and the path keys it replaced are rejected, not
// silently ignored: they moved to the container_identity extension.
func TestContainerIdentityKey(t *testing.T) {
	assert.Nil(t, createDefaultConfig().(*Config).ContainerIdentity)
	err := confmap.NewFromStringMap(map[string]any{"container_identity": "not an id"}).Unmarshal(createDefaultConfig())
	assert.ErrorContains(t, err, "container_identity")
	for _, key := range []string{"proc_root", "cgroup_root", "docker_socket", "cgroup_hierarchy"} {
		err := confmap.NewFromStringMap(map[string]any{key: "/host"}).Unmarshal(createDefaultConfig())
		assert.ErrorContains(t, err, key)
	}
}
