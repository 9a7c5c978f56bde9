// SPDX-License-Identifier: Apache-2.0

package oomreceiver

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/dockertest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// TestKubernetesPodContainerOOMKill: a process in a cgroup laid out like a
// Kubernetes (cgroupfs driver) pod container is OOM-killed; exactly one kill
// is counted under its container.id and k8s.pod.uid, and logged with the
// tracepoint's figures. The cgroup is created after the receiver started, as
// a new container's would be. It runs under both cgroup hierarchies: the
// v1 memory limit triggers the kill either way, and the cgroup id the kernel
// reports must be the one of the chosen hierarchy's directory.
func TestKubernetesPodContainerOOMKill(t *testing.T) {
	for _, hierarchy := range kernelTestHierarchies {
		t.Run(hierarchy, func(t *testing.T) {
			for _, tc := range []struct {
				name       string
				opts       sourceOptions
				wantSource string
			}{
				{name: "tp_btf", wantSource: "tp_btf"},
				{name: "tracepoint_fallback", opts: sourceOptions{forceTracepoint: true}, wantSource: "tracepoint"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					tr := startTestReceiver(t, tc.opts, withHierarchy(hierarchy))
					podUID, containerID := randomUUID(t), randomHex(t, 32)
					cg := makeTestCgroup(t, fmt.Sprintf("kubepods/burstable/pod%s/%s", podUID, containerID))

					pid := oomKillInCgroup(t, cg)

					rec, res := tr.waitKillRecord(t, pid)
					tr.recorder.save(t, fixtureScenario("kubepods_"+tc.name, hierarchy), pid)
					assert.Equal(t, []uint64{cgroupInode(t, cg.dirIn(hierarchy))}, tr.recorder.cgroupIDsOf(pid),
						"the kernel reports the id of the %s cgroup", hierarchy)
					assert.Equal(t, containerID, attrStr(res.Attributes(), "container.id"))
					assert.Equal(t, podUID, attrStr(res.Attributes(), "k8s.pod.uid"))
					assert.Equal(t, tc.wantSource, attrStr(rec.Attributes(), "oom.source"))
					assert.Equal(t, "busybox", attrStr(rec.Attributes(), "process.executable.name"))
					assert.Equal(t, fmt.Sprintf("/kubepods/burstable/pod%s/%s", podUID, containerID), attrStr(rec.Attributes(), "oom.cgroup.path"))
					assert.Contains(t, []string{attributedByCgroupID, attributedByCgroupPath}, attrStr(rec.Attributes(), "oom.attribution"),
						"attributed in the kernel, not by a racy /proc lookup")
					anon, _ := rec.Attributes().Get("oom.anon_rss_bytes")
					assert.Greater(t, anon.Int(), int64(4<<20), "the shell grew to several MiB before the kill")
					assert.LessOrEqual(t, anon.Int(), int64(testMemoryLimit))
					vm, _ := rec.Attributes().Get("oom.total_vm_bytes")
					assert.GreaterOrEqual(t, vm.Int(), anon.Int())
					assert.WithinDuration(t, time.Now(), rec.Timestamp().AsTime(), killTimeout)

					// The kill is counted before its log record is consumed
					// (same reader goroutine), so the next scrape has it.
					n, ok := tr.oomKillsOf(t, containerID)
					assert.True(t, ok, "container.oom_kills for %s", containerID)
					assert.Equal(t, int64(1), n)
					// Other threads' marks of the same victim, if any, come
					// right behind the first; later scrapes keep the
					// cumulative value and no second kill appears.
					time.Sleep(300 * time.Millisecond)
					n, _ = tr.oomKillsOf(t, containerID)
					assert.Equal(t, int64(1), n)
					recs, _ := tr.killRecords(pid)
					assert.Len(t, recs, 1)
				})
			}
		})
	}
}

// TestKernelAttributionByCgroupID: with the container's cgroup known to the
// resolver before the kill, attribution must come from the cgroup id alone
// (oom.attribution cgroup_id). Under v2 that only works when the kernel
// reports the v2 id and the resolver maps the unified tree; a v1 id there, or
// a v1 lookup, would fall back to the captured path and fail this test.
func TestKernelAttributionByCgroupID(t *testing.T) {
	for _, hierarchy := range kernelTestHierarchies {
		t.Run(hierarchy, func(t *testing.T) {
			podUID, containerID := randomUUID(t), randomHex(t, 32)
			// Created before the receiver starts: its start-up scan finds it.
			cg := makeTestCgroup(t, fmt.Sprintf("kubepods/burstable/pod%s/%s", podUID, containerID))
			tr := startTestReceiver(t, sourceOptions{}, withHierarchy(hierarchy))

			pid := oomKillInCgroup(t, cg)

			rec, res := tr.waitKillRecord(t, pid)
			assert.Equal(t, []uint64{cgroupInode(t, cg.dirIn(hierarchy))}, tr.recorder.cgroupIDsOf(pid))
			assert.Equal(t, attributedByCgroupID, attrStr(rec.Attributes(), "oom.attribution"))
			assert.Equal(t, containerID, attrStr(res.Attributes(), "container.id"))
			assert.Equal(t, podUID, attrStr(res.Attributes(), "k8s.pod.uid"))
		})
	}
}

