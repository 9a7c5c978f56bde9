/* SPDX-License-Identifier: Apache-2.0 */

/*
 * Helpers shared by every otelcol-node BPF object. Include this header once,
 * from the object's single .bpf.c file; it defines one rodata constant and one
 * map, so every object gets its own copies.
 *
 * Contract with the Go side (internal/bpf):
 *   - cgroup_v1_memory is set by the loader before the object is loaded
 *     (LoaderOptions.CgroupV1Memory, taken from containerid.Resolver.Hierarchy()).
 *   - loss_counts is a per-CPU array indexed by enum loss_reason; the Go side
 *     sums it over CPUs on every scrape (Loader.KernelLosses). The enum values
 *     are mirrored by bpf.LossRingbufReserve etc. and a test checks they agree.
 */

#ifndef __OTELCOL_NODE_H__
#define __OTELCOL_NODE_H__

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

/*
 * Which hierarchy's cgroup id task_cgroup_id() returns. On cgroup v2 hosts the
 * default hierarchy names the container; on hybrid and v1 hosts it is an empty
 * tree and the v1 memory hierarchy is the one container runtimes populate.
 */
const volatile bool cgroup_v1_memory = false;

/* Why an event was lost in the kernel. Index into loss_counts. */
enum loss_reason {
	/* bpf_ringbuf_reserve failed: user space is not draining fast enough. */
	LOSS_RINGBUF_RESERVE = 0,
	/* A hash map was full: an insert was refused and the state is missing. */
	LOSS_MAP_FULL = 1,
	/* An aggregate map was full: a new key was refused and its event not counted. */
	LOSS_KEYS_FULL = 2,
	/* A network namespace map was full: the namespace is not tracked. */
	LOSS_NETNS_FULL = 3,
	LOSS_REASON_MAX = 8,
};

/*
 * Per-CPU so that the increment needs no atomic and never contends; user
 * space reads all CPUs' slots and sums them.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LOSS_REASON_MAX);
	__type(key, __u32);
	__type(value, __u64);
} loss_counts SEC(".maps");

static __always_inline void count_loss(__u32 reason)
{
	__u64 *slot = bpf_map_lookup_elem(&loss_counts, &reason);

	if (slot)
		*slot += 1;
}

/*
 * reserve_event reserves size bytes in ringbuf and counts a loss when the
 * buffer is full. size must be a compile-time constant (a verifier rule).
 */
static __always_inline void *reserve_event(void *ringbuf, __u64 size)
{
	void *event = bpf_ringbuf_reserve(ringbuf, size, 0);

	if (!event)
		count_loss(LOSS_RINGBUF_RESERVE);
	return event;
}

/*
 * kernfs_node.parent was renamed __parent in Linux 6.15 (it became RCU
 * protected); this flavor lets CO-RE find it under the old name.
 */
struct kernfs_node___pre_6_15 {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

/* kernfs_parent returns the parent directory of kn, NULL at the root. */
static __always_inline struct kernfs_node *kernfs_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___pre_6_15 *)kn, parent);
}

/*
 * task_cgroup_kn returns the kernfs node (cgroupfs directory) of the task's
 * cgroup: with cgroup_v1_memory set the cgroup of the v1 memory controller
 * (task->cgroups->subsys[memory_cgrp_id]->cgroup), else the cgroup of the
 * default (v2) hierarchy (task->cgroups->dfl_cgrp). NULL when unknown.
 *
 * All reads go through BPF_CORE_READ (bpf_probe_read_kernel with CO-RE
 * relocated offsets), so they are safe in any context and on any layout of
 * these structs. memory_cgrp_id is an enum whose value depends on the kernel
 * config, so it is relocated too, and a kernel without the memory controller
 * yields NULL instead of failing the load.
 */
static __always_inline struct kernfs_node *task_cgroup_kn(struct task_struct *task)
{
	struct css_set *cgroups = BPF_CORE_READ(task, cgroups);

	if (!cgroups)
		return NULL;
	if (cgroup_v1_memory) {
		struct cgroup_subsys_state *css = NULL;
		int memory_id;

		if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
			return NULL;
		memory_id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
		if (memory_id < 0 ||
		    memory_id >= bpf_core_enum_value(enum cgroup_subsys_id, CGROUP_SUBSYS_COUNT))
			return NULL;
		bpf_core_read(&css, sizeof(css), &cgroups->subsys[memory_id]);
		if (!css)
			return NULL;
		return BPF_CORE_READ(css, cgroup, kn);
	}
	return BPF_CORE_READ(cgroups, dfl_cgrp, kn);
}

/*
 * task_cgroup_id returns the kernfs id of the task's cgroup (see
 * task_cgroup_kn for which hierarchy), 0 when unknown. The id equals the
 * inode number of the cgroup's directory in cgroupfs, which is how
 * containerid.Resolver.ByCgroupID maps it back to a path. kernfs_node.id is
 * a u64 since Linux 5.5.
 */
static __always_inline __u64 task_cgroup_id(struct task_struct *task)
{
	struct kernfs_node *kn = task_cgroup_kn(task);

	if (!kn)
		return 0;
	return BPF_CORE_READ(kn, id);
}

#endif /* __OTELCOL_NODE_H__ */
