// SPDX-License-Identifier: Apache-2.0

// Package e2e holds the end-to-end tier: it runs the built distribution
// (bin/otelcol-node) with example configs against real workloads -- Docker
// containers, cgroups, loopback traffic, fake metadata servers on 127.0.0.1 --
// and asserts on /metrics as parsed by the Prometheus text parser.
package e2e
