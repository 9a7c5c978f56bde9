//go:build ignore

/* SPDX-License-Identifier: Apache-2.0 */

/*
 * TCP connection tracing per container, from tracepoints only (no kprobes,
 * no fentry: they are disabled on the kernels we target).
 *
 * Ownership: a socket is owned by the task that called connect() or listen().
 * Both run inet_sock_set_state(SYN_SENT / LISTEN) in process context, so that
 * is where we record tgid and cgroup, in socket-local storage. Every later
 * transition (ESTABLISHED from the SYN-ACK softirq, CLOSE from the retransmit
 * timer on a connect timeout) reads the owner from the socket, never from
 * `current`. Socket storage is freed by the kernel together with the socket,
 * so there is no cleanup to race with.
 *
 * Accepted server-side sockets never pass through SYN_SENT, carry no storage
 * and are ignored: they are inbound connections, not connects.
 *
 * Aggregation happens here, not in user space: every connect, failure and
 * close adds to conn_counters, keyed by (cgroup, destination), which user space
 * reads at scrape time. Counts therefore stay exact however late the reader
 * runs (a starved collector, a storm on a busy node), and the user-space cost
 * does not grow with the connection rate. The ring buffer carries only what
 * user space must learn at once: a new key (so a short-lived container is
 * resolved while its cgroup exists, and NAT is looked up while conntrack still
 * has the connection) and listening sockets opening and closing.
 *
 * Bytes, retransmits and smoothed RTT of live connections come from the
 * sample_sockets iterator on each scrape; a closing connection adds its final
 * totals to its key, so live + closed never counts a byte twice. All of them
 * are the socket's own counters, read where they are needed: no hook on the
 * data path.
 *
 * sample_sockets is an iter/tcp program, which walks the network namespace
 * of the process that opens it: user space opens it once per namespace
 * listed in owned_netns. The iterator over sock_owners itself
 * (iter/bpf_sk_storage_map) would cover every namespace in one pass, but
 * map iterators are refused with EPERM before verification on some of the
 * kernels we target (6.18 builds among them), while iter/tcp loads.
 */

#include "otelcol_node.h"
#include <bpf/bpf_endian.h>

/* A GPL-compatible license: bpf_probe_read_kernel (BPF_CORE_READ) is GPL-only. */
char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * Address families are macros (include/linux/socket.h), so not in BTF. TCP
 * states (TCP_SYN_SENT ...) and IPPROTO_TCP are enums and come from vmlinux.h.
 */
#define AF_INET 2
#define AF_INET6 10
/* errno values are macros too (uapi/asm-generic/errno-base.h). */
#define E2BIG 7

/* What user space learns from the ring buffer. */
enum event_kind {
	/* The first connect (or failure) of a (cgroup, destination) key. */
	EVENT_NEW_KEY = 1,
	EVENT_LISTEN_OPEN = 4,
	EVENT_LISTEN_CLOSED = 5,
};

/* Role and progress of an owned socket (sock_owner.flags). */
enum owner_flag {
	OWNER_CONNECT = 1,
	OWNER_LISTEN = 2,
	OWNER_ESTABLISHED = 4,
	OWNER_CLOSED = 8,
};

/* Per-socket state, stored in the socket itself (sk_storage). */
struct sock_owner {
	__u64 cgroup_id;
	__u64 syn_sent_ns;
	/*
	 * Totals a socket opened before the collector started had already
	 * reached when it was seeded: its earlier traffic is not ours to count.
	 */
	__u64 base_acked;
	__u64 base_received;
	__u32 base_retrans;
	__u32 pid;
	__u32 flags;
};

/* What the counters of conn_counters are keyed by. */
struct conn_key {
	__u64 cgroup_id;
	/* Network byte order; IPv4 uses the first 4 bytes. */
	__u8 daddr[16];
	__u16 dport; /* host byte order */
	__u16 family;
	__u32 pad;
};

