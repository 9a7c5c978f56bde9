// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver // import "github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver"

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Offsets into struct taskstats (include/uapi/linux/taskstats.h). The struct
// only ever grows at its end and the kernel sends its own sizeof, so a field is
// present exactly when the payload reaches past it; older kernels simply send
// less. TestTaskstatsOffsetsMatchXSys checks these against unix.Taskstats.
const (
	offVersion             = 0
	offFlag                = 8
	offCPUDelayTotal       = 24
	offBlkioDelayTotal     = 40
	offSwapinDelayTotal    = 56
	offPID                 = 128
	offPPID                = 132
	offEtime               = 144 // µs
	offFreepagesDelayTotal = 320
	offThrashingDelayTotal = 336
	offCompactDelayTotal   = 360 // v11
	offTGID                = 368 // v12
	offTGEtime             = 376 // v12, µs

	// minTaskstatsSize covers every field up to and including ac_etime
	// (version 1 plus the basic accounting fields every kernel with delay
	// accounting has sent since 2.6.19).
	minTaskstatsSize = offEtime + 8
)

// flagGroupDead is AGROUP (include/uapi/linux/acct.h): the record belongs to
// the last task of its thread group. Set since taskstats version 12.
const flagGroupDead = 0x20

// Netlink attribute types of the taskstats family (include/uapi/linux/taskstats.h).
const (
	attrTypePID      = 1 // TASKSTATS_TYPE_PID, u32
	attrTypeTGID     = 2 // TASKSTATS_TYPE_TGID, u32
	attrTypeStats    = 3 // TASKSTATS_TYPE_STATS, struct taskstats
	attrTypeAggrPID  = 4 // TASKSTATS_TYPE_AGGR_PID, nested PID + STATS
	attrTypeAggrTGID = 5 // TASKSTATS_TYPE_AGGR_TGID, nested TGID + STATS
	attrTypeNull     = 6 // TASKSTATS_TYPE_NULL, padding

	// attrTypeMask strips NLA_F_NESTED and NLA_F_NET_BYTEORDER.
	attrTypeMask = 0x3fff
	attrHdrLen   = 4
)

var (
	errTruncated     = errors.New("truncated netlink attribute")
	errShortStats    = errors.New("taskstats payload shorter than the basic accounting fields")
	errNoStats       = errors.New("no taskstats record in message")
	errBadAttrLength = errors.New("bad netlink attribute length")
)

// taskstatsRecord is what the receiver uses of one struct taskstats.
type taskstatsRecord struct {
	version     uint16
	flags       uint8
	pid         uint32 // ac_pid, only in per-task records
	ppid        uint32 // ac_ppid: thread group id of the real parent, only in per-task records
	tgid        uint32 // ac_tgid (v12+), only in per-task records
	etimeMicros uint64 // ac_etime: the task's lifetime so far
	// tgEtimeMicros is ac_tgetime (v12+): the thread group's lifetime, the
	// whole process lifetime when flags has AGROUP.
	tgEtimeMicros uint64
	hasTGID       bool // the kernel sent ac_tgid / ac_tgetime
	delays        delays
}

// decodeTaskstats decodes the fields the receiver needs from a struct
// taskstats payload, checking the length instead of casting the bytes.
func decodeTaskstats(b []byte) (taskstatsRecord, error) {
	if len(b) < minTaskstatsSize {
		return taskstatsRecord{}, fmt.Errorf("%w: %d bytes, want at least %d", errShortStats, len(b), minTaskstatsSize)
	}
	ne := binary.NativeEndian
	r := taskstatsRecord{
		version:     ne.Uint16(b[offVersion:]),
		flags:       b[offFlag],
		pid:         ne.Uint32(b[offPID:]),
		ppid:        ne.Uint32(b[offPPID:]),
		etimeMicros: ne.Uint64(b[offEtime:]),
	}
	r.delays[cpuDelay] = ne.Uint64(b[offCPUDelayTotal:])
	r.delays[diskDelay] = ne.Uint64(b[offBlkioDelayTotal:])
	r.delays[swapinDelay] = ne.Uint64(b[offSwapinDelayTotal:])
	r.delays[memoryReclaimDelay] = optionalUint64(b, offFreepagesDelayTotal)
	r.delays[thrashingDelay] = optionalUint64(b, offThrashingDelayTotal)
	r.delays[compactionDelay] = optionalUint64(b, offCompactDelayTotal)
	if len(b) >= offTGEtime+8 {
		r.hasTGID = true
		r.tgid = ne.Uint32(b[offTGID:])
		r.tgEtimeMicros = ne.Uint64(b[offTGEtime:])
	}
	return r, nil
}

