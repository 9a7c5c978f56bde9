// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver // import "github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver"

import "time"

// delayKind names one of the delay totals taskstats reports.
type delayKind int

const (
	cpuDelay           delayKind = iota // cpu_delay_total: runnable, waiting for a CPU
	diskDelay                           // blkio_delay_total: waiting for synchronous block I/O
	memoryReclaimDelay                  // freepages_delay_total: direct memory reclaim
	swapinDelay                         // swapin_delay_total: waiting for swap-in
	thrashingDelay                      // thrashing_delay_total: refaults of evicted pages
	compactionDelay                     // compact_delay_total: direct compaction (taskstats v11+)
	numDelayKinds
)

// delayKindNames are the values of the `delay` attribute, indexed by delayKind.
var delayKindNames = [numDelayKinds]string{"cpu", "disk", "memory_reclaim", "swapin", "thrashing", "compaction"}

func (k delayKind) String() string { return delayKindNames[k] }

// delays holds the cumulative delay totals of one task or thread group, in
// nanoseconds, as the kernel counts them.
type delays [numDelayKinds]uint64

// seconds converts a nanosecond total for a metric with unit "s".
func seconds(ns uint64) float64 { return float64(ns) / float64(time.Second) }
