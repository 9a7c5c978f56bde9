// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver // import "github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver"

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// delayAcctSysctl is kernel.task_delayacct relative to the proc root. It
// exists since Linux 5.14, which also made delay accounting off by default;
// older kernels account delays unless booted with nodelayacct.
const delayAcctSysctl = "sys/kernel/task_delayacct"

// delayAcctState is what the kernel switch says.
type delayAcctState int

const (
	delayAcctOff delayAcctState = iota
	delayAcctOn
	delayAcctAlwaysOn // no sysctl: a pre-5.14 kernel, on unless booted with nodelayacct
)

// delayAcctSwitch reads and sets kernel.task_delayacct.
type delayAcctSwitch struct {
	path string
}

func newDelayAcctSwitch(procRoot string) delayAcctSwitch {
	return delayAcctSwitch{path: filepath.Join(procRoot, delayAcctSysctl)}
}

func (s delayAcctSwitch) state() (delayAcctState, error) {
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return delayAcctAlwaysOn, nil
	}
	if err != nil {
		return delayAcctOff, fmt.Errorf("reading %s: %w", s.path, err)
	}
	switch string(bytes.TrimSpace(b)) {
	case "0":
		return delayAcctOff, nil
	case "1":
		return delayAcctOn, nil
	default:
		return delayAcctOff, fmt.Errorf("reading %s: unexpected value %q", s.path, bytes.TrimSpace(b))
	}
}

// enable writes 1. Delays that happened while the switch was off are not
// recovered: the kernel did not measure them.
func (s delayAcctSwitch) enable() error {
	if err := os.WriteFile(s.path, []byte("1\n"), 0o644); err != nil {
		return fmt.Errorf("enabling delay accounting through %s: %w", s.path, err)
	}
	return nil
}
