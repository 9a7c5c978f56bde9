// SPDX-License-Identifier: Apache-2.0

package bpf

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/otelcol-node/otelcol-node/internal/bpf/internal/testprog"
)

// TestLossReasonsMatchHeader guards the Go mirror of enum loss_reason
// against drift: the bpf2go-generated constants come from the header.
func TestLossReasonsMatchHeader(t *testing.T) {
	assert.EqualValues(t, testprog.TestprogLossReasonLOSS_RINGBUF_RESERVE, LossRingbufReserve)
	assert.EqualValues(t, testprog.TestprogLossReasonLOSS_MAP_FULL, LossMapFull)
	assert.EqualValues(t, testprog.TestprogLossReasonLOSS_KEYS_FULL, LossKeysFull)
	assert.EqualValues(t, testprog.TestprogLossReasonLOSS_NETNS_FULL, LossNetnsFull)
	assert.EqualValues(t, testprog.TestprogLossReasonLOSS_REASON_MAX, NumLossReasons)
}

func TestLossesTotal(t *testing.T) {
	var l Losses
	l[LossRingbufReserve] = 3
	l[LossMapFull] = 4
	assert.Equal(t, uint64(7), l.Total())
	assert.Equal(t, "ringbuf_full", LossRingbufReserve.String())
	assert.Equal(t, "map_full", LossMapFull.String())
}
