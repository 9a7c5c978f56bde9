// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestTaskstatsOffsetsMatchXSys checks the hand-kept offsets against the
// struct golang.org/x/sys generates from the kernel headers.
func TestTaskstatsOffsetsMatchXSys(t *testing.T) {
	var ts unix.Taskstats
	for name, pair := range map[string][2]uintptr{
		"version":               {offVersion, unsafe.Offsetof(ts.Version)},
		"ac_flag":               {offFlag, unsafe.Offsetof(ts.Ac_flag)},
		"cpu_delay_total":       {offCPUDelayTotal, unsafe.Offsetof(ts.Cpu_delay_total)},
		"blkio_delay_total":     {offBlkioDelayTotal, unsafe.Offsetof(ts.Blkio_delay_total)},
		"swapin_delay_total":    {offSwapinDelayTotal, unsafe.Offsetof(ts.Swapin_delay_total)},
		"ac_pid":                {offPID, unsafe.Offsetof(ts.Ac_pid)},
		"ac_ppid":               {offPPID, unsafe.Offsetof(ts.Ac_ppid)},
		"ac_etime":              {offEtime, unsafe.Offsetof(ts.Ac_etime)},
		"freepages_delay_total": {offFreepagesDelayTotal, unsafe.Offsetof(ts.Freepages_delay_total)},
		"thrashing_delay_total": {offThrashingDelayTotal, unsafe.Offsetof(ts.Thrashing_delay_total)},
		"compact_delay_total":   {offCompactDelayTotal, unsafe.Offsetof(ts.Compact_delay_total)},
		"ac_tgid":               {offTGID, unsafe.Offsetof(ts.Ac_tgid)},
		"ac_tgetime":            {offTGEtime, unsafe.Offsetof(ts.Ac_tgetime)},
	} {
		assert.Equal(t, pair[1], pair[0], name)
	}
}

// rawTaskstats builds a struct taskstats of the given size with recognisable
// values, through unix.Taskstats so the layout is the kernel's, not ours.
func rawTaskstats(size int, fill func(*unix.Taskstats)) []byte {
	var ts unix.Taskstats
	fill(&ts)
	full := unsafe.Slice((*byte)(unsafe.Pointer(&ts)), unsafe.Sizeof(ts))
	b := make([]byte, size)
	copy(b, full)
	return b
}

func sampleStats(ts *unix.Taskstats) {
	ts.Version = 14
	ts.Ac_flag = flagGroupDead
	ts.Ac_pid, ts.Ac_ppid, ts.Ac_tgid = 4242, 1, 4242
	ts.Ac_etime, ts.Ac_tgetime = 1_500_000, 2_500_000
	ts.Cpu_delay_total = 11
	ts.Blkio_delay_total = 22
	ts.Swapin_delay_total = 33
	ts.Freepages_delay_total = 44
	ts.Thrashing_delay_total = 55
	ts.Compact_delay_total = 66
}

