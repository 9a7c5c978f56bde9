// SPDX-License-Identifier: Apache-2.0

package containerid // import "github.com/otelcol-node/otelcol-node/internal/containerid"

import (
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"
)

// ConfigKey is the receivers' key naming the container identity extension.
const ConfigKey = "container_identity"

// Provider is what the container identity extension offers the receivers.
type Provider interface {
	Resolver() *Resolver
}

// Acquire returns the resolver a component attributes through, and the
// function that releases it at shutdown.
//
// With extensionID set, it is the resolver of that extension: the whole
// collector shares it. A missing extension, or one that is not a container
// identity extension, fails the component's start naming the key.
//
// Without it the component gets a private resolver with the default sources
// (/proc, /sys/fs/cgroup, the default Docker socket), logged once: receivers
// stay usable alone, at the cost of their own cgroupfs walks. The shipped
// configs always name the extension.
func Acquire(host component.Host, extensionID *component.ID, logger *zap.Logger) (*Resolver, func() error, error) {
	if extensionID == nil {
		logger.Info("no container_identity extension named; using a private container identity resolver with default paths")
		r, err := NewResolver(Config{}, logger)
		if err != nil {
			return nil, nil, fmt.Errorf("container identity resolver: %w", err)
		}
		r.Start()
		return r, r.Close, nil
	}
	ext, ok := host.GetExtensions()[*extensionID]
	if !ok {
		return nil, nil, fmt.Errorf("'%s': extension %q is not configured (add it under extensions: and service::extensions)", ConfigKey, extensionID.String())
	}
	p, ok := ext.(Provider)
	if !ok {
		return nil, nil, fmt.Errorf("'%s': extension %q is not a container identity extension", ConfigKey, extensionID.String())
	}
	r := p.Resolver()
	if r == nil {
		return nil, nil, fmt.Errorf("'%s': extension %q has not started", ConfigKey, extensionID.String())
	}
	return r, func() error { return nil }, nil
}
