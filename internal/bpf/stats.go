// SPDX-License-Identifier: Apache-2.0

package bpf // import "github.com/otelcol-node/otelcol-node/internal/bpf"

// Stats is a point-in-time copy of the plumbing's counters, all cumulative
// since the Loader was created. Receivers report them as self-metrics.
type Stats struct {
	// Records read from all ring buffers of the Loader.
	Records uint64
	// DecodeErrors are records the handler rejected (wrong size, bad field).
	DecodeErrors uint64
	// Lost are events the BPF side could not deliver, by reason.
	Lost Losses
	// RecursionMisses are runs of the loaded programs that the kernel
	// skipped because a BPF program was already running on that CPU (a
	// softirq interrupting a tp_btf program, say). Each is an event the
	// program never saw; the kernel counts them per program even when BPF
	// run-time statistics are off.
	RecursionMisses uint64
	// DisabledFeatures is the number of features that failed to load.
	DisabledFeatures int
}