// fixtureScenario names the replay fixture of a kernel test: the v1 runs
// keep the names the replay tests read.
func fixtureScenario(name, hierarchy string) string {
	if hierarchy == containerid.HierarchyV1 {
		return name
	}
	return name + "_" + hierarchy
}

// TestHostProcessOOMKill: a process OOM-killed in a cgroup that is no
// container is counted on the resource without container attributes.
func TestHostProcessOOMKill(t *testing.T) {
	for _, hierarchy := range kernelTestHierarchies {
		t.Run(hierarchy, func(t *testing.T) {
			tr := startTestReceiver(t, sourceOptions{}, withHierarchy(hierarchy))
			cg := makeTestCgroup(t, "otelcol-oomtest-"+randomHex(t, 4))

			pid := oomKillInCgroup(t, cg)

			_, res := tr.waitKillRecord(t, pid)
			tr.recorder.save(t, fixtureScenario("host_process", hierarchy), pid)
			assert.Equal(t, []uint64{cgroupInode(t, cg.dirIn(hierarchy))}, tr.recorder.cgroupIDsOf(pid))
			_, hasContainer := res.Attributes().Get("container.id")
			assert.False(t, hasContainer)
			_, hasPod := res.Attributes().Get("k8s.pod.uid")
			assert.False(t, hasPod)
			n, ok := tr.oomKillsOf(t, "")
			assert.True(t, ok, "container.oom_kills without container attributes")
			assert.GreaterOrEqual(t, n, int64(1), "other processes on the machine may be killed too")
		})
	}
}

// TestDockerContainerOOMKill: a real Docker container with a 32 MiB limit
// is OOM-killed; the kill is counted under its 64-hex container.id with the
// Docker runtime and name. On this hybrid host runc puts the container in
// the v1 controllers and in the unified tree, so both hierarchies apply.
func TestDockerContainerOOMKill(t *testing.T) {
	testenv.RequireRoot(t)
	d := dockertest.Start(t)
	image := d.Image(t)
	for _, hierarchy := range kernelTestHierarchies {
		t.Run(hierarchy, func(t *testing.T) {
			tr := startTestReceiver(t, sourceOptions{}, containerid.Config{Hierarchy: hierarchy, DockerSocket: d.Socket()})

			name := "oomtest-" + randomHex(t, 4)
			id := d.Run(t, "--network", "none", "-m", "32m", "--memory-swap", "32m", "--name", name,
				image, "sh", "-c", `x=a; while true; do x=$x$x; done`)

			// Each scrape carries the names the resolver knows then: the
			// engine's event stream names the container within moments.
			var res pcommon.Resource
			require.Eventually(t, func() bool {
				m := tr.scrape(t)
				res = findResource(m, id)
				n, ok := oomKillsIn(m, id)
				return ok && n == 1 && attrStr(res.Attributes(), "container.name") == name
			}, killTimeout, 50*time.Millisecond, "container.oom_kills == 1 for container %s, named %s", id, name)
			t.Logf("resource of the killed container: %v", res.Attributes().AsRaw())
			assert.Equal(t, "docker", attrStr(res.Attributes(), "container.runtime"))

			// The log record of the kill carries the same identity.
			var found bool
			for _, logs := range tr.logs.AllLogs() {
				for i := 0; i < logs.ResourceLogs().Len(); i++ {
					rl := logs.ResourceLogs().At(i)
					if attrStr(rl.Resource().Attributes(), "container.id") != id {
						continue
					}
					found = true
					assert.Equal(t, name, attrStr(rl.Resource().Attributes(), "container.name"))
					rec := rl.ScopeLogs().At(0).LogRecords().At(0)
					assert.Equal(t, "/docker/"+id, attrStr(rec.Attributes(), "oom.cgroup.path"))
				}
			}
			assert.True(t, found, "a kill log record for container %s", id)
		})
	}
}
