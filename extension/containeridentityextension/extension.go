// SPDX-License-Identifier: Apache-2.0

package containeridentityextension // import "github.com/otelcol-node/otelcol-node/extension/containeridentityextension"

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/extension/containeridentityextension/internal/metadata"
	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// identityExtension owns the resolver. The collector starts extensions before
// receivers, so the resolver exists when a receiver asks for it.
type identityExtension struct {
	cfg       *Config
	set       extension.Settings
	resolver  *containerid.Resolver
	telemetry *metadata.TelemetryBuilder
}

var _ containerid.Provider = (*identityExtension)(nil)

func newIdentityExtension(cfg *Config, set extension.Settings) *identityExtension {
	return &identityExtension{cfg: cfg, set: set}
}

// Resolver returns the shared resolver, nil before Start.
func (e *identityExtension) Resolver() *containerid.Resolver { return e.resolver }

func (e *identityExtension) Start(context.Context, component.Host) error {
	r, err := containerid.NewResolver(e.cfg.resolverConfig(), e.set.Logger)
	if err != nil {
		return fmt.Errorf("container identity: %w", err)
	}
	t, err := newTelemetry(e.set.TelemetrySettings, r)
	if err != nil {
		_ = r.Close()
		return err
	}
	r.Start()
	e.resolver, e.telemetry = r, t
	h := r.Hierarchy()
	e.set.Logger.Info("container identity resolver started",
		zap.Stringer("cgroup.hierarchy", h.Kind),
		zap.String("cgroup.mount", h.MountPoint),
		zap.Int("cgroups", r.Stats().Entries),
		zap.Bool("docker", e.cfg.DockerSocket != ""))
	return nil
}

func (e *identityExtension) Shutdown(context.Context) error {
	var errs []error
	if e.telemetry != nil {
		e.telemetry.Shutdown()
	}
	if e.resolver != nil {
		errs = append(errs, e.resolver.Close())
	}
	return errors.Join(errs...)
}
