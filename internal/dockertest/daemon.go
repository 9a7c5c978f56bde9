// SPDX-License-Identifier: Apache-2.0

package dockertest // import "github.com/otelcol-node/otelcol-node/internal/dockertest"

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

const (
	// startTimeout bounds how long dockerd may take to answer /_ping; the
	// first start on a machine also initialises its managed containerd.
	startTimeout = 60 * time.Second
	// stopTimeout is how long dockerd gets to shut down after SIGTERM before
	// it is killed.
	stopTimeout = 20 * time.Second
	// logTailBytes is how much of the daemon log a failure shows.
	logTailBytes = 4096
)

var containerIDPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Daemon is a private dockerd started for one test.
type Daemon struct {
	dir      string // everything the daemon writes lives here
	socket   string
	dataRoot string
	execRoot string
	logPath  string
	docker   string // docker CLI
	cmd      *exec.Cmd
	started  bool          // cmd was started; exited will be closed
	exited   chan struct{} // closed once dockerd has exited

	mu         sync.Mutex
	containers []string // ids Run started, to reap them if the daemon dies
	mayExit    bool     // set by tests that kill the daemon on purpose

	imageOnce sync.Once
	image     string
	imageErr  error
}

// Start starts a private dockerd and stops it, with everything it created, when
// the test ends.
func Start(tb testing.TB) *Daemon {
	tb.Helper()
	dockerd, docker := RequirePrerequisites(tb)

	// Unix socket paths are limited to 108 bytes, and containerd's socket sits
	// deep in the exec root, so keep the base short instead of t.TempDir().
	dir, err := os.MkdirTemp("", "odt-")
	if err != nil {
		tb.Fatalf("creating daemon directory: %v", err)
	}
	d := &Daemon{
		dir:      dir,
		socket:   filepath.Join(dir, "docker.sock"),
		dataRoot: filepath.Join(dir, "data"),
		execRoot: filepath.Join(dir, "exec"),
		logPath:  filepath.Join(dir, "dockerd.log"),
		docker:   docker,
		exited:   make(chan struct{}),
	}
	// Registered first so that a failure below still removes the directory.
	tb.Cleanup(func() { d.stop(tb) })
	// An empty config file keeps /etc/docker/daemon.json, if any, out of the test.
	configFile := filepath.Join(dir, "daemon.json")
	if err := os.WriteFile(configFile, []byte("{}\n"), 0o600); err != nil {
		tb.Fatalf("writing daemon config: %v", err)
	}
	logFile, err := os.Create(d.logPath)
	if err != nil {
		tb.Fatalf("creating daemon log: %v", err)
	}
	namespace := "otelcol-node-" + filepath.Base(dir) // unique even if a system containerd is shared
	d.cmd = exec.Command(dockerd,
		"--config-file", configFile,
		"--data-root", d.dataRoot,
		"--exec-root", d.execRoot,
		"--pidfile", filepath.Join(dir, "docker.pid"),
		"-H", "unix://"+d.socket,
		"--containerd-namespace", namespace,
		"--containerd-plugins-namespace", namespace+"-plugins",
		"--bridge=none",
		"--iptables=false",
		"--ip6tables=false",
		"--exec-opt", "native.cgroupdriver=cgroupfs",
		"--log-level", "warn",
	)
	d.cmd.Stdout, d.cmd.Stderr = logFile, logFile
	// Its own process group: a signal meant for the test runner does not reach
	// it, and cleanup can still stop it first.
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	release, err := lockStart()
	if err != nil {
		logFile.Close()
		tb.Fatal(err)
	}
	defer release()
	if err := d.cmd.Start(); err != nil {
		logFile.Close()
		tb.Fatalf("starting dockerd: %v", err)
	}
	d.started = true
	go func() {
		_ = d.cmd.Wait()
		logFile.Close()
		close(d.exited)
	}()

	if err := d.waitReady(startTimeout); err != nil {
		tb.Fatalf("dockerd did not become ready: %v\n%s", err, d.logTail())
	}
	return d
}

// RequirePrerequisites checks what Start needs (root, dockerd, docker and
// containerd on PATH) through testenv, and returns the paths of dockerd and
// docker. Tests that must know before starting a daemon call it first.
func RequirePrerequisites(tb testing.TB) (dockerd, docker string) {
	tb.Helper()
	testenv.RequireRoot(tb)
	dockerd = testenv.RequireCommand(tb, "dockerd")
	docker = testenv.RequireCommand(tb, "docker")
	testenv.RequireCommand(tb, "containerd")
	return dockerd, docker
}

// Socket is the path of the daemon's API socket.
func (d *Daemon) Socket() string { return d.socket }

// Host is the daemon address for `docker -H`.
func (d *Daemon) Host() string { return "unix://" + d.socket }

