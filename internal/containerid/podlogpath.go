// SPDX-License-Identifier: Apache-2.0

package containerid // import "github.com/otelcol-node/otelcol-node/internal/containerid"

import (
	"fmt"
	"path/filepath"
	"strings"
)

// ParsePodLogPath reads the kubelet's CRI log layout,
// /var/log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log, and returns its parts.
// Only the last three path elements are read, so the log directory may be
// mounted elsewhere (e.g. /host/var/log/pods). Namespaces and pod names are
// DNS names and cannot contain '_', so the pod directory splits unambiguously.
func ParsePodLogPath(path string) (namespace, pod, uid, container string, err error) {
	file := filepath.Base(path)
	containerDir := filepath.Dir(path)
	container = filepath.Base(containerDir)
	podDir := filepath.Base(filepath.Dir(containerDir))
	if file == "" || file == "." || file == "/" || !strings.Contains(file, ".log") {
		return "", "", "", "", fmt.Errorf("parsing pod log path %q: file name %q is not a CRI log file (<n>.log)", path, file)
	}
	if container == "" || container == "." || container == "/" {
		return "", "", "", "", fmt.Errorf("parsing pod log path %q: no container directory", path)
	}
	namespace, pod, uid, ok := splitPodLogDir(podDir)
	if !ok {
		return "", "", "", "", fmt.Errorf("parsing pod log path %q: pod directory %q is not <namespace>_<pod>_<uid>", path, podDir)
	}
	return namespace, pod, uid, container, nil
}
