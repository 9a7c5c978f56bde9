// SPDX-License-Identifier: Apache-2.0

package oomreceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
)

// TestCgroupHierarchyKey: cgroup_hierarchy takes auto (the default), v1 or
// v2; anything else is rejected naming the key and the value.
func TestCgroupHierarchyKey(t *testing.T) {
	assert.Equal(t, "auto", createDefaultConfig().(*Config).CgroupHierarchy)
	for _, tc := range []struct {
		value   string
		wantErr string
	}{
		{value: "auto"},
		{value: "v1"},
		{value: "v2"},
		{value: "", wantErr: `'cgroup_hierarchy' must be one of auto, v1, v2, got ""`},
		{value: "cgroup2", wantErr: `'cgroup_hierarchy' must be one of auto, v1, v2, got "cgroup2"`},
	} {
		cfg := createDefaultConfig().(*Config)
		require.NoError(t, confmap.NewFromStringMap(map[string]any{"cgroup_hierarchy": tc.value}).Unmarshal(cfg))
		assert.Equal(t, tc.value, cfg.CgroupHierarchy)
		err := cfg.Validate()
		if tc.wantErr == "" {
			assert.NoError(t, err, "cgroup_hierarchy %q", tc.value)
			continue
		}
		assert.EqualError(t, err, tc.wantErr)
	}
}
