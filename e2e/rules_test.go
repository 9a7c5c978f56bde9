// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/otelcol-node/otelcol-node/internal/e2etest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// TestAlertRules runs promtool on the shipped alerting rules: they parse, and
// their unit tests (examples/alerts_test.yaml, input series shaped like our
// /metrics) pass.
func TestAlertRules(t *testing.T) {
	promtool := testenv.RequireCommand(t, "promtool")
	examples := filepath.Join(e2etest.RepoRoot(t), "examples")
	for _, args := range [][]string{
		{"check", "rules", "alerts.yaml"},
		{"test", "rules", "alerts_test.yaml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = examples
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}
