// SPDX-License-Identifier: Apache-2.0

package containerid // import "github.com/otelcol-node/otelcol-node/internal/containerid"

import (
	"strings"
)

const (
	containerIDLen  = 64 // every runtime we know uses a sha256 hex digest as id
	podUIDLen       = 36 // a UUID with dashes, e.g. 2f1c0e7e-3d52-4d3b-a8d5-0cfcd1d2e0a6
	staticPodUIDLen = 32 // static (mirror) pods use an md5 hex hash as uid
)

// runtimeScopePrefixes maps the prefix of a systemd scope unit, as each runtime's
// systemd cgroup driver names it ("<prefix><64hex>.scope"), to the runtime. The
// conmon scopes of CRI-O and podman ("crio-conmon-<id>.scope") hold the monitor
// process, not the container, and deliberately match none of these because the
// remainder after the prefix is not a bare id.
var runtimeScopePrefixes = []struct {
	prefix  string
	runtime string
}{
	{"docker-", RuntimeDocker},
	{"cri-containerd-", RuntimeContainerd},
	{"crio-", RuntimeCRIO},
	{"libpod-", RuntimePodman},
}

// Classify tells what a cgroup path (relative to its hierarchy root, as in
// /proc/<pid>/cgroup) belongs to. It is pure and works the same on cgroup v1 and
// v2 paths, for the cgroupfs and the systemd drivers of Docker, containerd,
// CRI-O, podman and the kubelet.
//
// When several path segments name a container (Docker in Docker), the innermost
// one wins. A bare 64-hex segment under kubepods is a container whose runtime the
// path does not tell: containerd and cri-dockerd both name it that way, so Runtime
// stays "" rather than guessing.
//
// A path read from inside a private cgroup namespace (the default for a pod on a
// cgroup v2 node) is relative to the reader's namespace root, and a process
// outside that root shows as "/../../burstable/pod<uid>/<id>": the ancestors
// above the common one, the kubepods level included, are cut off. Such a path is
// classified by what is left, and a "pod<uid>" segment then counts on its own
// (the UUID is specific enough); a container named only by a bare id keeps
// Runtime "", since its Docker parent directory may be among the cut segments.
func Classify(cgroupPath string) Identity {
	id := Identity{CgroupPath: cgroupPath}
	segs := strings.Split(strings.Trim(cgroupPath, "/"), "/")
	above := namespaceRelativeDepth(segs)
	inPods := above > 0
	parent := ""
	for _, seg := range segs[above:] {
		if strings.HasPrefix(seg, "kubepods") {
			inPods = true
		}
		if inPods {
			if uid, ok := podUIDFromSegment(seg); ok {
				id.PodUID = uid
			}
		}
		if cid, runtime, ok := containerFromSegment(seg, parent); ok {
			id.ContainerID, id.Runtime = cid, runtime
		}
		if strings.HasSuffix(seg, ".service") && len(seg) > len(".service") {
			id.SystemdUnit = seg
		}
		parent = seg
	}
	if id.ContainerID != "" {
		// A service inside a container (systemd as the container's init) is the
		// container's business; the container is the identity we report.
		id.SystemdUnit = ""
	}
	return id
}

// namespaceRelativeDepth counts the leading ".." segments of a path read from
// inside a private cgroup namespace: how far above the reader's namespace root
// the common ancestor lies. Host-rooted paths have none.
func namespaceRelativeDepth(segs []string) int {
	n := 0
	for n < len(segs) && segs[n] == ".." {
		n++
	}
	return n
}

// containerFromSegment recognises one path segment as a container cgroup.
func containerFromSegment(seg, parent string) (containerID, runtime string, ok bool) {
	if isContainerID(seg) {
		// cgroupfs drivers name the cgroup by the bare id; only Docker's own
		// parent directory tells the runtime.
		if parent == "docker" {
			return seg, RuntimeDocker, true
		}
		return seg, "", true
	}
	for _, p := range runtimeScopePrefixes {
		rest, found := strings.CutPrefix(seg, p.prefix)
		if !found {
			continue
		}
		// systemd driver: "<prefix><id>.scope"; CRI-O's cgroupfs driver: "crio-<id>".
		rest = strings.TrimSuffix(rest, ".scope")
		if isContainerID(rest) {
			return rest, p.runtime, true
		}
	}
	return "", "", false
}

// podUIDFromSegment recognises the pod level of the kubelet's cgroup tree:
// "pod<uid>" with the cgroupfs driver, "kubepods-<qos>-pod<uid_with_underscores>.slice"
// (or "kubepods-pod<uid>.slice" for guaranteed pods) with the systemd driver,
// which cannot use dashes inside a slice name component and swaps them for '_'.
func podUIDFromSegment(seg string) (string, bool) {
	if slice, found := strings.CutSuffix(seg, ".slice"); found {
		i := strings.LastIndexByte(slice, '-')
		if i < 0 {
			return "", false
		}
		seg = strings.ReplaceAll(slice[i+1:], "_", "-")
	}
	uid, found := strings.CutPrefix(seg, "pod")
	if !found || !isPodUID(uid) {
		return "", false
	}
	return uid, true
}

func isContainerID(s string) bool {
	return len(s) == containerIDLen && isLowerHex(s)
}

func isPodUID(s string) bool {
	switch len(s) {
	case staticPodUIDLen:
		return isLowerHex(s)
	case podUIDLen:
		for i := 0; i < len(s); i++ {
			c := s[i]
			if i == 8 || i == 13 || i == 18 || i == 23 {
				if c != '-' {
					return false
				}
				continue
			}
			if !isLowerHexByte(c) {
				return false
			}
		}
		return true
	default:
		return false
	}
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLowerHexByte(s[i]) {
			return false
		}
	}
	return s != ""
}

func isLowerHexByte(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f')
}
