// SPDX-License-Identifier: Apache-2.0

package cloudmetadataprocessor // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor"

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/processor"
)

// fetcherRegistry shares one fetcher between the metrics, logs and traces
// instances of a component ID, the way contrib shares a resource provider in
// resourcedetectionprocessor. It belongs to one factory, not to the package.
type fetcherRegistry struct {
	mu sync.Mutex
	m  map[component.ID]*sharedFetcher
}

type sharedFetcher struct {
	f *fetcher
	// refs counts created instances, starts the started ones; the fetch loop
	// runs while starts > 0 and the entry lives while refs > 0.
	refs, starts int
}

func newFetcherRegistry() *fetcherRegistry {
	return &fetcherRegistry{m: make(map[component.ID]*sharedFetcher)}
}

// acquire returns a handle on the fetcher of set.ID, creating it if needed.
func (r *fetcherRegistry) acquire(set processor.Settings, cfg *Config) (*cloudMetadataProcessor, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.m[set.ID]
	if e == nil {
		f, err := newFetcher(set, cfg)
		if err != nil {
			return nil, err
		}
		e = &sharedFetcher{f: f}
		r.m[set.ID] = e
	}
	e.refs++
	return &cloudMetadataProcessor{fetcher: e.f, registry: r, id: set.ID}, nil
}

func (r *fetcherRegistry) start(p *cloudMetadataProcessor, host component.Host) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.m[p.id]
	if e.starts == 0 {
		if err := e.f.start(host); err != nil {
			return err
		}
	}
	e.starts++
	p.started = true
	return nil
}

func (r *fetcherRegistry) release(p *cloudMetadataProcessor) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.released {
		return
	}
	p.released = true
	e := r.m[p.id]
	if p.started {
		e.starts--
		if e.starts == 0 {
			e.f.stop()
		}
	}
	e.refs--
	if e.refs == 0 {
		e.f.close()
		delete(r.m, p.id)
	}
}

// The processorhelper start/shutdown hooks of one instance.
func (p *cloudMetadataProcessor) start(_ context.Context, host component.Host) error {
	return p.registry.start(p, host)
}

func (p *cloudMetadataProcessor) shutdown(context.Context) error {
	p.registry.release(p)
	return nil
}
