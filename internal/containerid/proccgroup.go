// SPDX-License-Identifier: Apache-2.0

package containerid // import "github.com/otelcol-node/otelcol-node/internal/containerid"

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrNoCgroupLine means a /proc/<pid>/cgroup file has no line for the hierarchy
// in use (nor for its fallback).
var ErrNoCgroupLine = errors.New("no line for the cgroup hierarchy in use")

// ParseProcCgroup returns the cgroup path that the contents of a /proc/<pid>/cgroup
// file give for the hierarchy kind in use: the "0::<path>" line for V2; the line
// listing the "memory" controller for V1Memory, falling back to the
// "name=systemd" line when the memory controller is not mounted.
//
// Each line is "hierarchy-id:controller-list:path" (see cgroups(7)); a line that
// does not have three fields is an error naming its number, and nothing is guessed.
func ParseProcCgroup(data []byte, kind HierarchyKind) (string, error) {
	if kind != V2 && kind != V1Memory {
		return "", fmt.Errorf("unknown hierarchy kind %v", kind)
	}
	// Slices of data, converted to a string only for the line that is returned:
	// this runs for every pid at start-up.
	var v2Path, memoryPath, systemdPath []byte
	rest := data
	for n := 1; len(rest) > 0; n++ {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte{'\n'})
		if len(line) == 0 {
			continue
		}
		hid, fields, ok1 := bytes.Cut(line, []byte{':'})
		controllers, path, ok2 := bytes.Cut(fields, []byte{':'})
		if !ok1 || !ok2 || len(hid) == 0 || len(path) == 0 || path[0] != '/' {
			return "", fmt.Errorf("parsing cgroup line %d %q: want \"id:controllers:/path\"", n, line)
		}
		if len(controllers) == 0 && string(hid) == "0" {
			v2Path = path
			continue
		}
		for c := range bytes.SplitSeq(controllers, []byte{','}) {
			switch string(c) {
			case "memory":
				memoryPath = path
			case "name=systemd":
				systemdPath = path
			}
		}
	}
	switch {
	case kind == V2 && v2Path != nil:
		return string(v2Path), nil
	case kind == V1Memory && memoryPath != nil:
		return string(memoryPath), nil
	case kind == V1Memory && systemdPath != nil:
		return string(systemdPath), nil
	}
	return "", fmt.Errorf("%w (%v)", ErrNoCgroupLine, kind)
}
