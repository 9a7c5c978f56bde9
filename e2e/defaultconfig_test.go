// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/otelcol-node/otelcol-node/internal/e2etest"
)

// defaultReceivers are the receivers of distribution/default-config.yaml.
var defaultReceivers = []string{"ebpf_tcp", "oom", "delay_acct", "container_log_pattern"}

// dockerNode says where a test's private Docker daemon keeps what the default
// config would find at /var/run/docker.sock and /var/lib/docker/containers.
type dockerNode struct {
	socket, containersDir string
}

// defaultConfigArgs runs the embedded default config file as shipped, with
// only what a test must change set on the command line: loopback ports of its
// own, a short collection interval (the scraperhelper default is a minute),
// and the private Docker daemon's socket and log directory.
func defaultConfigArgs(t *testing.T, metricsPort, healthPort int, docker dockerNode) []string {
	t.Helper()
	args := []string{
		"--config", filepath.Join(e2etest.RepoRoot(t), "distribution", "default-config.yaml"),
		fmt.Sprintf("--set=exporters::prometheus::endpoint=127.0.0.1:%d", metricsPort),
		fmt.Sprintf("--set=extensions::health_check::endpoint=127.0.0.1:%d", healthPort),
		"--set=extensions::container_identity::docker_socket=" + docker.socket,
		"--set=receivers::container_log_pattern::docker::containers_dir=" + docker.containersDir,
	}
	for _, r := range defaultReceivers {
		args = append(args, "--set=receivers::"+r+"::collection_interval=2s")
	}
	return args
}
