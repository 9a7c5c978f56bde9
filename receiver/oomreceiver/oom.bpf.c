//go:build ignore

/* SPDX-License-Identifier: Apache-2.0 */

/*
 * OOM-killer victims, attributed in the kernel. By the time user space reads
 * an event the victim may be gone (and a container's cgroup with it), so
 * everything needed to attribute the kill is captured here: the victim's
 * cgroup id and the names of its cgroup directory and its ancestors.
 *
 * Two programs, one loaded (user space picks by BTF):
 *   mark_victim_btf  tp_btf/mark_victim, for kernels whose prototype is
 *                    mark_victim(struct task_struct *task, uid_t uid) (6.8+):
 *                    reads the victim task itself.
 *   mark_victim_tp   tracepoint/oom/mark_victim, the fallback for older
 *                    prototypes (int pid): reads the tracepoint record and,
 *                    only when the victim is the current task, its cgroup.
 *                    Otherwise user space resolves the pid through /proc,
 *                    which races with the victim's exit.
 */

#include "otelcol_node.h"

/* GPL-compatible: bpf_probe_read_kernel (BPF_CORE_READ) is a GPL-only helper. */
char __license[] SEC("license") = "Dual BSD/GPL";

#define TASK_COMM_LEN 16
/* Enough for cri-containerd-<64 hex>.scope (85 bytes) and pod<uuid>.slice. */
#define CGROUP_NAME_LEN 128
/* kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/<ctr>.scope is 4 deep. */
#define CGROUP_MAX_DEPTH 6

enum event_source {
	SOURCE_TP_BTF = 1,
	SOURCE_TRACEPOINT = 2,
};

enum event_flags {
	/* cgroup_id and cgroup_names describe the victim's cgroup. */
	FLAG_CGROUP_FROM_KERNEL = 1 << 0,
	/* The cgroup is deeper than CGROUP_MAX_DEPTH: the top is cut off. */
	FLAG_CGROUP_TRUNCATED = 1 << 1,
};

struct event {
	__u64 ktime_ns;         /* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
	__u64 cgroup_id;        /* task_cgroup_id(victim); 0 when unknown */
	/*
	 * Memory figures in the unit of their source: pages (pgtables: bytes)
	 * from tp_btf, which reads the mm; kB from the classic tracepoint, whose
	 * record holds them converted (PG_COUNT_TO_KB, pgtables >> 10). User
	 * space converts both to bytes by source.
	 */
	__u64 total_vm;         /* mm->total_vm */
	__u64 anon_rss;         /* MM_ANONPAGES counter, as the tracepoint reads it */
	__u64 file_rss;         /* MM_FILEPAGES */
	__u64 shmem_rss;        /* MM_SHMEMPAGES */
	__u64 pgtables;         /* mm->pgtables_bytes */
	__u32 pid;              /* victim's tgid (process id) */
	__u32 tid;              /* victim's thread id (the tracepoint's "pid") */
	__u32 uid;
	__s16 oom_score_adj;
	__u8 source;            /* enum event_source */
	__u8 flags;             /* enum event_flags */
	__u8 cgroup_depth;      /* names filled in cgroup_names, leaf first */
	__u8 _pad[7];
	char comm[TASK_COMM_LEN];
	char cgroup_names[CGROUP_MAX_DEPTH][CGROUP_NAME_LEN];
};

/* Referenced so that clang keeps the types in BTF for bpf2go -type. */
const struct event *unused_event __attribute__((unused));
const enum event_source *unused_event_source __attribute__((unused));
const enum event_flags *unused_event_flags __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	/* ~290 events of 904 bytes: OOM kills come one at a time, rarely in bursts. */
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/*
 * fill_cgroup records the victim's cgroup: its id and the directory names
 * from the cgroup up to (not including) the hierarchy root, leaf first.
 */
static __always_inline void fill_cgroup(struct event *e, struct task_struct *task)
{
	struct kernfs_node *kn = task_cgroup_kn(task);
	int i;

	if (!kn)
		return;
	e->cgroup_id = BPF_CORE_READ(kn, id);
	e->flags |= FLAG_CGROUP_FROM_KERNEL;
	for (i = 0; i < CGROUP_MAX_DEPTH; i++) {
		struct kernfs_node *parent = kernfs_parent(kn);

		if (!parent) /* kn is the root: its name is not part of the path */
			return;
		bpf_probe_read_kernel_str(e->cgroup_names[i], CGROUP_NAME_LEN, BPF_CORE_READ(kn, name));
		e->cgroup_depth = i + 1;
		kn = parent;
	}
	if (kernfs_parent(kn))
		e->flags |= FLAG_CGROUP_TRUNCATED;
}

