// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/containerid/containeridtest"
	"github.com/otelcol-node/otelcol-node/internal/dockertest"
	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

// dockerScript writes a scripted mix of messages to stdout and stderr, and
// to /var/log/app.log inside the container, then idles so the container's
// root stays reachable.
const dockerScript = `
sleep 2
i=0
while [ $i -lt 30 ]; do echo "INFO user $i logged in from 10.0.0.$i"; i=$((i+1)); done
i=0
while [ $i -lt 20 ]; do echo "ERROR failed to connect to db-$i: timeout after ${i}s" >&2; i=$((i+1)); done
i=0
while [ $i -lt 10 ]; do echo "WARN disk usage $((80+i))% on /data"; i=$((i+1)); done
i=0
while [ $i -lt 3 ]; do
  printf 'ERROR request %d failed\njava.lang.IllegalStateException: boom %d\n\tat com.example.App.handle(App.java:42)\n\tat com.example.App.main(App.java:10)\n' $i $i
  i=$((i+1))
done
mkdir -p /var/log
i=0
while [ $i -lt 25 ]; do echo "WARNING cache miss for key k$i" >> /var/log/app.log; i=$((i+1)); done
echo done > /tmp/finished
exec sleep 3600
`

// TestDockerContainers runs a real container in a private dockerd and checks
// the counts per pattern and level of its json-file log and of a file it
// writes under its own /var/log.
func TestDockerContainers(t *testing.T) {
	d := dockertest.Start(t)
	image := d.Image(t)
	root := d.Docker(t, "info", "--format", "{{.DockerRootDir}}")

	host, _ := containeridtest.Host(t, containerid.Config{DockerSocket: d.Socket()})
	cfg := testConfig()
	cfg.Docker.Enabled = true
	cfg.Docker.ContainersDir = filepath.Join(root, "containers")
	cfg.ContainerFiles.Enabled = true
	cfg.ContainerFiles.RescanInterval = 200 * 1e6 // 200ms
	sink := startMetricsOn(t, cfg, host)

	id := d.Run(t, "--network", "none", "--log-driver", "json-file", image, "sh", "-c", dockerScript)
	// A second container writing the same text proves attribution per container.
	other := d.Run(t, "--network", "none", "--log-driver", "json-file", image, "sh", "-c", `echo "INFO user 1 logged in from 10.0.0.1"; exec sleep 3600`)

	counts := waitTotal(t, sink, id, 30+20+10+3+25)
	waitTotal(t, sink, other, 1)

	type group struct {
		source, level, samplePrefix string
		count                       int64
	}
	want := []group{
		{sourceStdio, "info", "INFO user ", 30},
		{sourceStdio, "error", "ERROR failed to connect to db-", 20},
		{sourceStdio, "warning", "WARN disk usage ", 10},
		{sourceStdio, "error", "ERROR request ", 3},
		{"/var/log/app.log", "warning", "WARNING cache miss for key ", 25},
	}
	for _, w := range want {
		var matched []countKey
		for k := range counts {
			if k.owner == id && k.source == w.source && strings.HasPrefix(k.sample, w.samplePrefix) {
				matched = append(matched, k)
			}
		}
		require.Len(t, matched, 1, "one pattern for %q in %s, got %v", w.samplePrefix, w.source, matched)
		k := matched[0]
		assert.Equal(t, w.count, counts[k], "count of %q", w.samplePrefix)
		assert.Equal(t, w.level, k.level, "level of %q", w.samplePrefix)
		assert.Len(t, k.hash, 16, "pattern hash of %q", w.samplePrefix)
	}

	// The resource carries the name the private engine gave the container.
	md := sink.AllMetrics()[len(sink.AllMetrics())-1]
	name := strings.TrimPrefix(d.Docker(t, "inspect", "--format", "{{.Name}}", id), "/")
	found := false
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		attrs := md.ResourceMetrics().At(i).Resource().Attributes()
		if v, ok := attrs.Get("container.id"); ok && v.Str() == id {
			n, _ := attrs.Get("container.name")
			rt, _ := attrs.Get("container.runtime")
			assert.Equal(t, name, n.Str())
			assert.Equal(t, "docker", rt.Str())
			found = true
		}
	}
	assert.True(t, found, "no resource for container %s", id)
}

// TestDockerRotation lets the Docker engine rotate a container's json-file
// log (max-size/max-file) under a steady writer: every line is counted once.
func TestDockerRotation(t *testing.T) {
	d := dockertest.Start(t)
	image := d.Image(t)
	root := d.Docker(t, "info", "--format", "{{.DockerRootDir}}")

	host, _ := containeridtest.Host(t, containerid.Config{DockerSocket: d.Socket()})
	cfg := testConfig()
	cfg.Docker.Enabled = true
	cfg.Docker.ContainersDir = filepath.Join(root, "containers")
	sink := startMetricsOn(t, cfg, host)

	const lines = 1500
	script := `sleep 1; i=0; while [ $i -lt 1500 ]; do echo "payment $i settled for account acct-$((i*7))"; i=$((i+1)); usleep 1500; done; exec sleep 3600`
	id := d.Run(t, "--network", "none", "--log-driver", "json-file", "--log-opt", "max-size=16k", "--log-opt", "max-file=5", image, "sh", "-c", script)

	waitTotal(t, sink, id, lines)
	rotated, _ := filepath.Glob(filepath.Join(cfg.Docker.ContainersDir, id, id+dockerLogSuffix+".*"))
	assert.NotEmpty(t, rotated, "the engine rotated the log")
}

