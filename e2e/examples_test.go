// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/otelcol-node/otelcol-node/internal/e2etest"
)

// The configs users copy -- the standalone example, the DaemonSet's
// ConfigMap and the embedded default -- must pass the collector's own
// validation with this distribution's components.
func TestExampleConfigsValidate(t *testing.T) {
	root := e2etest.RepoRoot(t)
	configs := map[string]string{
		"examples/standalone.yaml":            filepath.Join(root, "examples", "standalone.yaml"),
		"distribution/default-config.yaml":    filepath.Join(root, "distribution", "default-config.yaml"),
		"examples/daemonset.yaml (ConfigMap)": daemonSetConfig(t, filepath.Join(root, "examples", "daemonset.yaml")),
	}
	bin := e2etest.BinaryPath(t)
	for name, path := range configs {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(bin, "validate", "--config", path)
			// The DaemonSet sets it from the downward API.
			cmd.Env = append(os.Environ(), "K8S_NODE_NAME=node-1")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("otelcol-node validate %s: %v\n%s", name, err, out)
			}
		})
	}
}

// daemonSetConfig writes the ConfigMap's config.yaml of the DaemonSet
// example to a file and returns its path.
func daemonSetConfig(t *testing.T, manifest string) string {
	t.Helper()
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc struct {
			Kind string            `yaml:"kind"`
			Data map[string]string `yaml:"data"`
		}
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("parsing %s: %v", manifest, err)
		}
		if doc.Kind == "ConfigMap" && doc.Data["config.yaml"] != "" {
			path := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(path, []byte(doc.Data["config.yaml"]), 0o600); err != nil {
				t.Fatal(err)
			}
			return path
		}
	}
	t.Fatalf("%s has no ConfigMap with config.yaml", manifest)
	return ""
}
