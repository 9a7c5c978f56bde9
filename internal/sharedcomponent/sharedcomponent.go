// SPDX-License-Identifier: Apache-2.0

// Package sharedcomponent lets the instances a factory creates for one
// configured component (its metrics and logs receivers, or its metrics, logs
// and traces processors) share one underlying component: created by the
// first instance, started by the first Start, shut down by the last
// Shutdown. It is the pattern of the collector's internal/sharedcomponent,
// which other modules cannot import.
package sharedcomponent // import "github.com/otelcol-node/otelcol-node/internal/sharedcomponent"

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
)

// Map holds the shared components of one factory, by key (the component's
// ID, or its *Config).
type Map[K comparable, V component.Component] struct {
	mu         sync.Mutex
	components map[K]*Component[V]
}

// NewMap returns an empty map.
func NewMap[K comparable, V component.Component]() *Map[K, V] {
	return &Map[K, V]{components: make(map[K]*Component[V])}
}

// LoadOrStore returns the shared component of key, creating it with create
// when there is none. Every call counts one user, who must call Shutdown
// (once) on the returned component.
func (m *Map[K, V]) LoadOrStore(key K, create func() (V, error)) (*Component[V], error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.components[key]; ok {
		c.users++
		return c, nil
	}
	v, err := create()
	if err != nil {
		return nil, err
	}
	c := &Component[V]{component: v, users: 1}
	c.releaseUser = func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		if c.users--; c.users > 0 {
			return false
		}
		delete(m.components, key)
		return true
	}
	m.components[key] = c
	return c, nil
}

// Len returns how many shared components are alive.
func (m *Map[K, V]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.components)
}

// Component is one shared component and its users.
type Component[V component.Component] struct {
	component   V
	users       int // guarded by the Map's lock
	releaseUser func() (last bool)

	mu      sync.Mutex
	started bool
}

// Unwrap returns the shared component.
func (c *Component[V]) Unwrap() V { return c.component }

// Start starts the shared component on the first call; later calls return
// nil. A failed start is returned to the caller that made it.
func (c *Component[V]) Start(ctx context.Context, host component.Host) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started {
		return nil
	}
	c.started = true
	return c.component.Start(ctx, host)
}

// Shutdown releases one user; the last one shuts the component down and
// removes it from its map, so a later LoadOrStore creates a new one.
func (c *Component[V]) Shutdown(ctx context.Context) error {
	if !c.releaseUser() {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.component.Shutdown(ctx)
}
