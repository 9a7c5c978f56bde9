// SPDX-License-Identifier: Apache-2.0

package containeridentityextension

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/extension/containeridentityextension/internal/metadata"
	"github.com/otelcol-node/otelcol-node/extension/containeridentityextension/internal/metadatatest"
	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// waitTimeout bounds every wait for the resolver's background work; tests
// poll until it and never assert how fast something happens.
const waitTimeout = 10 * time.Second

// webContainerID is a Docker container id (64 hex digits).
var webContainerID = strings.Repeat("4c01db0b", 8)

// webCgroup is the container's cgroup as Docker's systemd driver names it on
// a cgroup v2 node.
var webCgroup = "/system.slice/docker-" + webContainerID + ".scope"

// fakeNode is a cgroup v2 hierarchy and a procfs under t.TempDir(). The
// inode numbers of directories there are as real as on cgroupfs, which is
// all the resolver reads, so no privilege is needed.
type fakeNode struct {
	t          *testing.T
	cgroupRoot string
	procRoot   string
	logsRoot   string
}

func newFakeNode(t *testing.T) *fakeNode {
	root := t.TempDir()
	n := &fakeNode{
		t:          t,
		cgroupRoot: filepath.Join(root, "cgroup"),
		procRoot:   filepath.Join(root, "proc"),
		logsRoot:   filepath.Join(root, "log"),
	}
	require.NoError(t, os.MkdirAll(n.cgroupRoot, 0o755))
	// The marker DetectHierarchy recognises a cgroup v2 root by.
	require.NoError(t, os.WriteFile(filepath.Join(n.cgroupRoot, "cgroup.controllers"), []byte("cpu memory pids\n"), 0o644))
	require.NoError(t, os.MkdirAll(n.procRoot, 0o755))
	return n
}

func (n *fakeNode) mkcgroup(path string) {
	require.NoError(n.t, os.MkdirAll(filepath.Join(n.cgroupRoot, filepath.FromSlash(path)), 0o755))
}

// config points every source at the fake node. The kubelet's log
// directories do not exist: that is a node without Kubernetes, not an error.
// Docker names are off unless a test sets docker_socket.
func (n *fakeNode) config() *Config {
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.ProcRoot = n.procRoot
	cfg.CgroupRoot = n.cgroupRoot
	cfg.PodLogsDir = filepath.Join(n.logsRoot, "pods")
	cfg.ContainerLogsDir = filepath.Join(n.logsRoot, "containers")
	cfg.DockerSocket = ""
	cfg.MinRescanInterval = minRescanInterval
	return cfg
}

// hostWith is a component.Host running the given extensions, as the
// collector's host is for a receiver's Start.
type hostWith map[component.ID]component.Component

func (h hostWith) GetExtensions() map[component.ID]component.Component { return h }

// create builds the extension through its factory, as the collector does.
func create(t *testing.T, set extension.Settings, cfg *Config) extension.Extension {
	t.Helper()
	require.NoError(t, cfg.Validate())
	ext, err := NewFactory().Create(context.Background(), set, cfg)
	require.NoError(t, err)
	return ext
}

// start creates and starts the extension; it is shut down when the test ends.
func start(t *testing.T, set extension.Settings, cfg *Config) (extension.Extension, *containerid.Resolver) {
	t.Helper()
	ext := create(t, set, cfg)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { assert.NoError(t, ext.Shutdown(context.Background())) })
	r := ext.(containerid.Provider).Resolver()
	require.NotNil(t, r)
	return ext, r
}

