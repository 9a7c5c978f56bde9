// SPDX-License-Identifier: Apache-2.0

//go:build !linux

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

// watchRoot is a directory whose files sit levels directories below it.
type watchRoot struct {
	dir    string
	levels int
}

// rotationSys has no implementation without inotify.
type rotationSys struct{}

// newRotationWatch returns nil: without inotify the poller works alone.
func (*core) newRotationWatch([]string, []watchRoot) *rotationWatch { return nil }

func (*rotationSys) retryRoots(*rotationWatch) {}

func (*rotationSys) close() {}