/*
 * Cumulative counters of one key. Closed connections' totals only: user
 * space adds the live connections' totals from sample_sockets.
 */
struct conn_totals {
	__u64 successful;
	__u64 failed;
	__u64 handshake_ns;
	__u64 bytes_acked;
	__u64 bytes_received;
	__u64 retransmits;
	/* Last smoothed RTT seen at a connect or close, in microseconds. */
	__u64 srtt_us;
};

/*
 * One ring-buffer event. Addresses are in network byte order as the socket
 * holds them; ports are host byte order. IPv4 addresses use the first 4
 * bytes of the 16-byte arrays.
 */
struct conn_event {
	__u64 cgroup_id;
	__u64 cookie;
	__u32 pid;
	__u32 netns;
	__u16 family;
	__u16 sport;
	__u16 dport;
	__u8 kind;
	__u8 pad;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* Per-socket totals of a live connection, written by sample_sockets. */
struct conn_sample {
	__u64 cgroup_id;
	__u64 cookie;
	__u64 bytes_acked;
	__u64 bytes_received;
	__u64 retransmits;
	__u32 pid;
	__u32 netns;
	__u32 srtt_us;
	__u16 family;
	__u16 sport;
	__u16 dport;
	/* Set by seed_sockets for a listening socket. */
	__u8 listening;
	__u8 pad[5];
	__u8 saddr[16];
	__u8 daddr[16];
};

/*
 * Owner of a socket opened before the collector started, keyed by socket
 * inode; user space fills it from /proc/<pid>/fd before running seed_sockets.
 */
struct seed_owner {
	__u64 cgroup_id;
	__u32 pid;
	__u32 pad;
};

/*
 * A process of a network namespace in which owned sockets were opened: the
 * namespace user space enters to run sample_sockets there.
 */
struct netns_owner {
	__u32 pid;
	__u32 pad;
};

/* Unused pointers that make bpf2go emit the Go types with -type. */
const struct conn_event *unused_event __attribute__((unused));
const struct conn_sample *unused_sample __attribute__((unused));
const struct seed_owner *unused_seed __attribute__((unused));
const struct conn_key *unused_key __attribute__((unused));
const struct conn_totals *unused_totals __attribute__((unused));
const struct netns_owner *unused_netns_owner __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_owner);
} sock_owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct seed_owner);
} seed_owners SEC(".maps");

/*
 * Network namespaces (by inode) that have owned sockets, with the last
 * process that opened one there. User space sizes it (max_network_namespaces),
 * deletes the namespaces that are gone, and finds another process when the
 * recorded one exited; a namespace refused by the full map is counted
 * (LOSS_NETNS_FULL) and its live connections are not sampled.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct netns_owner);
} owned_netns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	/* Only new keys and listeners: 256 KiB is ~2300 events. */
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/*
 * conn_counters is the in-kernel aggregate. User space sizes it (max_connection_keys), reads
 * it on every scrape and deletes keys that went idle; an insert into a full
 * map is counted (LOSS_KEYS_FULL) and that connection is not.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct conn_key);
	__type(value, struct conn_totals);
} conn_counters SEC(".maps");

static __always_inline void fill_addrs(const struct sock *sk, __u16 *family, __u16 *sport,
				       __u16 *dport, __u8 *saddr, __u8 *daddr)
{
	*family = sk->__sk_common.skc_family;
	*sport = sk->__sk_common.skc_num;
	*dport = bpf_ntohs(sk->__sk_common.skc_dport);
	if (*family == AF_INET6) {
		BPF_CORE_READ_INTO((struct in6_addr *)saddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO((struct in6_addr *)daddr, sk, __sk_common.skc_v6_daddr);
	} else {
		BPF_CORE_READ_INTO((__be32 *)saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__be32 *)daddr, sk, __sk_common.skc_daddr);
	}
}

static __always_inline __u32 sock_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/*
 * socket_retrans is the segments sk has resent: total_retrans is raised by
 * the kernel in the same statement as TcpRetransSegs, SYNs included, so per
 * namespace the two agree exactly. The tcp_retransmit_skb tracepoint does
 * not: whether a resent segment that failed on the way out (a full queue)
 * counted is not visible from its err.
 */
