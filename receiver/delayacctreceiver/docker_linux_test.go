// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/dockertest"
)

// TestDockerContainerUnderContention runs real containers on a private Docker
// daemon: one with two busy loops on one CPU, one asleep. The busy one shows
// its CPU delay, named as Docker names it. runc puts the containers in the
// v1 controllers and the unified tree of this hybrid host, so it runs under
// both cgroup hierarchies.
func TestDockerContainerUnderContention(t *testing.T) {
	requireTaskstats(t)
	d := dockertest.Start(t)
	image := d.Image(t)
	busy := d.Run(t, "--network", "none", "--cpuset-cpus", "0", "--name", "delay-busy", image,
		"sh", "-c", "while :; do :; done & while :; do :; done")
	idle := d.Run(t, "--network", "none", "--cpuset-cpus", "0", "--name", "delay-idle", image, "sleep", "3600")

	for _, hierarchy := range kernelTestHierarchies {
		t.Run(hierarchy, func(t *testing.T) {
			s := startScraperWith(t, createDefaultConfig().(*Config), containerid.Config{Hierarchy: hierarchy, DockerSocket: d.Socket()})

			first := scrape(t, s)
			start := time.Now()
			busyBefore, ok := containerValue(t, first, busy, "container.resources.cpu.delay")
			require.True(t, ok, "busy container reported")
			idleBefore, ok := containerValue(t, first, idle, "container.resources.cpu.delay")
			require.True(t, ok, "idle container reported")
			time.Sleep(3 * time.Second)
			second := scrape(t, s)
			elapsed := time.Since(start).Seconds()
			busyAfter, _ := containerValue(t, second, busy, "container.resources.cpu.delay")
			idleAfter, _ := containerValue(t, second, idle, "container.resources.cpu.delay")

			assert.GreaterOrEqual(t, busyAfter-busyBefore, elapsed/2, "busy container CPU delay over %.1fs", elapsed)
			assert.Less(t, idleAfter-idleBefore, 0.05, "sleeping container CPU delay")
			res := resourceOf(second, busy)
			assert.Equal(t, busy, res["container.id"])
			assert.Equal(t, "delay-busy", res["container.name"])
			assert.Equal(t, "docker", res["container.runtime"])
			assert.Contains(t, res["container.image.name"], "busybox")
		})
	}
}

func resourceOf(m pmetric.Metrics, containerID string) map[string]any {
	rms := m.ResourceMetrics()
	for i := range rms.Len() {
		attrs := rms.At(i).Resource().Attributes()
		if id, ok := attrs.Get("container.id"); ok && id.Str() == containerID {
			return attrs.AsRaw()
		}
	}
	return nil
}
