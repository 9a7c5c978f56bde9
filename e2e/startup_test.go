// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/otelcol-node/otelcol-node/internal/e2etest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// defaultExporterPort is where the embedded default config serves /metrics.
const defaultExporterPort = 9464

// The README's run command runs the binary with no flags: the embedded default
// config must start every pipeline and serve /metrics within 30 s.
func TestDefaultConfigServesMetrics(t *testing.T) {
	testenv.RequireRoot(t)
	c := e2etest.StartWith(t, e2etest.Options{}, defaultExporterPort)
	c.Scrape(t) // Start already waited for the first answer; parse one for real.
	for _, receiver := range []string{"ebpf_tcp", "oom", "delay_acct", "container_log_pattern"} {
		if n := c.CountLogLines("error", receiver); n > 0 {
			t.Errorf("receiver %s logged %d error lines as root with the default config:\n%s", receiver, n, c.Logs())
		}
	}
}

// Without privileges the BPF and netlink receivers cannot work. The collector
// must still start and serve /metrics, and say once per receiver why it is down.
func TestUnprivilegedCollectorKeepsServing(t *testing.T) {
	testenv.RequireRoot(t) // to switch to an unprivileged user
	port := e2etest.FreePort(t)
	dir, err := os.MkdirTemp("", "otelcol-node-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := pipeline{
		receivers: `ebpf_tcp:
  collection_interval: 1s
oom:
  collection_interval: 1s
delay_acct:
  collection_interval: 1s`,
		receiverIDs: []string{"ebpf_tcp", "oom", "delay_acct"},
	}.config(port)
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	c := e2etest.StartWith(t, e2etest.Options{
		Args:       []string{"--config", cfgPath},
		Credential: &syscall.Credential{Uid: 65534, Gid: 65534},
	}, port)
	// Give every receiver time to try, fail and report.
	time.Sleep(3 * time.Second)
	c.Scrape(t)
	// One error line per receiver that names the missing privilege.
	for _, receiver := range []string{"ebpf_tcp", "oom", "delay_acct"} {
		component := `"otelcol.component.id": "` + receiver + `"`
		if n := c.CountLogLines("\terror\t", component); n != 1 {
			t.Errorf("want exactly one error line from receiver %s, got %d:\n%s", receiver, n, c.Logs())
		}
		if n := c.CountLogLines("\terror\t", component, "CAP_"); n != 1 {
			t.Errorf("the error line of receiver %s does not name the missing capability:\n%s", receiver, c.Logs())
		}
	}
}