static __always_inline __u32 socket_retrans(const struct sock *sk)
{
	return BPF_CORE_READ((const struct tcp_sock *)sk, total_retrans);
}

/*
 * fill_totals copies the socket's own counters since its owner's base:
 * bytes_acked counts what the peer acknowledged (so sendfile, splice,
 * io_uring and kTLS are all covered, retransmissions are not double counted),
 * srtt_us is stored << 3.
 */
static __always_inline void fill_totals(const struct sock *sk, const struct sock_owner *owner,
					__u64 *acked, __u64 *received, __u32 *srtt_us, __u32 *retrans)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;

	*acked = BPF_CORE_READ(tp, bytes_acked) - owner->base_acked;
	*received = BPF_CORE_READ(tp, bytes_received) - owner->base_received;
	*srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;
	*retrans = socket_retrans(sk) - owner->base_retrans;
}

/*
 * note_netns records that sk's namespace has owned sockets, and pid in it.
 * Most connects come from a namespace already known to the same process:
 * a lookup, no write.
 */
static __always_inline void note_netns(const struct sock *sk, __u32 pid)
{
	struct netns_owner value = {.pid = pid};
	struct netns_owner *known;
	__u32 netns = sock_netns(sk);

	known = bpf_map_lookup_elem(&owned_netns, &netns);
	if (known) {
		if (known->pid != pid)
			known->pid = pid;
		return;
	}
	if (bpf_map_update_elem(&owned_netns, &netns, &value, BPF_NOEXIST) == -E2BIG)
		count_loss(LOSS_NETNS_FULL);
}

/*
 * fill_sample writes what sample_sockets and seed_sockets report of sk:
 * owner, addresses and the totals since the owner's base.
 */
static __always_inline void fill_sample(struct conn_sample *s, const struct sock *sk,
					const struct sock_owner *owner)
{
	__u32 retrans;

	__builtin_memset(s, 0, sizeof(*s));
	s->cgroup_id = owner->cgroup_id;
	s->pid = owner->pid;
	s->cookie = bpf_get_socket_cookie((void *)sk);
	s->netns = sock_netns(sk);
	fill_addrs(sk, &s->family, &s->sport, &s->dport, s->saddr, s->daddr);
	fill_totals(sk, owner, &s->bytes_acked, &s->bytes_received, &s->srtt_us, &retrans);
	s->retransmits = retrans;
}

/*
 * emit sends an event about sk. Every event wakes the reader: they are rare
 * (one per new key or listener), and a new key must be read while its
 * container and its conntrack entry still exist.
 */
static __always_inline void emit(const struct sock *sk, struct sock_owner *owner, __u8 kind)
{
	struct conn_event *e = reserve_event(&events, sizeof(*e));

	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->cgroup_id = owner->cgroup_id;
	e->pid = owner->pid;
	e->cookie = bpf_get_socket_cookie((void *)sk);
	e->netns = sock_netns(sk);
	fill_addrs(sk, &e->family, &e->sport, &e->dport, e->saddr, e->daddr);
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
}

/*
 * key_totals returns the counters of sk's (cgroup, destination), creating
 * them, and telling user space, on the key's first connection. NULL when the
 * map is full (counted).
 */
static __always_inline struct conn_totals *key_totals(const struct sock *sk,
						      struct sock_owner *owner)
{
	struct conn_totals zero = {};
	struct conn_totals *t;
	struct conn_key key;

