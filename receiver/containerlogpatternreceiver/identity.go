// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// currentIdentity is the receiver's one rule for names that arrive late
// (the same as every receiver's, see containerid.Resolver.Current): at each
// emission, of metrics and of log records, an owner's identity is the last
// one it was emitted with, plus what the resolver knows now. A container
// the resolver has indexed gets its cgroup's identity, so its labels equal
// those the eBPF receivers emit for it; what the log path said (the
// kubelet's pod and container names) fills what that lacks. It never
// blocks, and an owner never loses a name it had.
func (c *core) currentIdentity(last containerid.Identity) containerid.Identity {
	if c.resolver == nil {
		return last
	}
	id := last
	if last.ContainerID != "" {
		if known, ok := c.resolver.ByContainerID(last.ContainerID); ok {
			known.FillEmpty(last)
			id = known
		}
	}
	return c.resolver.Refresh(id)
}