/*
 * mm_counter reads one rss_stat counter the way the tracepoint does
 * (get_mm_counter: percpu_counter_read_positive, the shared count without
 * the per-CPU deltas). The percpu_counter array exists since 6.2, before the
 * tp_btf prototype carried the task (6.8), so this layout is the only one the
 * tp_btf program meets. The MM_* indices are an anonymous enum (not
 * relocatable) whose order has not changed since MM_SHMEMPAGES came in 4.5.
 */
static __always_inline __u64 mm_counter(struct mm_struct *mm, int member)
{
	__s64 count = BPF_CORE_READ(mm, rss_stat[member].count);

	return count > 0 ? count : 0;
}

SEC("tp_btf/mark_victim")
int BPF_PROG(mark_victim_btf, struct task_struct *task, uid_t uid)
{
	struct mm_struct *mm;
	struct event *e;

	e = reserve_event(&events, sizeof(*e));
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->ktime_ns = bpf_ktime_get_ns();
	e->source = SOURCE_TP_BTF;
	e->pid = BPF_CORE_READ(task, tgid);
	e->tid = BPF_CORE_READ(task, pid);
	e->uid = uid;
	e->oom_score_adj = BPF_CORE_READ(task, signal, oom_score_adj);
	bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), &task->comm);

	/* The victim still has its mm here: the OOM killer picked it under task_lock. */
	mm = BPF_CORE_READ(task, mm);
	if (mm) {
		e->total_vm = BPF_CORE_READ(mm, total_vm);
		e->anon_rss = mm_counter(mm, MM_ANONPAGES);
		e->file_rss = mm_counter(mm, MM_FILEPAGES);
		e->shmem_rss = mm_counter(mm, MM_SHMEMPAGES);
		e->pgtables = BPF_CORE_READ(mm, pgtables_bytes.counter);
	}
	fill_cgroup(e, task);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/*
 * Layout from /sys/kernel/tracing/events/oom/mark_victim/format, as
 * struct trace_event_raw_mark_victim in vmlinux.h; CO-RE relocates the
 * offsets, and fields that older kernels lack (everything after pid was
 * added in 6.1) are read only when bpf_core_field_exists says they exist.
 */
SEC("tracepoint/oom/mark_victim")
int mark_victim_tp(struct trace_event_raw_mark_victim *ctx)
{
	struct task_struct *current;
	struct event *e;
	__u32 tid = ctx->pid;

	e = reserve_event(&events, sizeof(*e));
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->ktime_ns = bpf_ktime_get_ns();
	e->source = SOURCE_TRACEPOINT;
	e->tid = tid;
	e->pid = tid; /* replaced by the tgid below when the victim is current */
	if (bpf_core_field_exists(ctx->__data_loc_comm)) {
		__u32 loc = BPF_CORE_READ(ctx, __data_loc_comm);

		bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), (void *)ctx + (loc & 0xffff));
	}
	if (bpf_core_field_exists(ctx->total_vm)) {
		e->total_vm = BPF_CORE_READ(ctx, total_vm);
		e->anon_rss = BPF_CORE_READ(ctx, anon_rss);
		e->file_rss = BPF_CORE_READ(ctx, file_rss);
		e->shmem_rss = BPF_CORE_READ(ctx, shmem_rss);
	}
	if (bpf_core_field_exists(ctx->uid))
		e->uid = BPF_CORE_READ(ctx, uid);
	if (bpf_core_field_exists(ctx->pgtables))
		e->pgtables = BPF_CORE_READ(ctx, pgtables);
	if (bpf_core_field_exists(ctx->oom_score_adj))
		e->oom_score_adj = BPF_CORE_READ(ctx, oom_score_adj);

	/*
	 * A memory-cgroup OOM usually kills the task that hit the limit, which
	 * is current here; then its cgroup can be read in the kernel. Any other
	 * victim is left for user space to look up by pid.
	 */
	current = bpf_get_current_task_btf();
	if (BPF_CORE_READ(current, pid) == tid) {
		e->pid = BPF_CORE_READ(current, tgid);
		e->oom_score_adj = BPF_CORE_READ(current, signal, oom_score_adj);
		fill_cgroup(e, current);
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}
