// SPDX-License-Identifier: Apache-2.0

package cloudmetadataprocessor // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor"

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/processor"

	"github.com/otelcol-node/otelcol-node/internal/sharedcomponent"
)

// fetcherRegistry shares one fetcher between the metrics, logs and traces
// instances of a component ID, the way contrib shares a resource provider in
// resourcedetectionprocessor. It belongs to one factory, not to the package.
type fetcherRegistry struct {
	fetchers *sharedcomponent.Map[component.ID, sharedFetcher]
}

// sharedFetcher is the fetcher as a component: the first instance's Start
// starts its loop, the last instance's Shutdown stops it and releases its
// telemetry.
type sharedFetcher struct{ *fetcher }

func (f sharedFetcher) Start(_ context.Context, host component.Host) error { return f.start(host) }

func (f sharedFetcher) Shutdown(context.Context) error {
	f.close()
	return nil
}

func newFetcherRegistry() *fetcherRegistry {
	return &fetcherRegistry{fetchers: sharedcomponent.NewMap[component.ID, sharedFetcher]()}
}

// acquire returns an instance on the fetcher of set.ID, creating it if needed.
func (r *fetcherRegistry) acquire(set processor.Settings, cfg *Config) (*cloudMetadataProcessor, error) {
	shared, err := r.fetchers.LoadOrStore(set.ID, func() (sharedFetcher, error) {
		f, err := newFetcher(set, cfg)
		return sharedFetcher{f}, err
	})
	if err != nil {
		return nil, err
	}
	// A second Shutdown of the same instance must not release another
	// instance's share.
	release := sync.OnceValue(func() error { return shared.Shutdown(context.Background()) })
	return &cloudMetadataProcessor{
		fetcher:  shared.Unwrap().fetcher,
		shared:   shared,
		shutdown: func(context.Context) error { return release() },
	}, nil
}
