// SPDX-License-Identifier: Apache-2.0

package containerid

import (
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

// fakeEngine is an httptest server speaking the inspect endpoint of the Docker
// Engine API on a unix socket, as dockerd does.
type fakeEngine struct {
	socket   string
	requests atomic.Int64
	// answers maps a container id to the status and body to answer with.
	answers map[string]fakeAnswer
	server  *httptest.Server
}

type fakeAnswer struct {
	status int
	body   string
}

func newFakeEngine(t *testing.T, socket string, answers map[string]fakeAnswer) *fakeEngine {
	e := &fakeEngine{socket: socket, answers: answers}
	ln, err := net.Listen("unix", socket)
	require.NoError(t, err)
	e.server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.requests.Add(1)
		id, ok := strings.CutPrefix(r.URL.Path, "/containers/")
		id, ok2 := strings.CutSuffix(id, "/json")
		if r.Method != http.MethodGet || !ok || !ok2 {
			http.Error(w, "unexpected request "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
			return
		}
		a, found := e.answers[id]
		if !found {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"message":"No such container: ` + id + `"}`))
			return
		}
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	e.server.Listener = ln
	e.server.Start()
	t.Cleanup(e.server.Close)
	return e
}

// inspectBody is a trimmed real answer of dockerd 26 to GET /containers/<id>/json.
func inspectBody(id, name, image string) string {
	return `{"Id":"` + id + `","Created":"2026-11-22T02:00:00.000000000Z","Path":"sleep","Args":["300"],` +
		`"State":{"Status":"running","Running":true,"Pid":4242},"Image":"sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741",` +
		`"Name":"/` + name + `","RestartCount":0,"Driver":"overlay2",` +
		`"Config":{"Hostname":"8a1b3c4d5e6f","Image":"` + image + `","Cmd":["sleep","300"],"Labels":{}},` +
		`"NetworkSettings":{"Networks":{"none":{}}}}`
}

func TestImageNameFromRef(t *testing.T) {
	for ref, want := range map[string]string{
		"busybox":                        "busybox",
		"busybox:latest":                 "busybox",
		"otelcol-node-test/busybox:1":    "otelcol-node-test/busybox",
		"localhost:5000/app":             "localhost:5000/app",
		"localhost:5000/app:1.2":         "localhost:5000/app",
		"app@sha256:3f57d9401f8d42f986d": "app",
		"sha256:3f57d9401f8d42f986df300": "sha256:3f57d9401f8d42f986df300",
		"":                               "",
	} {
		assert.Equal(t, want, imageNameFromRef(ref), ref)
	}
}

// TestResolverDockerNames: a bare 64-hex cgroup under kubepods does not say its
// runtime; when the Docker Engine lists the id, it is Docker's, with names.
// Names come from the background listing, so lookups never wait for them.
func TestResolverDockerNames(t *testing.T) {
	h := newFakeV1Host(t)
	podPath := "/kubepods/besteffort/pod" + fixturePodUID + "/" + fixtureID
	id := h.mkcgroup(podPath)
	crioID := h.mkcgroup("/kubepods/besteffort/pod" + fixturePodUID + "/crio-" + fixtureInnerID)
	socket := filepath.Join(t.TempDir(), "docker.sock")
	engine := newFakeDockerd(t, socket, map[string]fakeContainer{fixtureID: {[]string{"/k8s_web_web-0_shop"}, "nginx:1.27"}})
	r, err := NewResolver(Config{CgroupRoot: h.cgroupRoot, ProcRoot: h.procRoot, DockerSocket: socket}, zap.NewNop())
	require.NoError(t, err)
	r.Start()
	defer r.Close()

	want := Identity{CgroupPath: podPath, ContainerID: fixtureID, Runtime: RuntimeDocker, PodUID: fixturePodUID, Name: "k8s_web_web-0_shop", ImageName: "nginx"}
	require.Eventually(t, func() bool {
		got, ok := r.ByCgroupID(id)
		return ok && got == want
	}, waitTimeout, time.Millisecond)

	// A lookup made before the listing was applied may have requested the id;
	// a CRI-O container never is.
	queued := r.Stats().Docker.RequestsQueued
	got, ok := r.ByCgroupID(crioID)
	require.True(t, ok)
	assert.Equal(t, RuntimeCRIO, got.Runtime)
	assert.Empty(t, got.Name)
	assert.Equal(t, queued, r.Stats().Docker.RequestsQueued, "CRI-O containers are not asked of Docker")
	assert.LessOrEqual(t, engine.inspects.Load(), int64(1))

	require.NoError(t, r.Close())
	got, ok = r.ByCgroupID(id)
	require.True(t, ok)
	assert.Empty(t, got.Name, "no Docker names after Close")
}
