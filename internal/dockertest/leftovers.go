// SPDX-License-Identifier: Apache-2.0

package dockertest // import "github.com/otelcol-node/otelcol-node/internal/dockertest"

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// cgroupRoot is where the cgroupfs driver's /docker/<id> cgroups live, one
	// per mounted hierarchy.
	cgroupRoot = "/sys/fs/cgroup"
	// cgroupRemoveTimeout bounds the wait for killed container processes to
	// leave their cgroups.
	cgroupRemoveTimeout = 5 * time.Second
)

// killLeftovers ends what a daemon that died without a clean shutdown leaves
// running: the processes of the containers this Daemon ran (found through their
// cgroups) and every process whose command line names this daemon's private
// exec root (its containerd and the containerd shims). Nothing else on the
// machine matches either, because both are unique to this Daemon.
func (d *Daemon) killLeftovers() {
	d.mu.Lock()
	ids := append([]string(nil), d.containers...)
	d.mu.Unlock()
	var cgroups []string
	for _, id := range ids {
		dirs, _ := filepath.Glob(filepath.Join(cgroupRoot, "*", "docker", id))
		for _, dir := range dirs {
			killPIDsIn(filepath.Join(dir, "cgroup.procs"))
		}
		cgroups = append(cgroups, dirs...)
	}
	defer removeCgroups(cgroups)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	needle := []byte(d.execRoot + string(filepath.Separator))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, needle) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// removeCgroups removes the container cgroups a dead daemon could not. A
// cgroup stays busy until its killed processes are reaped, so retry briefly.
func removeCgroups(dirs []string) {
	deadline := time.Now().Add(cgroupRemoveTimeout)
	for _, dir := range dirs {
		for {
			err := syscall.Rmdir(dir)
			if err == nil || errors.Is(err, syscall.ENOENT) || !errors.Is(err, syscall.EBUSY) || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func killPIDsIn(cgroupProcs string) {
	data, err := os.ReadFile(cgroupProcs)
	if err != nil {
		return
	}
	for _, f := range strings.Fields(string(data)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
