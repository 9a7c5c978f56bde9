// SPDX-License-Identifier: Apache-2.0

package oomreceiver

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-node/otelcol-node/internal/bpf"
	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/containerid/containeridtest"
	"github.com/otelcol-node/otelcol-node/receiver/oomreceiver/internal/metadata"
)

// countingKernel counts opens and closes of the kernel side.
type countingKernel struct {
	opens, closes int
	hierarchy     containerid.Hierarchy
	err           error
}

func (c *countingKernel) open(h containerid.Hierarchy, _ sourceOptions, _ *zap.Logger, _ bpf.RecordHandler) (kernelSource, error) {
	c.opens++
	c.hierarchy = h
	if c.err != nil {
		return nil, c.err
	}
	return c, nil
}

func (c *countingKernel) Stats() (bpf.Stats, error) { return bpf.Stats{}, nil }

func (c *countingKernel) Close() error {
	c.closes++
	return nil
}

// bothInstances are the metrics and logs instances of one configured
// receiver, created by the factory.
type bothInstances struct {
	ss      *sharedSources
	cfg     *Config
	metrics receiver.Metrics
	logs    receiver.Logs
}

func createBoth(t *testing.T, ck *countingKernel, logger *zap.Logger, configure func(*Config)) *bothInstances {
	t.Helper()
	ss := newSharedSources()
	ss.open = ck.open
	f := newFactory(ss)
	cfg := f.CreateDefaultConfig().(*Config)
	if configure != nil {
		configure(cfg)
	}
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = logger
	b := &bothInstances{ss: ss, cfg: cfg}
	var err error
	b.metrics, err = f.CreateMetrics(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	b.logs, err = f.CreateLogs(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	assert.Equal(t, 1, ss.sources.Len(), "both instances share one source")
	return b
}

func (b *bothInstances) shutdown(t *testing.T) {
	t.Helper()
	require.NoError(t, b.metrics.Shutdown(context.Background()))
	assert.Equal(t, 1, b.ss.sources.Len(), "the logs instance still uses the source")
	require.NoError(t, b.logs.Shutdown(context.Background()))
	require.NoError(t, b.logs.Shutdown(context.Background()), "a second Shutdown gives nothing back twice")
	assert.Zero(t, b.ss.sources.Len(), "the shared source is gone after both shut down")
}

// startBoth creates and starts both instances on a host whose
// container_identity extension offers a resolver, named in the config.
func startBoth(t *testing.T, ck *countingKernel, logger *zap.Logger) (*statusHost, *containerid.Resolver, *bothInstances) {
	t.Helper()
	idHost, resolver := containeridtest.Host(t, containerid.Config{DisableDocker: true})
	b := createBoth(t, ck, logger, func(cfg *Config) { cfg.ContainerIdentity = containeridtest.ID() })
	host := &statusHost{Host: idHost}
	require.NoError(t, b.metrics.Start(context.Background(), host), "Start never fails for a kernel problem")
	require.NoError(t, b.logs.Start(context.Background(), host))
	return host, resolver, b
}

// TestSharedSourceLoadsOnce: the metrics and logs instances of one
// configured receiver share one BPF source, opened once and closed once,
// attributing through the extension's resolver and its cgroup hierarchy.
func TestSharedSourceLoadsOnce(t *testing.T) {
	ck := &countingKernel{}
	host, resolver, b := startBoth(t, ck, zap.NewNop())
	assert.Equal(t, 1, ck.opens)
	assert.Empty(t, host.permanentErrors())
	assert.Equal(t, resolver.Hierarchy(), ck.hierarchy, "the program reports ids of the resolver's hierarchy")
	shared, err := b.ss.sources.LoadOrStore(b.cfg, func() (*source, error) { return nil, errors.New("not created again") })
	require.NoError(t, err)
	assert.Same(t, identityResolver(resolver), shared.Unwrap().resolver, "the extension's resolver, not a private one")
	require.NoError(t, shared.Shutdown(context.Background()))

	b.shutdown(t)
	assert.Equal(t, 1, ck.closes)
}

// TestDegradedStart: when the kernel side cannot open (no BTF, verifier
// rejection...), Start returns nil, the reason is logged once, and both
// instances report it as a PermanentError status.
func TestDegradedStart(t *testing.T) {
	errNoBTF := errors.New("no kernel BTF at /sys/kernel/btf/vmlinux")
	ck := &countingKernel{err: errNoBTF}
	core, logs := observer.New(zap.InfoLevel)
	host, _, b := startBoth(t, ck, zap.New(core))

	assert.Equal(t, 1, ck.opens)
	perm := host.permanentErrors()
	require.Len(t, perm, 2, "one PermanentError per instance")
	for _, err := range perm {
		assert.ErrorIs(t, err, errNoBTF)
	}
	assert.Equal(t, 1, logs.FilterMessageSnippet("degraded").Len(), "one log line for the degraded receiver")
	b.shutdown(t)
	assert.Equal(t, 0, ck.closes)
}

// TestMissingExtensionFailsStart: container_identity naming an extension
// the collector does not run is a configuration error: both instances fail
// to start, naming the key, and the kernel side is never opened.
func TestMissingExtensionFailsStart(t *testing.T) {
	ck := &countingKernel{}
	b := createBoth(t, ck, zap.NewNop(), func(cfg *Config) {
		id := component.MustNewIDWithName("container_identity", "missing")
		cfg.ContainerIdentity = &id
	})
	host := &statusHost{Host: componenttest.NewNopHost()}
	for _, err := range []error{b.metrics.Start(context.Background(), host), b.logs.Start(context.Background(), host)} {
		require.Error(t, err)
		assert.ErrorContains(t, err, "'container_identity'")
		assert.ErrorContains(t, err, "container_identity/missing")
	}
	assert.Zero(t, ck.opens)
	b.shutdown(t)
}

// TestPrivateResolverWithoutExtension: without container_identity the
// receiver runs on a resolver of its own, with the default paths, and gives
// it back (closes it) at shutdown.
func TestPrivateResolverWithoutExtension(t *testing.T) {
	ck := &countingKernel{}
	core, logs := observer.New(zap.InfoLevel)
	b := createBoth(t, ck, zap.New(core), nil)
	host := &statusHost{Host: componenttest.NewNopHost()}
	require.NoError(t, b.metrics.Start(context.Background(), host))
	require.NoError(t, b.logs.Start(context.Background(), host))
	assert.Equal(t, 1, ck.opens)
	assert.Equal(t, 1, logs.FilterMessageSnippet("private container identity resolver").Len(), "said once, for the one shared source")
	b.shutdown(t)
	assert.Equal(t, 1, ck.closes)
}
