// SPDX-License-Identifier: Apache-2.0

//go:generate go tool mdatagen metadata.yaml

// Package delayacctreceiver reports, per container, how long processes waited
// for a CPU, for synchronous block I/O and for memory (direct reclaim, swap-in,
// thrashing, compaction), from the kernel's delay accounting read over the
// taskstats generic netlink family.
//
// Each scrape lists /proc, resolves new processes to a container once
// (internal/containerid), asks taskstats for the thread-group totals of every
// container process and adds the per-process deltas to the container's
// cumulative counters. Processes that exit between two scrapes are not lost: a
// second netlink socket registers for taskstats exit notifications on every
// CPU, and each exit credits the final totals (minus what was already counted)
// to the container. A process too short-lived to be seen by any scrape is
// attributed through its parent. Exit notifications arrive for every task on
// the machine; an exit of a process outside any container costs one map lookup.
//
// Delay accounting is off by default on kernels 5.14 and later
// (kernel.task_delayacct=0), in which case every delay stays at zero. The
// receiver turns it on at start when enable_delayacct is set, and in every case
// reports the switch as otelcol_node.delay_acct.enabled so that a zero is never
// silent.
//
// Taskstats takes pids of the caller's PID namespace, and older kernels only
// expose it in the host network namespace: the collector needs hostPID and
// hostNetwork (and CAP_NET_ADMIN) on Kubernetes.
package delayacctreceiver // import "github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver"
