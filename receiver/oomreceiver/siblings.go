// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import "time"

// siblingWindow is how long after a process's kill another mark_victim for
// the same process is taken as the same kill. The kernel marks victims per
// thread: when a multi-threaded victim's other threads run into the OOM path
// before the process is gone, out_of_memory() marks each of them too
// (task_will_free_mem(current)), and the tracepoint fires once per thread.
// The memory cgroup counts one OOM kill, and so do we. A new OOM victim with
// a reused pid within this window is not told apart.
const siblingWindow = 5 * time.Second

// killDedup remembers recently counted kills by process id. It is used on
// the ring-buffer reader only, so it needs no lock; it holds at most the
// processes killed within siblingWindow.
type killDedup struct {
	last     map[uint32]time.Time
	siblings uint64 // thread-level marks folded into an earlier kill
}

func newKillDedup() *killDedup { return &killDedup{last: map[uint32]time.Time{}} }

// firstOfProcess reports whether k is a new kill rather than another thread
// of a process counted within siblingWindow.
func (d *killDedup) firstOfProcess(pid uint32, at time.Time) bool {
	for p, t := range d.last {
		if at.Sub(t) >= siblingWindow || t.Sub(at) >= siblingWindow {
			delete(d.last, p)
		}
	}
	if pid == 0 {
		return true // unknown process: never folded
	}
	if _, ok := d.last[pid]; ok {
		d.siblings++
		return false
	}
	d.last[pid] = at
	return true
}
