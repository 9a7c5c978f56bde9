// SPDX-License-Identifier: Apache-2.0

package oomreceiver

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-node/otelcol-node/internal/bpf"
	"github.com/otelcol-node/otelcol-node/receiver/oomreceiver/internal/metadata"
)

// countingKernel counts opens and closes of the kernel side.
type countingKernel struct {
	opens, closes int
	err           error
}

func (c *countingKernel) open(*Config, sourceOptions, *zap.Logger, func(identityResolver) bpf.RecordHandler) (kernelSource, error) {
	c.opens++
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

// startBoth creates and starts the metrics and logs instances of one config.
func startBoth(t *testing.T, ck *countingKernel, logger *zap.Logger) (*statusHost, func()) {
	t.Helper()
	ss := newSharedSources()
	ss.open = ck.open
	f := newFactory(ss)
	cfg := f.CreateDefaultConfig()
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = logger
	mr, err := f.CreateMetrics(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	lr, err := f.CreateLogs(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	host := &statusHost{Host: componenttest.NewNopHost()}
	require.NoError(t, mr.Start(context.Background(), host), "Start never fails for a kernel problem")
	require.NoError(t, lr.Start(context.Background(), host))
	return host, func() {
		require.NoError(t, mr.Shutdown(context.Background()))
		require.NoError(t, lr.Shutdown(context.Background()))
		assert.Empty(t, ss.entries, "the shared entry is gone after both shut down")
	}
}

// TestSharedSourceLoadsOnce: the metrics and logs instances of one
// configured receiver share one BPF source, opened once and closed once.
func TestSharedSourceLoadsOnce(t *testing.T) {
	ck := &countingKernel{}
	host, shutdown := startBoth(t, ck, zap.NewNop())
	assert.Equal(t, 1, ck.opens)
	assert.Empty(t, host.permanentErrors())
	shutdown()
	assert.Equal(t, 1, ck.closes)
}

// TestDegradedStart: when the kernel side cannot open (no BTF, verifier
// rejection...), Start returns nil, the reason is logged once, and both
// instances report it as a PermanentError status.
func TestDegradedStart(t *testing.T) {
	errNoBTF := errors.New("no kernel BTF at /sys/kernel/btf/vmlinux")
	ck := &countingKernel{err: errNoBTF}
	core, logs := observer.New(zap.InfoLevel)
	host, shutdown := startBoth(t, ck, zap.New(core))
	defer shutdown()

	assert.Equal(t, 1, ck.opens)
	perm := host.permanentErrors()
	require.Len(t, perm, 2, "one PermanentError per instance")
	for _, err := range perm {
		assert.ErrorIs(t, err, errNoBTF)
	}
	assert.Equal(t, 1, logs.Len(), "one log line for the degraded receiver")
	assert.Equal(t, 0, ck.closes)
}