func TestStartAndShutdown(t *testing.T) {
	node := newFakeNode(t)
	node.mkcgroup(webCgroup)
	cfg := node.config()
	// An absent Docker socket is a node without Docker: Start succeeds and
	// the event stream's goroutines wait for an engine to appear.
	cfg.DockerSocket = filepath.Join(t.TempDir(), "docker.sock")

	ext := create(t, extensiontest.NewNopSettings(metadata.Type), cfg)
	provider, ok := ext.(containerid.Provider)
	require.True(t, ok, "the extension is what containerid.Acquire looks for")
	assert.Nil(t, provider.Resolver(), "no resolver before Start")

	before := goleak.IgnoreCurrent()
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	r := provider.Resolver()
	require.NotNil(t, r)
	assert.Equal(t, containerid.Hierarchy{Kind: containerid.V2, MountPoint: node.cgroupRoot}, r.Hierarchy())
	assert.Equal(t, node.procRoot, r.ProcRoot())

	id, err := r.CgroupID(webCgroup)
	require.NoError(t, err)
	got, ok := r.ByCgroupID(id)
	require.True(t, ok)
	assert.Equal(t, containerid.Identity{CgroupPath: webCgroup, ContainerID: webContainerID, Runtime: containerid.RuntimeDocker}, got)

	require.NoError(t, ext.Shutdown(context.Background()))
	// Shutdown closes the resolver: its worker and the Docker event stream
	// are gone.
	goleak.VerifyNone(t, before)
}

// TestAcquireSharesTheResolver: every receiver naming the extension gets the
// extension's resolver, and no cgroupfs walk of its own.
func TestAcquireSharesTheResolver(t *testing.T) {
	node := newFakeNode(t)
	node.mkcgroup("/system.slice")
	custom := component.MustNewIDWithName("container_identity", "custom")
	ext, r := start(t, extensiontest.NewNopSettings(metadata.Type), node.config())
	host := hostWith{custom: ext}

	walks := containerid.HierarchyWalks()
	first, releaseFirst, err := containerid.Acquire(host, &custom, zap.NewNop())
	require.NoError(t, err)
	second, releaseSecond, err := containerid.Acquire(host, &custom, zap.NewNop())
	require.NoError(t, err)
	assert.Same(t, r, first)
	assert.Same(t, r, second)
	assert.Equal(t, walks, containerid.HierarchyWalks(), "acquiring the shared resolver walks nothing")

	// A receiver shutting down releases its hold, which must not close the
	// resolver the other receivers still use: its worker still learns a
	// cgroup a hot path reports.
	require.NoError(t, releaseFirst())
	node.mkcgroup(webCgroup)
	id, err := r.CgroupID(webCgroup)
	require.NoError(t, err)
	r.Observe(id, 0)
	require.Eventually(t, func() bool {
		_, ok := second.Lookup(id)
		return ok
	}, waitTimeout, 5*time.Millisecond)
	require.NoError(t, releaseSecond())
}

func TestAcquireErrorsNameTheKey(t *testing.T) {
	node := newFakeNode(t)
	notStarted := create(t, extensiontest.NewNopSettings(metadata.Type), node.config())

	id := component.NewID(metadata.Type)
	other := component.MustNewIDWithName("container_identity", "other")
	for _, tc := range []struct {
		name    string
		host    component.Host
		id      component.ID
		wantErr string
	}{
		{
			name:    "missing",
			host:    hostWith{id: notStarted},
			id:      other,
			wantErr: `'container_identity': extension "container_identity/other" is not configured (add it under extensions: and service::extensions)`,
		},
		{
			name:    "not started",
			host:    hostWith{id: notStarted},
			id:      id,
			wantErr: `'container_identity': extension "container_identity" has not started`,
		},
		{
			name:    "another kind of extension",
			host:    hostWith{id: nopExtension{}},
			id:      id,
			wantErr: `'container_identity': extension "container_identity" is not a container identity extension`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := containerid.Acquire(tc.host, &tc.id, zap.NewNop())
			assert.EqualError(t, err, tc.wantErr)
		})
	}
}

// nopExtension is an extension that offers no resolver.
type nopExtension struct{}

func (nopExtension) Start(context.Context, component.Host) error { return nil }
func (nopExtension) Shutdown(context.Context) error              { return nil }

