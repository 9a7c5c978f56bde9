// SPDX-License-Identifier: Apache-2.0

package containerid

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	fixtureID       = "8a1b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809"
	fixtureInnerID  = "f3e2d1c0b9a89786756453423120f1e2d3c4b5a6978877665544332211009988"
	fixturePodUID   = "2f1c0e7e-3d52-4d3b-a8d5-0cfcd1d2e0a6"
	fixturePodUIDU  = "2f1c0e7e_3d52_4d3b_a8d5_0cfcd1d2e0a6" // as the systemd driver writes it
	fixtureStaticID = "6b4e6d6f8c2b4a0e9d1f3c5a7b9e0d2c"
)

// TestProcCgroupScenarios reads real-world /proc/<pid>/cgroup contents from
// testdata/proc/<scenario>/cgroup, picks the line of the hierarchy in use and
// classifies it; the expected identity is exact.
func TestProcCgroupScenarios(t *testing.T) {
	k8sSystemdBurstable := "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + fixturePodUIDU + ".slice/"
	k8sSystemdBestEffort := "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + fixturePodUIDU + ".slice/"
	tests := []struct {
		scenario string
		kind     HierarchyKind
		want     Identity
	}{
		{"docker-cgroupfs-v1", V1Memory, Identity{CgroupPath: "/docker/" + fixtureID, ContainerID: fixtureID, Runtime: RuntimeDocker}},
		{"docker-cgroupfs-hybrid", V1Memory, Identity{CgroupPath: "/docker/" + fixtureID, ContainerID: fixtureID, Runtime: RuntimeDocker}},
		{"docker-cgroupfs-hybrid", V2, Identity{CgroupPath: "/docker/" + fixtureID, ContainerID: fixtureID, Runtime: RuntimeDocker}},
		{"docker-systemd-v2", V2, Identity{CgroupPath: "/system.slice/docker-" + fixtureID + ".scope", ContainerID: fixtureID, Runtime: RuntimeDocker}},
		{"docker-systemd-hybrid", V1Memory, Identity{CgroupPath: "/system.slice/docker-" + fixtureID + ".scope", ContainerID: fixtureID, Runtime: RuntimeDocker}},
		{"docker-in-docker-v1", V1Memory, Identity{CgroupPath: "/docker/" + fixtureID + "/docker/" + fixtureInnerID, ContainerID: fixtureInnerID, Runtime: RuntimeDocker}},
		{"docker-systemd-inside-v1", V1Memory, Identity{CgroupPath: "/docker/" + fixtureID + "/system.slice/nginx.service", ContainerID: fixtureID, Runtime: RuntimeDocker}},
		{"containerd-k8s-systemd-v2", V2, Identity{CgroupPath: k8sSystemdBurstable + "cri-containerd-" + fixtureID + ".scope", ContainerID: fixtureID, Runtime: RuntimeContainerd, PodUID: fixturePodUID}},
		{"containerd-k8s-cgroupfs-v1", V1Memory, Identity{CgroupPath: "/kubepods/burstable/pod" + fixturePodUID + "/" + fixtureID, ContainerID: fixtureID, PodUID: fixturePodUID}},
		{"containerd-k8s-cgroupfs-v2", V2, Identity{CgroupPath: "/kubepods/besteffort/pod" + fixturePodUID + "/" + fixtureID, ContainerID: fixtureID, PodUID: fixturePodUID}},
		{"containerd-k8s-guaranteed-systemd-hybrid", V1Memory, Identity{CgroupPath: "/kubepods.slice/kubepods-pod" + fixturePodUIDU + ".slice/cri-containerd-" + fixtureID + ".scope", ContainerID: fixtureID, Runtime: RuntimeContainerd, PodUID: fixturePodUID}},
		{"containerd-k8s-static-pod-cgroupfs-v1", V1Memory, Identity{CgroupPath: "/kubepods/burstable/pod" + fixtureStaticID + "/" + fixtureID, ContainerID: fixtureID, PodUID: fixtureStaticID}},
		{"crio-k8s-systemd-v2", V2, Identity{CgroupPath: k8sSystemdBestEffort + "crio-" + fixtureID + ".scope", ContainerID: fixtureID, Runtime: RuntimeCRIO, PodUID: fixturePodUID}},
		{"crio-k8s-conmon-v2", V2, Identity{CgroupPath: k8sSystemdBestEffort + "crio-conmon-" + fixtureID + ".scope", PodUID: fixturePodUID}},
		{"crio-k8s-cgroupfs-v1", V1Memory, Identity{CgroupPath: "/kubepods/burstable/pod" + fixturePodUID + "/crio-" + fixtureID, ContainerID: fixtureID, Runtime: RuntimeCRIO, PodUID: fixturePodUID}},
		{"dockershim-k8s-systemd-hybrid", V1Memory, Identity{CgroupPath: k8sSystemdBurstable + "docker-" + fixtureID + ".scope", ContainerID: fixtureID, Runtime: RuntimeDocker, PodUID: fixturePodUID}},
		{"dockershim-k8s-systemd-hybrid", V2, Identity{CgroupPath: "/"}},
		{"podman-rootless-v2", V2, Identity{CgroupPath: "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + fixtureID + ".scope/container", ContainerID: fixtureID, Runtime: RuntimePodman}},
		{"systemd-service-v2", V2, Identity{CgroupPath: "/system.slice/nginx.service", SystemdUnit: "nginx.service"}},
		{"systemd-service-hybrid", V1Memory, Identity{CgroupPath: "/system.slice/nginx.service", SystemdUnit: "nginx.service"}},
		// Without MemoryAccounting systemd leaves services in the memory root:
		// the memory hierarchy (what BPF reports on v1) knows nothing more.
		{"systemd-service-v1-no-memory-accounting", V1Memory, Identity{CgroupPath: "/"}},
		{"systemd-service-v1-no-memory-controller", V1Memory, Identity{CgroupPath: "/system.slice/cron.service", SystemdUnit: "cron.service"}},
		{"user-session-v2", V2, Identity{CgroupPath: "/user.slice/user-1000.slice/session-3.scope"}},
		{"user-service-v2", V2, Identity{CgroupPath: "/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.service", SystemdUnit: "dbus.service"}},
		{"root-v2", V2, Identity{CgroupPath: "/"}},
		{"root-hybrid", V1Memory, Identity{CgroupPath: "/"}},
		{"init-scope-v2", V2, Identity{CgroupPath: "/init.scope"}},
		// Read from inside a private cgroup namespace (a pod on a cgroup v2 node):
		// paths are relative to the collector's own cgroup, ancestors cut off.
		{"private-cgroupns-k8s-cgroupfs-v2", V2, Identity{CgroupPath: "/../../../besteffort/pod" + fixturePodUID + "/" + fixtureID, ContainerID: fixtureID, PodUID: fixturePodUID}},
		{"private-cgroupns-k8s-systemd-v2", V2, Identity{CgroupPath: "/../../../kubepods-besteffort.slice/kubepods-besteffort-pod" + fixturePodUIDU + ".slice/cri-containerd-" + fixtureID + ".scope", ContainerID: fixtureID, Runtime: RuntimeContainerd, PodUID: fixturePodUID}},
		{"private-cgroupns-docker-cgroupfs-v2", V2, Identity{CgroupPath: "/../" + fixtureID, ContainerID: fixtureID}},
		{"private-cgroupns-host-service-v2", V2, Identity{CgroupPath: "/../../../../system.slice/nginx.service", SystemdUnit: "nginx.service"}},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.scenario] = true
		t.Run(tt.scenario+"/"+tt.kind.String(), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "proc", tt.scenario, "cgroup"))
			require.NoError(t, err)
			path, err := ParseProcCgroup(data, tt.kind)
			require.NoError(t, err)
			assert.Equal(t, tt.want, Classify(path))
		})
	}
	// A fixture without an expectation is a scenario nobody checks.
	dirs, err := os.ReadDir(filepath.Join("testdata", "proc"))
	require.NoError(t, err)
	for _, d := range dirs {
		if !covered[d.Name()] && !isErrorScenario(d.Name()) {
			t.Errorf("fixture testdata/proc/%s has no expected identity", d.Name())
		}
	}
}