func TestDecodeTaskstats(t *testing.T) {
	full := int(unsafe.Sizeof(unix.Taskstats{}))
	tests := []struct {
		name string
		size int
		want taskstatsRecord
		err  error
	}{
		{
			name: "current kernel",
			size: full,
			want: taskstatsRecord{
				version: 14, flags: flagGroupDead, pid: 4242, ppid: 1, tgid: 4242, hasTGID: true,
				etimeMicros: 1_500_000, tgEtimeMicros: 2_500_000,
				delays: delays{cpuDelay: 11, diskDelay: 22, swapinDelay: 33, memoryReclaimDelay: 44, thrashingDelay: 55, compactionDelay: 66},
			},
		},
		{
			name: "version 10 kernel has no compaction nor tgid",
			size: offCompactDelayTotal - 8, // ends after ac_btime64
			want: taskstatsRecord{
				version: 14, flags: flagGroupDead, pid: 4242, ppid: 1, etimeMicros: 1_500_000,
				delays: delays{cpuDelay: 11, diskDelay: 22, swapinDelay: 33, memoryReclaimDelay: 44, thrashingDelay: 55},
			},
		},
		{name: "shorter than ac_etime", size: offEtime + 7, err: errShortStats},
		{name: "empty", size: 0, err: errShortStats},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeTaskstats(rawTaskstats(tt.size, sampleStats))
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// attr encodes one netlink attribute with its padding.
func attr(typ uint16, payload []byte) []byte {
	b := make([]byte, attrHdrLen, attrHdrLen+len(payload)+3)
	binary.NativeEndian.PutUint16(b[0:], uint16(attrHdrLen+len(payload)))
	binary.NativeEndian.PutUint16(b[2:], typ)
	b = append(b, payload...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func u32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }

func concat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func TestDecodeExitNotification(t *testing.T) {
	full := int(unsafe.Sizeof(unix.Taskstats{}))
	thread := rawTaskstats(full, func(ts *unix.Taskstats) {
		sampleStats(ts)
		ts.Ac_pid, ts.Ac_tgid, ts.Ac_ppid = 101, 100, 7
		ts.Ac_flag = flagGroupDead
		ts.Cpu_delay_total = 5
	})
	group := rawTaskstats(full, func(ts *unix.Taskstats) { ts.Cpu_delay_total = 900 })
	single := rawTaskstats(full, func(ts *unix.Taskstats) {
		sampleStats(ts)
		ts.Ac_pid, ts.Ac_tgid, ts.Ac_ppid = 200, 200, 7
		ts.Cpu_delay_total = 77
	})
	threadOnly := rawTaskstats(full, func(ts *unix.Taskstats) {
		ts.Ac_pid, ts.Ac_tgid, ts.Ac_ppid = 301, 300, 7
		ts.Cpu_delay_total = 3
	})

	tests := []struct {
		name      string
		msg       []byte
		wantTGID  uint32
		wantCPU   uint64
		wantGroup bool
		err       error
	}{
		{
			name: "last thread of a multi-threaded process",
			msg: concat(
				attr(attrTypeAggrPID|0x8000, concat(attr(attrTypePID, u32(101)), attr(attrTypeStats, thread))),
				attr(attrTypeAggrTGID, concat(attr(attrTypeTGID, u32(100)), attr(attrTypeStats, group))),
			),
			wantTGID: 100, wantCPU: 900, wantGroup: true,
		},
		{
			name:     "single-threaded process",
			msg:      attr(attrTypeAggrPID, concat(attr(attrTypePID, u32(200)), attr(attrTypeStats, single))),
			wantTGID: 200, wantCPU: 77, wantGroup: true,
		},
		{
			name: "one thread of a live process",
			msg:  attr(attrTypeAggrPID, concat(attr(attrTypePID, u32(301)), attr(attrTypeStats, threadOnly))),
		},
		{
			name: "stats cut short",
			msg:  attr(attrTypeAggrPID, concat(attr(attrTypePID, u32(1)), attr(attrTypeStats, single[:100]))),
			err:  errShortStats,
		},
		{
			name: "attribute length beyond the message",
			msg:  attr(attrTypeAggrPID, concat(attr(attrTypePID, u32(1)), attr(attrTypeStats, single)))[:64],
			err:  errBadAttrLength,
		},
		{name: "no task record", msg: attr(attrTypeNull, nil), err: errNoStats},
		{name: "dangling bytes", msg: []byte{1, 2}, err: errTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := decodeExitNotification(tt.msg)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			tgid, final, ok := n.groupExit()
			assert.Equal(t, tt.wantGroup, ok)
			assert.Equal(t, tt.wantTGID, tgid)
			assert.Equal(t, tt.wantCPU, final[cpuDelay])
			assert.Equal(t, uint32(7), n.task.stats.ppid)
		})
	}
}

func TestDecodeThreadGroupReply(t *testing.T) {
	stats := rawTaskstats(int(unsafe.Sizeof(unix.Taskstats{})), sampleStats)
	msg := attr(attrTypeAggrTGID, concat(attr(attrTypeTGID, u32(4242)), attr(attrTypeStats, stats)))
	agg, err := decodeThreadGroupReply(msg)
	require.NoError(t, err)
	assert.Equal(t, uint32(4242), agg.id)
	assert.Equal(t, uint64(22), agg.stats.delays[diskDelay])

	_, err = decodeThreadGroupReply(attr(attrTypeAggrPID, nil))
	require.ErrorIs(t, err, errNoStats)
}

// FuzzDecodeExitNotification feeds arbitrary bytes to the exit decoder: it
// must return an error or a record, never panic or read out of bounds.
func FuzzDecodeExitNotification(f *testing.F) {
	stats := rawTaskstats(int(unsafe.Sizeof(unix.Taskstats{})), sampleStats)
	f.Add(attr(attrTypeAggrPID, concat(attr(attrTypePID, u32(1)), attr(attrTypeStats, stats))))
	f.Add(concat(attr(attrTypeAggrPID, concat(attr(attrTypePID, u32(1)), attr(attrTypeStats, stats))),
		attr(attrTypeAggrTGID, concat(attr(attrTypeTGID, u32(1)), attr(attrTypeStats, stats)))))
	f.Add([]byte{8, 0, 4, 0, 4, 0, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := decodeExitNotification(b)
		if err != nil {
			return
		}
		_, _, _ = n.groupExit()
		_, _ = decodeThreadGroupReply(b)
	})
}
