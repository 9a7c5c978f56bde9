// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver/internal/conntrack"
)

// maxNetnsClients caps the ctnetlink sockets kept open, one per network
// namespace; past it a lookup opens and closes its own socket.
const maxNetnsClients = 256

// namedNetnsDir is where `ip netns add` pins named namespaces.
const namedNetnsDir = "/run/netns"

// natResolver finds actual_destination through conntrack in the network
// namespace of the connecting socket, where a DNAT rule (Docker port
// publishing, kube-proxy services, a rule in the container) rewrote it.
// Without an entry the destination is its own actual destination.
type natResolver struct {
	procRoot  string
	selfNetns uint32

	mu      sync.Mutex
	clients map[uint32]*conntrack.Client
}

func newNATResolver(procRoot string) (*natResolver, error) {
	self, err := netnsInode(filepath.Join(procRoot, "self/ns/net"))
	if err != nil {
		return nil, err
	}
	return &natResolver{procRoot: procRoot, selfNetns: self, clients: make(map[uint32]*conntrack.Client)}, nil
}

func netnsInode(path string) (uint32, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, err
	}
	return uint32(st.Ino), nil
}

// actualDestination returns the backend of an established connection, or
// "" when conntrack knows no translation (the caller then uses destination).
//
// The socket's own namespace is asked first (a DNAT rule in the container,
// or on the host for host-network processes). A container on a bridge is
// NAT-ed by the host instead (Docker published ports, kube-proxy services),
// where the entry has the same original tuple, so the host's namespace is
// asked next.
func (r *natResolver) actualDestination(e connEvent) string {
	tuple := conntrack.Tuple{Src: e.src, Dst: e.dst}
	backend, ok := r.lookup(e.netns, e.pid, tuple)
	if !ok && e.netns != r.selfNetns {
		backend, ok = r.lookup(r.selfNetns, 0, tuple)
	}
	if !ok || backend == e.dst {
		return ""
	}
	return formatEndpoint(backend.Addr(), backend.Port())
}

// lookup asks one namespace's conntrack for the reply source of tuple. Not
// tracked (no conntrack there), expired, or a failed query are all "no
// translation known".
func (r *natResolver) lookup(netns, pid uint32, tuple conntrack.Tuple) (netip.AddrPort, bool) {
	c, closeAfter := r.client(netns, pid)
	if c == nil {
		return netip.AddrPort{}, false
	}
	if closeAfter {
		defer c.Close()
	}
	backend, err := c.ReplySource(tuple)
	return backend, err == nil
}

// client returns the ctnetlink client of namespace netns, opening it through
// the owner's /proc/<pid>/ns/net or a named namespace when it is new.
func (r *natResolver) client(netns, pid uint32) (*conntrack.Client, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.clients[netns]; ok {
		return c, false
	}
	var c *conntrack.Client
	if netns == r.selfNetns {
		c, _ = conntrack.Dial(0)
	} else {
		c = r.dialNamespace(netns, pid)
	}
	if c == nil {
		return nil, false
	}
	if len(r.clients) >= maxNetnsClients {
		return c, true
	}
	r.clients[netns] = c
	return c, false
}

func (r *natResolver) dialNamespace(netns, pid uint32) *conntrack.Client {
	candidates := []string{filepath.Join(r.procRoot, strconv.FormatUint(uint64(pid), 10), "ns/net")}
	if entries, err := os.ReadDir(namedNetnsDir); err == nil {
		for _, e := range entries {
			candidates = append(candidates, filepath.Join(namedNetnsDir, e.Name()))
		}
	}
	for _, path := range candidates {
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		var st unix.Stat_t
		if err := unix.Fstat(int(f.Fd()), &st); err != nil || uint32(st.Ino) != netns {
			f.Close()
			continue
		}
		c, err := conntrack.Dial(int(f.Fd()))
		f.Close() // the socket keeps the namespace alive
		if err == nil {
			return c
		}
	}
	return nil
}

func (r *natResolver) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for k, c := range r.clients {
		errs = append(errs, c.Close())
		delete(r.clients, k)
	}
	return errors.Join(errs...)
}
