// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// memoryPersister keeps fileconsumer checkpoints in memory when no storage
// extension is configured. It still matters without restarts: when the
// process a container's files are read through exits, the files are followed
// through another of its processes by a new fileconsumer, which resumes from
// these offsets instead of recounting or skipping.
type memoryPersister struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMemoryPersister() *memoryPersister { return &memoryPersister{m: make(map[string][]byte)} }

func (p *memoryPersister) Get(_ context.Context, key string) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.m[key], nil
}

func (p *memoryPersister) Set(_ context.Context, key string, value []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[key] = append([]byte(nil), value...)
	return nil
}

func (p *memoryPersister) Delete(_ context.Context, key string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, key)
	return nil
}

// Batch applies ops at once, as a storage extension's transaction does.
func (p *memoryPersister) Batch(_ context.Context, ops ...*storage.Operation) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value = p.m[op.Key]
		case storage.Set:
			p.m[op.Key] = append([]byte(nil), op.Value...)
		case storage.Delete:
			delete(p.m, op.Key)
		}
	}
	return nil
}

// clone copies the stored data, as a crash leaves it on disk.
func (p *memoryPersister) clone() *memoryPersister {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := newMemoryPersister()
	for k, v := range p.m {
		c.m[k] = append([]byte(nil), v...)
	}
	return c
}

// deletePrefix forgets the checkpoints of a container that is gone.
func (p *memoryPersister) deletePrefix(prefix string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k := range p.m {
		if strings.HasPrefix(k, prefix) {
			delete(p.m, k)
		}
	}
}

// storageClient returns the client of the configured storage extension.
// Config.Validate cannot check that the extension exists: a component's
// config is validated alone, and the collector checks only the references of
// 'service::pipelines' and 'service::extensions'. So the check is here, and
// the message names the key to fix.
func storageClient(ctx context.Context, host component.Host, storageID *component.ID, id component.ID) (storage.Client, error) {
	ext, ok := host.GetExtensions()[*storageID]
	if !ok {
		return nil, fmt.Errorf("'storage': extension %q is not running: configure it under 'extensions' and list it in 'service::extensions'", storageID)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("'storage': extension %q is not a storage extension (use e.g. file_storage)", storageID)
	}
	return se.GetClient(ctx, component.KindReceiver, id, "")
}