// TestDockerNameKnownLate: the container identity extension reaches the
// Docker engine only after the receiver first emitted a container's counts
// (its socket appears later, as when dockerd starts after the collector).
// The name shows from a later emission on, in the metrics and in the log
// records, and every emission after keeps it; the labels are then those the
// resolver gives the container's cgroup, which the eBPF receivers emit.
func TestDockerNameKnownLate(t *testing.T) {
	d := dockertest.Start(t)
	image := d.Image(t)
	root := d.Docker(t, "info", "--format", "{{.DockerRootDir}}")
	// Absent until it is linked to the private engine's socket.
	socket := filepath.Join(t.TempDir(), "docker.sock")
	host, resolver := containeridtest.Host(t, containerid.Config{DockerSocket: socket})

	cfg := testConfig()
	cfg.Docker.Enabled = true
	cfg.Docker.ContainersDir = filepath.Join(root, "containers")
	cfg.ContainerIdentity = containeridtest.ID()
	require.NoError(t, cfg.Validate())
	f := NewFactory()
	set := receivertest.NewNopSettings(metadata.Type)
	metricsSink, logsSink := new(consumertest.MetricsSink), new(consumertest.LogsSink)
	mr, err := f.CreateMetrics(context.Background(), set, cfg, metricsSink)
	require.NoError(t, err)
	lr, err := f.CreateLogs(context.Background(), set, cfg, logsSink)
	require.NoError(t, err)
	require.NoError(t, mr.Start(context.Background(), host))
	require.NoError(t, lr.Start(context.Background(), host))
	t.Cleanup(func() {
		require.NoError(t, lr.Shutdown(context.Background()))
		require.NoError(t, mr.Shutdown(context.Background()))
	})

	id := d.Run(t, "--network", "none", "--log-driver", "json-file", image, "sh", "-c",
		`i=0; while true; do echo "INFO tick $i"; i=$((i+1)); usleep 100000; done`)
	name := strings.TrimPrefix(d.Docker(t, "inspect", "--format", "{{.Name}}", id), "/")

	first := -1
	require.Eventually(t, func() bool {
		first = firstEmissionOf(metricsSink.AllMetrics(), id, 0, func(map[string]any) bool { return true })
		return first >= 0
	}, 30*time.Second, 50*time.Millisecond, "no counts of container %s", id)
	attrs := containerResource(metricsSink.AllMetrics()[first], id)
	assert.NotContains(t, attrs, "container.name", "the engine is not reachable yet")
	assert.Equal(t, "docker", attrs["container.runtime"])

	require.NoError(t, os.Symlink(d.Socket(), socket))
	hasName := func(attrs map[string]any) bool { return attrs["container.name"] == name }
	named := -1
	require.Eventually(t, func() bool {
		named = firstEmissionOf(metricsSink.AllMetrics(), id, first+1, hasName)
		return named >= 0
	}, time.Minute, 50*time.Millisecond, "the name %q never showed", name)
	require.Eventually(t, func() bool { return len(metricsSink.AllMetrics()) >= named+5 }, 30*time.Second, 50*time.Millisecond)
	all := metricsSink.AllMetrics()
	for i, md := range all[named:] {
		assert.Equal(t, name, containerResource(md, id)["container.name"], "emission %d after the name was learned", i)
	}

	// Log records shipped from the same point on carry the name too.
	var logResources []map[string]any
	require.Eventually(t, func() bool {
		logResources = logResourcesOf(logsSink.AllLogs(), id)
		for _, attrs := range logResources {
			if hasName(attrs) {
				return true
			}
		}
		return false
	}, 30*time.Second, 50*time.Millisecond, "no log record carries the name")
	seen := false
	for i, attrs := range logResources {
		seen = seen || hasName(attrs)
		if seen {
			assert.Equal(t, name, attrs["container.name"], "log batch %d", i)
		}
	}

	// The labels are the identity of the container's cgroup.
	pid := d.PID(t, id)
	byPID, err := resolver.ByPID(pid)
	require.NoError(t, err)
	cgroupID, err := resolver.CgroupID(byPID.CgroupPath)
	require.NoError(t, err)
	resolver.Observe(cgroupID, uint32(pid))
	var want containerid.Identity
	require.Eventually(t, func() bool {
		var ok bool
		want, ok = resolver.Current(cgroupID, containerid.Identity{})
		return ok && want.Name != ""
	}, 30*time.Second, 50*time.Millisecond)
	wantAttrs := pcommon.NewMap()
	want.CopyToResource(wantAttrs)
	all = metricsSink.AllMetrics()
	assert.Equal(t, wantAttrs.AsRaw(), containerResource(all[len(all)-1], id))
}

// firstEmissionOf returns the index, from from on, of the first emission
// with a resource of containerID whose attributes satisfy ok; -1 if none.
func firstEmissionOf(all []pmetric.Metrics, containerID string, from int, ok func(map[string]any) bool) int {
	for i := from; i < len(all); i++ {
		if attrs := containerResource(all[i], containerID); attrs != nil && ok(attrs) {
			return i
		}
	}
	return -1
}

// containerResource returns the resource attributes of containerID in md,
// nil when md has none.
func containerResource(md pmetric.Metrics, containerID string) map[string]any {
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		attrs := md.ResourceMetrics().At(i).Resource().Attributes().AsRaw()
		if attrs["container.id"] == containerID {
			return attrs
		}
	}
	return nil
}

// logResourcesOf returns, in shipping order, the resource attributes of the
// log records of containerID.
func logResourcesOf(all []plog.Logs, containerID string) []map[string]any {
	var out []map[string]any
	for _, ld := range all {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			attrs := ld.ResourceLogs().At(i).Resource().Attributes().AsRaw()
			if attrs["container.id"] == containerID {
				out = append(out, attrs)
			}
		}
	}
	return out
}
