// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver/internal/metadata"
)

// identities is what emission needs of the shared container identity
// resolver: the identity to emit now, given the last one (never blocks).
type identities interface {
	Current(cgroupID uint64, last containerid.Identity) (containerid.Identity, bool)
}

// selfStats are the kernel and reader side of the receiver's health
// counters (the aggregate counts the rest).
type selfStats struct {
	ringbufFull        uint64 // bpf_ringbuf_reserve failed
	storageAllocFailed uint64 // bpf_sk_storage_get could not create the owner
	decodeErrors       uint64 // records that did not decode
	recursionMisses    uint64 // program runs the kernel skipped on a busy CPU
	keysFull           uint64 // connections not counted: conn_counters was full
	netnsFull          uint64 // namespaces not sampled: owned_netns was full
}

// emitMetrics writes one ResourceMetrics per container from the aggregate,
// then one without container attributes for the self-metrics.
// componentID labels the self-metrics resource, so that two instances of the
// receiver do not emit the same series.
//
// Each counter series carries its own start time, set on the builder before
// its points are recorded (as the log receiver does): a series dropped at
// idle expiry and seen again counts from 0 under a new start time. Gauges
// and the self-metrics carry started, the receiver's start.
func emitMetrics(mb *metadata.MetricsBuilder, started time.Time, agg *aggregate, ids identities, self selfStats, componentID string, now time.Time) pmetric.Metrics {
	ts := pcommon.NewTimestampFromTime(now)
	startAt := func(t time.Time) { mb.Reset(metadata.WithStartTime(pcommon.NewTimestampFromTime(t))) }

	agg.visit(func(id uint64, c *containerStats) {
		// The resolver never blocks here: names it learns later show from
		// the next emission on, the same in every receiver.
		if ident, ok := ids.Current(id, c.identity); ok {
			c.identity = ident
		}
		for k, st := range c.conns {
			startAt(st.start)
			sent, received, retransmits := st.report()
			mb.RecordContainerNetTCPSuccessfulConnectsDataPoint(ts, int64(st.successful), k.destination, k.actualDestination)
			mb.RecordContainerNetTCPConnectionTimeDataPoint(ts, st.handshake.Seconds(), k.destination, k.actualDestination)
			mb.RecordContainerNetTCPActiveConnectionsDataPoint(ts, st.active, k.destination, k.actualDestination)
			mb.RecordContainerNetTCPRetransmitsDataPoint(ts, int64(retransmits), k.destination, k.actualDestination)
			mb.RecordContainerNetTCPBytesSentDataPoint(ts, int64(sent), k.destination, k.actualDestination)
			mb.RecordContainerNetTCPBytesReceivedDataPoint(ts, int64(received), k.destination, k.actualDestination)
		}
		for destination, st := range c.failed {
			startAt(st.start)
			mb.RecordContainerNetTCPFailedConnectsDataPoint(ts, int64(st.failed), destination)
		}
		startAt(started)
		for addr, st := range c.listens {
			if st.open > 0 {
				mb.RecordContainerNetTCPListenInfoDataPoint(ts, 1, addr)
			}
		}
		for peer, st := range c.rtt {
			mb.RecordContainerNetLatencyDataPoint(ts, st.srtt.Seconds(), peer.String())
		}

		rb := mb.NewResourceBuilder()
		ident := c.identity
		if !ident.IsContainer() && ident.SystemdUnit == "" && ident.CgroupPath != "" {
			// Neither a container nor a service: the cgroup path is the only name.
			rb.SetCgroupPath(ident.CgroupPath)
		}
		ident.SetResource(rb)
		mb.EmitForResource(metadata.WithResource(rb.Emit()))
	})

	processed, dropped := agg.selfStats()
	mb.RecordOtelcolNodeEbpfTCPEventsProcessedDataPoint(ts, int64(processed))
	mb.RecordOtelcolNodeEbpfTCPEventsLostDataPoint(ts, int64(self.ringbufFull), metadata.AttributeReasonRingbufFull)
	mb.RecordOtelcolNodeEbpfTCPEventsLostDataPoint(ts, int64(self.storageAllocFailed), metadata.AttributeReasonStorageAllocFailed)
	mb.RecordOtelcolNodeEbpfTCPEventsLostDataPoint(ts, int64(self.decodeErrors), metadata.AttributeReasonDecodeError)
	mb.RecordOtelcolNodeEbpfTCPEventsLostDataPoint(ts, int64(self.recursionMisses), metadata.AttributeReasonRecursionMiss)
	mb.RecordOtelcolNodeEbpfTCPEventsLostDataPoint(ts, int64(self.keysFull), metadata.AttributeReasonKeysFull)
	mb.RecordOtelcolNodeEbpfTCPKeysDroppedDataPoint(ts, int64(dropped.destinations), metadata.AttributeCapDestinationsPerContainer)
	mb.RecordOtelcolNodeEbpfTCPKeysDroppedDataPoint(ts, int64(dropped.containers), metadata.AttributeCapContainers)
	mb.RecordOtelcolNodeEbpfTCPKeysDroppedDataPoint(ts, int64(dropped.sockets), metadata.AttributeCapSockets)
	mb.RecordOtelcolNodeEbpfTCPKeysDroppedDataPoint(ts, int64(self.netnsFull), metadata.AttributeCapNetworkNamespaces)
	rb := mb.NewResourceBuilder()
	rb.SetOtelcolComponentID(componentID)
	return mb.Emit(metadata.WithResource(rb.Emit()))
}
