// SPDX-License-Identifier: Apache-2.0

// Package extensionrefs is a confmap converter that checks, when a config is
// loaded (also by `otelcol-node validate`), that the extensions receivers
// name are configured and enabled. A receiver's own Validate cannot: it sees
// its own section only, so a `storage: file_storage` without the extension
// would pass validation and fail only when the collector starts.
package extensionrefs // import "github.com/otelcol-node/otelcol-node/internal/extensionrefs"

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.opentelemetry.io/collector/confmap"
)

// referenceKeys are the receiver keys whose value is an extension's
// component ID: the storage extension of contrib's stanza receivers and of
// container_log_pattern, and the container_identity extension.
var referenceKeys = []string{"storage", "container_identity"}

// NewFactory returns the converter's factory, for the distribution's
// ConverterFactories.
func NewFactory() confmap.ConverterFactory {
	return confmap.NewConverterFactory(func(confmap.ConverterSettings) confmap.Converter { return converter{} })
}

type converter struct{}

// Convert changes nothing; it fails naming every receiver key whose
// extension is missing from `extensions:` or from `service::extensions`.
func (converter) Convert(_ context.Context, conf *confmap.Conf) error {
	raw := conf.ToStringMap()
	receivers, _ := raw["receivers"].(map[string]any)
	configured, _ := raw["extensions"].(map[string]any)
	service, _ := raw["service"].(map[string]any)
	enabled := map[string]bool{}
	if list, ok := service["extensions"].([]any); ok {
		for _, id := range list {
			if s, ok := id.(string); ok {
				enabled[s] = true
			}
		}
	}

	var errs []error
	ids := make([]string, 0, len(receivers))
	for id := range receivers {
		ids = append(ids, id)
	}
	slices.Sort(ids) // one order for the messages
	for _, id := range ids {
		section, _ := receivers[id].(map[string]any)
		for _, key := range referenceKeys {
			ext, ok := section[key].(string)
			if !ok || ext == "" {
				continue
			}
			if _, ok := configured[ext]; !ok {
				errs = append(errs, fmt.Errorf("receivers::%s: '%s' names extension %q, which is not configured (add it under extensions: and to service::extensions)", id, key, ext))
			} else if !enabled[ext] {
				errs = append(errs, fmt.Errorf("receivers::%s: '%s' names extension %q, which is not enabled (add it to service::extensions)", id, key, ext))
			}
		}
	}
	return errors.Join(errs...)
}
