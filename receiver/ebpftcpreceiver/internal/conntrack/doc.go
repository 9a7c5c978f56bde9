// SPDX-License-Identifier: Apache-2.0

// Package conntrack asks the kernel's connection tracking table, over
// ctnetlink, where a TCP connection really went after NAT. It sends one
// IPCTNL_MSG_CT_GET for the original tuple (what the application dialled)
// and reads the reply tuple: its source is the backend a DNAT rule chose.
//
// A Client is bound to one network namespace for its lifetime (the netlink
// socket is created inside it), so callers keep one Client per namespace.
// A Client is safe for concurrent use (requests are serialized). Attributes
// are encoded and decoded with mdlayher/netlink's attribute codec; the socket
// is opened inside the namespace by vishvananda/netlink and then driven with
// plain send/receive calls on a reused buffer.
package conntrack // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver/internal/conntrack"
