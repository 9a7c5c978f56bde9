// SPDX-License-Identifier: Apache-2.0

package containerid

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestConfigValidateHierarchy(t *testing.T) {
	for _, ok := range []string{"", HierarchyAuto, HierarchyV1, HierarchyV2} {
		assert.NoError(t, Config{Hierarchy: ok}.Validate(), "Hierarchy %q", ok)
	}
	assert.EqualError(t, Config{Hierarchy: "V2"}.Validate(), `Hierarchy: unknown cgroup hierarchy "V2": want auto, v1 or v2`)
	assert.EqualError(t, Config{Hierarchy: "cgroup2", MaxEntries: -1}.Validate(),
		"Hierarchy: unknown cgroup hierarchy \"cgroup2\": want auto, v1 or v2\nMaxEntries must not be negative, got -1")
}

// TestConfigWithDefaultsPinsTheChosenHierarchy: a chosen hierarchy narrows
// the cgroup root to its mount, so the resolver's detection cannot fall
// back to the other hierarchy; auto keeps the root.
func TestConfigWithDefaultsPinsTheChosenHierarchy(t *testing.T) {
	root := fakeCgroupRoot(t, hierarchyLayouts["hybrid"])
	for _, tc := range []struct {
		choice, wantChoice, wantRoot string
	}{
		{choice: "", wantChoice: HierarchyAuto, wantRoot: root},
		{choice: HierarchyAuto, wantChoice: HierarchyAuto, wantRoot: root},
		{choice: HierarchyV1, wantChoice: HierarchyV1, wantRoot: filepath.Join(root, "memory")},
		{choice: HierarchyV2, wantChoice: HierarchyV2, wantRoot: filepath.Join(root, "unified")},
	} {
		cfg := Config{CgroupRoot: root, Hierarchy: tc.choice}.withDefaults()
		assert.Equal(t, tc.wantChoice, cfg.Hierarchy)
		assert.Equal(t, tc.wantRoot, cfg.CgroupRoot, "choice %q", tc.choice)
		assert.Equal(t, cfg, cfg.withDefaults(), "withDefaults is idempotent")
	}
	assert.Equal(t, DefaultCgroupRoot, Config{}.withDefaults().CgroupRoot)
}
