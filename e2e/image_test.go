// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/otelcol-node/otelcol-node/internal/dockertest"
	"github.com/otelcol-node/otelcol-node/internal/e2etest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// testImage is the tag TestImageRunsDaemonSetPod gives the image it builds.
const testImage = "otelcol-node:e2e"

// TestImageRunsDaemonSetPod builds the image the way `make image` does, on the
// test's private Docker daemon, and runs it as examples/daemonset.yaml runs
// its pod: the same host mounts, host PID and network, read-only root, all
// capabilities dropped but the named ones, the default seccomp profile, and a
// cgroup namespace of its own (the default on cgroup v2 nodes). The readiness
// probe answers, and /metrics attributes a neighbour container's TCP connects,
// error logs and CPU delay to its container id.
func TestImageRunsDaemonSetPod(t *testing.T) {
	testenv.RequireRoot(t)
	bin := e2etest.BinaryPath(t)
	root := e2etest.RepoRoot(t)
	d := dockertest.Start(t)

	build := exec.Command(filepath.Join(root, "build", "image", "build.sh"), bin, testImage)
	build.Env = append(os.Environ(), "DOCKER_HOST="+d.Host(), "DOCKER_CONFIG="+t.TempDir())
	out, err := build.CombinedOutput()
	require.NoError(t, err, "build/image/build.sh:\n%s", out)

	m := decodeManifest(t, filepath.Join(root, "examples", "daemonset.yaml"))
	require.Len(t, m.daemonSets, 1)
	pod := m.daemonSets[0].Spec.Template.Spec
	c := pod.Containers[0]

	// The pod's config with loopback ports of the test's own and a short
	// collection interval; nothing else changes.
	metricsPort, healthPort := e2etest.FreePort(t), e2etest.FreePort(t)
	configDir := t.TempDir()
	configPath := argAfter(c.Args, "--config")
	config := testVariantOfPodConfig(t, configMapData(t, m, "otelcol-node", filepath.Base(configPath)), metricsPort, healthPort)
	require.NoError(t, os.WriteFile(filepath.Join(configDir, filepath.Base(configPath)), []byte(config), 0o644))

	// A neighbour that dials and logs errors, started first so the
	// collector's start-up scan sees it.
	image := d.Image(t)
	open := listenOutsideEphemeral(t)
	go acceptAndClose(open)
	openPort := open.Addr().(*net.TCPAddr).Port
	probe := d.Run(t, "--network", "none", image, "true")
	containersDir := filepath.Dir(filepath.Dir(d.LogPath(t, probe)))
	neighbour := d.Run(t, "--network", "host", image, "sh", "-c", fmt.Sprintf(
		`while :; do nc 127.0.0.1 %d </dev/null; echo "ERROR upstream timed out after 5s"; sleep 0.3; done`, openPort))

	// Host paths as on a node, except what belongs to the test: the config,
	// the state directory, and the private daemon's log directory and socket.
	hostPaths := map[string]string{
		"/var/lib/otelcol-node":      t.TempDir(),
		"/var/lib/docker/containers": containersDir,
		"/run":                       filepath.Dir(d.Socket()),
	}
	args := []string{"--name", "otelcol-node-pod", "--cgroupns", "private"}
	args = append(args, podRunFlags(t, pod, c, configDir, hostPaths)...)
	args = append(args, testImage)
	args = append(args, c.Args...)
	collector := d.Run(t, args...)
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := exec.Command("docker", "-H", d.Host(), "logs", collector).CombinedOutput()
			t.Logf("collector container log:\n%s", logs)
		}
	})

	// The readiness probe of the manifest.
	waitReady(t, fmt.Sprintf("http://127.0.0.1:%d%s", healthPort, c.ReadinessProbe.HTTPGet.Path))

	col := e2etest.Observe(metricsPort)
	labels := map[string]string{"container_id": neighbour}
	errorLabels := map[string]string{"container_id": neighbour, "level": "error"}
	okDest := map[string]string{"container_id": neighbour, "destination": "127.0.0.1:" + strconv.Itoa(openPort)}
	fams := col.WaitFor(t, 90*time.Second, "container_net_tcp_successful_connects_total", func(f e2etest.Families) bool {
		return f.Sum("container_net_tcp_successful_connects_total", okDest) >= 3 &&
			f.Sum("container_log_messages_total", errorLabels) >= 3 &&
			len(f.Samples("container_resources_cpu_delay_seconds_total", labels)) == 1
	})
	// Named through the Docker socket found under /var/run.
	for _, s := range fams.Samples("container_log_messages_total", errorLabels) {
		assert.Equal(t, "docker", s.Labels["container_runtime"], "runtime of %v", s.Labels)
		assert.NotEmpty(t, s.Labels["container_name"], "name of %v", s.Labels)
	}
	// Every receiver of the pod runs: its own health metrics are exported.
	for _, name := range []string{
		"otelcol_node_ebpf_tcp_events_processed_total",
		"otelcol_node_oom_events_total",
		"otelcol_node_delay_acct_processes",
		"otelcol_node_container_log_pattern_lines_read_total",
	} {
		_, ok := fams[name]
		assert.True(t, ok, "%s missing: its receiver does not run in the image", name)
	}
	logs, err := exec.Command("docker", "-H", d.Host(), "logs", collector).CombinedOutput()
	require.NoError(t, err)
	for _, line := range strings.Split(string(logs), "\n") {
		if strings.Contains(line, "\terror\t") {
			t.Errorf("the pod's collector logged an error: %s", line)
		}
	}
	// file_storage writes into the state volume.
	entries, err := os.ReadDir(hostPaths["/var/lib/otelcol-node"])
	require.NoError(t, err)
	assert.NotEmpty(t, entries, "file_storage wrote nothing to the state volume")
}

