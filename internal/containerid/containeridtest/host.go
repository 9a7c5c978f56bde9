// SPDX-License-Identifier: Apache-2.0

// Package containeridtest gives receiver tests what the collector gives a
// receiver at start: a host whose container identity extension holds one
// running resolver.
package containeridtest // import "github.com/otelcol-node/otelcol-node/internal/containerid/containeridtest"

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/component"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// ExtensionID is the ID the test host gives its container identity extension.
var ExtensionID = component.MustNewID("container_identity")

// provider stands in for the container identity extension.
type provider struct{ resolver *containerid.Resolver }

func (p provider) Resolver() *containerid.Resolver           { return p.resolver }
func (provider) Start(context.Context, component.Host) error { return nil }
func (provider) Shutdown(context.Context) error              { return nil }

// host is a component.Host with one extension.
type host struct {
	extensions map[component.ID]component.Component
}

func (h host) GetExtensions() map[component.ID]component.Component { return h.extensions }

// Host starts a resolver of cfg, closed when the test ends, and returns a host
// that offers it under ExtensionID, plus the resolver itself. Put
// &ExtensionID in the receiver's container_identity key.
func Host(tb testing.TB, cfg containerid.Config) (component.Host, *containerid.Resolver) {
	tb.Helper()
	r, err := containerid.NewResolver(cfg, nil)
	if err != nil {
		tb.Fatalf("container identity resolver: %v", err)
	}
	r.Start()
	tb.Cleanup(func() { _ = r.Close() })
	return host{extensions: map[component.ID]component.Component{ExtensionID: provider{resolver: r}}}, r
}

// ID returns a fresh pointer to ExtensionID, for a receiver config's
// container_identity key.
func ID() *component.ID {
	id := ExtensionID
	return &id
}