// optionalUint64 reads a field added after version 1, zero when the kernel's
// struct ends before it.
func optionalUint64(b []byte, off int) uint64 {
	if len(b) < off+8 {
		return 0
	}
	return binary.NativeEndian.Uint64(b[off:])
}

// nextAttr splits the first netlink attribute off b. It walks the bytes in
// place: exit notifications arrive for every task on the machine, so the hot
// path must not allocate an attribute slice per message.
func nextAttr(b []byte) (typ uint16, payload, rest []byte, err error) {
	if len(b) < attrHdrLen {
		return 0, nil, nil, fmt.Errorf("%w: %d bytes left", errTruncated, len(b))
	}
	n := int(binary.NativeEndian.Uint16(b[0:]))
	if n < attrHdrLen || n > len(b) {
		return 0, nil, nil, fmt.Errorf("%w: %d in %d bytes", errBadAttrLength, n, len(b))
	}
	typ = binary.NativeEndian.Uint16(b[2:]) & attrTypeMask
	aligned := (n + 3) &^ 3
	if aligned > len(b) {
		aligned = len(b)
	}
	return typ, b[attrHdrLen:n], b[aligned:], nil
}

// aggregate is one TASKSTATS_TYPE_AGGR_PID or AGGR_TGID attribute: an id and
// the taskstats of that task or thread group.
type aggregate struct {
	id    uint32
	stats taskstatsRecord
}

// decodeAggregate decodes the nested id + stats pair of an AGGR_* attribute.
func decodeAggregate(b []byte) (aggregate, error) {
	var a aggregate
	var haveStats bool
	for len(b) > 0 {
		typ, payload, rest, err := nextAttr(b)
		if err != nil {
			return aggregate{}, err
		}
		b = rest
		switch typ {
		case attrTypePID, attrTypeTGID:
			if len(payload) < 4 {
				return aggregate{}, fmt.Errorf("%w: id of %d bytes", errBadAttrLength, len(payload))
			}
			a.id = binary.NativeEndian.Uint32(payload)
		case attrTypeStats:
			if a.stats, err = decodeTaskstats(payload); err != nil {
				return aggregate{}, err
			}
			haveStats = true
		}
	}
	if !haveStats {
		return aggregate{}, errNoStats
	}
	return a, nil
}

// decodeThreadGroupReply decodes the answer to a TASKSTATS_CMD_GET for one
// thread group: a single AGGR_TGID attribute.
func decodeThreadGroupReply(b []byte) (aggregate, error) {
	for len(b) > 0 {
		typ, payload, rest, err := nextAttr(b)
		if err != nil {
			return aggregate{}, err
		}
		b = rest
		if typ == attrTypeAggrTGID {
			return decodeAggregate(payload)
		}
	}
	return aggregate{}, errNoStats
}

// exitNotification is one TASKSTATS_CMD_NEW message the kernel sends to
// registered listeners when a task exits.
type exitNotification struct {
	task aggregate // AGGR_PID: the exiting task itself
	// group is AGGR_TGID, present when the last task of a multi-threaded
	// process exits: the totals of every thread the process ever had.
	group    aggregate
	hasGroup bool
}

// decodeExitNotification decodes the attributes of an exit notification.
func decodeExitNotification(b []byte) (exitNotification, error) {
	var n exitNotification
	var haveTask bool
	for len(b) > 0 {
		typ, payload, rest, err := nextAttr(b)
		if err != nil {
			return exitNotification{}, err
		}
		b = rest
		switch typ {
		case attrTypeAggrPID:
			if n.task, err = decodeAggregate(payload); err != nil {
				return exitNotification{}, fmt.Errorf("decoding task record: %w", err)
			}
			haveTask = true
		case attrTypeAggrTGID:
			if n.group, err = decodeAggregate(payload); err != nil {
				return exitNotification{}, fmt.Errorf("decoding thread group record: %w", err)
			}
			n.hasGroup = true
		case attrTypeNull:
		}
	}
	if !haveTask {
		return exitNotification{}, errNoStats
	}
	return n, nil
}

// groupExit says whether the notification ends a whole process, and if so
// which thread group and its final totals. The exit of one thread of a
// process that keeps running is not a group exit: its delays stay in the
// thread group's totals, which the next query or the final group record reports.
func (n exitNotification) groupExit() (tgid uint32, final delays, ok bool) {
	if n.hasGroup {
		return n.group.id, n.group.stats.delays, true
	}
	t := n.task.stats
	if !t.hasTGID {
		// Before taskstats v12 there is no ac_tgid nor AGROUP: a lone task
		// record is taken as a single-threaded process ending.
		return n.task.id, t.delays, true
	}
	if t.flags&flagGroupDead != 0 {
		// A single-threaded process: no group record is sent for those.
		return t.tgid, t.delays, true
	}
	return 0, delays{}, false
}
