// SPDX-License-Identifier: Apache-2.0

//go:generate go tool mdatagen metadata.yaml

// Package containerlogpatternreceiver discovers the logs of the containers on
// a node (Docker json-file logs, CRI log files under /var/log/pods, journald
// units and files under /var/log inside a container's root), groups each
// message into a pattern with internal/patternminer and counts messages per
// container, source, level and pattern. Only the counts leave the node; the
// optional logs output also emits each message with its pattern hash.
package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"
