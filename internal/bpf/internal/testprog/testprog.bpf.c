//go:build ignore

/* SPDX-License-Identifier: Apache-2.0 */

/*
 * A tiny object for the kernel-tier tests of internal/bpf. It exercises each
 * attachment kind the plumbing supports and one program the verifier must
 * reject. Events are filtered by the test's own tgid (target_tgid), because
 * every other process on the machine makes syscalls too.
 */

#include "otelcol_node.h"

/* GPL-compatible: bpf_probe_read_kernel (BPF_CORE_READ) is a GPL-only helper. */
char __license[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 target_tgid = 0;
/* Syscall number the tp_btf program reacts to; set from Go (unix.SYS_GETPGID). */
const volatile __s64 target_syscall = -1;

enum event_source {
	SOURCE_TRACEPOINT = 1,
	SOURCE_TP_BTF = 2,
};

struct event {
	__u32 tgid;
	__u32 source; /* enum event_source */
	__u64 cgroup_id;
};

/* Referenced so that clang keeps the types in BTF for bpf2go -type. */
const struct event *unused_event __attribute__((unused));
const enum event_source *unused_event_source __attribute__((unused));
const enum loss_reason *unused_loss_reason __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	/* The minimum (one page): the loss test fills it without reading. */
	__uint(max_entries, 4096);
} events SEC(".maps");

static __always_inline int emit(__u32 source)
{
	struct event *e;

	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	e = reserve_event(&events, sizeof(*e));
	if (!e)
		return 0;
	e->tgid = target_tgid;
	e->source = source;
	e->cgroup_id = task_cgroup_id(bpf_get_current_task_btf());
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	return emit(SOURCE_TRACEPOINT);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	if (id != target_syscall)
		return 0;
	return emit(SOURCE_TP_BTF);
}

/*
 * Deliberately invalid: dereferences a number as a pointer. The verifier
 * rejects it ("invalid mem access 'scalar'"); the test checks that the
 * feature holding it is disabled while the others keep working.
 */
SEC("tracepoint/syscalls/sys_enter_getppid")
int broken_deref(void *ctx)
{
	__u64 *p = (__u64 *)(long)bpf_ktime_get_ns();

	return *p;
}
