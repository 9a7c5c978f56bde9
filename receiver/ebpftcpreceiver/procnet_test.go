// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const procNetTCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 1003 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:9C41 0100007F:1F91 06 00000000:00000000 03:00001776 00000000     0        0 0 3 0000000000000000
   4: 0100007F:9C42 0100007F:0050 01 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 20 4 30 10 -1
`

func TestSeedCandidates(t *testing.T) {
	sockets, err := parseProcNetTCP(strings.NewReader(procNetTCP))
	require.NoError(t, err)
	require.Len(t, sockets, 5)
	assert.Equal(t, procTCPSocket{localPort: 8080, state: procTCPListen, inode: 1001}, sockets[0])

	got := seedCandidates(sockets)
	// The listener and the outbound connection; not the accepted side (local
	// port 8080 listens), the time-wait row, or the orphan without inode.
	assert.Equal(t, []procTCPSocket{
		{localPort: 8080, state: procTCPListen, inode: 1001},
		{localPort: 40000, state: procTCPEstablished, inode: 1003},
	}, got)
}

func TestParseProcNetTCPMalformed(t *testing.T) {
	_, err := parseProcNetTCP(strings.NewReader("header\n 0: zz\n"))
	assert.ErrorIs(t, err, errBadProcNetLine)
}

func TestSocketInode(t *testing.T) {
	ino, ok := socketInode("socket:[4242]")
	assert.True(t, ok)
	assert.Equal(t, uint64(4242), ino)
	for _, bad := range []string{"pipe:[1]", "socket:[x]", "/dev/null", "socket:[12"} {
		_, ok := socketInode(bad)
		assert.False(t, ok, bad)
	}
}
