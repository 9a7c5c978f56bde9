// SPDX-License-Identifier: Apache-2.0

//go:generate go tool mdatagen metadata.yaml

// Package ebpftcpreceiver traces TCP connections per container with eBPF
// tracepoints and reports connects, failures, active connections, handshake
// time, retransmits, bytes, listening sockets and RTT with the metric names
// of coroot-node-agent.
package ebpftcpreceiver // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"
