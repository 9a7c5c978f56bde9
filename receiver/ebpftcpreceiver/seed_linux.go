// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"

import (
	"os"
	"path/filepath"
	"strconv"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// maxSeedSockets is the size of the seed_owners map in ebpftcp.bpf.c.
const maxSeedSockets = 65536

// seedResult says what seeding found and what it had to leave out.
type seedResult struct {
	samples []connSample
	skipped int // sockets beyond maxSeedSockets, or in namespaces we could not enter
}

// seedOpenSockets finds the TCP sockets that were open before the lifecycle
// program was attached and gives them owner storage, so that they count as
// active (or listening) and their close is traced:
//
//  1. /proc/<pid>/fd: socket inode -> owning pid (first owner wins);
//  2. /proc/<pid>/net/tcp{,6}, once per network namespace: which of those
//     sockets are listeners or outbound established connections;
//  3. seed_owners (inode -> pid, cgroup id), then the seed_sockets iterator,
//     opened inside each namespace because iter/tcp walks the namespace of
//     the process that opens it.
//
// The lifecycle program must already be attached, so that a socket opened
// meanwhile is traced from its connect() and skipped here.
func (t *tracer) seedOpenSockets(identities *containerid.Resolver) (seedResult, error) {
	var res seedResult
	if t.seedIter == nil {
		return res, nil
	}
	owners, netnsPID := socketOwners(identities.ProcRoot())
	seeds := t.loader.Map(ebpftcpMapSeedOwners)
	cgroupIDs := map[int]uint64{}
	var namespaces []int
	for _, pid := range netnsPID {
		var sockets []procTCPSocket
		for _, file := range []string{"tcp", "tcp6"} {
			f, err := os.Open(filepath.Join(identities.ProcRoot(), strconv.Itoa(pid), "net", file))
			if err != nil {
				continue
			}
			rows, err := parseProcNetTCP(f)
			f.Close()
			if err != nil {
				return res, err
			}
			sockets = append(sockets, rows...)
		}
		seeded := false
		for _, s := range seedCandidates(sockets) {
			owner, ok := owners[s.inode]
			if !ok {
				continue
			}
			id, ok := cgroupIDs[owner]
			if !ok {
				id = cgroupIDOf(identities, owner)
				cgroupIDs[owner] = id
			}
			value := ebpftcpSeedOwner{CgroupId: id, Pid: uint32(owner)}
			if err := seeds.Update(s.inode, &value, ebpf.UpdateAny); err != nil {
				res.skipped++ // the map is full
				continue
			}
			seeded = true
		}
		if seeded {
			namespaces = append(namespaces, pid)
		}
	}
	defer clearMap(seeds)

	var raw []byte
	for _, pid := range namespaces {
		rd, err := openIterIn(t.seedIter, filepath.Join(identities.ProcRoot(), strconv.Itoa(pid), "ns/net"))
		if err == nil {
			raw, err = appendIterOutput(raw, rd)
		}
		if err != nil {
			res.skipped++
		}
	}
	var err error
	res.samples, err = appendConnSamples(res.samples, raw)
	return res, err
}

// socketOwners maps socket inodes to the pid holding them, and each network
// namespace (by inode) to one pid in it.
func socketOwners(proc string) (owners map[uint64]int, netnsPID map[uint64]int) {
	owners, netnsPID = map[uint64]int{}, map[uint64]int{}
	entries, _ := os.ReadDir(proc)
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		dir := filepath.Join(proc, e.Name())
		fds, err := os.ReadDir(filepath.Join(dir, "fd"))
		if err != nil {
			continue // the process exited, or a kernel thread
		}
		found := false
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(dir, "fd", fd.Name()))
			if err != nil {
				continue
			}
			if ino, ok := socketInode(link); ok {
				if _, seen := owners[ino]; !seen {
					owners[ino] = pid
				}
				found = true
			}
		}
		if !found {
			continue
		}
		var st unix.Stat_t
		if unix.Stat(filepath.Join(dir, "ns/net"), &st) == nil {
			if _, seen := netnsPID[st.Ino]; !seen {
				netnsPID[st.Ino] = pid
			}
		}
	}
	return owners, netnsPID
}

// cgroupIDOf is what task_cgroup_id would have reported for pid: the inode
// of its cgroup directory in the hierarchy the resolver uses.
func cgroupIDOf(identities *containerid.Resolver, pid int) uint64 {
	ident, err := identities.ByPID(pid)
	if err != nil {
		return 0
	}
	return cgroupInode(identities.Hierarchy().MountPoint, ident.CgroupPath)
}

// cgroupInode is the kernfs id of a cgroup: its directory's inode number.
func cgroupInode(mountPoint, cgroupPath string) uint64 {
	var st unix.Stat_t
	if unix.Stat(filepath.Join(mountPoint, cgroupPath), &st) != nil {
		return 0
	}
	return st.Ino
}

func clearMap(m *ebpf.Map) {
	var key uint64
	var keys []uint64
	iter := m.Iterate()
	var value ebpftcpSeedOwner
	for iter.Next(&key, &value) {
		keys = append(keys, key)
	}
	for _, k := range keys {
		_ = m.Delete(k)
	}
}
