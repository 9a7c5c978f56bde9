// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver/internal/metadata"
)

// TestDefaultCollectionInterval: the default config emits every 15 s. With
// scraperhelper's 1-minute default the Prometheus exporter served a snapshot
// up to a minute old, and a finished storm looked uncounted (issue 9).
func TestDefaultCollectionInterval(t *testing.T) {
	assert.Equal(t, 15*time.Second, createDefaultConfig().(*Config).CollectionInterval)
}

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	custom := createDefaultConfig().(*Config)
	custom.CollectionInterval = 15 * time.Second
	custom.MaxDestinationsPerContainer = 256
	custom.MaxContainers = 100
	custom.MaxTrackedConnections = 5000
	custom.IdleTimeout = 5 * time.Minute
	custom.ResolveNAT = false
	identity := component.MustNewIDWithName("container_identity", "node")
	custom.ContainerIdentity = &identity

	tests := []struct {
		id          component.ID
		expected    *Config
		errContains []string
	}{
		{id: component.NewID(metadata.Type), expected: createDefaultConfig().(*Config)},
		{id: component.NewIDWithName(metadata.Type, "custom"), expected: custom},
		{
			id:          component.NewIDWithName(metadata.Type, "invalid_caps"),
			errContains: []string{"'max_destinations_per_container' must be positive", "'max_containers' must be positive", "'max_tracked_connections' must be positive"},
		},
		{
			id:          component.NewIDWithName(metadata.Type, "invalid_idle_timeout"),
			errContains: []string{"'idle_timeout' (30s) must not be shorter than 'collection_interval' (1m0s)"},
		},
		{
			// A bare number is nanoseconds: rejected, naming the key and the minimum.
			id:          component.NewIDWithName(metadata.Type, "invalid_unitless_interval"),
			errContains: []string{"'collection_interval' must be at least 1s, got 1ns"},
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
