// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// The kernel tests drive traffic from a child process that the test moves
// into a cgroup of its own: the test binary re-executed with helperEnv set.
// It waits for one line on stdin (sent once it is in its cgroup), runs the
// commands given as arguments, and exits.
const helperEnv = "EBPFTCP_TEST_HELPER"

func init() {
	if os.Getenv(helperEnv) != "1" {
		return
	}
	if err := runHelper(os.Args[1:], os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// runHelper runs commands of the form:
//
//	connect <addr> <n>        n connects that must succeed, each closed at once
//	refused <addr> <n>        n connects that must be refused
//	timeout <addr> <n>        n connects that must time out in the kernel (TCP_SYNCNT 1)
//	send <addr> <bytes>       one connection that sends bytes and waits for the peer to close
//	hold <addr> <n>           n connections held open until stdin closes
//	listen <addr> 1           a listening socket, open until stdin closes
//	storm <port> <n>          n connects to n distinct addresses 127.x.y.z:port
func runHelper(args []string, stdin io.Reader) error {
	in := bufio.NewReader(stdin)
	if _, err := in.ReadString('\n'); err != nil {
		return fmt.Errorf("waiting for go: %w", err)
	}
	var held []net.Conn
	for len(args) >= 3 {
		cmd, addr := args[0], args[1]
		n, err := strconv.Atoi(args[2])
		if err != nil {
			return err
		}
		args = args[3:]
		switch cmd {
		case "connect":
			for range n {
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					return err
				}
				c.Close()
			}
		case "refused":
			for range n {
				if _, err := net.DialTimeout("tcp", addr, 5*time.Second); err == nil || !strings.Contains(err.Error(), "refused") {
					return fmt.Errorf("connect to %s: want refused, got %v", addr, err)
				}
			}
		case "timeout":
			d := net.Dialer{Timeout: 30 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
				var serr error
				err := rc.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_SYNCNT, 1) })
				if err != nil {
					return err
				}
				return serr
			}}
			for range n {
				if _, err := d.Dial("tcp", addr); err == nil || !strings.Contains(err.Error(), "timed out") {
					return fmt.Errorf("connect to %s: want a kernel timeout, got %v", addr, err)
				}
			}
		case "send":
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				return err
			}
			if _, err := c.Write(make([]byte, n)); err != nil {
				return err
			}
			_ = c.(*net.TCPConn).CloseWrite()
			_, _ = io.Copy(io.Discard, c) // until the peer has read everything and closed
			c.Close()
		case "hold":
			for range n {
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					return err
				}
				held = append(held, c)
			}
			fmt.Println("holding")
		case "storm": // addr is a port; n connects to distinct 127.x.y.z
			port, err := strconv.Atoi(addr)
			if err != nil {
				return err
			}
			for i := range n {
				ip := net.IPv4(127, byte(1+i>>16), byte(i>>8), byte(i))
				c, err := net.DialTCP("tcp", nil, &net.TCPAddr{IP: ip, Port: port})
				if err != nil {
					return err
				}
				c.Close()
			}
		case "listen":
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			fmt.Println("listening")
			_, _ = io.Copy(io.Discard, in)
			ln.Close()
			return nil
		default:
			return fmt.Errorf("unknown helper command %q", cmd)
		}
	}
	if len(held) > 0 {
		_, _ = io.Copy(io.Discard, in)
		for _, c := range held {
			c.Close()
		}
	}
	return nil
}

// helper is a running helper process.
type helper struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

// startHelper starts the helper (optionally through a prefix such as
// `ip netns exec X`), moves it into cgroupDirs (one per hierarchy) and lets
// it run.
func startHelper(t *testing.T, cgroupDirs []string, prefix []string, args ...string) *helper {
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	argv := append(append(append([]string{}, prefix...), self), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	// `ip netns exec` keeps its pid when it execs the helper, so moving
	// the pid moves the helper.
	for _, dir := range cgroupDirs {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644))
	}
	_, err = io.WriteString(stdin, "go\n")
	require.NoError(t, err)
	return &helper{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
}

func (h *helper) wait(t *testing.T) {
	t.Helper()
	_ = h.stdin.Close()
	require.NoError(t, h.cmd.Wait(), "helper failed")
}

func (h *helper) waitLine(t *testing.T, want string) {
	t.Helper()
	line, err := h.out.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, want, strings.TrimSpace(line))
}
