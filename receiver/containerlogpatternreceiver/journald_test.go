// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-node/otelcol-node/internal/logsource"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

const journaldBinary = "/lib/systemd/systemd-journald"

// startPrivateJournald runs systemd-journald in a journal namespace of its
// own (systemd-journald@.service does the same), so the test neither reads
// nor writes the host's journal. It returns the namespace and the syslog
// socket to log to.
func startPrivateJournald(t *testing.T) (namespace, devLog string) {
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "journalctl")
	testenv.RequireCommand(t, "logger")
	_, err := os.Stat(journaldBinary)
	testenv.Require(t, err == nil, journaldBinary+" (Debian package systemd)")

	namespace = fmt.Sprintf("otelcoltest%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	runDir := "/run/systemd/journal." + namespace
	cmd := exec.Command(journaldBinary, namespace)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = os.RemoveAll(runDir)
		dirs, _ := filepath.Glob("/var/log/journal/*." + namespace)
		for _, d := range dirs {
			_ = os.RemoveAll(d)
		}
	})
	devLog = filepath.Join(runDir, "dev-log")
	require.Eventually(t, func() bool {
		_, err := os.Stat(devLog)
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "journald never made %s", devLog)
	return namespace, devLog
}

func logTo(t *testing.T, devLog, priority, msg string) {
	out, err := exec.Command("logger", "--socket-errors=on", "-u", devLog, "-p", priority, msg).CombinedOutput()
	require.NoError(t, err, "logger: %s", out)
}

// TestJournald follows a private journald and checks messages are counted
// with the level of their syslog priority, from the end of the journal.
func TestJournald(t *testing.T) {
	namespace, devLog := startPrivateJournald(t)
	logTo(t, devLog, "user.err", "history before the receiver started")

	cfg := testConfig()
	cfg.Journald.Enabled = true
	cfg.Journald.Namespace = namespace
	sink := startMetrics(t, cfg)
	time.Sleep(time.Second) // journalctl seeks to the end

	for i := range 10 {
		logTo(t, devLog, "user.err", fmt.Sprintf("db timeout after %ds", i))
	}
	for i := range 5 {
		logTo(t, devLog, "user.warning", fmt.Sprintf("queue depth %d above threshold", i))
	}
	for i := range 7 {
		logTo(t, devLog, "daemon.info", fmt.Sprintf("served %d requests", i))
	}

	// The syslog sender runs in no unit here, so its entries belong to the
	// node. journald's own entries ("System Journal ... is 8.0M") may be
	// there too; they are real entries, so only ours are checked.
	ours := func(sample string) bool {
		for _, p := range []string{"db timeout after ", "queue depth ", "served "} {
			if strings.HasPrefix(sample, p) {
				return true
			}
		}
		return false
	}
	levels := func() map[string]int64 {
		byLevel := map[string]int64{}
		for k, v := range latestCounts(sink) {
			if k.owner == "" && k.source == sourceJournald && ours(k.sample) {
				byLevel[k.level] += v
			}
		}
		return byLevel
	}
	require.Eventually(t, func() bool {
		l := levels()
		return l["error"]+l["warning"]+l["info"] >= 22
	}, 20*time.Second, 50*time.Millisecond)
	time.Sleep(time.Second)
	byLevel := levels()
	for k := range latestCounts(sink) {
		assert.NotContains(t, k.sample, "history", "entries before the start are not counted")
	}
	assert.Equal(t, map[string]int64{"error": 10, "warning": 5, "info": 7}, byLevel)
}

// TestJournalOwner attributes recorded `journalctl -o json` entries (systemd
// 252) to their container or unit.
func TestJournalOwner(t *testing.T) {
	id := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		line      string
		wantOwner string
		wantUnit  string
		wantID    string
	}{
		{
			line:      `{"__CURSOR":"c1","MESSAGE":"started","PRIORITY":"6","_SYSTEMD_UNIT":"nginx.service","_SYSTEMD_CGROUP":"/system.slice/nginx.service"}`,
			wantOwner: "unit://nginx.service", wantUnit: "nginx.service",
		},
		{
			line:      `{"__CURSOR":"c2","MESSAGE":"from a container","PRIORITY":"3","_SYSTEMD_UNIT":"docker-` + id + `.scope","_SYSTEMD_CGROUP":"/system.slice/docker-` + id + `.scope"}`,
			wantOwner: "container://" + id, wantID: id,
		},
		{
			line:      `{"__CURSOR":"c3","MESSAGE":"kernel: oops","PRIORITY":"2","_TRANSPORT":"kernel"}`,
			wantOwner: "node",
		},
	}
	for _, tt := range tests {
		e, err := logsource.DecodeJournalJSON([]byte(tt.line))
		require.NoError(t, err)
		owner, ident := journalOwner(e)
		assert.Equal(t, tt.wantOwner, owner)
		assert.Equal(t, tt.wantUnit, ident.SystemdUnit)
		assert.Equal(t, tt.wantID, ident.ContainerID)
	}
}