// dockerPredatesCapability are capabilities newer than the capability list of
// Debian 12's docker.io (20.10): it refuses to start a container naming them.
var dockerPredatesCapability = map[corev1.Capability]bool{"BPF": true, "PERFMON": true}

// capabilityBits are the numbers (linux/capability.h) of the capabilities the
// manifest may name.
var capabilityBits = map[corev1.Capability]uint{
	"DAC_READ_SEARCH": 2, "NET_ADMIN": 12, "SYS_PTRACE": 19, "SYS_ADMIN": 21,
	"SYS_RESOURCE": 24, "PERFMON": 38, "BPF": 39,
}

// inBoundingSet tells whether this process's capability bounding set holds cp.
func inBoundingSet(t *testing.T, cp corev1.Capability) bool {
	t.Helper()
	bit, ok := capabilityBits[cp]
	require.True(t, ok, "capability %s: add its number to capabilityBits", cp)
	status, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(status), "\n") {
		if hex, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			set, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			require.NoError(t, err)
			return set&(1<<bit) != 0
		}
	}
	t.Fatal("/proc/self/status has no CapBnd line")
	return false
}

// podRunFlags translates the pod's namespaces, security context, resources
// and volumes to `docker run` flags. hostPaths replaces a hostPath by a test
// directory; the ConfigMap volume is configDir.
func podRunFlags(t *testing.T, pod corev1.PodSpec, c corev1.Container, configDir string, hostPaths map[string]string) []string {
	t.Helper()
	var flags []string
	if pod.HostNetwork {
		flags = append(flags, "--network", "host")
	}
	if pod.HostPID {
		flags = append(flags, "--pid", "host")
	}
	sc := c.SecurityContext
	require.NotNil(t, sc)
	if sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem {
		flags = append(flags, "--read-only")
	}
	if sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		flags = append(flags, "--security-opt", "no-new-privileges")
	}
	require.False(t, sc.Privileged != nil && *sc.Privileged, "the pod's container is privileged")
	if sc.SeccompProfile != nil {
		// Docker applies its default profile, RuntimeDefault's equivalent.
		require.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, sc.SeccompProfile.Type)
	}
	if caps := sc.Capabilities; caps != nil {
		for _, cp := range caps.Drop {
			flags = append(flags, "--cap-drop", string(cp))
		}
		for _, cp := range caps.Add {
			if dockerPredatesCapability[cp] {
				// Docker < 23 lists capabilities up to kernel 5.7 and rejects
				// the rest; SYS_ADMIN, which the pod also has, allows what
				// BPF and PERFMON do, so the pod's rights are unchanged.
				t.Logf("capability %s: left out for Docker < 23, which does not know it", cp)
				continue
			}
			if !inBoundingSet(t, cp) {
				// A container cannot get what the test process may never have
				// (a sandboxed CI machine): the pod runs with the rest.
				t.Logf("capability %s: left out, not in this machine's bounding set", cp)
				continue
			}
			flags = append(flags, "--cap-add", string(cp))
		}
	}
	if mem, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		flags = append(flags, "--memory", strconv.FormatInt(mem.Value(), 10))
	}
	if cpu, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
		flags = append(flags, "--cpus", strconv.FormatFloat(float64(cpu.MilliValue())/1000, 'f', 3, 64))
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.ResourceFieldRef != nil:
			q := c.Resources.Limits[corev1.ResourceName(strings.TrimPrefix(e.ValueFrom.ResourceFieldRef.Resource, "limits."))]
			flags = append(flags, "--env", e.Name+"="+strconv.FormatInt(q.Value(), 10))
		case e.ValueFrom == nil:
			flags = append(flags, "--env", e.Name+"="+e.Value)
		default:
			t.Fatalf("env %s: no docker equivalent for %v", e.Name, e.ValueFrom)
		}
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	for _, vm := range c.VolumeMounts {
		v := volumes[vm.Name]
		var src string
		switch {
		case v.ConfigMap != nil:
			src = configDir
		case v.HostPath != nil:
			src = v.HostPath.Path
			if p, ok := hostPaths[src]; ok {
				src = p
			}
		default:
			t.Fatalf("volume %s: no docker equivalent", v.Name)
		}
		opts := []string{}
		if vm.ReadOnly {
			opts = append(opts, "ro")
		}
		if vm.MountPropagation != nil && *vm.MountPropagation == corev1.MountPropagationHostToContainer {
			// rslave needs a shared or slave source mount, which a Kubernetes
			// node's / is and this machine's is not; it only matters for a
			// runtime started after the pod, which the test does not do.
			t.Logf("volume %s: mount propagation %s left out", vm.Name, *vm.MountPropagation)
		}
		spec := src + ":" + vm.MountPath
		if len(opts) > 0 {
			spec += ":" + strings.Join(opts, ",")
		}
		flags = append(flags, "--volume", spec)
	}
	return flags
}

// testVariantOfPodConfig moves the pod config's listeners to loopback ports
// of the test and shortens every receiver's collection interval.
func testVariantOfPodConfig(t *testing.T, config string, metricsPort, healthPort int) string {
	t.Helper()
	cfg := map[string]any{}
	require.NoError(t, yaml.Unmarshal([]byte(config), &cfg))
	set := func(value any, keys ...string) {
		m := cfg
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		m[keys[len(keys)-1]] = value
	}
	set(fmt.Sprintf("127.0.0.1:%d", metricsPort), "exporters", "prometheus", "endpoint")
	set(fmt.Sprintf("127.0.0.1:%d", healthPort), "extensions", "health_check", "endpoint")
	for r := range cfg["receivers"].(map[string]any) {
		set("2s", "receivers", r, "collection_interval")
	}
	out, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	return string(out)
}

// waitReady polls a readiness URL the way the kubelet does, until it answers 200.
func waitReady(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			cancel()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = resp.Status
		} else {
			cancel()
			last = err.Error()
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("readiness probe %s did not answer 200 within a minute: %s", url, last)
}
