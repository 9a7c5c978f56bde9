// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"

// The BPF object is generated from ebpftcp.bpf.c against the shared headers
// (vmlinux.h of the reference kernel, otelcol_node.h); the .o and the Go
// bindings are committed so that a plain `go build` needs no clang.
//go:generate go tool bpf2go -tags linux -target bpfel -type conn_event -type conn_sample -type seed_owner -type conn_key -type conn_totals -type netns_owner -cc clang -cflags "-O2 -g -Wall -Werror" ebpftcp ebpftcp.bpf.c -- -I../../internal/bpf/headers
