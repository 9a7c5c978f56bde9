// SPDX-License-Identifier: Apache-2.0

package cloudmeta

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		sysfs string
		want  Provider
	}{
		{"aws", ProviderAWS},
		{"aws-xen", ProviderAWS},
		{"gcp", ProviderGCP},
		{"azure", ProviderAzure},
		{"hyperv", ProviderNone}, // Microsoft DMI without Azure's asset tag: no metadata service
		{"hetzner", ProviderHetzner},
		{"digitalocean", ProviderDigitalOcean},
		{"oracle", ProviderOracle},
		{"alibaba", ProviderAlibaba},
		{"scaleway", ProviderScaleway},
		{"baremetal", ProviderNone},
	}
	for _, tt := range tests {
		t.Run(tt.sysfs, func(t *testing.T) {
			got, _, err := Detect(filepath.Join("testdata", "sysfs", tt.sysfs))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDetectWithoutDMI(t *testing.T) {
	// Containers and many arm boards have no DMI at all: not an error.
	got, dmi, err := Detect(t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, ProviderNone, got)
	assert.Equal(t, DMI{}, dmi)
}

func TestDetectUnreadableFile(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "class", "dmi", "id")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "sys_vendor"), 0o755)) // a directory where a file belongs
	require.NoError(t, os.WriteFile(filepath.Join(dir, "board_vendor"), []byte("Amazon EC2\n"), 0o600))
	got, _, err := Detect(root)
	require.ErrorContains(t, err, "sys_vendor")
	// What could be read still counts.
	assert.Equal(t, ProviderAWS, got)
}

func TestProviderNames(t *testing.T) {
	for _, p := range Providers() {
		assert.NotEmpty(t, p.ReferenceName(), p)
		if p == ProviderNone {
			assert.Empty(t, p.SemconvName())
			continue
		}
		assert.NotEmpty(t, p.SemconvName(), p)
		assert.NotEmpty(t, p.DefaultEndpoint(), p)
	}
	assert.False(t, Provider("ibm").Known())
	assert.Equal(t, "AWS", ProviderAWS.ReferenceName())
	assert.Equal(t, "oracle_cloud", ProviderOracle.SemconvName())
}
