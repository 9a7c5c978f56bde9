// SPDX-License-Identifier: Apache-2.0

package containerid // import "github.com/otelcol-node/otelcol-node/internal/containerid"

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// scannedCgroup is one cgroup directory found by walking a hierarchy.
type scannedCgroup struct {
	id   uint64 // kernfs id == inode number of the directory
	path string // relative to the hierarchy root, "/" for the root itself
}

// scanResult is one walk of a hierarchy.
type scanResult struct {
	cgroups   []scannedCgroup
	truncated uint64 // directories left out because the cap was reached
	errors    uint64 // directories that could not be read for a reason other than removal
}

// scanHierarchy walks the hierarchy mounted at root and returns up to limit
// cgroups. On cgroupfs the inode number of a directory is its kernfs node id,
// which is what the kernel's cgroup_id() and bpf_get_current_cgroup_id() return,
// so no other lookup is needed. Cgroups removed during the walk are skipped
// silently: that race is normal on a busy node.
func scanHierarchy(root string, limit int) (scanResult, error) {
	var res scanResult
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root {
				return err
			}
			if !errors.Is(err, fs.ErrNotExist) {
				res.errors++
			}
			return nil // skip this directory, keep walking
		}
		if !d.IsDir() {
			return nil
		}
		if len(res.cgroups) >= limit {
			res.truncated++
			return nil
		}
		ino, err := inodeOf(d)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				res.errors++
			}
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			res.errors++
			return nil
		}
		res.cgroups = append(res.cgroups, scannedCgroup{id: ino, path: cgroupPathFromRel(rel)})
		return nil
	})
	if err != nil {
		return scanResult{}, fmt.Errorf("walking cgroup hierarchy %s: %w", root, err)
	}
	return res, nil
}

func inodeOf(d fs.DirEntry) (uint64, error) {
	info, err := d.Info()
	if err != nil {
		return 0, err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, fmt.Errorf("no inode number for %s", d.Name())
	}
	return st.Ino, nil
}

// cgroupPathFromRel turns a path relative to the mount into the form
// /proc/<pid>/cgroup uses: absolute, "/" for the root.
func cgroupPathFromRel(rel string) string {
	if rel == "." {
		return "/"
	}
	return "/" + filepath.ToSlash(rel)
}

// cgroupDirInode returns the kernfs id of the cgroup at a /proc-style path
// under the hierarchy mount.
func cgroupDirInode(mount, cgroupPath string) (uint64, error) {
	info, err := os.Stat(filepath.Join(mount, filepath.FromSlash(cgroupPath)))
	if err != nil {
		return 0, err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, fmt.Errorf("no inode number for cgroup %s", cgroupPath)
	}
	return st.Ino, nil
}
