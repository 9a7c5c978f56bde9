// SPDX-License-Identifier: Apache-2.0

package oomreceiver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var fixedTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func fixedWall(uint64) time.Time { return fixedTime }

// encodeEvent is the inverse of decodeKill's copy, for building records.
func encodeEvent(ev *oomEvent) []byte {
	return append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(ev)), eventSize)...)
}

func putCString(dst []int8, s string) {
	for i := range dst {
		dst[i] = 0
	}
	for i := 0; i < len(s) && i < len(dst)-1; i++ {
		dst[i] = int8(s[i])
	}
}

// kubeEvent is a tp_btf record of a kill in a Kubernetes pod container.
func kubeEvent() *oomEvent {
	ev := &oomEvent{
		KtimeNs: 1, CgroupId: 4242, TotalVm: 10, AnonRss: 5, FileRss: 2, ShmemRss: 1, Pgtables: 8192,
		Pid: 100, Tid: 101, Uid: 0, OomScoreAdj: 900,
		Source:      uint8(oomEventSourceSOURCE_TP_BTF),
		Flags:       uint8(oomEventFlagsFLAG_CGROUP_FROM_KERNEL),
		CgroupDepth: 4,
	}
	putCString(ev.Comm[:], "java")
	// Leaf first, as the BPF program walks up.
	for i, name := range []string{strings.Repeat("a", 64), "pod0f0e0d0c-0b0a-0908-0706-050403020100", "burstable", "kubepods"} {
		putCString(ev.CgroupNames[i][:], name)
	}
	return ev
}

func TestDecodeKill(t *testing.T) {
	k, err := decodeKill(encodeEvent(kubeEvent()), fixedWall, 4096)
	require.NoError(t, err)
	assert.Equal(t, kill{
		Time: fixedTime, PID: 100, TID: 101, Comm: "java", CgroupID: 4242,
		CgroupPath:   "/kubepods/burstable/pod0f0e0d0c-0b0a-0908-0706-050403020100/" + strings.Repeat("a", 64),
		TotalVMBytes: 10 * 4096, AnonRSSBytes: 5 * 4096, FileRSSBytes: 2 * 4096, ShmemRSSBytes: 4096,
		PgtablesBytes: 8192, OOMScoreAdj: 900, Source: "tp_btf",
	}, k)
}

// TestDecodeKillTracepointUnits: the classic tracepoint reports kB.
func TestDecodeKillTracepointUnits(t *testing.T) {
	ev := kubeEvent()
	ev.Source = uint8(oomEventSourceSOURCE_TRACEPOINT)
	ev.Pgtables = 8
	k, err := decodeKill(encodeEvent(ev), fixedWall, 4096)
	require.NoError(t, err)
	assert.Equal(t, uint64(10<<10), k.TotalVMBytes)
	assert.Equal(t, uint64(5<<10), k.AnonRSSBytes)
	assert.Equal(t, uint64(8<<10), k.PgtablesBytes)
}

// TestDecodeKillWithoutCgroup: the fallback program could not read the
// victim's cgroup; the kill decodes without a path, for a /proc lookup.
func TestDecodeKillWithoutCgroup(t *testing.T) {
	ev := kubeEvent()
	ev.Flags, ev.CgroupId, ev.CgroupDepth = 0, 0, 0
	k, err := decodeKill(encodeEvent(ev), fixedWall, 4096)
	require.NoError(t, err)
	assert.Zero(t, k.CgroupID)
	assert.Empty(t, k.CgroupPath)
}

func TestDecodeKillRootCgroup(t *testing.T) {
	ev := kubeEvent()
	ev.CgroupDepth = 0
	k, err := decodeKill(encodeEvent(ev), fixedWall, 4096)
	require.NoError(t, err)
	assert.Equal(t, "/", k.CgroupPath)
}

func TestDecodeKillErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mutate  func(ev *oomEvent)
		raw     func(b []byte) []byte
		wantErr error
	}{
		{name: "short", raw: func(b []byte) []byte { return b[:eventSize-1] }, wantErr: errShortRecord},
		{name: "empty", raw: func([]byte) []byte { return nil }, wantErr: errShortRecord},
		{name: "unknown_source", mutate: func(ev *oomEvent) { ev.Source = 9 }, wantErr: errUnknownSource},
		{name: "depth_too_large", mutate: func(ev *oomEvent) { ev.CgroupDepth = 7 }, wantErr: errBadDepth},
		{name: "empty_name", mutate: func(ev *oomEvent) { putCString(ev.CgroupNames[1][:], "") }, wantErr: errBadCgroupName},
		{name: "slash_in_name", mutate: func(ev *oomEvent) { putCString(ev.CgroupNames[0][:], "a/b") }, wantErr: errBadCgroupName},
		{name: "dotdot_name", mutate: func(ev *oomEvent) { putCString(ev.CgroupNames[2][:], "..") }, wantErr: errBadCgroupName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := kubeEvent()
			if tc.mutate != nil {
				tc.mutate(ev)
			}
			raw := encodeEvent(ev)
			if tc.raw != nil {
				raw = tc.raw(raw)
			}
			_, err := decodeKill(raw, fixedWall, 4096)
			assert.ErrorIs(t, err, tc.wantErr)
		})
	}
}

// TestDecodeKillUnterminatedComm: a comm filling the array without NUL
// stays within it.
func TestDecodeKillUnterminatedComm(t *testing.T) {
	ev := kubeEvent()
	for i := range ev.Comm {
		ev.Comm[i] = 'x'
	}
	k, err := decodeKill(encodeEvent(ev), fixedWall, 4096)
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("x", len(ev.Comm)), k.Comm)
}

func FuzzDecodeKill(f *testing.F) {
	f.Add(encodeEvent(kubeEvent()))
	f.Add([]byte{})
	f.Add(make([]byte, eventSize))
	if files, _ := filepath.Glob(filepath.Join("testdata", "replay", "*", "*.bin")); len(files) > 0 {
		for _, file := range files {
			if raw, err := os.ReadFile(file); err == nil {
				f.Add(raw)
			}
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		k, err := decodeKill(raw, fixedWall, 4096)
		if err != nil {
			return
		}
		if k.Source != "tp_btf" && k.Source != "tracepoint" {
			t.Fatalf("decoded an unknown source %q", k.Source)
		}
		if len(k.Comm) > 16 {
			t.Fatalf("comm longer than the kernel's: %q", k.Comm)
		}
		if k.CgroupPath != "" && (!strings.HasPrefix(k.CgroupPath, "/") || strings.Contains(k.CgroupPath, "//")) {
			t.Fatalf("malformed cgroup path %q", k.CgroupPath)
		}
	})
}

// BenchmarkDecodeKill compares decoding a record with copying its bytes,
// the least any reader must do.
func BenchmarkDecodeKill(b *testing.B) {
	raw := encodeEvent(kubeEvent())
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeKill(raw, fixedWall, 4096); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("copy_baseline", func(b *testing.B) {
		b.ReportAllocs()
		dst := make([]byte, len(raw))
		for b.Loop() {
			copy(dst, raw)
		}
	})
}
