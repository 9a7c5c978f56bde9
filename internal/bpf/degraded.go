// SPDX-License-Identifier: Apache-2.0

package bpf // import "github.com/otelcol-node/otelcol-node/internal/bpf"

import (
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.uber.org/zap"
)

// ReportDegraded puts a receiver into degraded mode: the kernel cannot run
// what it needs, which the user must fix on the host, but the rest of the
// collector keeps running. It logs one line and reports a PermanentError
// status; the receiver's Start then returns nil.
func ReportDegraded(host component.Host, logger *zap.Logger, err error) {
	logger.Error("eBPF receiver degraded: not collecting", zap.Error(err))
	componentstatus.ReportStatus(host, componentstatus.NewPermanentErrorEvent(err))
}
