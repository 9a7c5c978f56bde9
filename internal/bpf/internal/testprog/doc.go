// SPDX-License-Identifier: Apache-2.0

// Package testprog holds the BPF object the kernel-tier tests of
// internal/bpf load through the plumbing. It is not used in production.
package testprog // import "github.com/otelcol-node/otelcol-node/internal/bpf/internal/testprog"

//go:generate go tool bpf2go -tags linux -target bpfel -type event -type event_source -type loss_reason Testprog testprog.bpf.c -- -I../../headers -Wall -Werror -O2 -g
