// SPDX-License-Identifier: Apache-2.0

package containerid

import (
	"context"
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
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
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

func newTestDockerClient(t *testing.T, socket string, cfg DockerClientConfig, logger *zap.Logger) (*DockerClient, *fakeClock) {
	cfg.Socket = socket
	c := NewDockerClient(cfg, logger)
	t.Cleanup(c.Close)
	clock := &fakeClock{now: time.Now()}
	c.now = clock.Now
	return c, clock
}

func TestDockerClientLookup(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "docker.sock")
	engine := newFakeEngine(t, socket, map[string]fakeAnswer{
		fixtureID:      {http.StatusOK, inspectBody(fixtureID, "web", "registry.local:5000/shop/web:1.4@sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741")},
		fixtureInnerID: {http.StatusInternalServerError, `{"message":"boom"}`},
	})
	c, clock := newTestDockerClient(t, socket, DockerClientConfig{NegativeTTL: 30 * time.Second}, zap.NewNop())
	ctx := context.Background()

	info, err := c.Lookup(ctx, fixtureID)
	require.NoError(t, err)
	assert.Equal(t, DockerInfo{Name: "web", ImageName: "registry.local:5000/shop/web"}, info)
	info, err = c.Lookup(ctx, fixtureID)
	require.NoError(t, err)
	assert.Equal(t, "web", info.Name)
	assert.Equal(t, int64(1), engine.requests.Load(), "second lookup must come from the cache")

	unknown := strings.Repeat("ab", 32)
	_, err = c.Lookup(ctx, unknown)
	require.ErrorIs(t, err, ErrContainerNotFound)
	_, err = c.Lookup(ctx, unknown)
	require.ErrorIs(t, err, ErrContainerNotFound)
	assert.Equal(t, int64(2), engine.requests.Load(), "unknown ids are cached negatively")
	clock.Advance(31 * time.Second)
	_, err = c.Lookup(ctx, unknown)
	require.ErrorIs(t, err, ErrContainerNotFound)
	assert.Equal(t, int64(3), engine.requests.Load(), "negative answers expire after NegativeTTL")

	_, err = c.Lookup(ctx, fixtureInnerID)
	assert.EqualError(t, err, "inspecting container "+fixtureInnerID+": unexpected HTTP status 500 Internal Server Error")

	_, err = c.Lookup(ctx, "not-an-id")
	assert.EqualError(t, err, `looking up container "not-an-id": not a 64-hex container id`)
	assert.Equal(t, int64(4), engine.requests.Load(), "a malformed id is never sent")

	assert.Equal(t, DockerStats{Requests: 4, CacheHits: 2, NotFound: 2, Errors: 1}, c.Stats())
}

func TestDockerClientMalformedAnswer(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "docker.sock")
	newFakeEngine(t, socket, map[string]fakeAnswer{
		fixtureID: {http.StatusOK, `{"Name": "/web", "Config": `},
	})
	c, _ := newTestDockerClient(t, socket, DockerClientConfig{}, zap.NewNop())
	_, err := c.Lookup(context.Background(), fixtureID)
	assert.ErrorContains(t, err, "decoding inspect answer for container "+fixtureID+": unexpected EOF")
	assert.Equal(t, uint64(1), c.Stats().Errors)
}

// TestDockerClientNoEngine: Docker is optional. Without a socket the client
// logs one Debug line, does not dial again before NegativeTTL, and starts
// answering once an engine appears.
func TestDockerClientNoEngine(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "docker.sock")
	core, logs := observer.New(zapcore.DebugLevel)
	c, clock := newTestDockerClient(t, socket, DockerClientConfig{NegativeTTL: 30 * time.Second}, zap.New(core))
	ctx := context.Background()

	for range 100 {
		_, err := c.Lookup(ctx, fixtureID)
		require.ErrorIs(t, err, ErrDockerUnavailable)
	}
	assert.Equal(t, 1, logs.Len())
	assert.Equal(t, zapcore.DebugLevel, logs.All()[0].Level)
	assert.Equal(t, DockerStats{Unavailable: 100}, c.Stats())

	// Still no engine after the TTL: one dial, refused, no new log line.
	clock.Advance(31 * time.Second)
	_, err := c.Lookup(ctx, fixtureID)
	require.ErrorIs(t, err, ErrDockerUnavailable)
	assert.Equal(t, 1, logs.Len())
	assert.Equal(t, uint64(1), c.Stats().Requests)

	newFakeEngine(t, socket, map[string]fakeAnswer{fixtureID: {http.StatusOK, inspectBody(fixtureID, "db", "postgres:17")}})
	clock.Advance(31 * time.Second)
	info, err := c.Lookup(ctx, fixtureID)
	require.NoError(t, err)
	assert.Equal(t, DockerInfo{Name: "db", ImageName: "postgres"}, info)
	assert.Equal(t, 2, logs.Len(), "one Debug line when the engine becomes available")
}

func TestDockerClientCacheBounded(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "docker.sock")
	newFakeEngine(t, socket, map[string]fakeAnswer{})
	c, _ := newTestDockerClient(t, socket, DockerClientConfig{MaxEntries: 2}, zap.NewNop())
	for i := range 5 {
		_, err := c.Lookup(context.Background(), strings.Repeat(string(rune('a'+i)), 64))
		require.ErrorIs(t, err, ErrContainerNotFound)
	}
	assert.Equal(t, uint64(3), c.Stats().Evictions)
	assert.Equal(t, 2, c.cache.len())
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
// runtime; when the Docker Engine knows the id, it is Docker's, with names.
func TestResolverDockerNames(t *testing.T) {
	h := newFakeV1Host(t)
	podPath := "/kubepods/besteffort/pod" + fixturePodUID + "/" + fixtureID
	id := h.mkcgroup(podPath)
	crioID := h.mkcgroup("/kubepods/besteffort/pod" + fixturePodUID + "/crio-" + fixtureInnerID)
	socket := filepath.Join(t.TempDir(), "docker.sock")
	engine := newFakeEngine(t, socket, map[string]fakeAnswer{fixtureID: {http.StatusOK, inspectBody(fixtureID, "k8s_web_web-0_shop", "nginx:1.27")}})
	r, err := NewResolver(Config{CgroupRoot: h.cgroupRoot, ProcRoot: h.procRoot, DockerSocket: socket}, zap.NewNop())
	require.NoError(t, err)
	defer r.Close()

	got, ok := r.ByCgroupID(id)
	require.True(t, ok)
	assert.Equal(t, Identity{CgroupPath: podPath, ContainerID: fixtureID, Runtime: RuntimeDocker, PodUID: fixturePodUID, Name: "k8s_web_web-0_shop", ImageName: "nginx"}, got)

	got, ok = r.ByCgroupID(crioID)
	require.True(t, ok)
	assert.Equal(t, RuntimeCRIO, got.Runtime)
	assert.Empty(t, got.Name)
	assert.Equal(t, int64(1), engine.requests.Load(), "CRI-O containers are not asked of Docker")
	assert.Equal(t, uint64(1), r.Stats().Docker.Requests)

	require.NoError(t, r.Close())
	got, ok = r.ByCgroupID(id)
	require.True(t, ok)
	assert.Empty(t, got.Name, "no Docker lookups after Close")
}