func isErrorScenario(name string) bool { return filepath.HasPrefix(name, "error-") }

func TestParseProcCgroupErrors(t *testing.T) {
	tests := []struct {
		scenario string
		kind     HierarchyKind
		wantErr  string
		wantIs   error
	}{
		{"error-malformed", V2, `parsing cgroup line 2 "this line has no fields"`, nil},
		{"error-empty", V2, "no line for the cgroup hierarchy in use (v2)", ErrNoCgroupLine},
		{"error-empty", V1Memory, "no line for the cgroup hierarchy in use (v1-memory)", ErrNoCgroupLine},
		{"error-v1-only-line-on-v2", V2, "no line for the cgroup hierarchy in use (v2)", ErrNoCgroupLine},
	}
	for _, tt := range tests {
		t.Run(tt.scenario+"/"+tt.kind.String(), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "proc", tt.scenario, "cgroup"))
			require.NoError(t, err)
			path, err := ParseProcCgroup(data, tt.kind)
			require.ErrorContains(t, err, tt.wantErr)
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
			}
			assert.Empty(t, path)
		})
	}
	_, err := ParseProcCgroup([]byte("0::/\n"), HierarchyKind(7))
	assert.ErrorContains(t, err, "unknown hierarchy kind HierarchyKind(7)")
}

func FuzzParseProcCgroup(f *testing.F) {
	dirs, err := os.ReadDir(filepath.Join("testdata", "proc"))
	require.NoError(f, err)
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join("testdata", "proc", d.Name(), "cgroup"))
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, kind := range []HierarchyKind{V2, V1Memory} {
			path, err := ParseProcCgroup(data, kind)
			if err != nil {
				continue
			}
			if path == "" || path[0] != '/' {
				t.Fatalf("parsed path %q does not start with /", path)
			}
			id := Classify(path)
			if id.CgroupPath != path {
				t.Fatalf("Classify changed the path: %q -> %q", path, id.CgroupPath)
			}
			if id.ContainerID != "" && !isContainerID(id.ContainerID) {
				t.Fatalf("Classify returned malformed container id %q", id.ContainerID)
			}
		}
	})
}