// TestStartFailsWithoutCgroupHierarchy: without a cgroup hierarchy nothing
// can be attributed, so Start fails, naming the place it looked.
func TestStartFailsWithoutCgroupHierarchy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		modify  func(*Config, *fakeNode)
		wantErr []string
	}{
		{
			name:    "missing cgroup_root",
			modify:  func(c *Config, n *fakeNode) { c.CgroupRoot = filepath.Join(n.cgroupRoot, "missing") },
			wantErr: []string{"container identity: ", "no cgroup v1 memory or cgroup v2 hierarchy found under ", filepath.Join("cgroup", "missing")},
		},
		{
			// A hierarchy asked for is never replaced by the other one.
			name:    "v1 asked for on a v2 node",
			modify:  func(c *Config, _ *fakeNode) { c.CgroupHierarchy = containerid.HierarchyV1 },
			wantErr: []string{"container identity: ", "no cgroup v1 memory or cgroup v2 hierarchy found under ", filepath.Join("cgroup", "memory")},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			node := newFakeNode(t)
			cfg := node.config()
			tc.modify(cfg, node)
			ext := create(t, extensiontest.NewNopSettings(metadata.Type), cfg)

			err := ext.Start(context.Background(), componenttest.NewNopHost())
			require.ErrorIs(t, err, containerid.ErrNoHierarchy)
			for _, want := range tc.wantErr {
				assert.ErrorContains(t, err, want)
			}
			assert.Nil(t, ext.(containerid.Provider).Resolver(), "a failed Start leaves no resolver")
			assert.NoError(t, ext.Shutdown(context.Background()))
		})
	}
}

// TestTelemetry: the extension's metrics are the resolver's Stats.
func TestTelemetry(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { assert.NoError(t, tel.Shutdown(context.Background())) })
	node := newFakeNode(t)
	node.mkcgroup(webCgroup)
	cfg := node.config()
	cfg.DockerSocket = filepath.Join(t.TempDir(), "docker.sock") // no engine answers

	ext, r := start(t, metadatatest.NewSettings(tel), cfg)

	// A cgroup created after the start-up walk: looking it up misses, and
	// the miss rescans once min_rescan_interval has passed.
	node.mkcgroup("/system.slice/nginx.service")
	id, err := r.CgroupID("/system.slice/nginx.service")
	require.NoError(t, err)
	time.Sleep(2 * minRescanInterval)
	_, ok := r.ByCgroupID(id)
	require.True(t, ok)
	// An absent socket is counted as unavailable, never as an API error.
	require.Eventually(t, func() bool { return r.Stats().Docker.Unavailable > 0 }, waitTimeout, 5*time.Millisecond)

	s := r.Stats()
	// root, system.slice, the container's scope, nginx.service
	assert.Equal(t, 4, s.Entries)
	assert.Equal(t, uint64(2), s.Rescans, "the start-up walk and the one the miss triggered")
	assert.Equal(t, uint64(1), s.Misses)

	points := func(v int64) []metricdata.DataPoint[int64] { return []metricdata.DataPoint[int64]{{Value: v}} }
	metadatatest.AssertEqualExtensionContainerIdentityCacheEntries(t, tel, points(int64(s.Entries)), metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualExtensionContainerIdentityRescans(t, tel, points(int64(s.Rescans)), metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualExtensionContainerIdentityCacheMisses(t, tel, points(int64(s.Misses)), metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualExtensionContainerIdentityCacheDropped(t, tel, points(0), metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualExtensionContainerIdentityRuntimeAPIErrors(t, tel, points(0), metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualExtensionContainerIdentityRuntimeEvents(t, tel, points(0), metricdatatest.IgnoreTimestamp())

	require.NoError(t, ext.Shutdown(context.Background()))
	_, err = tel.GetMetric("otelcol_extension_container_identity_cache_entries")
	assert.Error(t, err, "no callback reports after Shutdown")
}

// TestCacheDroppedSumsEveryCap: cache_dropped is what max_entries left out,
// counted at every walk.
func TestCacheDroppedSumsEveryCap(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { assert.NoError(t, tel.Shutdown(context.Background())) })
	node := newFakeNode(t)
	node.mkcgroup("/system.slice/a.service")
	node.mkcgroup("/system.slice/b.service")
	cfg := node.config()
	cfg.MaxEntries = 2 // root and system.slice fit, the two services do not

	_, r := start(t, metadatatest.NewSettings(tel), cfg)
	s := r.Stats()
	assert.Equal(t, 2, s.Entries)
	assert.Equal(t, uint64(2), s.Dropped)
	metadatatest.AssertEqualExtensionContainerIdentityCacheDropped(t, tel,
		[]metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualExtensionContainerIdentityCacheEntries(t, tel,
		[]metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
}