// Docker runs the docker CLI against the daemon and returns its trimmed
// standard output, failing the test with stderr and the daemon log on error.
func (d *Daemon) Docker(tb testing.TB, args ...string) string {
	tb.Helper()
	out, err := d.dockerCmd(nil, args...)
	if err != nil {
		tb.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, d.logTail())
	}
	return out
}

// Run runs `docker run -d args...` and returns the new container's 64-hex id.
// The container is removed when the test ends.
func (d *Daemon) Run(tb testing.TB, args ...string) string {
	tb.Helper()
	id := d.Docker(tb, append([]string{"run", "-d"}, args...)...)
	if !containerIDPattern.MatchString(id) {
		tb.Fatalf("docker run printed %q, want a 64-hex container id", id)
	}
	d.mu.Lock()
	d.containers = append(d.containers, id)
	d.mu.Unlock()
	tb.Cleanup(func() {
		if _, err := d.dockerCmd(nil, "rm", "-f", id); err != nil && !d.hasExited() {
			tb.Logf("removing container %s: %v", id, err)
		}
	})
	return id
}

// PID returns the host pid of a running container's init process.
func (d *Daemon) PID(tb testing.TB, containerID string) int {
	tb.Helper()
	out := d.Docker(tb, "inspect", "--format", "{{.State.Pid}}", containerID)
	pid, err := strconv.Atoi(out)
	if err != nil || pid <= 0 {
		tb.Fatalf("container %s has no running process (State.Pid %q)", containerID, out)
	}
	return pid
}

// LogPath returns the json-file log of a container, under the daemon's data root.
func (d *Daemon) LogPath(tb testing.TB, containerID string) string {
	tb.Helper()
	return d.Docker(tb, "inspect", "--format", "{{.LogPath}}", containerID)
}

func (d *Daemon) dockerCmd(stdin []byte, args ...string) (string, error) {
	cmd := exec.Command(d.docker, append([]string{"-H", d.Host()}, args...)...)
	// The CLI reads ~/.docker/config.json and DOCKER_* variables; neither
	// belongs in a test against a private daemon.
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+filepath.Join(d.dir, "cli"), "DOCKER_HOST=", "DOCKER_CONTEXT=")
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// waitReady polls GET /_ping on the socket until the daemon answers OK.
func (d *Daemon) waitReady(timeout time.Duration) error {
	client := &http.Client{
		Timeout: time.Second,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", d.socket)
			},
		},
	}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-d.exited:
			return fmt.Errorf("dockerd exited: %v", d.cmd.ProcessState)
		default:
		}
		resp, err := client.Get("http://docker/_ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/_ping answered %s", resp.Status)
		}
		lastErr = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("no answer within %v: %w", timeout, lastErr)
}

func (d *Daemon) hasExited() bool {
	select {
	case <-d.exited:
		return true
	default:
		return false
	}
}

// stop removes the containers, stops dockerd (SIGTERM, then SIGKILL), ends
// what a dead daemon left running, unmounts what it left mounted and removes
// its directory.
func (d *Daemon) stop(tb testing.TB) {
	if !d.started {
		d.removeDir(tb)
		return
	}
	d.mu.Lock()
	mayExit := d.mayExit
	d.mu.Unlock()
	if d.hasExited() && !mayExit {
		tb.Errorf("dockerd exited before the test ended: %v\n%s", d.cmd.ProcessState, d.logTail())
	} else if !d.hasExited() {
		if ids, err := d.dockerCmd(nil, "ps", "-aq", "--no-trunc"); err == nil && ids != "" {
			if _, err := d.dockerCmd(nil, append([]string{"rm", "-f"}, strings.Fields(ids)...)...); err != nil {
				tb.Logf("removing containers: %v", err)
			}
		}
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(stopTimeout):
			tb.Logf("dockerd did not stop within %v; killing it", stopTimeout)
			_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
			<-d.exited
		}
	}
	d.killLeftovers()
	if tb.Failed() {
		tb.Logf("dockerd log:\n%s", d.logTail())
	}
	if err := unmountUnder(d.dir); err != nil {
		tb.Errorf("unmounting what dockerd left: %v", err)
	}
	d.removeDir(tb)
}

func (d *Daemon) removeDir(tb testing.TB) {
	if err := os.RemoveAll(d.dir); err != nil {
		tb.Errorf("removing daemon directory: %v", err)
	}
}

func (d *Daemon) logTail() string {
	b, err := os.ReadFile(d.logPath)
	if err != nil {
		return fmt.Sprintf("(no daemon log: %v)", err)
	}
	if len(b) > logTailBytes {
		b = b[len(b)-logTailBytes:]
	}
	return string(b)
}
