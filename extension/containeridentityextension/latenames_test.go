// SPDX-License-Identifier: Apache-2.0

package containeridentityextension

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelcol-node/otelcol-node/extension/containeridentityextension/internal/metadatatest"
	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// fakeEngine serves the part of the Docker Engine API the resolver uses on
// a unix socket: the container event stream, the listing (held until the
// test opens listed) and inspect (which knows nothing).
type fakeEngine struct {
	socket  string
	listed  chan struct{}
	events  chan string
	closing chan struct{}
}

func newFakeEngine(t *testing.T) *fakeEngine {
	// A unix socket path is limited to 108 bytes; t.TempDir() can be longer.
	dir, err := os.MkdirTemp("", "cid")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	e := &fakeEngine{
		socket:  filepath.Join(dir, "docker.sock"),
		listed:  make(chan struct{}),
		events:  make(chan string, 8),
		closing: make(chan struct{}),
	}
	ln, err := net.Listen("unix", e.socket)
	require.NoError(t, err)
	server := httptest.NewUnstartedServer(http.HandlerFunc(e.serve))
	server.Listener = ln
	server.Start()
	t.Cleanup(func() {
		close(e.closing)
		server.Close()
	})
	return e
}

func (e *fakeEngine) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/events":
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-e.closing:
				return
			case ev := <-e.events:
				_, _ = w.Write([]byte(ev + "\n"))
				w.(http.Flusher).Flush()
			}
		}
	case "/containers/json":
		select {
		case <-r.Context().Done():
			return
		case <-e.listed:
		}
		_ = json.NewEncoder(w).Encode([]map[string]any{
			{"Id": webContainerID, "Names": []string{"/web"}, "Image": "nginx:1.27", "State": "running"},
		})
	default:
		http.NotFound(w, r)
	}
}

// TestNamesThatArriveLate: a receiver emits what the resolver knows at each
// emission, never waiting for the engine. The first emission carries the
// container id from the cgroup path; the name appears from the first
// emission after the engine told it, and a rename from the one after the
// event.
func TestNamesThatArriveLate(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { assert.NoError(t, tel.Shutdown(context.Background())) })
	engine := newFakeEngine(t)
	node := newFakeNode(t)
	node.mkcgroup(webCgroup)
	cfg := node.config()
	cfg.DockerSocket = engine.socket
	_, r := start(t, metadatatest.NewSettings(tel), cfg)
	id, err := r.CgroupID(webCgroup)
	require.NoError(t, err)

	first, ok := r.Current(id, containerid.Identity{})
	require.True(t, ok)
	assert.Equal(t, containerid.Identity{CgroupPath: webCgroup, ContainerID: webContainerID, Runtime: containerid.RuntimeDocker}, first)

	close(engine.listed)
	last := first
	require.Eventually(t, func() bool {
		last, _ = r.Current(id, last)
		return last.Name == "web"
	}, waitTimeout, 5*time.Millisecond)
	assert.Equal(t, "nginx", last.ImageName)

	engine.events <- `{"Type":"container","Action":"rename","Actor":{"ID":"` + webContainerID + `","Attributes":{"name":"web-1","image":"nginx:1.27"}}}`
	require.Eventually(t, func() bool {
		last, _ = r.Current(id, last)
		return last.Name == "web-1"
	}, waitTimeout, 5*time.Millisecond)

	require.Equal(t, uint64(1), r.Stats().Docker.Events)
	metadatatest.AssertEqualExtensionContainerIdentityRuntimeEvents(t, tel,
		[]metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualExtensionContainerIdentityRuntimeAPIErrors(t, tel,
		[]metricdata.DataPoint[int64]{{Value: 0}}, metricdatatest.IgnoreTimestamp())
}
