// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// States in /proc/net/tcp's "st" column (hex of the kernel's TCP states).
const (
	procTCPEstablished = 0x01
	procTCPListen      = 0x0A
)

var errBadProcNetLine = errors.New("malformed /proc/net/tcp line")

// procTCPSocket is one row of /proc/<pid>/net/tcp or tcp6.
type procTCPSocket struct {
	localPort uint16
	state     uint8
	inode     uint64
}

// parseProcNetTCP reads the rows of /proc/net/tcp{,6}; a malformed row is an
// error naming it, not a silent skip.
func parseProcNetTCP(r io.Reader) ([]procTCPSocket, error) {
	var out []procTCPSocket
	sc := bufio.NewScanner(r)
	first := true
	for sc.Scan() {
		if first { // header
			first = false
			continue
		}
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) < 10 {
			return out, fmt.Errorf("%w: %q", errBadProcNetLine, line)
		}
		_, portHex, ok := strings.Cut(fields[1], ":")
		port, errPort := strconv.ParseUint(portHex, 16, 16)
		state, errState := strconv.ParseUint(fields[3], 16, 8)
		inode, errInode := strconv.ParseUint(fields[9], 10, 64)
		if !ok || errPort != nil || errState != nil || errInode != nil {
			return out, fmt.Errorf("%w: %q", errBadProcNetLine, line)
		}
		out = append(out, procTCPSocket{localPort: uint16(port), state: uint8(state), inode: inode})
	}
	return out, sc.Err()
}

// socketInode parses the target of a /proc/<pid>/fd link, "socket:[12345]".
func socketInode(link string) (uint64, bool) {
	rest, ok := strings.CutPrefix(link, "socket:[")
	if !ok {
		return 0, false
	}
	digits, ok := strings.CutSuffix(rest, "]")
	if !ok {
		return 0, false
	}
	ino, err := strconv.ParseUint(digits, 10, 64)
	return ino, err == nil
}

// seedCandidates picks, among one namespace's TCP sockets, the listening
// ones and the established ones that are outbound: an established socket
// whose local port is a listening port of the namespace was accepted, not
// connected, and is not a connect.
func seedCandidates(sockets []procTCPSocket) []procTCPSocket {
	listening := make(map[uint16]bool)
	for _, s := range sockets {
		if s.state == procTCPListen {
			listening[s.localPort] = true
		}
	}
	var out []procTCPSocket
	for _, s := range sockets {
		if s.inode == 0 {
			continue // orphaned: no process owns it
		}
		if s.state == procTCPListen || (s.state == procTCPEstablished && !listening[s.localPort]) {
			out = append(out, s)
		}
	}
	return out
}
