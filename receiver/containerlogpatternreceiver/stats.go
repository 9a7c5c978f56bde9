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
	// incompleteLines are partial runtime lines whose final piece never
	// came; they are counted as a message when they time out.
	incompleteLines atomic.Int64
	logsDropped     atomic.Int64
	// linesRecovered are lines of rotated files the poller missed, read by
	// the rotation watch; the untracked* count what the watch could not
	// follow.
	linesRecovered          atomic.Int64
	untrackedGoneBeforeOpen atomic.Int64
	untrackedMaxFiles       atomic.Int64
	untrackedWatchFailed    atomic.Int64
	untrackedOverflow       atomic.Int64
}

func (s *selfStats) record(mb *metadata.MetricsBuilder, now pcommon.Timestamp, agg aggregateStats, budget *minerBudget) {
	mb.RecordOtelcolNodeContainerLogPatternLinesReadDataPoint(now, s.linesRead.Load())
	mb.RecordOtelcolNodeContainerLogPatternLinesTruncatedDataPoint(now, s.linesTruncated.Load())
	mb.RecordOtelcolNodeContainerLogPatternLinesDroppedDataPoint(now, s.linesDropped.Load())
	mb.RecordOtelcolNodeContainerLogPatternLinesInvalidDataPoint(now, s.decodeErrors.Load(), metadata.AttributeReasonDecodeError)
	mb.RecordOtelcolNodeContainerLogPatternLinesInvalidDataPoint(now, s.invalidUTF8.Load(), metadata.AttributeReasonInvalidUtf8)
	mb.RecordOtelcolNodeContainerLogPatternLinesInvalidDataPoint(now, s.binaryLines.Load(), metadata.AttributeReasonBinary)
	mb.RecordOtelcolNodeContainerLogPatternLinesInvalidDataPoint(now, s.incompleteLines.Load(), metadata.AttributeReasonIncomplete)
	mb.RecordOtelcolNodeContainerLogPatternLogRecordsDroppedDataPoint(now, s.logsDropped.Load())
	mb.RecordOtelcolNodeContainerLogPatternLinesRecoveredDataPoint(now, s.linesRecovered.Load())
	mb.RecordOtelcolNodeContainerLogPatternRotatedFilesUntrackedDataPoint(now, s.untrackedGoneBeforeOpen.Load(), metadata.AttributeUntrackedReasonGoneBeforeOpen)
	mb.RecordOtelcolNodeContainerLogPatternRotatedFilesUntrackedDataPoint(now, s.untrackedMaxFiles.Load(), metadata.AttributeUntrackedReasonMaxFiles)
	mb.RecordOtelcolNodeContainerLogPatternRotatedFilesUntrackedDataPoint(now, s.untrackedWatchFailed.Load(), metadata.AttributeUntrackedReasonWatchFailed)
	mb.RecordOtelcolNodeContainerLogPatternRotatedFilesUntrackedDataPoint(now, s.untrackedOverflow.Load(), metadata.AttributeUntrackedReasonQueueOverflow)
	mb.RecordOtelcolNodeContainerLogPatternPatternsDroppedDataPoint(now, agg.droppedByPatterns, metadata.AttributeCapMaxPatterns)
	mb.RecordOtelcolNodeContainerLogPatternPatternsDroppedDataPoint(now, agg.droppedBySeries, metadata.AttributeCapMaxSeries)
	mb.RecordOtelcolNodeContainerLogPatternPatternsEvictedDataPoint(now, agg.evicted)
	mb.RecordOtelcolNodeContainerLogPatternPatternsExpiredDataPoint(now, agg.expired)
	mb.RecordOtelcolNodeContainerLogPatternPatternSeriesDataPoint(now, int64(agg.series))
	mb.RecordOtelcolNodeContainerLogPatternPatternMemoryDataPoint(now, budget.used.Load())
	mb.RecordOtelcolNodeContainerLogPatternPatternMemoryResetsDataPoint(now, budget.resets.Load())
}