	__builtin_memset(&key, 0, sizeof(key));
	key.cgroup_id = owner->cgroup_id;
	key.family = sk->__sk_common.skc_family;
	key.dport = bpf_ntohs(sk->__sk_common.skc_dport);
	if (key.family == AF_INET6)
		BPF_CORE_READ_INTO((struct in6_addr *)key.daddr, sk, __sk_common.skc_v6_daddr);
	else
		BPF_CORE_READ_INTO((__be32 *)key.daddr, sk, __sk_common.skc_daddr);

	t = bpf_map_lookup_elem(&conn_counters, &key);
	if (t)
		return t;
	/*
	 * Tell user space before the key exists: a scrape that drains the ring
	 * buffer before reading the map then always knows a key's first
	 * connection (its NAT lookup). Two CPUs racing here both tell it; the
	 * second insert fails with -EEXIST and changes nothing.
	 */
	emit(sk, owner, EVENT_NEW_KEY);
	bpf_map_update_elem(&conn_counters, &key, &zero, BPF_NOEXIST);
	t = bpf_map_lookup_elem(&conn_counters, &key);
	if (!t)
		count_loss(LOSS_KEYS_FULL);
	return t;
}

/* add_closed adds a closing connection's final totals to its key. */
static __always_inline void add_closed(const struct sock *sk, struct sock_owner *owner,
				       struct conn_totals *t)
{
	__u64 acked, received;
	__u32 srtt_us, retrans;

