// SPDX-License-Identifier: Apache-2.0

package containerid

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

const (
	// privateNSTargetEnv hands the pid to resolve to the helper process.
	privateNSTargetEnv = "OTELCOL_NODE_PRIVATE_CGROUPNS_TARGET"
	// privateNSResultPrefix marks the helper's answer in its output.
	privateNSResultPrefix = "IDENTITY "
)

// TestByPIDFromPrivateCgroupNamespace runs the resolver the way a DaemonSet pod
// on a cgroup v2 node does: in a cgroup namespace of its own, rooted at the
// collector's container cgroup. Another pod's process then shows in
// /proc/<pid>/cgroup as "/../../../burstable/pod<uid>/<id>", without the
// kubepods level, and must still resolve to its pod and container.
func TestByPIDFromPrivateCgroupNamespace(t *testing.T) {
	testenv.RequireRoot(t)
	unshare := testenv.RequireCommand(t, "unshare")
	h, err := DetectHierarchy(DefaultCgroupRoot)
	testenv.Require(t, err == nil, fmt.Sprintf("a readable cgroup hierarchy under %s (%v)", DefaultCgroupRoot, err))

	// The collector's own pod and the workload's pod, in different QoS classes
	// so that the common ancestor is the kubepods level itself.
	collectorDir := makeCgroup(t, h.MountPoint, "/kubepods/besteffort/pod"+randomPodUID(t)+"/"+randomHex(t, 32))
	podUID, containerID := randomPodUID(t), randomHex(t, 32)
	workloadPath := "/kubepods/burstable/pod" + podUID + "/" + containerID
	workloadDir := makeCgroup(t, h.MountPoint, workloadPath)

	workload := exec.Command("sleep", "300")
	require.NoError(t, workload.Start())
	t.Cleanup(func() {
		_ = workload.Process.Kill()
		_ = workload.Wait()
	})
	require.NoError(t, os.WriteFile(filepath.Join(workloadDir, "cgroup.procs"), []byte(strconv.Itoa(workload.Process.Pid)), 0o644))

	// The shell moves itself into the collector's cgroup, then unshare makes
	// that cgroup the root of a new cgroup namespace and runs the helper there.
	script := fmt.Sprintf(`echo $$ > %s/cgroup.procs && exec %s --cgroup "$0"`,
		collectorDir, unshare)
	helper := exec.Command("sh", "-c", script, os.Args[0])
	helper.Env = append(os.Environ(), privateNSTargetEnv+"="+strconv.Itoa(workload.Process.Pid))
	out, err := helper.CombinedOutput()
	require.NoError(t, err, "helper under unshare --cgroup:\n%s", out)

	var got Identity
	found := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), privateNSResultPrefix); ok {
			require.NoError(t, json.Unmarshal([]byte(rest), &got))
			found = true
		}
	}
	require.True(t, found, "helper printed no identity:\n%s", out)
	// Seen from the namespace, the path climbs from the collector's container
	// to kubepods (three levels) and descends into the workload's pod.
	assert.Equal(t, Identity{
		CgroupPath:  "/../../../burstable/pod" + podUID + "/" + containerID,
		ContainerID: containerID,
		PodUID:      podUID,
	}, got)
}

// TestMain lets the test binary double as the process
// TestByPIDFromPrivateCgroupNamespace starts inside a new cgroup namespace.
func TestMain(m *testing.M) {
	if target := os.Getenv(privateNSTargetEnv); target != "" {
		if err := resolveFromPrivateNamespace(target); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// resolveFromPrivateNamespace resolves the target pid with a fresh resolver and
// prints the identity as JSON after privateNSResultPrefix.
func resolveFromPrivateNamespace(target string) error {
	pid, err := strconv.Atoi(target)
	if err != nil {
		return fmt.Errorf("%s=%q: %w", privateNSTargetEnv, target, err)
	}
	r, err := NewResolver(Config{DisableDocker: true}, zap.NewNop())
	if err != nil {
		return err
	}
	defer r.Close()
	// Inside the namespace the process's own cgroup is the namespace root.
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return err
	}
	own, err := ParseProcCgroup(self, r.Hierarchy().Kind)
	if err != nil {
		return err
	}
	if own != "/" {
		return fmt.Errorf("not in a cgroup namespace of its own: /proc/self/cgroup says %q", own)
	}
	ident, err := r.ByPID(pid)
	if err != nil {
		return err
	}
	b, err := json.Marshal(ident)
	if err != nil {
		return err
	}
	fmt.Println(privateNSResultPrefix + string(b))
	return nil
}
