// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver // import "github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver"

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// procScanner lists the thread groups in a procfs mount.
type procScanner struct {
	root  string
	names []string
}

// listPIDs returns the numeric entries of /proc: one per thread group
// (threads are only under /proc/<pid>/task). The slice is reused by the
// next call.
func (s *procScanner) listPIDs(pids []uint32) ([]uint32, error) {
	d, err := os.Open(s.root)
	if err != nil {
		return pids, fmt.Errorf("listing processes: %w", err)
	}
	defer d.Close()
	s.names, err = d.Readdirnames(-1)
	if err != nil {
		return pids, fmt.Errorf("listing processes in %s: %w", s.root, err)
	}
	for _, name := range s.names {
		if name == "" || name[0] < '0' || name[0] > '9' {
			continue
		}
		pid, err := strconv.ParseUint(name, 10, 32)
		if err != nil {
			continue
		}
		pids = append(pids, uint32(pid))
	}
	return pids, nil
}

// threadCount returns the live threads of pid from the link count of
// /proc/<pid>/task, which procfs sets to 2 + the number of threads: one stat
// call, no file to read and parse. It returns 1 when the process has gone.
func (s *procScanner) threadCount(pid uint32, buf []byte) uint32 {
	buf = append(buf[:0], s.root...)
	buf = append(buf, '/')
	buf = strconv.AppendUint(buf, uint64(pid), 10)
	buf = append(buf, "/task"...)
	var st unix.Stat_t
	if err := unix.Stat(string(buf), &st); err != nil || st.Nlink <= 2 {
		return 1
	}
	return uint32(st.Nlink - 2)
}
