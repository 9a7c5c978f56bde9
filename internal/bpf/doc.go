// SPDX-License-Identifier: Apache-2.0

// Package bpf is the eBPF plumbing shared by the otelcol-node receivers that
// load BPF programs (oom, ebpf_tcp). It owns the parts every such receiver
// would otherwise get subtly wrong: host checks, per-feature loading, the
// ring-buffer read loop and loss accounting. It knows nothing about metrics.
//
// # Contract
//
// Host checks. [CheckHost] runs the start-up checks (privileges via capget,
// kernel BTF, tracefs, memlock rlimit, ring buffer and program-type probes).
// Every failed check is one line in the returned error; tracefs is mounted at
// /sys/kernel/tracing when it is missing and we are allowed to. A receiver that
// gets an error goes degraded with [ReportDegraded].
//
// Loading. A receiver builds one [Loader] per BPF object (the bpf2go spec)
// and calls [Loader.Load] with its [Feature]s. A feature names only its own
// programs; the loader hands them to CollectionSpec.LoadAndAssign, so programs
// of other features are neither loaded nor verified. Maps (ring buffers, hash
// maps, loss_counts) are created once by [NewLoader] and shared by every
// feature through CollectionOptions.MapReplacements; data sections (.rodata,
// .bss, .data) are per feature, so keep mutable shared state in maps. One
// btf.Cache serves every load. Programs are attached by their ELF section
// (tracepoint/<group>/<name>, tp_btf/<name>, raw_tracepoint/<name>) unless the
// feature supplies its own Attach.
//
// A feature that fails (verifier rejection, missing attach point) is disabled
// and logged once at Warn with %v of the error; the full verifier log (%+v)
// is logged at Debug only. If the feature is Required, Load returns an error
// wrapping [ErrRequiredFeature]: the receiver must not fail Start for it but
// call [ReportDegraded] (Start returns nil, one log line, PermanentError
// status) and keep the collector running.
//
// Reading. [Loader.NewRingReader] starts one goroutine per ring buffer. It
// reads with ReadInto into one reused Record, so the handler's slice is only
// valid during the call (copy what you keep); at most [DefaultMaxBatch]
// records are handled before the goroutine yields. A handler error counts a
// decode error, never stops the loop. [RingReader.Close] unblocks the read and
// waits for the goroutine.
//
// Loss. BPF code includes headers/otelcol_node.h and calls count_loss(reason)
// (or reserve_event, which counts a failed bpf_ringbuf_reserve). The loss
// array is per CPU; [Loader.Stats] sums it on every call, together with the
// readers' record and decode-error counts and the number of disabled features,
// for the receivers' self-metrics.
//
// Cgroup attribution. headers/otelcol_node.h provides task_cgroup_id(task):
// with the rodata constant cgroup_v1_memory set (LoaderOptions.CgroupV1Memory,
// from containerid.Resolver.Hierarchy()) it returns the kernfs id of the
// task's v1 memory cgroup, else of its v2 cgroup. The id equals the inode
// number of the cgroup directory, which containerid.Resolver.ByCgroupID maps
// back to a container.
//
// A Loader is safe for concurrent use after Load returns; Load itself must
// not run concurrently with other methods.
package bpf // import "github.com/otelcol-node/otelcol-node/internal/bpf"
