// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-node/otelcol-node/internal/e2etest"
)

// examplesByKind names every file of examples/ and the test that checks it,
// so a new example cannot ship unchecked.
var examplesByKind = map[string]string{
	"README.md":              "documentation",
	"daemonset.yaml":         "TestManifestsDecodeStrictly, TestDaemonSetStarts, TestImageRunsDaemonSetPod",
	"standalone.yaml":        "TestExampleConfigsValidate",
	"prometheus-scrape.yaml": "TestPrometheusScrapesCollector (its static job and rule_files, in a real Prometheus)",
	"alerts.yaml":            "TestAlertRules (promtool check rules), TestPrometheusScrapesCollector",
	"alerts_test.yaml":       "TestAlertRules (promtool test rules)",
	"grafana-dashboard.json": "TestDashboardQueries, TestPrometheusScrapesCollector",
	"otlp-agent.yaml":        "TestExampleConfigsValidate, TestOTLPExportToGateway",
}

func TestEveryExampleIsChecked(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join(e2etest.RepoRoot(t), "examples"))
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Name()] = true
		_, ok := examplesByKind[e.Name()]
		assert.True(t, ok, "examples/%s is checked by no test; add it to examplesByKind with its test", e.Name())
	}
	for name := range examplesByKind {
		assert.True(t, seen[name], "examples/%s is listed but missing", name)
	}
}

// The configs users copy -- the standalone and OTLP examples and the embedded default --
// must pass the collector's own validation with this distribution's
// components. The DaemonSet's ConfigMap is validated by
// TestManifestsDecodeStrictly.
func TestExampleConfigsValidate(t *testing.T) {
	root := e2etest.RepoRoot(t)
	for _, name := range []string{"examples/standalone.yaml", "examples/otlp-agent.yaml", "distribution/default-config.yaml"} {
		t.Run(name, func(t *testing.T) {
			validateConfig(t, filepath.Join(root, name))
		})
	}
}

// validateConfig runs `otelcol-node validate` on a config file.
func validateConfig(t *testing.T, path string) {
	t.Helper()
	cmd := exec.Command(e2etest.BinaryPath(t), "validate", "--config", path)
	// examples/otlp-agent.yaml takes its endpoint from the environment.
	cmd.Env = append(os.Environ(), "OTLP_ENDPOINT=127.0.0.1:4317")
	if out, err := cmd.CombinedOutput(); err != nil {
		data, _ := os.ReadFile(path)
		t.Fatalf("otelcol-node validate: %v\n%s\nconfig:\n%s", err, out, data)
	}
}

// TestValidateNamesMissingExtensions: `validate` rejects a receiver whose
// storage or container_identity extension is not configured or not enabled,
// naming the receiver, the key and the extension (a receiver's own Validate
// cannot see the extensions; without the check such a config fails only at
// start).
func TestValidateNamesMissingExtensions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`receivers:
  container_log_pattern:
    storage: file_storage
  ebpf_tcp:
    container_identity: container_identity
extensions:
  container_identity:
exporters:
  debug:
service:
  pipelines:
    metrics:
      receivers: [container_log_pattern, ebpf_tcp]
      exporters: [debug]
`), 0o644))
	out, err := exec.Command(e2etest.BinaryPath(t), "validate", "--config", path).CombinedOutput()
	require.Error(t, err, "validate accepted the config:\n%s", out)
	assert.Contains(t, string(out), `receivers::container_log_pattern: 'storage' names extension "file_storage", which is not configured`)
	assert.Contains(t, string(out), `receivers::ebpf_tcp: 'container_identity' names extension "container_identity", which is not enabled`)
}
