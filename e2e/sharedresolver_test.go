// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/extension/containeridentityextension"
	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"
	"github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver"
	"github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"
	"github.com/otelcol-node/otelcol-node/receiver/oomreceiver"
)

// sharedResolverPort is the listener of the short-lived processes below.
const sharedResolverPort = 28091

// extensionsHost offers the collector's started extensions to receivers.
type extensionsHost map[component.ID]component.Component

func (h extensionsHost) GetExtensions() map[component.ID]component.Component { return h }

// TestOneHierarchyWalkPerRescan starts the four receivers of the default
// config in one process, each naming the container_identity extension, and
// makes them miss: short-lived processes in new cgroups connect and exit
// before their cgroup can be read from /proc, so the misses are resolved by
// rescans. Every cgroupfs walk the process made is then one of the
// extension's rescans: no receiver walks on its own.
func TestOneHierarchyWalkPerRescan(t *testing.T) {
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "bash")
	benchDir(t)
	ctx := context.Background()
	walksBefore := containerid.HierarchyWalks()

	extFactory := containeridentityextension.NewFactory()
	extCfg := extFactory.CreateDefaultConfig()
	require.NoError(t, confmap.NewFromStringMap(map[string]any{"docker_socket": ""}).Unmarshal(extCfg))
	ext, err := extFactory.Create(ctx, extensiontest.NewNopSettings(extFactory.Type()), extCfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(ctx, componenttest.NewNopHost()))
	t.Cleanup(func() { assert.NoError(t, ext.Shutdown(ctx)) })
	extID := component.NewID(extFactory.Type())
	host := extensionsHost{extID: ext}
	resolver := ext.(containerid.Provider).Resolver()

	for _, f := range []receiver.Factory{
		ebpftcpreceiver.NewFactory(), oomreceiver.NewFactory(),
		delayacctreceiver.NewFactory(), containerlogpatternreceiver.NewFactory(),
	} {
		cfg := f.CreateDefaultConfig()
		require.NoError(t, confmap.NewFromStringMap(map[string]any{
			"container_identity":  extID.String(),
			"collection_interval": "1s",
		}).Unmarshal(cfg))
		r, err := f.CreateMetrics(ctx, receivertest.NewNopSettings(f.Type()), cfg, consumertest.NewNop())
		require.NoError(t, err, "%s", f.Type())
		require.NoError(t, r.Start(ctx, host), "%s", f.Type())
		t.Cleanup(func() { assert.NoError(t, r.Shutdown(ctx)) })
	}

	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", sharedResolverPort))
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go acceptAndClose(ln)
	const containers = 5
	for range containers {
		script := fmt.Sprintf(`bash -c 'exec 3<>/dev/tcp/127.0.0.1/%d'; sleep 0.3`, sharedResolverPort)
		startWorkload(t, "cgroup-run.sh", "--keep", "docker/"+fakeContainerID(t), "--", "bash", "-c", script)
		time.Sleep(300 * time.Millisecond)
	}

	require.Eventually(t, func() bool { return resolver.Stats().Rescans >= 2 }, 30*time.Second, 100*time.Millisecond,
		"the misses did not make the extension's resolver rescan: %+v", resolver.Stats())
	walks := containerid.HierarchyWalks() - walksBefore
	stats := resolver.Stats()
	assert.Equal(t, stats.Rescans, walks, "cgroupfs walks of the process vs rescans of the one resolver (stats %+v)", stats)
	t.Logf("%d walks, all the extension's rescans, for %d misses", walks, stats.Misses)
}
