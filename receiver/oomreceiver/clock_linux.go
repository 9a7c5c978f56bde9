// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import (
	"time"

	"golang.org/x/sys/unix"
)

// monotonicToWall converts a bpf_ktime_get_ns timestamp (CLOCK_MONOTONIC) to
// wall-clock time by its distance from the current monotonic time. Events are
// read within milliseconds, so a wall-clock step in between hardly matters.
func monotonicToWall(ktimeNs uint64) time.Time {
	now := time.Now()
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return now
	}
	return now.Add(-time.Duration(ts.Nano() - int64(ktimeNs)))
}
