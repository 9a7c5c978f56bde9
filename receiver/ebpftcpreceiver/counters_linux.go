// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/cilium/ebpf"
)

// kernelKeyOf converts a conn_counters key (bpf2go type) to the aggregate's.
func kernelKeyOf(k *ebpftcpConnKey) (kernelKey, error) {
	var addr netip.Addr
	switch k.Family {
	case afInet:
		addr = netip.AddrFrom4([4]byte(k.Daddr[:4]))
	case afInet6:
		addr = netip.AddrFrom16(k.Daddr).Unmap()
	default:
		return kernelKey{}, fmt.Errorf("%w: %d", errBadFamily, k.Family)
	}
	return kernelKey{cgroupID: k.CgroupId, dst: netip.AddrPortFrom(addr, k.Dport)}, nil
}

// bpfKeyOf is the inverse of kernelKeyOf, for deleting a key.
func bpfKeyOf(k kernelKey) ebpftcpConnKey {
	key := ebpftcpConnKey{CgroupId: k.cgroupID, Dport: k.dst.Port()}
	if addr := k.dst.Addr(); addr.Is4() {
		key.Family = afInet
		a4 := addr.As4()
		copy(key.Daddr[:], a4[:])
	} else {
		key.Family = afInet6
		key.Daddr = addr.As16()
	}
	return key
}

func kernelTotalsOf(v *ebpftcpConnTotals) kernelTotals {
	return kernelTotals{
		successful:    v.Successful,
		failed:        v.Failed,
		handshake:     time.Duration(v.HandshakeNs),
		bytesAcked:    v.BytesAcked,
		bytesReceived: v.BytesReceived,
		retransmits:   v.Retransmits,
		srtt:          time.Duration(v.SrttUs) * time.Microsecond,
	}
}

// readCounters walks the in-kernel aggregate and hands every key's counters
// to fn. A key that does not decode is skipped and counted.
func readCounters(m *ebpf.Map, fn func(kernelKey, kernelTotals)) (undecodable int, err error) {
	var k ebpftcpConnKey
	var v ebpftcpConnTotals
	it := m.Iterate()
	for it.Next(&k, &v) {
		key, err := kernelKeyOf(&k)
		if err != nil {
			undecodable++
			continue
		}
		fn(key, kernelTotalsOf(&v))
	}
	if err := it.Err(); err != nil {
		return undecodable, fmt.Errorf("reading %s: %w", ebpftcpMapConnCounters, err)
	}
	return undecodable, nil
}

// removeCounters deletes a key from the in-kernel aggregate and returns its
// final counters, increments that raced with the removal included.
func removeCounters(m *ebpf.Map, k kernelKey) (kernelTotals, bool, error) {
	key := bpfKeyOf(k)
	var v ebpftcpConnTotals
	if err := m.LookupAndDelete(&key, &v); err != nil {
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return kernelTotals{}, false, nil
		}
		return kernelTotals{}, false, fmt.Errorf("removing an idle key from %s: %w", ebpftcpMapConnCounters, err)
	}
	return kernelTotalsOf(&v), true, nil
}
