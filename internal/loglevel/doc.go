// SPDX-License-Identifier: Apache-2.0

// Package loglevel tells the severity of a log message from its text
// (plain, glog/klog, logfmt, JSON, Python, Java, Go, nginx formats) or from
// the source's own priority (syslog/journald PRIORITY). Levels are the six of
// the metric contract: critical, error, warning, info, debug, unknown.
//
// Detection is pure, allocation-free and safe for concurrent use.
package loglevel // import "github.com/otelcol-node/otelcol-node/internal/loglevel"
