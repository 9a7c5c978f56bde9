// SPDX-License-Identifier: Apache-2.0

// Package dockertest gives a test its own Docker daemon and a busybox image, so
// tests exercise real containers without touching a daemon the machine may
// already run and without a registry.
//
// Start launches a private dockerd (own --data-root, --exec-root, --pidfile,
// socket and containerd namespace; --bridge=none, --iptables=false,
// --ip6tables=false; cgroupfs driver) and stops it in t.Cleanup, unmounting
// what it left behind and removing its directories. Several test binaries may
// each start daemons at the same time: every path lives in a fresh directory
// from os.MkdirTemp. Daemon.Image imports, once per daemon, a root filesystem
// made from the static /bin/busybox of the busybox-static package
// (`docker import`). Daemon.Run starts a detached container and returns its
// 64-hex id; PID and LogPath read a container's host pid and json-file log,
// Docker runs any other CLI command against the daemon, and Socket (or Host)
// is what a Docker Engine API client connects to. Containers have no network
// of their own; use `--network none` or `--network host`.
//
// Daemons start one at a time machine-wide (a lock file in os.TempDir()):
// dockerd 20.10 writes /etc/docker/key.json on its first start whatever its
// flags say, the one file it shares with other daemons. If a daemon dies
// during a test, cleanup still ends its containerd, shims and containers, and
// removes their cgroups.
//
// Prerequisites are checked with internal/testenv (RequirePrerequisites: root,
// dockerd, docker and containerd on PATH; Image also needs a statically linked
// /bin/busybox). Under CI=true a missing one fails
// the test; elsewhere the test skips naming it.
package dockertest // import "github.com/otelcol-node/otelcol-node/internal/dockertest"
