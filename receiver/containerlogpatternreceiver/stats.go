// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"sync/atomic"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

// selfStats are the receiver's own counters, emitted as
// otelcol_node.container_log_pattern.* metrics on every scrape.
type selfStats struct {
	linesRead      atomic.Int64
	linesTruncated atomic.Int64
	linesDropped   atomic.Int64 // refused by the max_streams cap
	decodeErrors   atomic.Int64
	invalidUTF8    atomic.Int64
	binaryLines    atomic.Int64
	logsDropped    atomic.Int64
}

func (s *selfStats) record(mb *metadata.MetricsBuilder, now pcommon.Timestamp, patternsDropped, patternsExpired int64) {
	mb.RecordOtelcolNodeContainerLogPatternLinesReadDataPoint(now, s.linesRead.Load())
	mb.RecordOtelcolNodeContainerLogPatternLinesTruncatedDataPoint(now, s.linesTruncated.Load())
	mb.RecordOtelcolNodeContainerLogPatternLinesDroppedDataPoint(now, s.linesDropped.Load())
	mb.RecordOtelcolNodeContainerLogPatternLinesInvalidDataPoint(now, s.decodeErrors.Load(), metadata.AttributeReasonDecodeError)
	mb.RecordOtelcolNodeContainerLogPatternLinesInvalidDataPoint(now, s.invalidUTF8.Load(), metadata.AttributeReasonInvalidUtf8)
	mb.RecordOtelcolNodeContainerLogPatternLinesInvalidDataPoint(now, s.binaryLines.Load(), metadata.AttributeReasonBinary)
	mb.RecordOtelcolNodeContainerLogPatternLogRecordsDroppedDataPoint(now, s.logsDropped.Load())
	mb.RecordOtelcolNodeContainerLogPatternPatternsDroppedDataPoint(now, patternsDropped)
	mb.RecordOtelcolNodeContainerLogPatternPatternsExpiredDataPoint(now, patternsExpired)
}
