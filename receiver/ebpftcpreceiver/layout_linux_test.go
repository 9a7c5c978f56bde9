// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

// TestRecordLayoutMatchesBPF: the offsets the decoders use are those of the
// bpf2go types generated from ebpftcp.bpf.c.
func TestRecordLayoutMatchesBPF(t *testing.T) {
	var e ebpftcpConnEvent
	assert.Equal(t, uintptr(connEventSize), unsafe.Sizeof(e))
	for want, got := range map[uintptr]uintptr{
		0: unsafe.Offsetof(e.CgroupId), 8: unsafe.Offsetof(e.Cookie), 16: unsafe.Offsetof(e.Pid),
		20: unsafe.Offsetof(e.Netns), 24: unsafe.Offsetof(e.Family), 26: unsafe.Offsetof(e.Sport),
		28: unsafe.Offsetof(e.Dport), 30: unsafe.Offsetof(e.Kind), 32: unsafe.Offsetof(e.Saddr), 48: unsafe.Offsetof(e.Daddr),
	} {
		assert.Equal(t, want, got)
	}
	var s ebpftcpConnSample
	assert.Equal(t, uintptr(connSampleSize), unsafe.Sizeof(s))
	for want, got := range map[uintptr]uintptr{
		0: unsafe.Offsetof(s.CgroupId), 8: unsafe.Offsetof(s.Cookie), 16: unsafe.Offsetof(s.BytesAcked),
		24: unsafe.Offsetof(s.BytesReceived), 32: unsafe.Offsetof(s.Retransmits), 40: unsafe.Offsetof(s.Pid),
		44: unsafe.Offsetof(s.Netns), 48: unsafe.Offsetof(s.SrttUs), 52: unsafe.Offsetof(s.Family),
		54: unsafe.Offsetof(s.Sport), 56: unsafe.Offsetof(s.Dport), 58: unsafe.Offsetof(s.Listening), 64: unsafe.Offsetof(s.Saddr), 80: unsafe.Offsetof(s.Daddr),
	} {
		assert.Equal(t, want, got)
	}
}
