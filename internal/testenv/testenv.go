// SPDX-License-Identifier: Apache-2.0

// Package testenv decides what a test does when a prerequisite of the machine
// is missing. Under CI=true every tier must run, so a missing prerequisite
// fails the test; elsewhere the test skips and names what is missing.
package testenv // import "github.com/otelcol-node/otelcol-node/internal/testenv"

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true), where nothing may skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// Require stops the test when ok is false: it fails under CI and skips
// elsewhere, naming the missing prerequisite in both cases.
func Require(tb testing.TB, ok bool, what string) {
	tb.Helper()
	if ok {
		return
	}
	if InCI() {
		tb.Fatalf("missing prerequisite under CI=true: %s", what)
	}
	tb.Skipf("skipping: missing prerequisite: %s (runs for real under CI=true)", what)
}

// RequireRoot requires the test to run as root.
func RequireRoot(tb testing.TB) {
	tb.Helper()
	Require(tb, os.Geteuid() == 0, "root (euid 0)")
}

// RequireCommand requires an executable on PATH, such as dockerd or nft.
func RequireCommand(tb testing.TB, name string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	Require(tb, err == nil, "command "+name+" on PATH")
	return path
}
