// SPDX-License-Identifier: Apache-2.0

// Package e2etest runs the built distribution (bin/otelcol-node) the way a user
// does -- a config file, a real process -- and reads its Prometheus endpoint
// with the Prometheus text parser, so end-to-end tests assert on exactly what
// a scrape sees: metric names after the exporter's translation, labels from
// resource_to_telemetry_conversion, and values.
//
// The binary is built by `make build` before `make test`; under CI=true a
// missing binary fails the test, elsewhere it skips.
package e2etest // import "github.com/otelcol-node/otelcol-node/internal/e2etest"
