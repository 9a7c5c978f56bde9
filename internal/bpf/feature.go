// SPDX-License-Identifier: Apache-2.0

package bpf // import "github.com/otelcol-node/otelcol-node/internal/bpf"

import (
	"errors"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// ErrRequiredFeature is wrapped by the error Loader.Load returns when a
// feature marked Required could not be loaded or attached.
var ErrRequiredFeature = errors.New("required eBPF feature unavailable")

// Feature is a unit that is loaded, attached and disabled as a whole: the
// programs one capability of a receiver needs (e.g. "mark_victim").
type Feature struct {
	// Name identifies the feature in logs and status.
	Name string
	// Programs are the program (C function) names in the CollectionSpec.
	// Only these are loaded and verified for this feature.
	Programs []string
	// Required features fail Load (and put the receiver in degraded mode);
	// optional ones are disabled and reported once.
	Required bool
	// Attach overrides attachment by ELF section, for hooks the section does
	// not describe fully (cgroup or TCX attachment). progs is keyed by
	// program name. On error, links already made must be closed by Attach.
	Attach func(progs map[string]*ebpf.Program) ([]link.Link, error)
}

// FeatureState says what became of a feature after Load.
type FeatureState struct {
	Name     string
	Required bool
	Enabled  bool
	// Err is why the feature is disabled; nil when enabled.
	Err error
}
