// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// An iter/tcp program walks the sockets of the network namespace of the
// process that opens it. The helpers here open such iterators from inside
// other namespaces, and find a way into each namespace with owned sockets.

// openIterIn opens it from a thread inside the network namespace nsPath
// ("" is the collector's own). The namespace is bound when the iterator is
// opened, so the output is read afterwards from any thread.
func openIterIn(it *link.Iter, nsPath string) (io.ReadCloser, error) {
	if nsPath == "" {
		return it.Open()
	}
	type result struct {
		rd  io.ReadCloser
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		rd, restored, err := openIterInLocked(it, nsPath)
		if restored {
			runtime.UnlockOSThread()
		} // else the thread dies with the goroutine instead of serving others in the wrong namespace
		done <- result{rd, err}
	}()
	r := <-done
	return r.rd, r.err
}

func openIterInLocked(it *link.Iter, nsPath string) (rd io.ReadCloser, restored bool, err error) {
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return nil, true, err
	}
	defer self.Close()
	target, err := os.Open(nsPath)
	if err != nil {
		return nil, true, err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		return nil, true, fmt.Errorf("entering %s: %w", nsPath, err)
	}
	rd, err = it.Open()
	restored = unix.Setns(int(self.Fd()), unix.CLONE_NEWNET) == nil
	if err != nil {
		return nil, restored, fmt.Errorf("opening iterator in %s: %w", nsPath, err)
	}
	return rd, restored, nil
}

// appendIterOutput reads rd to the end into buf (grown as needed, reused by
// the caller) and closes it. The output must be whole conn_sample records.
func appendIterOutput(buf []byte, rd io.ReadCloser) ([]byte, error) {
	defer rd.Close()
	start := len(buf)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, make([]byte, 64*connSampleSize)...)[:len(buf)]
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) || (err == nil && n == 0) {
			break
		}
		if err != nil {
			return buf[:start], fmt.Errorf("reading socket iterator: %w", err)
		}
	}
	if (len(buf)-start)%connSampleSize != 0 {
		return buf[:start], fmt.Errorf("%w: iterator output of %d bytes", errShortRecord, len(buf)-start)
	}
	return buf, nil
}

// namespaceFinder turns the namespaces of owned_netns (inode -> the last
// process that opened an owned socket there) into paths to enter.
type namespaceFinder struct {
	proc  string    // the host's /proc
	own   uint32    // the collector's own network namespace
	owned *ebpf.Map // owned_netns
}

func newNamespaceFinder(proc string, owned *ebpf.Map) (*namespaceFinder, error) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
		return nil, fmt.Errorf("reading own network namespace: %w", err)
	}
	return &namespaceFinder{proc: proc, own: uint32(st.Ino), owned: owned}, nil
}

// paths lists a path into every namespace of owned_netns ("" for the
// collector's own). A recorded process that exited, or now lives in another
// namespace, is replaced by any process still in the namespace (one /proc
// walk for all of them); a namespace with no process left is removed from
// the map: its sockets are gone with it, or held only through descriptors
// passed elsewhere, which are then not sampled.
func (f *namespaceFinder) paths() ([]string, error) {
	var (
		netns   uint32
		owner   ebpftcpNetnsOwner
		paths   []string
		missing = map[uint32]bool{}
	)
	entries := f.owned.Iterate()
	for entries.Next(&netns, &owner) {
		switch {
		case netns == f.own:
			paths = append(paths, "")
		case f.inNamespace(int(owner.Pid), netns):
			paths = append(paths, f.nsPath(int(owner.Pid)))
		default:
			missing[netns] = true
		}
	}
	if err := entries.Err(); err != nil {
		return paths, fmt.Errorf("listing owned_netns: %w", err)
	}
	if len(missing) == 0 {
		return paths, nil
	}
	var errs []error
	for netns, pid := range f.findProcesses(missing) {
		paths = append(paths, f.nsPath(pid))
		delete(missing, netns)
		errs = append(errs, f.owned.Update(netns, ebpftcpNetnsOwner{Pid: uint32(pid)}, ebpf.UpdateExist))
	}
	for netns := range missing {
		_ = f.owned.Delete(netns) // ErrKeyNotExist: deleted meanwhile
	}
	return paths, errors.Join(errs...)
}

func (f *namespaceFinder) nsPath(pid int) string {
	return filepath.Join(f.proc, strconv.Itoa(pid), "ns", "net")
}

func (f *namespaceFinder) inNamespace(pid int, netns uint32) bool {
	var st unix.Stat_t
	return pid > 0 && unix.Stat(f.nsPath(pid), &st) == nil && uint32(st.Ino) == netns
}

// findProcesses walks /proc once for a process in each of the namespaces.
func (f *namespaceFinder) findProcesses(namespaces map[uint32]bool) map[uint32]int {
	found := map[uint32]int{}
	dir, err := os.ReadDir(f.proc)
	if err != nil {
		return found
	}
	for _, e := range dir {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		var st unix.Stat_t
		if unix.Stat(f.nsPath(pid), &st) != nil {
			continue
		}
		netns := uint32(st.Ino)
		if _, done := found[netns]; namespaces[netns] && !done {
			found[netns] = pid
			if len(found) == len(namespaces) {
				break
			}
		}
	}
	return found
}
