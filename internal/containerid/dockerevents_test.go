// SPDX-License-Identifier: Apache-2.0

package containerid

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// waitTimeout bounds every wait for the background work; the tests poll until
// it, they never assert how fast something happens.
const waitTimeout = 10 * time.Second

// fakeDockerd serves what DockerNames uses of the Docker Engine API on a unix
// socket: the container listing, the container event stream and inspect.
type fakeDockerd struct {
	t      *testing.T
	server *httptest.Server

	mu         sync.Mutex
	listed     map[string]fakeContainer // what /containers/json shows
	hidden     map[string]fakeContainer // answered by inspect only
	streams    []chan string            // open event streams
	listStatus int                      // answer listings with this status when non-zero
	gate       chan struct{}            // when set, inspects wait for it to be closed

	inspecting    chan string // receives each inspected id, when the test reads it
	lists         atomic.Int64
	inspects      atomic.Int64
	subscriptions atomic.Int64
}

type fakeContainer struct {
	names []string
	image string
}

func newFakeDockerd(t *testing.T, socket string, listed map[string]fakeContainer) *fakeDockerd {
	d := &fakeDockerd{t: t, listed: listed, hidden: map[string]fakeContainer{}, inspecting: make(chan string, 16)}
	ln, err := net.Listen("unix", socket)
	require.NoError(t, err)
	d.server = httptest.NewUnstartedServer(http.HandlerFunc(d.serve))
	d.server.Listener = ln
	d.server.Start()
	t.Cleanup(func() {
		d.endStreams()
		d.server.Close()
	})
	return d
}

func (d *fakeDockerd) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/containers/json":
		d.serveList(w, r)
	case r.URL.Path == "/events":
		d.serveEvents(w, r)
	case strings.HasPrefix(r.URL.Path, "/containers/") && strings.HasSuffix(r.URL.Path, "/json"):
		d.serveInspect(w, strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/containers/"), "/json"))
	default:
		http.Error(w, "unexpected request "+r.URL.String(), http.StatusBadRequest)
	}
}

func (d *fakeDockerd) serveList(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("all") != "1" {
		http.Error(w, "listing without all=1 misses stopped containers", http.StatusBadRequest)
		return
	}
	d.lists.Add(1)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.listStatus != 0 {
		http.Error(w, `{"message":"listing refused"}`, d.listStatus)
		return
	}
	type entry struct {
		ID    string   `json:"Id"`
		Names []string `json:"Names"`
		Image string   `json:"Image"`
		State string   `json:"State"`
	}
	var list []entry
	for id, c := range d.listed {
		list = append(list, entry{ID: id, Names: c.names, Image: c.image, State: "running"})
	}
	// The engine lists newest first; a stable order keeps cap tests exact.
	slices.SortFunc(list, func(a, b entry) int { return strings.Compare(a.ID, b.ID) })
	_ = json.NewEncoder(w).Encode(list)
}

func (d *fakeDockerd) serveEvents(w http.ResponseWriter, r *http.Request) {
	if got := r.URL.Query().Get("filters"); got != `{"type":["container"]}` {
		http.Error(w, "unexpected filters "+got, http.StatusBadRequest)
		return
	}
	ch := make(chan string, 64)
	d.mu.Lock()
	d.streams = append(d.streams, ch)
	d.mu.Unlock()
	d.subscriptions.Add(1)
	defer d.update(func(d *fakeDockerd) {
		d.streams = slices.DeleteFunc(d.streams, func(c chan string) bool { return c == ch })
	})
	// dockerd sends the headers at once, before any event.
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case ev, open := <-ch:
			if !open {
				return
			}
			_, _ = w.Write([]byte(ev + "\n"))
			w.(http.Flusher).Flush()
		}
	}
}

