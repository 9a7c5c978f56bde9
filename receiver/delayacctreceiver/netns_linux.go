// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver // import "github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver"

import (
	"os"
	"path/filepath"
)

// sameNamespaceAsHost reports whether the calling thread shares the namespace
// of the given kind ("net", "pid") with the init process of the proc root,
// which is the host's when the proc root is the host's procfs. ok=false means it
// could not tell (no access to the init process's namespace links).
func sameNamespaceAsHost(procRoot, kind string) (same, ok bool) {
	self, err1 := os.Readlink(filepath.Join("/proc/thread-self/ns", kind))
	host, err2 := os.Readlink(filepath.Join(procRoot, "1", "ns", kind))
	if err1 != nil || err2 != nil {
		return false, false
	}
	return self == host, true
}