	fill_totals(sk, owner, &acked, &received, &srtt_us, &retrans);
	__sync_fetch_and_add(&t->bytes_acked, acked);
	__sync_fetch_and_add(&t->bytes_received, received);
	__sync_fetch_and_add(&t->retransmits, retrans);
	if (srtt_us)
		t->srtt_us = srtt_us;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(handle_set_state, struct sock *sk, int oldstate, int newstate)
{
	struct sock_owner *owner;
	struct conn_totals *t;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	if (sk->__sk_common.skc_family != AF_INET && sk->__sk_common.skc_family != AF_INET6)
		return 0;

	/* connect() and listen(): process context, current is the owner. */
	if (newstate == TCP_SYN_SENT || newstate == TCP_LISTEN) {
		owner = bpf_sk_storage_get(&sock_owners, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
		if (!owner) {
			count_loss(LOSS_MAP_FULL);
			return 0;
		}
		owner->cgroup_id = task_cgroup_id(bpf_get_current_task_btf());
		owner->pid = bpf_get_current_pid_tgid() >> 32;
		owner->syn_sent_ns = bpf_ktime_get_ns();
		owner->base_acked = 0;
		owner->base_received = 0;
		/* Zero on a new socket; a socket connecting again starts from here. */
		owner->base_retrans = socket_retrans(sk);
		note_netns(sk, owner->pid);
		if (newstate == TCP_LISTEN) {
			owner->flags = OWNER_LISTEN;
			emit(sk, owner, EVENT_LISTEN_OPEN);
		} else {
			owner->flags = OWNER_CONNECT;
		}
		return 0;
	}

	if (newstate != TCP_ESTABLISHED && newstate != TCP_CLOSE)
		return 0;
	/* Any context from here on: the owner comes from the socket. */
	owner = bpf_sk_storage_get(&sock_owners, sk, NULL, 0);
	if (!owner || (owner->flags & OWNER_CLOSED))
		return 0;

	if (newstate == TCP_ESTABLISHED) {
		if (oldstate != TCP_SYN_SENT || !(owner->flags & OWNER_CONNECT))
			return 0;
		owner->flags |= OWNER_ESTABLISHED;
		t = key_totals(sk, owner);
		if (!t)
			return 0;
		__sync_fetch_and_add(&t->successful, 1);
		__sync_fetch_and_add(&t->handshake_ns, bpf_ktime_get_ns() - owner->syn_sent_ns);
		return 0;
	}

	/* newstate == TCP_CLOSE */
	owner->flags |= OWNER_CLOSED;
	if (owner->flags & OWNER_LISTEN) {
		emit(sk, owner, EVENT_LISTEN_CLOSED);
		return 0;
	}
	if (!(owner->flags & OWNER_CONNECT))
		return 0;
	t = key_totals(sk, owner);
	if (!t)
		return 0;
	if (owner->flags & OWNER_ESTABLISHED) {
		add_closed(sk, owner, t);
	} else if (oldstate == TCP_SYN_SENT) {
		/* Refused (RST), reset, or timed out from the retransmit timer. */
		__sync_fetch_and_add(&t->failed, 1);
		/* SYNs resent before giving up are retransmits (TcpRetransSegs counts them). */
		__sync_fetch_and_add(&t->retransmits, (__u32)(socket_retrans(sk) - owner->base_retrans));
	} else {
		/*
		 * The socket left SYN_SENT without our seeing ESTABLISHED: that run
		 * was skipped by the kernel (a softirq's SYN-ACK interrupting this
		 * program on the same CPU is a recursion miss). It was a successful
		 * connect all the same, of unknown handshake time.
		 */
		__sync_fetch_and_add(&t->successful, 1);
		add_closed(sk, owner, t);
	}
	return 0;
}

/*
 * sample_sockets walks the TCP sockets of the opener's network namespace
 * and writes the totals of the owned, established, still-open connections.
 */
SEC("iter/tcp")
int sample_sockets(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct sock_owner *owner;
	struct tcp_sock *tp;
	struct conn_sample s;

	if (!skc)
		return 0;
	/* NULL for request and time-wait sockets: never owned. */
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	owner = bpf_sk_storage_get(&sock_owners, (struct sock *)tp, NULL, 0);
	if (!owner || (owner->flags & (OWNER_ESTABLISHED | OWNER_CLOSED)) != OWNER_ESTABLISHED)
		return 0;
	fill_sample(&s, (struct sock *)tp, owner);
	bpf_seq_write(ctx->meta->seq, &s, sizeof(s));
	return 0;
}

/*
 * seed_sockets gives owner storage to the established outbound and the
 * listening sockets that existed before the collector started (user space
 * chose them and their owners, by socket inode, in seed_owners), so that
 * their close is traced and sample_sockets sees them. It runs in the
 * network namespace of the process that opened the iterator. Sockets that
 * already have storage were traced from connect()/listen() and are skipped.
 */
SEC("iter/tcp")
int seed_sockets(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct sock_owner *owner;
	struct seed_owner *seed;
	struct tcp_sock *tp;
	struct conn_sample s;
	struct sock *sk;
	__u64 ino;

	if (!skc)
		return 0;
	/* NULL for request and time-wait sockets, which have no inode. */
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	sk = (struct sock *)tp;
	ino = BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
	seed = bpf_map_lookup_elem(&seed_owners, &ino);
	if (!seed)
		return 0;
	if (bpf_sk_storage_get(&sock_owners, sk, NULL, 0))
		return 0;
	owner = bpf_sk_storage_get(&sock_owners, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	if (!owner) {
		count_loss(LOSS_MAP_FULL);
		return 0;
	}
	owner->cgroup_id = seed->cgroup_id;
	owner->pid = seed->pid;
	owner->base_acked = 0;
	owner->base_received = 0;
	owner->base_retrans = 0;
	owner->flags = sk->__sk_common.skc_state == TCP_LISTEN ? OWNER_LISTEN
							  : OWNER_CONNECT | OWNER_ESTABLISHED;
	note_netns(sk, seed->pid);

	fill_sample(&s, sk, owner);
	s.listening = owner->flags == OWNER_LISTEN;
	/* Its traffic before now is not ours to count. */
	owner->base_acked = s.bytes_acked;
	owner->base_received = s.bytes_received;
	owner->base_retrans = (__u32)s.retransmits;
	bpf_seq_write(ctx->meta->seq, &s, sizeof(s));
	return 0;
}
