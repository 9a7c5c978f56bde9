// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"strings"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// criOwnerPrefix names the owner of a CRI log file by the file's path
// (<pods_dir>/<namespace>_<pod>_<uid>/<container>/<n>.log): one owner per
// container instance, since a restarted container writes the next <n>.log
// under a new container id.
const criOwnerPrefix = "cri://"

// currentIdentity is the receiver's one rule for names that arrive late
// (the same as every receiver's, see containerid.Resolver.Current): at each
// emission, of metrics and of log records, an owner's identity is the last
// one it was emitted with, plus what the resolver knows now. A container
// the resolver has indexed gets its cgroup's identity, so its labels equal
// those the eBPF receivers emit for it; what the log path said (the
// kubelet's pod and container names) fills what that lacks. A CRI log file
// gets its container id once the kubelet's /var/log/containers link to it
// is known. It never blocks, and an owner never loses a name it had.
func (c *core) currentIdentity(owner string, last containerid.Identity) containerid.Identity {
	if c.resolver == nil {
		return last
	}
	id := last
	if file, ok := strings.CutPrefix(owner, criOwnerPrefix); ok && id.ContainerID == "" {
		id.ContainerID, _ = c.resolver.PodLogContainerID(file)
	}
	if id.ContainerID != "" {
		if known, ok := c.resolver.ByContainerID(id.ContainerID); ok {
			known.FillEmpty(id)
			id = known
		}
	}
	return c.resolver.Refresh(id)
}
