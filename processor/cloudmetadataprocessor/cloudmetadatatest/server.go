// SPDX-License-Identifier: Apache-2.0

package cloudmetadatatest // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/cloudmetadatatest"

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Server is a fake metadata service. Routes are "METHOD /path" (query
// strings are ignored, so Azure's api-version does not matter here). Every
// answer carries Metadata-Flavor: Google, which GCE clients check and the
// others ignore.
type Server struct {
	mu      sync.Mutex
	bodies  map[string][]byte
	failN   map[string]int
	hangAll bool
	hits    map[string]int
	release chan struct{}
	srv     *httptest.Server
}

// NewServer starts an empty fake (every route 404) on 127.0.0.1; it stops
// when the test ends.
func NewServer(tb testing.TB) *Server {
	s := &Server{bodies: map[string][]byte{}, failN: map[string]int{}, hits: map[string]int{}, release: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(func() {
		close(s.release) // unblock hanging handlers first, or Close waits for them
		s.srv.Close()
	})
	return s
}

// URL is the base URL to put in the processor's `endpoint`.
func (s *Server) URL() string { return s.srv.URL }

// Set makes route answer 200 with body.
func (s *Server) Set(route string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bodies[route] = body
}

// Delete makes route answer 404, as services do for values not set.
func (s *Server) Delete(route string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.bodies, route)
}

// FailNext makes the next n requests of route answer 500.
func (s *Server) FailNext(route string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN[route] = n
}

// HangAll makes every request wait without an answer until the client gives
// up or the test ends.
func (s *Server) HangAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hangAll = true
}

// Hits is how many requests route has received.
func (s *Server) Hits(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[route]
}

// TotalHits is how many requests the server has received.
func (s *Server) TotalHits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, h := range s.hits {
		n += h
	}
	return n
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + r.URL.Path
	s.mu.Lock()
	s.hits[route]++
	body, ok := s.bodies[route]
	failing := s.failN[route] > 0
	if failing {
		s.failN[route]--
	}
	hang := s.hangAll
	s.mu.Unlock()
	switch {
	case hang:
		select {
		case <-r.Context().Done():
		case <-s.release:
		}
	case failing:
		http.Error(w, "internal error", http.StatusInternalServerError)
	case !ok:
		http.NotFound(w, r)
	default:
		w.Header().Set("Metadata-Flavor", "Google")
		_, _ = w.Write(body)
	}
}
