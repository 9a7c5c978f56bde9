// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

// The object is built for little-endian targets only (amd64, arm64): the
// headers' vmlinux.h comes from an x86_64 kernel and CO-RE fixes offsets, not
// byte order.
//go:generate go tool bpf2go -tags linux -target bpfel -type event -type event_source -type event_flags oom oom.bpf.c -- -I../../internal/bpf/headers -Wall -Werror -O2 -g
