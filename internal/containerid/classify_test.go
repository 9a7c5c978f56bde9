// SPDX-License-Identifier: Apache-2.0

package containerid

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// TestClassifyEdgeCases covers what the /proc fixtures do not: near misses that
// must not be taken for containers or pods.
func TestClassifyEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		path string
		want Identity
	}{
		{"empty path", "", Identity{}},
		{"63 hex is no container id", "/docker/" + fixtureID[:63], Identity{CgroupPath: "/docker/" + fixtureID[:63]}},
		{"upper-case hex is no container id", "/docker/8A1B" + fixtureID[4:], Identity{CgroupPath: "/docker/8A1B" + fixtureID[4:]}},
		{"unknown scope prefix", "/system.slice/foo-" + fixtureID + ".scope", Identity{CgroupPath: "/system.slice/foo-" + fixtureID + ".scope"}},
		{"pod segment outside kubepods", "/pod" + fixturePodUID, Identity{CgroupPath: "/pod" + fixturePodUID}},
		{"malformed pod uid", "/kubepods/burstable/pod2f1c0e7e3d524d3ba8d50cfcd1d2e0a6xxxx", Identity{CgroupPath: "/kubepods/burstable/pod2f1c0e7e3d524d3ba8d50cfcd1d2e0a6xxxx"}},
		{"pod level, no container", "/kubepods/burstable/pod" + fixturePodUID, Identity{CgroupPath: "/kubepods/burstable/pod" + fixturePodUID, PodUID: fixturePodUID}},
		{"qos slice is no pod", "/kubepods.slice/kubepods-burstable.slice", Identity{CgroupPath: "/kubepods.slice/kubepods-burstable.slice"}},
		{"bare id outside kubepods", "/default/" + fixtureID, Identity{CgroupPath: "/default/" + fixtureID, ContainerID: fixtureID}},
		{"bare .service is no unit", "/.service", Identity{CgroupPath: "/.service"}},
		{"namespace-relative pod segment counts", "/../pod" + fixturePodUID, Identity{CgroupPath: "/../pod" + fixturePodUID, PodUID: fixturePodUID}},
		{"namespace-relative docker parent still tells the runtime", "/../../docker/" + fixtureID, Identity{CgroupPath: "/../../docker/" + fixtureID, ContainerID: fixtureID, Runtime: RuntimeDocker}},
		{"namespace root itself", "/..", Identity{CgroupPath: "/.."}},
		{"dot-dot below the root is not namespace-relative", "/x/../pod" + fixturePodUID, Identity{CgroupPath: "/x/../pod" + fixturePodUID}},
		{"delegated subtree of a service", "/system.slice/nginx.service/worker", Identity{CgroupPath: "/system.slice/nginx.service/worker", SystemdUnit: "nginx.service"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Classify(tt.path))
		})
	}
}

func TestCopyToResource(t *testing.T) {
	full := Identity{
		CgroupPath:       "/kubepods/burstable/pod" + fixturePodUID + "/" + fixtureID,
		ContainerID:      fixtureID,
		Runtime:          RuntimeContainerd,
		PodUID:           fixturePodUID,
		Name:             "web",
		ImageName:        "nginx",
		PodName:          "web-5d8c7",
		PodNamespace:     "shop",
		K8sContainerName: "nginx",
	}
	attrs := pcommon.NewMap()
	attrs.PutStr("host.name", "node-1") // existing attributes stay
	full.CopyToResource(attrs)
	assert.Equal(t, map[string]any{
		"host.name":            "node-1",
		"container.id":         fixtureID,
		"container.runtime":    "containerd",
		"container.name":       "web",
		"container.image.name": "nginx",
		"k8s.pod.uid":          fixturePodUID,
		"k8s.pod.name":         "web-5d8c7",
		"k8s.namespace.name":   "shop",
		"k8s.container.name":   "nginx",
	}, attrs.AsRaw())

	service := pcommon.NewMap()
	Classify("/system.slice/nginx.service").CopyToResource(service)
	assert.Equal(t, map[string]any{"systemd.unit.name": "nginx.service"}, service.AsRaw(), "empty values are omitted")

	root := pcommon.NewMap()
	Classify("/").CopyToResource(root)
	assert.Equal(t, 0, root.Len())
}

func TestIsContainer(t *testing.T) {
	assert.True(t, Classify("/docker/"+fixtureID).IsContainer())
	assert.False(t, Classify("/system.slice/nginx.service").IsContainer())
	assert.False(t, Identity{}.IsContainer())
}

func FuzzClassify(f *testing.F) {
	f.Add("/docker/" + fixtureID)
	f.Add("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + fixturePodUIDU + ".slice/crio-" + fixtureID + ".scope")
	f.Add("/system.slice/nginx.service")
	f.Fuzz(func(t *testing.T, path string) {
		id := Classify(path)
		if id.CgroupPath != path {
			t.Fatalf("path changed: %q -> %q", path, id.CgroupPath)
		}
		if id.ContainerID != "" && !isContainerID(id.ContainerID) {
			t.Fatalf("malformed container id %q from %q", id.ContainerID, path)
		}
		if id.PodUID != "" && !isPodUID(id.PodUID) {
			t.Fatalf("malformed pod uid %q from %q", id.PodUID, path)
		}
		if id.IsContainer() && id.SystemdUnit != "" {
			t.Fatalf("container %q also got unit %q", id.ContainerID, id.SystemdUnit)
		}
	})
}
