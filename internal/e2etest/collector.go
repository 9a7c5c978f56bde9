// SPDX-License-Identifier: Apache-2.0

package e2etest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// startTimeout bounds how long a collector may take to answer its first scrape.
const startTimeout = 30 * time.Second

// readyLogLine is what the collector logs once every component has started.
const readyLogLine = "Everything is ready"

// Collector is one running otelcol-node process.
type Collector struct {
	cmd        *exec.Cmd
	MetricsURL string
	logs       *syncBuffer
	done       chan struct{}
}

// Options tune how the collector process is started.
type Options struct {
	// Args replace the default `--config <file>` arguments when set.
	Args []string
	// Credential runs the process as another user (unprivileged tests).
	Credential *syscall.Credential
	// Env is added to the process environment.
	Env []string
}

// BinaryPath finds bin/otelcol-node at the repository root.
func BinaryPath(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(RepoRoot(tb), "bin", "otelcol-node")
	_, statErr := os.Stat(bin)
	testenv.Require(tb, statErr == nil, "bin/otelcol-node (run `make build`)")
	return bin
}

// RepoRoot returns the repository root (the directory holding go.mod).
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	root, err := repoRoot()
	if err != nil {
		tb.Fatalf("finding repository root: %v", err)
	}
	return root
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "builder-config.yaml")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("builder-config.yaml not found in any parent directory")
		}
		dir = parent
	}
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start writes config to a file, starts the collector with it and waits until
// the Prometheus exporter at metricsPort answers. The process is stopped with
// SIGTERM at test cleanup and its log is printed when the test failed.
func Start(tb testing.TB, config string, metricsPort int) *Collector {
	tb.Helper()
	cfgPath := filepath.Join(tb.TempDir(), "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		tb.Fatalf("writing config: %v", err)
	}
	return StartWith(tb, Options{Args: []string{"--config", cfgPath}}, metricsPort)
}

// StartWith starts the collector with explicit options.
func StartWith(tb testing.TB, opts Options, metricsPort int) *Collector {
	tb.Helper()
	cmd := exec.Command(BinaryPath(tb), opts.Args...)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.Env = append(os.Environ(), opts.Env...)
	if opts.Credential != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: opts.Credential}
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting collector: %v", err)
	}
	c := &Collector{
		cmd:        cmd,
		MetricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort),
		logs:       logs,
		done:       make(chan struct{}),
	}
	go func() { _ = cmd.Wait(); close(c.done) }()
	tb.Cleanup(func() {
		c.Stop()
		if tb.Failed() {
			tb.Logf("collector log:\n%s", c.Logs())
		}
	})
	deadline := time.Now().Add(startTimeout)
	for {
		// The exporter serves /metrics before the receivers start (the
		// collector starts a pipeline from its end): ready means both, so
		// that a workload started next is seen from its first event.
		if _, err := c.scrapeText(context.Background()); err == nil && strings.Contains(c.logs.String(), readyLogLine) {
			return c
		}
		select {
		case <-c.done:
			tb.Fatalf("collector exited before serving /metrics:\n%s", c.Logs())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			tb.Fatalf("collector did not answer %s within %v:\n%s", c.MetricsURL, startTimeout, c.Logs())
		}
	}
}

// Stop terminates the collector and waits for it to exit.
func (c *Collector) Stop() {
	select {
	case <-c.done:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(15 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// PID is the collector's process id, for measuring it.
func (c *Collector) PID() int { return c.cmd.Process.Pid }

// Logs returns everything the collector printed so far.
func (c *Collector) Logs() string { return c.logs.String() }

// CountLogLines counts log lines containing every one of the given substrings.
func (c *Collector) CountLogLines(substrings ...string) int {
	n := 0
	for _, line := range strings.Split(c.Logs(), "\n") {
		all := true
		for _, s := range substrings {
			if !strings.Contains(line, s) {
				all = false
				break
			}
		}
		if all {
			n++
		}
	}
	return n
}

func (c *Collector) scrapeText(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.MetricsURL, http.NoBody)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", c.MetricsURL, resp.Status)
	}
	return body.Bytes(), nil
}

// syncBuffer collects the process output; the exec package writes to it from
// its own goroutines while tests read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
