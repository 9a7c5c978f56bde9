// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import (
	"sync"

	"go.opentelemetry.io/collector/receiver"
)

// sharedSources hands the metrics and logs instances of one configured
// receiver the same source, keyed by the *Config the collector passes to both
// (the pattern of contrib's internal/sharedcomponent, which we cannot import).
// An entry lives while an instance created from it has not shut down.
type sharedSources struct {
	mu      sync.Mutex
	entries map[*Config]*sharedEntry
	open    openKernelSourceFunc
	opts    sourceOptions
}

type sharedEntry struct {
	src   *source
	users int
}

func newSharedSources() *sharedSources {
	return &sharedSources{entries: map[*Config]*sharedEntry{}, open: openKernelSource}
}

func (ss *sharedSources) acquire(cfg *Config, set receiver.Settings) *source {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	e, ok := ss.entries[cfg]
	if !ok {
		e = &sharedEntry{src: newSource(cfg, set.Logger, ss.open, ss.opts)}
		ss.entries[cfg] = e
	}
	e.users++
	return e.src
}

func (ss *sharedSources) release(cfg *Config) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	e, ok := ss.entries[cfg]
	if !ok {
		return
	}
	if e.users--; e.users <= 0 {
		delete(ss.entries, cfg)
	}
}
