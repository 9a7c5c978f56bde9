// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otelcol-node/otelcol-node/internal/dockertest"
	"github.com/otelcol-node/otelcol-node/internal/e2etest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

const oomKills = "container_oom_kills_total"

// memoryHog doubles a shell string until the memory limit kills the shell.
const memoryHog = `x=0123456789abcdef; while :; do x=$x$x; done`

func startOOMCollector(t *testing.T) *e2etest.Collector {
	t.Helper()
	port := e2etest.FreePort(t)
	return e2etest.Start(t, pipeline{
		receivers:   "oom:\n  collection_interval: 1s",
		receiverIDs: []string{"oom"},
	}.config(port), port)
}

// A Docker container with a 32 MiB limit that allocates until it is killed:
// exactly one kill under its 64-hex container id.
func TestOOMKillInDockerContainer(t *testing.T) {
	testenv.RequireRoot(t)
	c := startOOMCollector(t)
	d := dockertest.Start(t)
	image := d.Image(t)
	id := d.Run(t, "--network", "none", "--memory", "32m", "--memory-swap", "32m", image, "sh", "-c", memoryHog)
	if len(id) != 64 {
		t.Fatalf("docker run returned %q, want a 64-hex container id", id)
	}
	labels := map[string]string{"container_id": id}
	fams := c.WaitFor(t, 60*time.Second, oomKills, func(f e2etest.Families) bool {
		return f.Sum(oomKills, labels) >= 1
	})
	// Wait a little longer: a second kill for the same container would be a bug.
	time.Sleep(2 * time.Second)
	fams = c.Scrape(t)
	samples := fams.Samples(oomKills, labels)
	if len(samples) != 1 || samples[0].Value != 1 {
		t.Fatalf("want exactly %s{container_id=%q} 1, got:\n%s", oomKills, id, fams.Describe(oomKills))
	}
	if rt := samples[0].Labels["container_runtime"]; rt != "docker" {
		t.Errorf("container_runtime = %q, want docker", rt)
	}
}

// A process in a memory-limited cgroup laid out like a Kubernetes pod container
// (cgroupfs driver) is attributed to that pod and container; a process killed
// in a plain cgroup is not attributed to any container.
func TestOOMKillInPodCgroupAndOutsideContainers(t *testing.T) {
	testenv.RequireRoot(t)
	memRoot := "/sys/fs/cgroup/memory"
	_, err := os.Stat(filepath.Join(memRoot, "memory.limit_in_bytes"))
	testenv.Require(t, err == nil, "cgroup v1 memory controller at "+memRoot)
	c := startOOMCollector(t)

	podUID := randomUUID(t)
	containerID := randomHex(t, 32)
	podCgroup := makeMemoryCgroup(t, memRoot, "kubepods", "burstable", "pod"+podUID, containerID)
	runHogIn(t, podCgroup)

	labels := map[string]string{"container_id": containerID, "k8s_pod_uid": podUID}
	fams := c.WaitFor(t, 60*time.Second, oomKills, func(f e2etest.Families) bool {
		return f.Sum(oomKills, labels) >= 1
	})
	if got := fams.Sum(oomKills, labels); got != 1 {
		t.Fatalf("want one kill for pod %s container %s, got %v:\n%s", podUID, containerID, got, fams.Describe(oomKills))
	}

	before := containerKills(fams)
	plain := makeMemoryCgroup(t, memRoot, "otelcol-node-e2e-"+randomHex(t, 4))
	runHogIn(t, plain)
	// The plain kill shows up as a series without container_id; the per-container
	// series must not change.
	fams = c.WaitFor(t, 60*time.Second, oomKills, func(f e2etest.Families) bool {
		return f.Sum(oomKills, nil)-containerKills(f) >= 1
	})
	if after := containerKills(fams); after != before {
		t.Fatalf("a kill outside containers changed per-container kills from %v to %v:\n%s", before, after, fams.Describe(oomKills))
	}
}

// containerKills sums the kills attributed to some container.
func containerKills(f e2etest.Families) float64 {
	total := 0.0
	for _, s := range f.Samples(oomKills, nil) {
		if s.Labels["container_id"] != "" {
			total += s.Value
		}
	}
	return total
}

// makeMemoryCgroup creates a v1 memory cgroup with a 32 MiB limit (and no swap)
// and removes it at cleanup.
func makeMemoryCgroup(t *testing.T, root string, elems ...string) string {
	t.Helper()
	dir := filepath.Join(append([]string{root}, elems...)...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("creating cgroup: %v", err)
	}
	t.Cleanup(func() {
		// Remove leaf first, then the parents this test may have created.
		for d := dir; d != root; d = filepath.Dir(d) {
			if err := os.Remove(d); err != nil {
				break
			}
		}
	})
	writeFile(t, filepath.Join(dir, "memory.limit_in_bytes"), "33554432")
	return dir
}

// runHogIn starts the memory hog inside the cgroup and waits for the kernel to kill it.
func runHogIn(t *testing.T, cgroupDir string) {
	t.Helper()
	cmd := exec.Command("sh", "-c", `echo $$ > "$1/cgroup.procs" && exec sh -c "$2"`, "sh", cgroupDir, memoryHog)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("memory hog in %s: want it OOM-killed, got err=%v output=%q", cgroupDir, err, out)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatalf("writing %s: %v", path, err)
	}
}

func randomHex(t *testing.T, bytes int) string {
	t.Helper()
	b := make([]byte, bytes)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func randomUUID(t *testing.T) string {
	h := randomHex(t, 16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
