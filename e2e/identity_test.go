// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-node/otelcol-node/internal/dockertest"
	"github.com/otelcol-node/otelcol-node/internal/e2etest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// identityFamilies are the metric families of the four receivers, one per
// receiver: a container they all saw must carry the same labels in each.
var identityFamilies = []string{mSuccessful, mOOMKills, mCPUDelay, mLogs}

// identityLabels are the labels that name a container.
var identityLabels = []string{
	"container_id", "container_name", "container_image_name", "container_runtime",
	"k8s_pod_uid", "k8s_pod_name", "k8s_namespace_name", "k8s_container_name",
}

// identityPort is the listener the identity test's workloads connect to,
// outside the ephemeral range and apart from the other tests' ports.
const identityPort = 28090

// TestSameIdentityInEveryFamily runs the default config against a Docker
// container and a pod-style cgroup whose names become known only after
// their first events: the engine's socket appears late, and so does the
// kubelet's log directory of the pod. Every receiver sees both (connects,
// an OOM kill, CPU delay, log lines); once the names are known, each family
// carries them, with the same container, pod and namespace labels in all.
func TestSameIdentityInEveryFamily(t *testing.T) {
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "bash")
	benchDir(t)
	enableDelayAccounting(t)
	d := dockertest.Start(t)
	image := d.Image(t)
	probe := d.Run(t, "--network", "none", image, "true")

	// The collector is pointed at a socket path that does not exist yet.
	lateSocket := filepath.Join(t.TempDir(), "docker.sock")
	port := e2etest.FreePort(t)
	node := dockerNode{socket: lateSocket, containersDir: filepath.Dir(filepath.Dir(d.LogPath(t, probe)))}
	c := e2etest.StartWith(t, e2etest.Options{Args: defaultConfigArgs(t, port, e2etest.FreePort(t), node)}, port)

	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(identityPort))
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go acceptAndClose(ln)

	dockerName := "otn-ident-" + fakeContainerID(t)[:8]
	dockerID := d.Run(t, "--name", dockerName, "--network", "host", "--cpuset-cpus", "0",
		"--memory", "32m", "--memory-swap", "32m", image, "sh", "-c", fmt.Sprintf(
			`while :; do :; done & while :; do :; done & (%s); `+
				`i=0; while :; do i=$((i+1)); nc 127.0.0.1 %d </dev/null; echo "INFO request $i served in 12ms"; sleep 0.5; done`,
			memoryHog, identityPort))

	pod := startPodWorkloads(t)

	// Before the names: every family has both, unnamed.
	seen := func(f e2etest.Families, match map[string]string) bool {
		for _, name := range identityFamilies {
			if len(f.Samples(name, match)) == 0 {
				return false
			}
		}
		return true
	}
	fams := waitForFamilies(t, c, 120*time.Second, func(f e2etest.Families) bool {
		return seen(f, map[string]string{"container_id": dockerID}) && seen(f, map[string]string{"container_id": pod.containerID})
	})
	for _, name := range identityFamilies {
		for _, s := range fams.Samples(name, map[string]string{"container_id": dockerID}) {
			require.Empty(t, s.Labels["container_name"], "%s named the container before its engine answered", name)
		}
		for _, s := range fams.Samples(name, map[string]string{"container_id": pod.containerID}) {
			require.Empty(t, s.Labels["k8s_pod_name"], "%s named the pod before its log directory existed", name)
		}
	}

	// The names arrive.
	require.NoError(t, os.Symlink(d.Socket(), lateSocket))
	pod.createKubeletLogDirs(t)

	dockerNamed := map[string]string{"container_id": dockerID, "container_name": dockerName}
	podNamed := map[string]string{"container_id": pod.containerID, "k8s_pod_name": pod.name}
	// The pod's stdout, read from the kubelet's CRI file, is named like the
	// rest of the container: its id comes from the kubelet's link.
	podStdout := map[string]string{"container_id": pod.containerID, "k8s_pod_name": pod.name, "source": "stdout/stderr"}
	fams = waitForFamilies(t, c, 90*time.Second, func(f e2etest.Families) bool {
		return seen(f, dockerNamed) && seen(f, podNamed) && len(f.Samples(mLogs, podStdout)) > 0
	})
	assertOneIdentity(t, fams, dockerNamed)
	assertOneIdentity(t, fams, podNamed)
	podLabels := fams.Samples(mSuccessful, podNamed)[0].Labels
	require.Equal(t, pod.namespace, podLabels["k8s_namespace_name"])
	require.Equal(t, pod.uid, podLabels["k8s_pod_uid"])
	require.Equal(t, pod.container, podLabels["k8s_container_name"])
}

