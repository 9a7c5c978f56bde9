// SPDX-License-Identifier: Apache-2.0

package bpf // import "github.com/otelcol-node/otelcol-node/internal/bpf"

import (
	"fmt"

	"github.com/cilium/ebpf"
)

// LossReason indexes the per-CPU loss_counts array of headers/otelcol_node.h.
// The values mirror enum loss_reason there; TestLossReasonsMatchHeader checks
// them against the bpf2go-generated enum.
type LossReason uint32

const (
	// LossRingbufReserve counts failed bpf_ringbuf_reserve calls: the ring
	// buffer was full because user space did not drain it fast enough.
	LossRingbufReserve LossReason = 0
	// LossMapFull counts refused inserts into a full BPF hash map.
	LossMapFull LossReason = 1
	// LossKeysFull counts events not counted because an in-kernel aggregate
	// map was full and refused their new key.
	LossKeysFull LossReason = 2
	// LossNetnsFull counts network namespaces a namespace map refused: their
	// sockets are not visited by per-namespace iterators.
	LossNetnsFull LossReason = 3
	// NumLossReasons is the size of loss_counts (LOSS_REASON_MAX).
	NumLossReasons = 8
)

// lossMapName is the name of the per-CPU loss array in every object.
const lossMapName = "loss_counts"

// String names the reason as self-metrics label it.
func (r LossReason) String() string {
	switch r {
	case LossRingbufReserve:
		return "ringbuf_full"
	case LossMapFull:
		return "map_full"
	case LossKeysFull:
		return "keys_full"
	case LossNetnsFull:
		return "netns_full"
	default:
		return fmt.Sprintf("reason_%d", uint32(r))
	}
}

// Losses are kernel-side loss counts since the object was loaded, by reason.
type Losses [NumLossReasons]uint64

// Total sums all reasons.
func (l Losses) Total() uint64 {
	var sum uint64
	for _, n := range l {
		sum += n
	}
	return sum
}

// readLosses sums the per-CPU slots of the loss array. Lookup of a per-CPU
// array returns one value per possible CPU into the slice.
func readLosses(m *ebpf.Map) (Losses, error) {
	var losses Losses
	var perCPU []uint64
	for i := range uint32(NumLossReasons) {
		if err := m.Lookup(i, &perCPU); err != nil {
			return losses, fmt.Errorf("reading %s[%d]: %w", lossMapName, i, err)
		}
		for _, n := range perCPU {
			losses[i] += n
		}
	}
	return losses, nil
}