func (d *fakeDockerd) serveInspect(w http.ResponseWriter, id string) {
	d.inspects.Add(1)
	select {
	case d.inspecting <- id:
	default:
	}
	d.mu.Lock()
	gate := d.gate
	c, found := d.listed[id]
	if !found {
		c, found = d.hidden[id]
	}
	d.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if !found {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"No such container: ` + id + `"}`))
		return
	}
	_, _ = w.Write([]byte(inspectBody(id, strings.TrimPrefix(c.names[0], "/"), c.image)))
}

// emit sends one event on every open stream.
func (d *fakeDockerd) emit(event string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	require.NotEmpty(d.t, d.streams, "no event stream open")
	for _, ch := range d.streams {
		ch <- event
	}
}

// endStreams ends every open event stream, as a restarting engine does.
func (d *fakeDockerd) endStreams() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, ch := range d.streams {
		close(ch)
	}
	d.streams = nil
}

func (d *fakeDockerd) update(f func(d *fakeDockerd)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f(d)
}

// containerEvent is shaped like an event of dockerd 20.10's stream.
func containerEvent(action, id string, attributes map[string]string) string {
	b, err := json.Marshal(map[string]any{
		"status": action, "id": id, "from": attributes["image"], "Type": "container", "Action": action,
		"Actor": map[string]any{"ID": id, "Attributes": attributes},
		"scope": "local", "time": 1764900000, "timeNano": 1764900000000000000,
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func named(name, image string) map[string]string {
	return map[string]string{"name": name, "image": image}
}

// testContainerID returns a distinct 64-hex id.
func testContainerID(i int) string { return fmt.Sprintf("%064x", 0xc0ffee000+i) }

// runNames starts n.Run with fast retries and a fake clock for the TTLs, and
// checks at the end of the test that Run returns once its context is done.
func runNames(t *testing.T, n *DockerNames) *fakeClock {
	t.Helper()
	clock := &fakeClock{now: time.Now()}
	n.now = clock.Now
	n.minBackoff, n.maxBackoff = time.Millisecond, 4*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(waitTimeout):
			t.Error("Run did not return after its context was cancelled")
		}
	})
	return clock
}

func waitReady(t *testing.T, n *DockerNames) {
	t.Helper()
	select {
	case <-n.Ready():
	case <-time.After(waitTimeout):
		t.Fatal("Ready not closed")
	}
}

func waitStat(t *testing.T, n *DockerNames, what string, cond func(s DockerStats) bool) {
	t.Helper()
	require.Eventually(t, func() bool { return cond(n.Stats()) }, waitTimeout, time.Millisecond, "waiting for %s; stats %+v", what, n.Stats())
}

func requireCached(t *testing.T, n *DockerNames, id string, want DockerInfo) {
	t.Helper()
	got, ok := n.Cached(id)
	require.True(t, ok, "container %s not cached", id)
	assert.Equal(t, want, got)
}

// TestDockerNamesListThenEvents: the listing names the containers present at
// start; create, rename and destroy events keep the names current; a
// destroyed container keeps its name for PositiveTTL.
func TestDockerNamesListThenEvents(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "docker.sock")
	web, db, job, flash := testContainerID(1), testContainerID(2), testContainerID(3), testContainerID(4)
	engine := newFakeDockerd(t, socket, map[string]fakeContainer{
		web: {[]string{"/web"}, "registry.local:5000/shop/web:1.4"},
		db:  {[]string{"/db"}, "postgres:17"},
	})
	n := NewDockerNames(DockerClientConfig{Socket: socket, PositiveTTL: 10 * time.Minute}, zap.NewNop())
	clock := runNames(t, n)
	waitReady(t, n)

	requireCached(t, n, web, DockerInfo{Name: "web", ImageName: "registry.local:5000/shop/web"})
	requireCached(t, n, db, DockerInfo{Name: "db", ImageName: "postgres"})
	_, ok := n.Cached(job)
	assert.False(t, ok)

	engine.emit(containerEvent("create", job, named("job", "busybox:1.36")))
	engine.emit(containerEvent("start", job, named("job", "busybox:1.36")))
	waitStat(t, n, "2 events", func(s DockerStats) bool { return s.Events == 2 })
	requireCached(t, n, job, DockerInfo{Name: "job", ImageName: "busybox"})

	engine.emit(containerEvent("rename", job, map[string]string{"name": "job-2", "image": "busybox:1.36", "oldName": "/job"}))
	waitStat(t, n, "3 events", func(s DockerStats) bool { return s.Events == 3 })
	requireCached(t, n, job, DockerInfo{Name: "job-2", ImageName: "busybox"})

	// A container created and destroyed between two lookups is still named.
	engine.emit(containerEvent("destroy", flash, named("flash", "alpine")))
	engine.emit(containerEvent("die", web, map[string]string{"name": "web", "image": "registry.local:5000/shop/web:1.4", "exitCode": "0"}))
	engine.emit(containerEvent("destroy", web, named("web", "registry.local:5000/shop/web:1.4")))
	// Not a container event: ignored even if shaped like one.
	engine.emit(strings.Replace(containerEvent("create", testContainerID(5), named("net", "")), `"Type":"container"`, `"Type":"network"`, 1))
	waitStat(t, n, "7 events", func(s DockerStats) bool { return s.Events == 7 })
	requireCached(t, n, web, DockerInfo{Name: "web", ImageName: "registry.local:5000/shop/web"})
	requireCached(t, n, flash, DockerInfo{Name: "flash", ImageName: "alpine"})
	_, ok = n.Cached(testContainerID(5))
	assert.False(t, ok)
	assert.Equal(t, 4, n.Stats().Entries)

	clock.Advance(10*time.Minute + time.Second)
	_, ok = n.Cached(web)
	assert.False(t, ok, "destroyed container forgotten after PositiveTTL")
	_, ok = n.Cached(flash)
	assert.False(t, ok)
	requireCached(t, n, db, DockerInfo{Name: "db", ImageName: "postgres"})

	s := n.Stats()
	assert.Equal(t, 2, s.Entries)
	assert.Equal(t, uint64(1), s.Lists)
	assert.Equal(t, uint64(2), s.Requests, "one subscription and one listing, no inspect")
	assert.Zero(t, s.Errors)
	assert.Zero(t, s.Reconnects)
	assert.Zero(t, s.Evictions, "expiry is not an eviction")
	assert.Equal(t, int64(0), engine.inspects.Load())
}

// TestDockerNamesReconnectRelists: events sent while the stream was down are
// lost, so the listing after reconnecting must catch up on destroys, creates
// and renames.
func TestDockerNamesReconnectRelists(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "docker.sock")
	a, b, c := testContainerID(1), testContainerID(2), testContainerID(3)
	engine := newFakeDockerd(t, socket, map[string]fakeContainer{
		a: {[]string{"/a"}, "app:1"},
		b: {[]string{"/b"}, "app:1"},
	})
	n := NewDockerNames(DockerClientConfig{Socket: socket, PositiveTTL: time.Minute}, zap.NewNop())
	clock := runNames(t, n)
	waitReady(t, n)
	requireCached(t, n, a, DockerInfo{Name: "a", ImageName: "app"})

	engine.update(func(d *fakeDockerd) {
		delete(d.listed, a)
		d.listed[b] = fakeContainer{[]string{"/b-renamed"}, "app:1"}
		d.listed[c] = fakeContainer{[]string{"/c"}, "tool:2"}
	})
	engine.endStreams()
	waitStat(t, n, "the second listing", func(s DockerStats) bool { return s.Lists == 2 })

	requireCached(t, n, a, DockerInfo{Name: "a", ImageName: "app"}) // destroyed while disconnected: retained
	requireCached(t, n, b, DockerInfo{Name: "b-renamed", ImageName: "app"})
	requireCached(t, n, c, DockerInfo{Name: "c", ImageName: "tool"})
	assert.Equal(t, int64(2), engine.subscriptions.Load())
	s := n.Stats()
	assert.Equal(t, uint64(1), s.Reconnects)
	assert.Zero(t, s.Errors, "the engine ending the stream is not an error")

	clock.Advance(time.Minute + time.Second)
	_, ok := n.Cached(a)
	assert.False(t, ok)

	// The new stream is followed.
	engine.emit(containerEvent("rename", c, named("c-2", "tool:2")))
	waitStat(t, n, "1 event", func(s DockerStats) bool { return s.Events == 1 })
	requireCached(t, n, c, DockerInfo{Name: "c-2", ImageName: "tool"})
}

// TestDockerNamesCap: live containers, destroyed ones and unknown ids share
// MaxEntries; unknown ids are evicted first, then destroyed containers, and a
// live container that does not fit is counted, not cached.
func TestDockerNamesCap(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "docker.sock")
	c1, c2, c3, c4, c5, unknown := testContainerID(1), testContainerID(2), testContainerID(3), testContainerID(4), testContainerID(5), testContainerID(99)
	engine := newFakeDockerd(t, socket, map[string]fakeContainer{
		c1: {[]string{"/c1"}, "app"}, c2: {[]string{"/c2"}, "app"}, c3: {[]string{"/c3"}, "app"}, c4: {[]string{"/c4"}, "app"},
	})
	n := NewDockerNames(DockerClientConfig{Socket: socket, MaxEntries: 3}, zap.NewNop())
	runNames(t, n)
	waitReady(t, n)

	s := n.Stats()
	assert.Equal(t, 3, s.Entries)
	assert.Equal(t, uint64(1), s.DroppedAtCap)
	_, ok := n.Cached(c4)
	assert.False(t, ok, "the listing is applied in order, so the last one did not fit")
	n.Request(c4)
	assert.Equal(t, uint64(2), n.Stats().DroppedAtCap, "full of live containers: an inspect could not be cached")
	assert.Zero(t, n.Stats().RequestsQueued)

	engine.emit(containerEvent("destroy", c1, named("c1", "app")))
	waitStat(t, n, "1 event", func(s DockerStats) bool { return s.Events == 1 })
	requireCached(t, n, c1, DockerInfo{Name: "c1", ImageName: "app"})

	// The unknown id's negative answer takes the destroyed container's place.
	n.Request(unknown)
	waitStat(t, n, "the unknown id inspected", func(s DockerStats) bool { return s.NotFound == 1 })
	require.Eventually(t, func() bool {
		_, ok := n.Cached(c1)
		return !ok
	}, waitTimeout, time.Millisecond)
	assert.Equal(t, uint64(1), n.Stats().Evictions)

	// A new live container takes the unknown id's place, not the destroyed c2's.
	engine.emit(containerEvent("destroy", c2, named("c2", "app")))
	engine.emit(containerEvent("create", c5, named("c5", "app")))
	waitStat(t, n, "3 events", func(s DockerStats) bool { return s.Events == 3 })
	requireCached(t, n, c5, DockerInfo{Name: "c5", ImageName: "app"})
	requireCached(t, n, c2, DockerInfo{Name: "c2", ImageName: "app"})
	s = n.Stats()
	assert.Equal(t, uint64(2), s.Evictions)
	assert.Equal(t, 3, s.Entries)
}

// TestDockerNamesRequest: Request never waits, asks once per id, bounds its
// queue and remembers unknown ids for NegativeTTL.
func TestDockerNamesRequest(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "docker.sock")
	sidecar, u1, u2, u3 := testContainerID(1), testContainerID(2), testContainerID(3), testContainerID(4)
	engine := newFakeDockerd(t, socket, map[string]fakeContainer{})
	gate := make(chan struct{})
	engine.update(func(d *fakeDockerd) {
		d.hidden[sidecar] = fakeContainer{[]string{"/sidecar"}, "envoy:1.31"}
		d.gate = gate
	})
	n := newDockerNames(DockerClientConfig{Socket: socket, NegativeTTL: 30 * time.Second}, zap.NewNop(), 2)
	clock := runNames(t, n)
	waitReady(t, n)

	n.Request("not-an-id")
	n.Request(sidecar)
	select {
	case id := <-engine.inspecting:
		require.Equal(t, sidecar, id)
	case <-time.After(waitTimeout):
		t.Fatal("sidecar not inspected")
	}
	// The worker is busy with sidecar: its queue (2) fills, the rest is dropped.
	for range 3 {
		n.Request(sidecar)
	}
	n.Request(u1)
	n.Request(u2)
	n.Request(u3)
	n.Request(u1)
	s := n.Stats()
	assert.Equal(t, uint64(3), s.RequestsQueued, "sidecar, u1, u2; repeats ignored")
	assert.Equal(t, uint64(1), s.RequestsDropped, "u3")

	close(gate)
	waitStat(t, n, "u1 and u2 answered", func(s DockerStats) bool { return s.NotFound == 2 })
	requireCached(t, n, sidecar, DockerInfo{Name: "sidecar", ImageName: "envoy"})
	_, ok := n.Cached(u1)
	assert.False(t, ok)

	n.Request(u1)
	assert.Equal(t, uint64(3), n.Stats().RequestsQueued, "unknown ids are not asked again within NegativeTTL")
	n.Request(u3)
	assert.Equal(t, uint64(4), n.Stats().RequestsQueued, "a dropped request may be made again")
	clock.Advance(31 * time.Second)
	n.Request(u1)
	waitStat(t, n, "u1 and u3 asked again", func(s DockerStats) bool { return s.NotFound == 4 })
	assert.Equal(t, int64(5), engine.inspects.Load())
	assert.Zero(t, n.Stats().Errors)
}

// TestDockerNamesInspectLosesToEvents: an inspect answer that arrives after an
// event about the same container must not undo the event.
func TestDockerNamesInspectLosesToEvents(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "docker.sock")
	id := testContainerID(1)
	engine := newFakeDockerd(t, socket, map[string]fakeContainer{})
	gate := make(chan struct{})
	engine.update(func(d *fakeDockerd) {
		d.hidden[id] = fakeContainer{[]string{"/before-rename"}, "app"}
		d.gate = gate
	})
	n := NewDockerNames(DockerClientConfig{Socket: socket}, zap.NewNop())
	runNames(t, n)
	waitReady(t, n)

	n.Request(id)
	<-engine.inspecting
	engine.emit(containerEvent("rename", id, named("after-rename", "app")))
	waitStat(t, n, "1 event", func(s DockerStats) bool { return s.Events == 1 })
	close(gate)
	require.Eventually(t, func() bool {
		n.mu.RLock()
		defer n.mu.RUnlock()
		return len(n.pending) == 0
	}, waitTimeout, time.Millisecond)
	requireCached(t, n, id, DockerInfo{Name: "after-rename", ImageName: "app"})
}

// TestDockerNamesNoEngine: a node without Docker is normal. Retries stay quiet
// (one Debug line), Request does nothing, and names come once an engine
// appears on the socket.
func TestDockerNamesNoEngine(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "docker.sock")
	core, logs := observer.New(zapcore.DebugLevel)
	n := NewDockerNames(DockerClientConfig{Socket: socket}, zap.New(core))
	runNames(t, n)
	waitReady(t, n)
	waitStat(t, n, "5 attempts", func(s DockerStats) bool { return s.Unavailable >= 5 })
	require.Equal(t, 1, logs.Len())
	assert.Equal(t, zapcore.DebugLevel, logs.All()[0].Level)

	id := testContainerID(1)
	n.Request(id)
	s := n.Stats()
	assert.Zero(t, s.RequestsQueued)
	assert.Zero(t, s.Errors)
	assert.Zero(t, s.Lists)

	newFakeDockerd(t, socket, map[string]fakeContainer{id: {[]string{"/late"}, "app:3"}})
	require.Eventually(t, func() bool {
		_, ok := n.Cached(id)
		return ok
	}, waitTimeout, time.Millisecond)
	requireCached(t, n, id, DockerInfo{Name: "late", ImageName: "app"})
	assert.Equal(t, 2, logs.Len(), "one Debug line when the engine answers")
	for _, e := range logs.All() {
		assert.Equal(t, zapcore.DebugLevel, e.Level, e.Message)
	}
	assert.Positive(t, n.Stats().Reconnects)
}

// TestDockerNamesEngineFailures: failed listings and a corrupt stream are
// counted, logged once, and followed by a reconnection and a new listing.
func TestDockerNamesEngineFailures(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "docker.sock")
	id := testContainerID(1)
	engine := newFakeDockerd(t, socket, map[string]fakeContainer{id: {[]string{"/app"}, "app"}})
	engine.update(func(d *fakeDockerd) { d.listStatus = http.StatusInternalServerError })
	core, logs := observer.New(zapcore.DebugLevel)
	n := NewDockerNames(DockerClientConfig{Socket: socket}, zap.New(core))
	runNames(t, n)
	waitReady(t, n)
	waitStat(t, n, "3 failed listings", func(s DockerStats) bool { return s.Errors >= 3 })
	_, ok := n.Cached(id)
	assert.False(t, ok)
	assert.Equal(t, 1, logs.FilterLevelExact(zapcore.WarnLevel).Len(), "one Warn for a run of failures")
	assert.Contains(t, logs.All()[0].ContextMap()["error"], "listing containers: unexpected HTTP status 500 Internal Server Error")

	engine.update(func(d *fakeDockerd) { d.listStatus = 0 })
	waitStat(t, n, "a listing", func(s DockerStats) bool { return s.Lists == 1 })
	requireCached(t, n, id, DockerInfo{Name: "app", ImageName: "app"})
	errorsBefore := n.Stats().Errors

	engine.emit(`{"Type":"container","Action":"start","Actor":`)
	engine.endStreams() // the decoder sees a truncated object
	waitStat(t, n, "the listing after the corrupt stream", func(s DockerStats) bool { return s.Lists == 2 })
	assert.Equal(t, errorsBefore+1, n.Stats().Errors)
	assert.Equal(t, 2, logs.FilterLevelExact(zapcore.WarnLevel).Len())
}

func TestListedContainerInfo(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  string
	}{
		{[]string{"/web"}, "web"},
		// Legacy links list the linking container's alias first.
		{[]string{"/shop/db", "/db"}, "db"},
		{[]string{"/shop/db"}, "shop/db"},
		{nil, ""},
	} {
		got := listedContainer{Names: tc.names, Image: "postgres:17"}.info()
		assert.Equal(t, DockerInfo{Name: tc.want, ImageName: "postgres"}, got, "%v", tc.names)
	}
}