// waitForFamilies scrapes until ready holds, and fails showing every
// identity family.
func waitForFamilies(t *testing.T, c *e2etest.Collector, timeout time.Duration, ready func(e2etest.Families) bool) e2etest.Families {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		fams := c.Scrape(t)
		if ready(fams) {
			return fams
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, name := range identityFamilies {
				b.WriteString(fams.Describe(name) + "\n")
			}
			t.Fatalf("not every family shows the workloads within %v:\n%s", timeout, b.String())
		}
		time.Sleep(time.Second)
	}
}

// assertOneIdentity checks that every series matching named, in every
// family, carries the same identity labels.
func assertOneIdentity(t *testing.T, fams e2etest.Families, named map[string]string) {
	t.Helper()
	identities := map[string][]string{}
	for _, name := range identityFamilies {
		for _, s := range fams.Samples(name, named) {
			var id []string
			for _, l := range identityLabels {
				id = append(id, l+"="+s.Labels[l])
			}
			key := strings.Join(id, ",")
			identities[key] = append(identities[key], name)
		}
	}
	if len(identities) != 1 {
		var b strings.Builder
		for id, families := range identities {
			fmt.Fprintf(&b, "  %s in %v\n", id, families)
		}
		t.Errorf("container %v has %d identities across the families:\n%s", named, len(identities), b.String())
	}
}

// podWorkloads run in a pod-style cgroup (kubepods/besteffort/pod<uid>/<id>,
// as the kubelet's cgroupfs driver lays it out) with no kubelet log
// directory until createKubeletLogDirs.
type podWorkloads struct {
	uid, name, namespace, container string
	containerID                     string
	logFile                         string
}

func startPodWorkloads(t *testing.T) *podWorkloads {
	t.Helper()
	id := fakeContainerID(t)
	p := &podWorkloads{
		uid:         fmt.Sprintf("%s-%s-%s-%s-%s", id[:8], id[8:12], id[12:16], id[16:20], id[20:32]),
		name:        "web-" + id[:5],
		namespace:   "shop",
		container:   "server",
		containerID: id,
		logFile:     fmt.Sprintf("/var/log/otn-ident-%s.log", id[:12]),
	}
	t.Cleanup(func() { _ = os.Remove(p.logFile) })
	cg := "kubepods/besteffort/pod" + p.uid + "/" + id
	const secs = "150s"
	// The log writer starts after container_files' first rescan of the cgroup.
	startWorkload(t, "log-writer.sh", "--file", p.logFile, "--rate", "5", "--duration", secs, "--wait-before", "12s", "--cgroup", cg)
	startWorkload(t, "cpu-contention.sh", "--threads", "4", "--duration", secs, "--cgroup", cg)
	startWorkload(t, "oom.sh", "--count", "1", "--limit-mib", "32", "--pause", "1", "--cgroup", cg, "--keep")
	script := fmt.Sprintf(`end=$((SECONDS+150)); while [ $SECONDS -lt $end ]; do (exec 3<>/dev/tcp/127.0.0.1/%d) 2>/dev/null; sleep 0.5; done`, identityPort)
	startWorkload(t, "cgroup-run.sh", "--keep", cg, "--", "bash", "-c", script)
	return p
}

// createKubeletLogDirs lays out what the kubelet writes for the pod's
// container: /var/log/pods/<ns>_<pod>_<uid>/<container>/0.log, with a few
// lines of its stdout in the CRI format, and the
// /var/log/containers/<pod>_<ns>_<container>-<id>.log symlink to it.
func (p *podWorkloads) createKubeletLogDirs(t *testing.T) {
	t.Helper()
	podDir := filepath.Join("/var/log/pods", p.namespace+"_"+p.name+"_"+p.uid)
	require.NoError(t, os.MkdirAll(filepath.Join(podDir, p.container), 0o755))
	t.Cleanup(func() { _ = os.RemoveAll(podDir) })
	require.NoError(t, os.MkdirAll("/var/log/containers", 0o755))
	link := filepath.Join("/var/log/containers", p.name+"_"+p.namespace+"_"+p.container+"-"+p.containerID+".log")
	require.NoError(t, os.Symlink(filepath.Join(podDir, p.container, "0.log"), link))
	t.Cleanup(func() { _ = os.Remove(link) })
	var stdout strings.Builder
	for i := range 5 {
		fmt.Fprintf(&stdout, "%s stdout F INFO cart %d checked out\n", time.Now().UTC().Format(time.RFC3339Nano), i)
	}
	require.NoError(t, os.WriteFile(filepath.Join(podDir, p.container, "0.log"), []byte(stdout.String()), 0o644))
}
