// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-node/otelcol-node/internal/dockertest"
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

	cfg := testConfig()
	cfg.Docker.Enabled = true
	cfg.Docker.ContainersDir = filepath.Join(root, "containers")
	cfg.Docker.Socket = d.Socket()
	cfg.ContainerFiles.Enabled = true
	cfg.ContainerFiles.RescanInterval = 200 * 1e6 // 200ms
	sink := startMetrics(t, cfg)

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

	cfg := testConfig()
	cfg.Docker.Enabled = true
	cfg.Docker.ContainersDir = filepath.Join(root, "containers")
	cfg.Docker.Socket = d.Socket()
	sink := startMetrics(t, cfg)

	const lines = 1500
	script := `sleep 1; i=0; while [ $i -lt 1500 ]; do echo "payment $i settled for account acct-$((i*7))"; i=$((i+1)); usleep 1500; done; exec sleep 3600`
	id := d.Run(t, "--network", "none", "--log-driver", "json-file", "--log-opt", "max-size=16k", "--log-opt", "max-file=5", image, "sh", "-c", script)

	waitTotal(t, sink, id, lines)
	rotated, _ := filepath.Glob(filepath.Join(cfg.Docker.ContainersDir, id, id+dockerLogSuffix+".*"))
	assert.NotEmpty(t, rotated, "the engine rotated the log")
}
