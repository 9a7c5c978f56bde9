// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/receiver"

	"github.com/otelcol-node/otelcol-node/internal/sharedcomponent"
)

// sharedSources hands the metrics and logs instances of one configured
// receiver the same source, keyed by the *Config the collector passes to
// both. The first Start of either instance opens it, the last Shutdown
// closes it and forgets it.
type sharedSources struct {
	sources *sharedcomponent.Map[*Config, *source]
	// How a source reaches the kernel and the container identity; tests
	// replace them.
	open    openKernelSourceFunc
	acquire acquireResolverFunc
	opts    sourceOptions
}

func newSharedSources() *sharedSources {
	return &sharedSources{
		sources: sharedcomponent.NewMap[*Config, *source](),
		open:    openKernelSource,
		acquire: acquireResolver,
	}
}

// load returns the shared source of cfg for one more instance, which must
// call Shutdown on it once.
func (ss *sharedSources) load(cfg *Config, set receiver.Settings) (*sharedcomponent.Component[*source], error) {
	return ss.sources.LoadOrStore(cfg, func() (*source, error) {
		return newSource(cfg, set.Logger, ss.open, ss.acquire, ss.opts), nil
	})
}

// startShared starts the shared source for one instance. A source that runs
// degraded is reported on every instance's host: the collector keeps one
// status per instance, and the shared source starts with the first one only.
func startShared(ctx context.Context, shared *sharedcomponent.Component[*source], host component.Host) error {
	if err := shared.Start(ctx, host); err != nil {
		return err
	}
	failed, degraded := shared.Unwrap().startResult()
	if failed != nil {
		return failed
	}
	if degraded != nil {
		componentstatus.ReportStatus(host, componentstatus.NewPermanentErrorEvent(degraded))
	}
	return nil
}
