// SPDX-License-Identifier: Apache-2.0

package dockertest // import "github.com/otelcol-node/otelcol-node/internal/dockertest"

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// unmountUnder lazily unmounts every mount point below dir, deepest first.
// dockerd leaves overlay, shm and network-namespace mounts behind when it is
// killed, and os.RemoveAll cannot remove a directory with a mount on it.
func unmountUnder(dir string) error {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return fmt.Errorf("reading mount table: %w", err)
	}
	points := mountPointsUnder(data, dir)
	var errs []error
	for _, p := range points {
		if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("unmounting %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// mountPointsUnder returns the mount points below dir listed in a
// /proc/self/mountinfo table, in reverse order: a mount is listed after the one
// it sits on, so reversing unmounts children and stacked mounts first, as
// umount -R does. A point mounted twice is listed twice.
func mountPointsUnder(mountinfo []byte, dir string) []string {
	prefix := strings.TrimSuffix(dir, "/") + "/"
	var points []string
	sc := bufio.NewScanner(bytes.NewReader(mountinfo))
	for sc.Scan() {
		// Fields: id parent major:minor root mount-point options ... (proc(5)).
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		p := unescapeMountinfo(fields[4])
		if strings.HasPrefix(p, prefix) {
			points = append(points, p)
		}
	}
	slices.Reverse(points)
	return points
}

// unescapeMountinfo undoes the octal escapes (\040 for space etc.) the kernel
// writes in mountinfo paths.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
