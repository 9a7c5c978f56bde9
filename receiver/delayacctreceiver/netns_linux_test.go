// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/containerid/containeridtest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
	"github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver/internal/metadata"
)

// fakeHostProc makes a proc root whose init process lives in namespaces
// other than the test's, as when the collector runs in a container.
func fakeHostProc(t *testing.T) string {
	root := t.TempDir()
	ns := filepath.Join(root, "1", "ns")
	require.NoError(t, os.MkdirAll(ns, 0o755))
	require.NoError(t, os.Symlink("net:[1]", filepath.Join(ns, "net")))
	require.NoError(t, os.Symlink("pid:[1]", filepath.Join(ns, "pid")))
	return root
}

func TestNamespaceComparison(t *testing.T) {
	// A proc root whose init process shares the test's namespace.
	own, err := os.Readlink("/proc/thread-self/ns/net")
	require.NoError(t, err)
	shared := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(shared, "1", "ns"), 0o755))
	require.NoError(t, os.Symlink(own, filepath.Join(shared, "1", "ns", "net")))
	same, ok := sameNamespaceAsHost(shared, "net")
	require.True(t, ok)
	assert.True(t, same)

	same, ok = sameNamespaceAsHost(fakeHostProc(t), "net")
	require.True(t, ok)
	assert.False(t, same)

	_, ok = sameNamespaceAsHost(t.TempDir(), "net")
	assert.False(t, ok, "no init process to compare with")
}

func TestTaskstatsErrorNamesTheNetworkNamespace(t *testing.T) {
	s := newDelayScraper(createDefaultConfig().(*Config), receivertest.NewNopSettings(metadata.Type))
	s.procRoot = fakeHostProc(t) // as start sets it from the resolver's proc root
	err := s.explainTaskstatsError(errors.New("no such file or directory"))
	assert.ErrorContains(t, err, "only available in the host network namespace")
	assert.ErrorContains(t, err, "hostNetwork")
}

type statusHost struct {
	component.Host
	events []*componentstatus.Event
}

func (h *statusHost) Report(ev *componentstatus.Event) { h.events = append(h.events, ev) }

// TestOutsideHostPIDNamespaceDegrades: pids read from the host's procfs mean
// other processes in the collector's own PID namespace, so the receiver
// refuses to query them, says why, and keeps reporting the switch.
func TestOutsideHostPIDNamespaceDegrades(t *testing.T) {
	_, err := containerid.DetectHierarchy(containerid.DefaultCgroupRoot)
	testenv.Require(t, err == nil, "a cgroup hierarchy under "+containerid.DefaultCgroupRoot)
	idHost, _ := containeridtest.Host(t, containerid.Config{ProcRoot: fakeHostProc(t), DisableDocker: true})
	cfg := createDefaultConfig().(*Config)
	cfg.EnableDelayAcct = false
	cfg.ContainerIdentity = containeridtest.ID()
	s := newDelayScraper(cfg, receivertest.NewNopSettings(metadata.Type))
	host := &statusHost{Host: idHost}
	require.NoError(t, s.start(context.Background(), host), "a namespace problem does not stop the collector")
	defer func() { require.NoError(t, s.shutdown(context.Background())) }()

	require.Len(t, host.events, 1)
	assert.Equal(t, componentstatus.StatusPermanentError, host.events[0].Status())
	assert.ErrorContains(t, host.events[0].Err(), "use hostPID")
	assert.Nil(t, s.conn)

	m, err := s.scrape(context.Background())
	require.NoError(t, err)
	var names []string
	rms := m.ResourceMetrics()
	for i := range rms.Len() {
		ms := rms.At(i).ScopeMetrics().At(0).Metrics()
		for j := range ms.Len() {
			if ms.At(j).Type() == pmetric.MetricTypeGauge || ms.At(j).Type() == pmetric.MetricTypeSum {
				names = append(names, ms.At(j).Name())
			}
		}
	}
	assert.Contains(t, names, "otelcol_node.delay_acct.enabled")
}
