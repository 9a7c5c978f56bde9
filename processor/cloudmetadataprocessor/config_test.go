// SPDX-License-Identifier: Apache-2.0

package cloudmetadataprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	// Unmarshalled, not assigned, so the "set by user" marks match too.
	awsAttrs := metadata.DefaultResourceAttributesConfig()
	require.NoError(t, confmap.NewFromStringMap(map[string]any{"host.name": map[string]any{"enabled": false}}).Unmarshal(&awsAttrs))

	tests := []struct {
		id       component.ID
		expected *Config
	}{
		{
			id:       component.NewID(metadata.Type),
			expected: createDefaultConfig(),
		},
		{
			id: component.NewIDWithName(metadata.Type, "aws"),
			expected: &Config{
				Provider:           "aws",
				Endpoint:           "http://127.0.0.1:1338",
				SysfsRoot:          defaultSysfsRoot,
				Timeout:            500 * time.Millisecond,
				RefreshInterval:    5 * time.Minute,
				EmitInfoMetric:     true,
				InfoInterval:       time.Minute,
				Override:           true,
				ResourceAttributes: awsAttrs,
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "baremetal"),
			expected: func() *Config {
				cfg := createDefaultConfig()
				cfg.Provider = "none"
				cfg.Static = StaticConfig{Region: "eu-west", AvailabilityZone: "rack-12", InstanceType: "r640"}
				return cfg
			}(),
		},
		{
			id: component.NewIDWithName(metadata.Type, "minimums"),
			expected: func() *Config {
				cfg := createDefaultConfig()
				cfg.Timeout, cfg.RefreshInterval, cfg.InfoInterval = minTimeout, minRefreshInterval, minInfoInterval
				return cfg
			}(),
		},
		{
			id: component.NewIDWithName(metadata.Type, "daemonset"),
			expected: func() *Config {
				cfg := createDefaultConfig()
				cfg.SysfsRoot = "/host/sys"
				return cfg
			}(),
		},
	}
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tt.expected, cfg)
		})
	}
}

func TestInvalidConfig(t *testing.T) {
	tests := []struct {
		file, wantErr string
	}{
		{"invalid-provider.yaml", `'provider' must be "auto" or one of [alibaba aws azure digitalocean gcp hetzner none oracle scaleway], got "ibm"`},
		{"invalid-endpoint-scheme.yaml", "'endpoint' must be an http:// or https:// URL"},
		{"invalid-endpoint-host.yaml", "'endpoint' must name a host"},
		{"invalid-endpoint-query.yaml", "'endpoint' must be a base URL without query or fragment"},
		{"invalid-timeout.yaml", "'timeout' must be at least 100ms, got 2ns (a number without a unit is read as nanoseconds: write e.g. 2s)"},
		{"invalid-timeout-zero.yaml", "'timeout' must be at least 100ms, got 0s"},
		{"invalid-refresh-interval.yaml", "'refresh_interval' must be at least 10s, got 600ns"},
		{"invalid-refresh-shorter-than-timeout.yaml", "'refresh_interval' (20s) must not be shorter than 'timeout' (30s)"},
		{"invalid-info-interval.yaml", "'info_interval' must be at least 1s, got -1s"},
		{"invalid-sysfs-root.yaml", `'sysfs_root' must be an absolute path when 'provider' is "auto", got ""`},
		{"invalid-sysfs-root-relative.yaml", `'sysfs_root' must be an absolute path when 'provider' is "auto", got "sys"`},
		{"invalid-static-region.yaml", "'static::region' must be at most 256 printable bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			cm, err := confmaptest.LoadConf(filepath.Join("testdata", tt.file))
			require.NoError(t, err)
			sub, err := cm.Sub(metadata.Type.String())
			require.NoError(t, err)
			cfg := createDefaultConfig()
			require.NoError(t, sub.Unmarshal(cfg))
			assert.ErrorContains(t, confmap.Validate(cfg), tt.wantErr)
		})
	}
}

// The collector validates every component's config under its ID, the way
// otelcol.Config holds them, so a user reads which component, which key and
// which minimum: "processors::cloud_metadata/edge: 'timeout' must be ...".
func TestInvalidConfigNamesComponent(t *testing.T) {
	cfg := createDefaultConfig()
	cfg.Timeout = 2
	id := component.NewIDWithName(metadata.Type, "edge")
	collectorConfig := struct {
		Processors map[component.ID]component.Config `mapstructure:"processors"`
	}{Processors: map[component.ID]component.Config{id: cfg}}
	assert.ErrorContains(t, confmap.Validate(collectorConfig),
		"processors::cloud_metadata/edge: 'timeout' must be at least 100ms, got 2ns")
}

func TestUnknownKeyIsRejected(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub("cloud_metadata/aws")
	require.NoError(t, err)
	require.NoError(t, sub.Merge(confmap.NewFromStringMap(map[string]any{"regoin": "typo"})))
	assert.ErrorContains(t, sub.Unmarshal(createDefaultConfig()), "regoin")
}
