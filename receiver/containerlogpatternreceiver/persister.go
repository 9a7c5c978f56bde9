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

func (p *memoryPersister) Batch(ctx context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		var err error
		switch op.Type {
		case storage.Get:
			op.Value, err = p.Get(ctx, op.Key)
		case storage.Set:
			err = p.Set(ctx, op.Key, op.Value)
		case storage.Delete:
			err = p.Delete(ctx, op.Key)
		}
		if err != nil {
			return err
		}
	}
	return nil
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
func storageClient(ctx context.Context, host component.Host, storageID *component.ID, id component.ID) (storage.Client, error) {
	ext, ok := host.GetExtensions()[*storageID]
	if !ok {
		return nil, fmt.Errorf("storage extension %q not found", storageID)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("extension %q is not a storage extension", storageID)
	}
	return se.GetClient(ctx, component.KindReceiver, id, "")
}
