// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"
)

// Sentinel errors of decodeKill; each rejected record counts as a decode error.
var (
	errShortRecord   = errors.New("oom record shorter than struct event")
	errUnknownSource = errors.New("oom record from an unknown program")
	errBadDepth      = errors.New("oom record with an impossible cgroup depth")
	errBadCgroupName = errors.New("oom record with an invalid cgroup directory name")
)

// eventSize is sizeof(struct event), from the bpf2go-generated type.
const eventSize = int(unsafe.Sizeof(oomEvent{}))

// kill is one OOM-killer victim as user space sees it.
type kill struct {
	Time     time.Time
	PID      uint32 // process (tgid)
	TID      uint32 // thread the kernel picked
	UID      uint32
	Comm     string // task comm, at most 15 bytes
	CgroupID uint64 // kernfs id of the victim's cgroup; 0 when not captured
	// CgroupPath is the victim's cgroup path relative to the hierarchy root,
	// rebuilt from the directory names captured in the kernel; "" when the
	// kernel could not capture them (fallback program, victim not current).
	CgroupPath      string
	CgroupTruncated bool // the path lacks its top levels (deeper than the kernel captures)
	TotalVMBytes    uint64
	AnonRSSBytes    uint64
	FileRSSBytes    uint64
	ShmemRSSBytes   uint64
	PgtablesBytes   uint64
	OOMScoreAdj     int16
	Source          string // "tp_btf" or "tracepoint": which program saw it
}

// decodeKill decodes one ring-buffer record. toWall converts the record's
// CLOCK_MONOTONIC nanoseconds to wall-clock time; pageSize converts the
// page counts of the tp_btf program to bytes (the classic tracepoint reports
// kB). The record is copied, so raw may be reused.
func decodeKill(raw []byte, toWall func(ktimeNs uint64) time.Time, pageSize uint64) (kill, error) {
	if len(raw) < eventSize {
		return kill{}, fmt.Errorf("%w: %d < %d bytes", errShortRecord, len(raw), eventSize)
	}
	var ev oomEvent
	// Native byte order and the generated struct's layout are the kernel's;
	// copying (rather than casting raw) also tolerates unaligned input.
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&ev)), eventSize), raw)

	k := kill{
		Time:        toWall(ev.KtimeNs),
		PID:         ev.Pid,
		TID:         ev.Tid,
		UID:         ev.Uid,
		Comm:        cString(ev.Comm[:]),
		OOMScoreAdj: ev.OomScoreAdj,
	}
	// Units per source: see struct event in oom.bpf.c.
	switch oomEventSource(ev.Source) {
	case oomEventSourceSOURCE_TP_BTF:
		k.Source = "tp_btf"
		k.TotalVMBytes, k.AnonRSSBytes = ev.TotalVm*pageSize, ev.AnonRss*pageSize
		k.FileRSSBytes, k.ShmemRSSBytes = ev.FileRss*pageSize, ev.ShmemRss*pageSize
		k.PgtablesBytes = ev.Pgtables
	case oomEventSourceSOURCE_TRACEPOINT:
		k.Source = "tracepoint"
		k.TotalVMBytes, k.AnonRSSBytes = ev.TotalVm<<10, ev.AnonRss<<10
		k.FileRSSBytes, k.ShmemRSSBytes = ev.FileRss<<10, ev.ShmemRss<<10
		k.PgtablesBytes = ev.Pgtables << 10
	default:
		return kill{}, fmt.Errorf("%w: %d", errUnknownSource, ev.Source)
	}
	if oomEventFlags(ev.Flags)&oomEventFlagsFLAG_CGROUP_FROM_KERNEL == 0 {
		return k, nil
	}
	if int(ev.CgroupDepth) > len(ev.CgroupNames) {
		return kill{}, fmt.Errorf("%w: %d", errBadDepth, ev.CgroupDepth)
	}
	k.CgroupID = ev.CgroupId
	k.CgroupTruncated = oomEventFlags(ev.Flags)&oomEventFlagsFLAG_CGROUP_TRUNCATED != 0
	// Names come leaf first; the path is root first. Depth 0 is the root
	// cgroup. Names are validated as byte views, then copied once.
	var names [len(ev.CgroupNames)][]byte
	size := 0
	for i := range int(ev.CgroupDepth) {
		name := cBytes(ev.CgroupNames[i][:])
		if len(name) == 0 || string(name) == "." || string(name) == ".." || bytes.IndexByte(name, '/') >= 0 {
			return kill{}, fmt.Errorf("%w: %q", errBadCgroupName, string(name))
		}
		names[i] = name
		size += 1 + len(name)
	}
	var path strings.Builder
	path.Grow(size)
	for i := int(ev.CgroupDepth) - 1; i >= 0; i-- {
		path.WriteByte('/')
		path.Write(names[i])
	}
	k.CgroupPath = path.String()
	if k.CgroupPath == "" {
		k.CgroupPath = "/"
	}
	return k, nil
}

// cString converts a NUL-terminated C char array to a string.
func cString(chars []int8) string { return string(cBytes(chars)) }

// cBytes views a NUL-terminated C char array as bytes, without copying.
func cBytes(chars []int8) []byte {
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(chars))), len(chars))
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return b
}
