// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"testing"
	"time"

	"github.com/otelcol-node/otelcol-node/internal/dockertest"
	"github.com/otelcol-node/otelcol-node/internal/e2etest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// A real Docker container under CPU contention -- two busy loops pinned to
// one CPU -- shows its CPU delay in /metrics.
func TestCPUDelayOfDockerContainer(t *testing.T) {
	testenv.RequireRoot(t)
	port := e2etest.FreePort(t)
	c := e2etest.Start(t, pipeline{
		receivers:   "delay_acct:\n  collection_interval: 1s",
		receiverIDs: []string{"delay_acct"},
	}.config(port), port)

	d := dockertest.Start(t)
	busy := d.Run(t, "--network", "none", "--cpuset-cpus", "0", d.Image(t),
		"sh", "-c", "while :; do :; done & while :; do :; done")
	idle := d.Run(t, "--network", "none", d.Image(t), "sleep", "3600")

	const cpuDelay = "container_resources_cpu_delay_seconds_total"
	busyLabels := map[string]string{"container_id": busy}
	start := time.Now()
	fams := c.WaitFor(t, 60*time.Second, cpuDelay, func(f e2etest.Families) bool {
		return f.Sum(cpuDelay, busyLabels) >= 2
	})
	// Two loops sharing one CPU wait about half of the time each: the delay of
	// the container grows at about one second per second of contention.
	if got, elapsed := fams.Sum(cpuDelay, busyLabels), time.Since(start).Seconds(); got < 2 || got > 4*elapsed+10 {
		t.Fatalf("cpu delay of busy container = %vs after %.1fs:\n%s", got, elapsed, fams.Describe(cpuDelay))
	}
	if got := fams.Sum(cpuDelay, map[string]string{"container_id": idle}); got > 0.5 {
		t.Errorf("idle container accumulated %vs of CPU delay", got)
	}
	// Disk delay is reported beside CPU delay under its contract name.
	const diskDelay = "container_resources_disk_delay_seconds_total"
	if series := fams.Samples(diskDelay, busyLabels); len(series) != 1 {
		t.Errorf("want one %s series for the busy container:\n%s", diskDelay, fams.Describe(diskDelay))
	}
}
