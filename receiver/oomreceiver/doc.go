// SPDX-License-Identifier: Apache-2.0

//go:generate go tool mdatagen metadata.yaml

// Package oomreceiver counts OOM-killer victims per container from the
// oom/mark_victim tracepoint and emits each kill as a log record. The victim's
// cgroup is captured in the kernel (see oom.bpf.c), because reading /proc
// after the kill races with the victim's exit.
//
// The metrics and logs instances of one configured receiver share a single
// BPF object, ring-buffer reader and aggregate (see shared.go).
package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"
