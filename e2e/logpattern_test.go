// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otelcol-node/otelcol-node/internal/dockertest"
	"github.com/otelcol-node/otelcol-node/internal/e2etest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// A real Docker container (json-file driver) writes a scripted mix of
// messages: /metrics counts them exactly per level and pattern, under the
// container's id, with a sample of each pattern.
func TestLogPatternsOfDockerContainer(t *testing.T) {
	testenv.RequireRoot(t)
	d := dockertest.Start(t)
	image := d.Image(t)
	// A throwaway container tells where this daemon keeps json-file logs.
	probe := d.Run(t, "--network", "none", image, "true")
	containersDir := filepath.Dir(filepath.Dir(d.LogPath(t, probe)))

	port := e2etest.FreePort(t)
	c := e2etest.Start(t, pipeline{
		receivers: fmt.Sprintf(`container_log_pattern:
  collection_interval: 1s
  poll_interval: 500ms
  container_identity: container_identity
  docker:
    containers_dir: %s
  cri:
    enabled: false
  journald:
    enabled: false
  container_files:
    enabled: false`, containersDir),
		receiverIDs: []string{"container_log_pattern"},
		extensions:  "container_identity:\n  docker_socket: " + d.Socket(),
	}.config(port), port)

	// start_at: end applies to the files the first poll finds, one
	// poll_interval (500 ms here) after start: a container started before
	// it would be read from its end.
	time.Sleep(2 * time.Second)

	var script strings.Builder
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&script, "echo 'INFO user u%d logged in from 10.0.0.%d'; ", i, i)
	}
	for i := 1; i <= 3; i++ {
		fmt.Fprintf(&script, "echo 'ERROR failed to connect to database db-%d: connection refused after %dms' >&2; ", i, 100*i)
	}
	for i := 1; i <= 2; i++ {
		fmt.Fprintf(&script, "echo 'WARN disk usage of /data%d at %d%%'; ", i, 80+i)
	}
	script.WriteString("sleep 3600")
	id := d.Run(t, "--network", "none", image, "sh", "-c", script.String())

	const messages = "container_log_messages_total"
	want := map[string]float64{"info": 5, "error": 3, "warning": 2}
	fams := c.WaitFor(t, 60*time.Second, messages, func(f e2etest.Families) bool {
		for level, n := range want {
			if f.Sum(messages, map[string]string{"container_id": id, "level": level}) < n {
				return false
			}
		}
		return true
	})
	time.Sleep(2 * time.Second)
	fams = c.Scrape(t)
	for level, n := range want {
		series := fams.Samples(messages, map[string]string{"container_id": id, "level": level})
		if len(series) != 1 || series[0].Value != n {
			t.Errorf("level %s: want one pattern counted %v times, got:\n%s", level, n, fams.Describe(messages))
			continue
		}
		if series[0].Labels["pattern_hash"] == "" || series[0].Labels["sample"] == "" {
			t.Errorf("level %s: series lacks pattern_hash or sample: %v", level, series[0].Labels)
		}
		if series[0].Labels["source"] == "" {
			t.Errorf("level %s: series lacks source: %v", level, series[0].Labels)
		}
	}
	if got := fams.Sum(messages, map[string]string{"container_id": id}); got != 10 {
		t.Errorf("total messages of the container = %v, want 10:\n%s", got, fams.Describe(messages))
	}
}
