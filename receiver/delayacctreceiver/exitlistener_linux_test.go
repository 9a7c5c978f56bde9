// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver

import (
	"errors"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// startTestListener registers an exit listener on the real kernel.
func startTestListener(t *testing.T) *exitListener {
	t.Helper()
	testenv.RequireRoot(t)
	l, err := listenExits(possibleCPUs)
	testenv.Require(t, err == nil, "taskstats exit notifications (host PID namespace)")
	t.Cleanup(func() {
		l.Stop()
		_ = l.Close()
	})
	return l
}

// runChildren starts and reaps n short processes, returning their pids.
func runChildren(t *testing.T, n int) map[uint32]bool {
	t.Helper()
	pids := make(map[uint32]bool, n)
	for range n {
		cmd := exec.Command("/bin/true")
		require.NoError(t, cmd.Run())
		pids[uint32(cmd.Process.Pid)] = true
	}
	return pids
}

// waitReadable waits for the listener's watch in the background so that a
// test can bound it.
func waitReadable(l *exitListener) <-chan error {
	done := make(chan error, 1)
	go func() {
		stopped, err := l.wait()
		if err == nil && stopped {
			err = errStopped
		}
		done <- err
	}()
	return done
}

var errStopped = errors.New("listener stopped")

// TestExitListenerReadsABurstInOneWake: exits queued while nobody waits make
// the watch readable once; one drain reads them all and re-arms the watch,
// which then stays quiet until the next exit.
func TestExitListenerReadsABurstInOneWake(t *testing.T) {
	l := startTestListener(t)
	children := runChildren(t, 50)

	select {
	case err := <-waitReadable(l):
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("exits of 50 children did not make the listener readable")
	}
	seen := 0
	overflows, err := l.drain(func(n exitNotification) {
		if children[n.task.id] {
			seen++
		}
	})
	require.NoError(t, err)
	assert.Zero(t, overflows)
	assert.Equal(t, len(children), seen, "exit notifications of our children")

	// Re-armed: quiet with nothing queued (other processes of the machine
	// may exit meanwhile, so an early wake-up is drained and waited again),
	// readable at the next exit.
	quiet := waitReadable(l)
	for deadline := time.Now().Add(5 * time.Second); ; {
		next := runChildren(t, 1)
		select {
		case err := <-quiet:
			require.NoError(t, err)
			found := false
			_, err = l.drain(func(n exitNotification) { found = found || next[n.task.id] })
			require.NoError(t, err)
			if found {
				return
			}
			quiet = waitReadable(l)
		case <-time.After(time.Second):
			require.True(t, time.Now().Before(deadline), "the re-armed watch never fired")
		}
	}
}

// TestExitListenerCountsOverflow: exits that did not fit in the socket buffer
// are counted as overflows, and what did fit is still handled.
func TestExitListenerCountsOverflow(t *testing.T) {
	l := startTestListener(t)
	// The kernel's minimum buffer holds a couple of notifications.
	require.NoError(t, unix.SetsockoptInt(l.fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 0))
	runChildren(t, 100)

	handled := 0
	overflows, err := l.drain(func(exitNotification) { handled++ })
	require.NoError(t, err)
	assert.Positive(t, overflows, "an overflow of 100 exits into a minimal buffer")
	assert.Positive(t, handled, "notifications queued before the overflow")
}

// TestExitListenerStopEndsTheWait: shutdown does not wait for an exit.
func TestExitListenerStopEndsTheWait(t *testing.T) {
	l := startTestListener(t)
	_, err := l.drain(func(exitNotification) {})
	require.NoError(t, err)
	done := waitReadable(l)
	l.Stop()
	for {
		select {
		case err := <-done:
			if err == nil {
				// Another process of the machine exited first.
				done = waitReadable(l)
				continue
			}
			require.ErrorIs(t, err, errStopped)
			return
		case <-time.After(5 * time.Second):
			t.Fatal("Stop did not end a pending wait")
		}
	}
}
