// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/otelcol-node/otelcol-node/internal/e2etest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// benchDir is the shared workload generators (../shared/bench beside the
// repository); each prints its ground truth as JSON lines.
func benchDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(e2etest.RepoRoot(t), "..", "shared", "bench")
	_, err := os.Stat(filepath.Join(dir, "connect-storm.sh"))
	testenv.Require(t, err == nil, "the workload generators in ../shared/bench")
	return dir
}

// loadgenBuild holds the generators' Go load generator, built once per test
// binary: scripts started at the same moment would otherwise all build it.
var loadgenBuild struct {
	once sync.Once
	bin  string
	err  error
}

func loadgenBinary(t testing.TB) string {
	t.Helper()
	dir := benchDir(t)
	loadgenBuild.once.Do(func() {
		bin := filepath.Join(os.TempDir(), "otn-e2e-loadgen", "loadgen")
		cmd := exec.Command("go", "build", "-o", bin, ".")
		cmd.Dir = filepath.Join(dir, "loadgen")
		if out, err := cmd.CombinedOutput(); err != nil {
			loadgenBuild.err = fmt.Errorf("building loadgen: %w\n%s", err, out)
			return
		}
		loadgenBuild.bin = bin
	})
	if loadgenBuild.err != nil {
		t.Fatal(loadgenBuild.err)
	}
	return loadgenBuild.bin
}

// fakeContainerID returns 64 random hex digits: the id of a fake Docker
// container whose cgroup (docker/<id>) a workload creates in every hierarchy.
func fakeContainerID(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// workload is one generator script running in the background.
type workload struct {
	name string
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan struct{}
	err  error
}

// startWorkload runs script (a file of benchDir) with args. Its cgroups
// (--cgroup docker/<id>) are removed at cleanup.
func startWorkload(t testing.TB, script string, args ...string) *workload {
	t.Helper()
	dir := benchDir(t)
	loadgen := loadgenBinary(t)
	w := &workload{name: script, done: make(chan struct{})}
	w.cmd = exec.Command("bash", append([]string{filepath.Join(dir, script)}, args...)...)
	w.cmd.Env = append(os.Environ(), "LOADGEN="+loadgen)
	w.cmd.Stdout = &w.out
	w.cmd.Stderr = &w.out
	if err := w.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", script, err)
	}
	go func() { w.err = w.cmd.Wait(); close(w.done) }()
	for i, a := range args {
		if a == "--cgroup" && i+1 < len(args) {
			rel := args[i+1]
			t.Cleanup(func() { _ = exec.Command("bash", filepath.Join(dir, "cgroup-clean.sh"), rel).Run() })
		}
	}
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			_ = w.cmd.Process.Kill()
			<-w.done
		}
	})
	return w
}

// wait waits for the script and returns its JSON lines; a failed script
// fails the test with its output.
func (w *workload) wait(ctx context.Context, t testing.TB) []map[string]any {
	t.Helper()
	select {
	case <-w.done:
	case <-ctx.Done():
		t.Fatalf("%s did not finish: %v\n%s", w.name, ctx.Err(), w.out.String())
	}
	if w.err != nil {
		t.Fatalf("%s failed: %v\n%s", w.name, w.err, w.out.String())
	}
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(w.out.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			lines = append(lines, m)
		}
	}
	return lines
}

// record returns the first JSON line whose "cmd" is cmd.
func record(t *testing.T, lines []map[string]any, cmd string) map[string]any {
	t.Helper()
	for _, l := range lines {
		if l["cmd"] == cmd {
			return l
		}
	}
	t.Fatalf("no %q record in the workload output: %v", cmd, lines)
	return nil
}

// number reads a numeric field of a record.
func number(t *testing.T, rec map[string]any, key string) float64 {
	t.Helper()
	v, ok := rec[key].(float64)
	if !ok {
		t.Fatalf("record has no number %q: %v", key, rec)
	}
	return v
}
