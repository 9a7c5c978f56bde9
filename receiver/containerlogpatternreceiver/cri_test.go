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
