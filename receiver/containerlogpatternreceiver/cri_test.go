// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/containerid/containeridtest"
)

func criLine(stream, tag, text string) string {
	return fmt.Sprintf("%s %s %s %s\n", time.Now().UTC().Format(time.RFC3339Nano), stream, tag, text)
}

// TestCRIFiles writes CRI log files in the kubelet layout and checks each
// message is attributed to its pod and container, partial lines are joined
// and stack traces are one message.
func TestCRIFiles(t *testing.T) {
	podsDir := t.TempDir()
	const (
		apiUID = "9f1c2d3e-0000-4a4a-8b8b-123456789abc"
		dbUID  = "1a2b3c4d-1111-4c4c-9d9d-abcdef012345"
	)
	apiLog := filepath.Join(podsDir, "shop_api-7d9f_"+apiUID, "server", "0.log")
	sidecarLog := filepath.Join(podsDir, "shop_api-7d9f_"+apiUID, "proxy", "0.log")
	dbLog := filepath.Join(podsDir, "data_db-0_"+dbUID, "postgres", "3.log")

	cfg := testConfig()
	cfg.CRI.Enabled = true
	cfg.CRI.PodsDir = podsDir
	sink := startMetrics(t, cfg)
	// Files that exist at the first poll are read from their end; these
	// appear later and are read whole.
	time.Sleep(4 * cfg.PollInterval)

	var api strings.Builder
	for i := range 12 {
		api.WriteString(criLine("stdout", "F", fmt.Sprintf("GET /items/%d 200 %dms", i, i+3)))
	}
	// One long line the runtime split into three partial entries.
	api.WriteString(criLine("stdout", "P", "POST /orders 500 "))
	api.WriteString(criLine("stdout", "P", "upstream payment-svc "))
	api.WriteString(criLine("stdout", "F", "timed out"))
	// A Go panic on stderr: one message.
	for _, l := range []string{"panic: runtime error: invalid memory address or nil pointer dereference", "", "goroutine 1 [running]:", "main.main()", "\t/src/main.go:12 +0x1d"} {
		api.WriteString(criLine("stderr", "F", l))
	}
	api.WriteString("this is not a CRI line\n")
	writeFile(t, apiLog, api.String())

	var sidecar strings.Builder
	for i := range 4 {
		sidecar.WriteString(criLine("stdout", "F", fmt.Sprintf("upstream connect error %d", i)))
	}
	writeFile(t, sidecarLog, sidecar.String())

	var db strings.Builder
	for i := range 6 {
		db.WriteString(criLine("stderr", "F", fmt.Sprintf("checkpoint complete: wrote %d buffers", i*10)))
	}
	writeFile(t, dbLog, db.String())

	counts := waitTotal(t, sink, apiUID+"/server", 12+1+1)
	waitTotal(t, sink, apiUID+"/proxy", 4)
	waitTotal(t, sink, dbUID+"/postgres", 6)

	samples := map[string]int64{}
	for k, v := range counts {
		if k.owner == apiUID+"/server" {
			assert.Equal(t, sourceStdio, k.source)
			samples[k.sample] += v
		}
	}
	assert.Equal(t, int64(1), samples["POST /orders 500 upstream payment-svc timed out"], "partial lines joined: %v", samples)
	assert.Equal(t, int64(1), samples["panic: runtime error: invalid memory address or nil pointer dereference"], "panic is one message: %v", samples)
	assert.Equal(t, int64(1), selfMetric(sink, "otelcol_node.container_log_pattern.lines_invalid"), "the malformed line is counted")

	// The pod's identity comes from its log path.
	md := sink.AllMetrics()[len(sink.AllMetrics())-1]
	found := false
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		attrs := md.ResourceMetrics().At(i).Resource().Attributes().AsRaw()
		if attrs["k8s.pod.uid"] == dbUID {
			assert.Equal(t, map[string]any{"k8s.pod.uid": dbUID, "k8s.pod.name": "db-0", "k8s.namespace.name": "data", "k8s.container.name": "postgres"}, attrs)
			found = true
		}
	}
	assert.True(t, found)
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

// writeFileWhole puts content in place at once, as a runtime writes a line.
// A poll can catch a long os.WriteFile half copied into the page cache, cut
// the line at max_log_size there and read the rest as one more line.
func writeFileWhole(t testing.TB, path, content string) {
	t.Helper()
	writeFile(t, path+".tmp", content)
	require.NoError(t, os.Rename(path+".tmp", path))
}

// TestCRIFilesCarryTheirContainerID: a CRI log file gets the id of the
// container that writes it from the kubelet's /var/log/containers link to
// it, each restart (<n>.log) its own, whatever prefix the link's target has
// (the host's path, while the collector mounts the directory elsewhere); a
// link made later adds the id from a later emission on.
func TestCRIFilesCarryTheirContainerID(t *testing.T) {
	podsDir, containersDir := t.TempDir(), t.TempDir()
	procRoot, cgroupRoot, _ := fakeNode(t)
	const uid = "5e6f7a8b-2222-4d4d-8e8e-0123456789ab"
	podDir := "shop_cart-5c_" + uid
	firstID, restartID, lateID := strings.Repeat("1a", 32), strings.Repeat("2b", 32), strings.Repeat("3c", 32)
	link := func(container, id, target string) {
		require.NoError(t, os.Symlink(target, filepath.Join(containersDir, "cart-5c_shop_"+container+"-"+id+".log")))
	}
	link("server", firstID, filepath.Join(podsDir, podDir, "server", "0.log"))
	link("server", restartID, filepath.Join("/var/log/pods", podDir, "server", "1.log"))

	host, _ := containeridtest.Host(t, containerid.Config{
		ProcRoot: procRoot, CgroupRoot: cgroupRoot, PodLogsDir: podsDir, ContainerLogsDir: containersDir, DisableDocker: true,
	})
	cfg := testConfig()
	cfg.CRI.Enabled = true
	cfg.CRI.PodsDir = podsDir
	sink := startMetricsOn(t, cfg, host)
	time.Sleep(4 * cfg.PollInterval)

	lines := func(n int, text string) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(criLine("stdout", "F", fmt.Sprintf("%s %d", text, i)))
		}
		return b.String()
	}
	writeFile(t, filepath.Join(podsDir, podDir, "server", "0.log"), lines(3, "cart loaded items"))
	writeFile(t, filepath.Join(podsDir, podDir, "server", "1.log"), lines(5, "cart loaded items"))
	writeFile(t, filepath.Join(podsDir, podDir, "worker", "0.log"), lines(2, "job finished in ms"))

	waitTotal(t, sink, firstID, 3)
	counts := waitTotal(t, sink, restartID, 5)
	assert.Equal(t, int64(2), totalFor(counts, uid+"/worker"), "a file without a link keeps its pod identity")

	md := sink.AllMetrics()[len(sink.AllMetrics())-1]
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		attrs := md.ResourceMetrics().At(i).Resource().Attributes().AsRaw()
		if attrs["container.id"] == restartID {
			assert.Equal(t, map[string]any{"container.id": restartID, "k8s.pod.uid": uid, "k8s.pod.name": "cart-5c",
				"k8s.namespace.name": "shop", "k8s.container.name": "server"}, attrs)
		}
	}

	link("worker", lateID, filepath.Join(podsDir, podDir, "worker", "0.log"))
	waitTotal(t, sink, lateID, 2)
}
