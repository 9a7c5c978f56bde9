// SPDX-License-Identifier: Apache-2.0

package cloudmetadataprocessor

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/cloudmetadatatest"
	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/metadata"
)

func TestDefaultConfigIsValid(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig()
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, providerAuto, cfg.(*Config).Provider)
}

// The factory keeps one fetcher per component ID: two signals of one
// component cause one fetch, a second component its own.
func TestFactoryFetchesOncePerComponent(t *testing.T) {
	srv := cloudmetadatatest.NewServer(t)
	cloudmetadatatest.ServeSamples(t, srv, "azure")
	cfg := testConfig(cloudmetadatatest.SysfsFixture("azure"), srv.URL())
	factory := NewFactory()
	ctx := context.Background()
	host := componenttest.NewNopHost()

	setA := processortest.NewNopSettings(metadata.Type)
	setB := processortest.NewNopSettings(metadata.Type)
	setB.ID = component.NewIDWithName(metadata.Type, "b")

	sinkA, sinkB := new(consumertest.MetricsSink), new(consumertest.MetricsSink)
	mA, err := factory.CreateMetrics(ctx, setA, cfg, sinkA)
	require.NoError(t, err)
	lA, err := factory.CreateLogs(ctx, setA, cfg, consumertest.NewNop())
	require.NoError(t, err)
	mB, err := factory.CreateMetrics(ctx, setB, cfg, sinkB)
	require.NoError(t, err)
	for _, c := range []component.Component{mA, lA, mB} {
		require.NoError(t, c.Start(ctx, host))
	}
	t.Cleanup(func() {
		for _, c := range []component.Component{mA, lA, mB} {
			require.NoError(t, c.Shutdown(ctx))
		}
	})

	// Each component emits its info once (info_interval is 1h), maybe in
	// different rounds, so remember what was seen.
	var seenA, seenB bool
	require.Eventually(t, func() bool {
		require.NoError(t, mA.ConsumeMetrics(ctx, appMetrics()))
		require.NoError(t, mB.ConsumeMetrics(ctx, appMetrics()))
		_, okA := findInfo(sinkA.AllMetrics()[len(sinkA.AllMetrics())-1])
		_, okB := findInfo(sinkB.AllMetrics()[len(sinkB.AllMetrics())-1])
		seenA, seenB = seenA || okA, seenB || okB
		return seenA && seenB
	}, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, 2, srv.Hits("GET /metadata/instance"), "one fetch per component ID")
}
