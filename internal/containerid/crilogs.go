// SPDX-License-Identifier: Apache-2.0

package containerid // import "github.com/otelcol-node/otelcol-node/internal/containerid"

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// podRef names a pod, from the kubelet's /var/log/pods/<ns>_<pod>_<uid> directories.
type podRef struct {
	namespace, name string
}

// criContainerRef names a Kubernetes container, from the kubelet's
// /var/log/containers/<pod>_<ns>_<container>-<id>.log symlinks.
type criContainerRef struct {
	pod       podRef
	container string
}

// criLogIndex is what the kubelet's log directories say about pods and
// containers on this node. Only directory listings are read: no file is opened.
type criLogIndex struct {
	pods       map[string]podRef          // by pod uid
	containers map[string]criContainerRef // by 64-hex container id
	// logFiles is the container id of each pod log file a symlink points
	// to, by podLogFileKey: a container's restarts write 0.log, 1.log, ...
	// in one directory, so only the link tells which file is whose.
	logFiles  map[string]string
	truncated uint64 // entries left out because the cap was reached
}

// scanCRILogs lists the kubelet's log directories, keeping at most limit pods
// and limit containers. Missing directories (no kubelet on the node) give an
// empty index, not an error.
func scanCRILogs(podsDir, containersDir string, limit int) criLogIndex {
	idx := criLogIndex{pods: map[string]podRef{}, containers: map[string]criContainerRef{}, logFiles: map[string]string{}}
	if entries, err := os.ReadDir(podsDir); err == nil {
		for _, e := range entries {
			ns, pod, uid, ok := splitPodLogDir(e.Name())
			if !ok {
				continue
			}
			if len(idx.pods) >= limit {
				idx.truncated++
				continue
			}
			idx.pods[uid] = podRef{namespace: ns, name: pod}
		}
	}
	if entries, err := os.ReadDir(containersDir); err == nil {
		for _, e := range entries {
			ns, pod, container, id, err := ParseContainerLogName(e.Name())
			if err != nil {
				continue
			}
			if len(idx.containers) >= limit {
				idx.truncated++
				continue
			}
			idx.containers[id] = criContainerRef{pod: podRef{namespace: ns, name: pod}, container: container}
			if target, err := os.Readlink(filepath.Join(containersDir, e.Name())); err == nil {
				if key, ok := podLogFileKey(target); ok {
					idx.logFiles[key] = id
				}
			}
		}
	}
	return idx
}

// apply adds pod and container names the index knows to id.
func (idx criLogIndex) apply(id Identity) Identity {
	if ref, ok := idx.containers[id.ContainerID]; ok && id.ContainerID != "" {
		id.PodNamespace, id.PodName, id.K8sContainerName = ref.pod.namespace, ref.pod.name, ref.container
	}
	if ref, ok := idx.pods[id.PodUID]; ok && id.PodUID != "" {
		id.PodNamespace, id.PodName = ref.namespace, ref.name
	}
	return id
}

// podLogFileKey is "<namespace>_<pod>_<uid>/<container>/<file>", the last
// three elements of a pod log file's path. The kubelet's symlinks name the
// file as the host sees it, and a collector may mount /var/log/pods
// elsewhere: the last three elements are the same in both, and unique on
// the node.
func podLogFileKey(path string) (string, bool) {
	file := filepath.Base(path)
	containerDir := filepath.Dir(path)
	podDir := filepath.Dir(containerDir)
	if _, _, _, ok := splitPodLogDir(filepath.Base(podDir)); !ok || file == "." || file == "/" {
		return "", false
	}
	return filepath.Join(filepath.Base(podDir), filepath.Base(containerDir), file), true
}

// splitPodLogDir splits "<namespace>_<pod>_<uid>". Namespaces and pod names
// are DNS names without '_', so three non-empty parts are the only valid form.
func splitPodLogDir(name string) (namespace, pod, uid string, ok bool) {
	parts := strings.Split(name, "_")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// ParseContainerLogName reads the name of a kubelet symlink in
// /var/log/containers, "<pod>_<namespace>_<container>-<64hex id>.log". Pod,
// namespace and container names are DNS names without '_', and the id is the
// last '-'-separated part, so the name splits unambiguously.
func ParseContainerLogName(name string) (namespace, pod, container, containerID string, err error) {
	base, found := strings.CutSuffix(name, ".log")
	parts := strings.Split(base, "_")
	if !found || len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return "", "", "", "", fmt.Errorf("parsing container log name %q: want <pod>_<namespace>_<container>-<id>.log", name)
	}
	last := parts[2]
	i := strings.LastIndexByte(last, '-')
	if i <= 0 || !isContainerID(last[i+1:]) {
		return "", "", "", "", fmt.Errorf("parsing container log name %q: no <container>-<64hex id> before .log", name)
	}
	return parts[1], parts[0], last[:i], last[i+1:], nil
}
