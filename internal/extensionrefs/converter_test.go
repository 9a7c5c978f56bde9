// SPDX-License-Identifier: Apache-2.0

package extensionrefs

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
)

func convert(t *testing.T, cfg map[string]any) error {
	t.Helper()
	conv := NewFactory().Create(confmap.ConverterSettings{})
	conf := confmap.NewFromStringMap(cfg)
	before := conf.ToStringMap()
	err := conv.Convert(context.Background(), conf)
	require.Equal(t, before, conf.ToStringMap(), "the converter changes nothing")
	return err
}

func TestReferencedExtensionsConfiguredAndEnabled(t *testing.T) {
	err := convert(t, map[string]any{
		"receivers": map[string]any{
			"container_log_pattern": map[string]any{"storage": "file_storage", "container_identity": "container_identity"},
			"ebpf_tcp":              map[string]any{"container_identity": "container_identity"},
			"oom":                   nil, // an empty section
		},
		"extensions": map[string]any{"file_storage": nil, "container_identity": nil},
		"service":    map[string]any{"extensions": []any{"file_storage", "container_identity"}},
	})
	assert.NoError(t, err)
}

func TestMissingExtensionsNamed(t *testing.T) {
	err := convert(t, map[string]any{
		"receivers": map[string]any{
			"container_log_pattern/app": map[string]any{"storage": "file_storage", "container_identity": "container_identity"},
			"oom":                       map[string]any{"container_identity": "container_identity/other"},
		},
		"extensions": map[string]any{"container_identity": nil},
		"service":    map[string]any{"extensions": []any{}},
	})
	require.Error(t, err)
	assert.Equal(t, `receivers::container_log_pattern/app: 'storage' names extension "file_storage", which is not configured (add it under extensions: and to service::extensions)
receivers::container_log_pattern/app: 'container_identity' names extension "container_identity", which is not enabled (add it to service::extensions)
receivers::oom: 'container_identity' names extension "container_identity/other", which is not configured (add it under extensions: and to service::extensions)`, err.Error())
}

func TestNoReceivers(t *testing.T) {
	assert.NoError(t, convert(t, map[string]any{}))
}
