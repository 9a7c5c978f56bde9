// SPDX-License-Identifier: Apache-2.0

package dockertest // import "github.com/otelcol-node/otelcol-node/internal/dockertest"

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// startLockName is a lock file shared by every test binary on the machine.
// dockerd 20.10 creates /etc/docker/key.json on its first start whatever
// --data-root says, and two daemons starting at once on a fresh machine could
// read each other's half-written key; starting one daemon at a time also keeps
// the 2-core CI machines from thrashing. Running daemons do not hold it.
const startLockName = "otelcol-node-dockertest.lock"

// lockStart takes the machine-wide start lock and returns its release.
func lockStart() (release func(), err error) {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), startLockName), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening daemon start lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("taking daemon start lock: %w", err)
	}
	return func() {
		_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
	}, nil
}
