// SPDX-License-Identifier: Apache-2.0

package containeridentityextension // import "github.com/otelcol-node/otelcol-node/extension/containeridentityextension"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/otelcol-node/otelcol-node/extension/containeridentityextension/internal/metadata"
)

// NewFactory returns a factory for the container_identity extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(
		metadata.Type,
		func() component.Config { return createDefaultConfig() },
		createExtension,
		metadata.ExtensionStability,
	)
}

func createExtension(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newIdentityExtension(cfg.(*Config), set), nil
}
