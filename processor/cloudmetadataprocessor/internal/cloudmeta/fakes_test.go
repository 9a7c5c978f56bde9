// SPDX-License-Identifier: Apache-2.0

package cloudmeta

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"
)

// sample reads one fixture under testdata/ (documented responses and
// constructed ones alike; provenance in testdata/SOURCES.md and README.md).
func sample(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", rel))
	require.NoError(tb, err)
	return b
}

// readTSV reads "path<TAB>value" lines, skipping # comments.
func readTSV(tb testing.TB, b []byte) map[string]string {
	tb.Helper()
	out := make(map[string]string)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "\t")
		require.True(tb, ok, "bad TSV line %q", line)
		out[k] = v
	}
	return out
}

// fakeIMDS is a metadata server on 127.0.0.1. Each route answers a fixed
// body; hooks let a test refuse, hang or corrupt specific paths.
type fakeIMDS struct {
	mu     sync.Mutex
	routes map[string]fakeRoute // "METHOD /path"
	seen   []*http.Request
	srv    *httptest.Server
	// release unblocks hanging handlers when the test ends.
	release chan struct{}
}

type fakeRoute struct {
	status int
	body   []byte
	header http.Header
	hang   bool
	// check refuses a request that lacks what the real service demands.
	check func(r *http.Request) (status int, body string)
}

func newFakeIMDS(tb testing.TB) *fakeIMDS {
	f := &fakeIMDS{routes: make(map[string]fakeRoute), release: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	tb.Cleanup(func() {
		close(f.release)
		f.srv.Close()
	})
	return f
}

func (f *fakeIMDS) URL() string { return f.srv.URL }

func (f *fakeIMDS) handle(method, path string, r fakeRoute) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.status == 0 {
		r.status = http.StatusOK
	}
	f.routes[method+" "+path] = r
}

func (f *fakeIMDS) text(path, body string) {
	f.handle(http.MethodGet, path, fakeRoute{body: []byte(body)})
}

func (f *fakeIMDS) requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.seen...)
}

func (f *fakeIMDS) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seen = append(f.seen, r.Clone(r.Context()))
	route, ok := f.routes[r.Method+" "+r.URL.Path]
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if route.hang {
		select {
		case <-r.Context().Done():
		case <-f.release:
		case <-time.After(time.Minute):
		}
		return
	}
	if route.check != nil {
		if status, body := route.check(r); status != 0 {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
			return
		}
	}
	for k, v := range route.header {
		w.Header()[k] = v
	}
	w.WriteHeader(route.status)
	_, _ = w.Write(route.body)
}

// awsMockConfig is the format of aws/amazon-ec2-metadata-mock configs.
type awsMockConfig struct {
	Metadata struct {
		Paths  map[string]string          `json:"paths"`
		Values map[string]json.RawMessage `json:"values"`
	} `json:"metadata"`
	Dynamic struct {
		Paths  map[string]string          `json:"paths"`
		Values map[string]json.RawMessage `json:"values"`
	} `json:"dynamic"`
}

// serveAWSMockConfig serves every path of an ec2-metadata-mock config.
func (f *fakeIMDS) serveAWSMockConfig(tb testing.TB, raw []byte, check func(*http.Request) (int, string)) {
	tb.Helper()
	var cfg awsMockConfig
	require.NoError(tb, json.Unmarshal(raw, &cfg))
	serve := func(paths map[string]string, values map[string]json.RawMessage) {
		for key, path := range paths {
			v, ok := values[key]
			if !ok {
				continue
			}
			var s string
			body := []byte(v)
			if json.Unmarshal(v, &s) == nil {
				body = []byte(s)
			}
			f.handle(http.MethodGet, path, fakeRoute{body: body, check: check})
		}
	}
	serve(cfg.Metadata.Paths, cfg.Metadata.Values)
	serve(cfg.Dynamic.Paths, cfg.Dynamic.Values)
}

// answerTimeout is the client timeout of tests whose server answers: long,
// so a loaded CI machine cannot turn an answer into a timeout. Tests of
// hanging servers use short timeouts, which only bound how long they wait.
const answerTimeout = 5 * time.Second

func newTestClient(tb testing.TB, p Provider, endpoint string, timeout time.Duration) Client {
	tb.Helper()
	c, err := NewClient(p, endpoint, timeout, zaptest.NewLogger(tb))
	require.NoError(tb, err)
	return c
}
