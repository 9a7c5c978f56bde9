// SPDX-License-Identifier: Apache-2.0

//go:generate go tool mdatagen metadata.yaml

// Package containeridentityextension owns the collector's one container
// identity resolver. Receivers that name containers (ebpf_tcp, oom,
// delay_acct, container_log_pattern) find it through host.GetExtensions() by
// the component ID in their `container_identity` key, the way receivers find
// a storage extension. One resolver means one cgroupfs walk per rescan, one
// listing of the kubelet's log directories, one Docker event stream and one
// set of names for a container in every metric family.
package containeridentityextension // import "github.com/otelcol-node/otelcol-node/extension/containeridentityextension"
