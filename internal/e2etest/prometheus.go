// SPDX-License-Identifier: Apache-2.0

package e2etest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// prometheusStartTimeout bounds how long the Prometheus server may take to
// report ready (it replays an empty WAL, so seconds at most).
const prometheusStartTimeout = 60 * time.Second

// Prometheus is a real Prometheus server (Debian's `prometheus` package)
// started for one test, with its own storage in a temporary directory.
type Prometheus struct {
	URL  string // e.g. http://127.0.0.1:9090
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{}
}

// StartPrometheus writes config (a prometheus.yml; relative rule_files are
// resolved against configDir when it is not empty) and starts `prometheus` on
// a free loopback port. It fails under CI=true when the binary is missing and
// stops the server at test cleanup, printing its log when the test failed.
func StartPrometheus(tb testing.TB, config string) *Prometheus {
	tb.Helper()
	bin := testenv.RequireCommand(tb, "prometheus")
	dir := tb.TempDir()
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		tb.Fatalf("writing prometheus config: %v", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(tb))
	cmd := exec.Command(bin,
		"--config.file="+cfgPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn",
	)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting prometheus: %v", err)
	}
	p := &Prometheus{URL: "http://" + addr, cmd: cmd, logs: logs, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	tb.Cleanup(func() {
		p.stop()
		if tb.Failed() {
			tb.Logf("prometheus log:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(prometheusStartTimeout)
	for {
		if err := p.get(context.Background(), "/-/ready", nil); err == nil {
			return p
		}
		select {
		case <-p.done:
			tb.Fatalf("prometheus exited before it was ready:\n%s", logs.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			tb.Fatalf("prometheus not ready within %v:\n%s", prometheusStartTimeout, logs.String())
		}
	}
}

// Query runs an instant PromQL query through the HTTP API and returns the
// vector it gives. A query Prometheus rejects fails the test.
func (p *Prometheus) Query(tb testing.TB, query string) model.Vector {
	tb.Helper()
	v, err := p.QueryErr(context.Background(), query)
	if err != nil {
		tb.Fatalf("query %q: %v", query, err)
	}
	return v
}

// QueryErr is Query returning the error, for polling.
func (p *Prometheus) QueryErr(ctx context.Context, query string) (model.Vector, error) {
	var resp struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
		Data      struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := p.get(ctx, "/api/v1/query?query="+url.QueryEscape(query), &resp); err != nil {
		return nil, err
	}
	if resp.Status != "success" {
		return nil, fmt.Errorf("%s: %s", resp.ErrorType, resp.Error)
	}
	switch resp.Data.ResultType {
	case "vector":
		var v model.Vector
		if err := json.Unmarshal(resp.Data.Result, &v); err != nil {
			return nil, fmt.Errorf("decoding vector: %w", err)
		}
		return v, nil
	case "scalar":
		var s model.Scalar
		if err := json.Unmarshal(resp.Data.Result, &s); err != nil {
			return nil, fmt.Errorf("decoding scalar: %w", err)
		}
		return model.Vector{{Value: s.Value, Timestamp: s.Timestamp}}, nil
	default:
		return nil, fmt.Errorf("result type %q, want vector or scalar", resp.Data.ResultType)
	}
}

// WaitForQuery polls an instant query until cond holds for its result or
// timeout passes, and returns the last result. It fails the test on timeout.
func (p *Prometheus) WaitForQuery(tb testing.TB, timeout time.Duration, query string, cond func(model.Vector) bool) model.Vector {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	var last model.Vector
	var lastErr error
	for {
		v, err := p.QueryErr(context.Background(), query)
		if err == nil {
			last = v
			if cond(v) {
				return v
			}
		}
		lastErr = err
		if time.Now().After(deadline) {
			tb.Fatalf("query %q: condition not met within %v; last result %v, last error %v", query, timeout, last, lastErr)
		}
		time.Sleep(time.Second)
	}
}

// RuleHealth returns, for every rule Prometheus loaded, its health ("ok",
// "err" or "unknown" before the first evaluation) and last error, keyed by
// the alert or record name.
func (p *Prometheus) RuleHealth(tb testing.TB) map[string]string {
	tb.Helper()
	var resp struct {
		Status string `json:"status"`
		Data   struct {
			Groups []struct {
				Rules []struct {
					Name      string `json:"name"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := p.get(context.Background(), "/api/v1/rules", &resp); err != nil {
		tb.Fatalf("listing rules: %v", err)
	}
	out := map[string]string{}
	for _, g := range resp.Data.Groups {
		for _, r := range g.Rules {
			out[r.Name] = r.Health
			if r.LastError != "" {
				out[r.Name] += ": " + r.LastError
			}
		}
	}
	return out
}

// Logs returns what the server printed so far.
func (p *Prometheus) Logs() string { return p.logs.String() }

func (p *Prometheus) get(ctx context.Context, path string, into any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+path, http.NoBody)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	// The query API answers 400/422 with a JSON error body worth decoding.
	if into != nil && len(body) > 0 && body[0] == '{' {
		if err := json.Unmarshal(body, into); err != nil {
			return fmt.Errorf("GET %s: decoding %s: %w", path, resp.Status, err)
		}
		return nil
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return nil
}

func (p *Prometheus) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}
