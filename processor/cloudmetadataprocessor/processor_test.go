// SPDX-License-Identifier: Apache-2.0

package cloudmetadataprocessor

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/cloudmetadatatest"
	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/metadatatest"
)

func TestProviders(t *testing.T) {
	tests := []struct {
		provider  string
		wantAttrs map[string]any
		wantInfo  map[string]any
	}{
		{
			provider: "aws",
			wantAttrs: map[string]any{
				"cloud.provider": "aws", "cloud.platform": "aws_ec2", "cloud.account.id": "123456789012",
				"cloud.region": "us-west-2", "cloud.availability_zone": "us-west-2b", "host.id": "i-1234567890abcdef0",
				"host.type": "t2.micro", "host.name": "ip-10-158-112-84.us-west-2.compute.internal",
			},
			wantInfo: map[string]any{
				"provider": "AWS", "account_id": "123456789012", "instance_id": "i-1234567890abcdef0",
				"instance_type": "t2.micro", "instance_life_cycle": "spot", "region": "us-west-2",
				"availability_zone": "us-west-2b", "availability_zone_id": "usw2-az2",
				"local_ipv4": "10.158.112.84", "public_ipv4": "203.0.113.25",
			},
		},
		{
			provider: "gcp",
			wantAttrs: map[string]any{
				"cloud.provider": "gcp", "cloud.platform": "gcp_compute_engine", "cloud.account.id": "my-project",
				"cloud.region": "us-central1", "cloud.availability_zone": "us-central1-a", "host.id": "1234567890123456789",
				"host.type": "e2-standard-4", "host.name": "my-vm.us-central1-a.c.my-project.internal",
			},
			wantInfo: map[string]any{
				"provider": "GCP", "account_id": "my-project", "instance_id": "1234567890123456789",
				"instance_type": "e2-standard-4", "instance_life_cycle": "on-demand", "region": "us-central1",
				"availability_zone": "us-central1-a", "availability_zone_id": "",
				"local_ipv4": "10.128.0.2", "public_ipv4": "203.0.113.10",
			},
		},
		{
			provider: "azure",
			wantAttrs: map[string]any{
				"cloud.provider": "azure", "cloud.platform": "azure_vm", "cloud.account.id": "xxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxx",
				"cloud.region": "westus", "host.id": "02aab8a4-74ef-476e-8182-f6d2ba4166a6",
				"host.type": "Standard_A3", "host.name": "examplevmname",
			},
			wantInfo: map[string]any{
				"provider": "Azure", "account_id": "xxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxx", "instance_id": "02aab8a4-74ef-476e-8182-f6d2ba4166a6",
				"instance_type": "Standard_A3", "instance_life_cycle": "on-demand", "region": "westus",
				"availability_zone": "", "availability_zone_id": "", "local_ipv4": "10.144.133.132", "public_ipv4": "",
			},
		},
		{
			provider: "hetzner",
			wantAttrs: map[string]any{
				"cloud.provider": "hetzner", "cloud.region": "eu-central", "cloud.availability_zone": "hel1-dc2",
				"host.id": "42", "host.name": "my-server",
			},
			wantInfo: map[string]any{
				"provider": "Hetzner", "account_id": "", "instance_id": "42", "instance_type": "", "instance_life_cycle": "",
				"region": "eu-central", "availability_zone": "hel1-dc2", "availability_zone_id": "",
				"local_ipv4": "10.0.0.2", "public_ipv4": "1.2.3.4",
			},
		},
		{
			provider: "digitalocean",
			wantAttrs: map[string]any{
				"cloud.provider": "digitalocean", "cloud.region": "nyc3", "cloud.availability_zone": "nyc3",
				"host.id": "2756294", "host.name": "sample-droplet",
			},
			wantInfo: map[string]any{
				"provider": "DigitalOcean", "account_id": "", "instance_id": "2756294", "instance_type": "", "instance_life_cycle": "",
				"region": "nyc3", "availability_zone": "nyc3", "availability_zone_id": "",
				"local_ipv4": "10.132.255.113", "public_ipv4": "203.0.113.42",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			srv := cloudmetadatatest.NewServer(t)
			cloudmetadatatest.ServeSamples(t, srv, tt.provider)
			// Detected from the DMI fixture, not configured.
			p := startPipeline(t, testConfig(cloudmetadatatest.SysfsFixture(tt.provider), srv.URL()))

			out := p.waitForInfo(t)
			require.Equal(t, 2, out.ResourceMetrics().Len(), "the batch plus one info resource")
			want := map[string]any{"container.id": "c0ffee"}
			for k, v := range tt.wantAttrs {
				want[k] = v
			}
			assert.Equal(t, want, resourceAttrs(out.ResourceMetrics().At(0).Resource()), "metrics")
			info, _ := findInfo(out)
			assert.Equal(t, tt.wantInfo, info)
			infoRes := resourceAttrs(out.ResourceMetrics().At(1).Resource())
			assert.Equal(t, tt.wantAttrs, infoRes, "the info metric carries the cloud resource too")

			require.NoError(t, p.logs.ConsumeLogs(context.Background(), appLogs()))
			assert.Equal(t, want, resourceAttrs(p.lSink.AllLogs()[0].ResourceLogs().At(0).Resource()), "logs")
			require.NoError(t, p.traces.ConsumeTraces(context.Background(), appTraces()))
			assert.Equal(t, want, resourceAttrs(p.tSink.AllTraces()[0].ResourceSpans().At(0).Resource()), "traces")

			assert.Contains(t, p.host.statuses(), componentstatus.StatusOK)
		})
	}
}

func TestInfoMetricShape(t *testing.T) {
	srv := cloudmetadatatest.NewServer(t)
	cloudmetadatatest.ServeSamples(t, srv, "hetzner")
	p := startPipeline(t, testConfig(cloudmetadatatest.SysfsFixture("hetzner"), srv.URL()))
	out := p.waitForInfo(t)
	m := out.ResourceMetrics().At(1).ScopeMetrics().At(0).Metrics().At(0)
	assert.Equal(t, "node.cloud.info", m.Name())
	assert.Empty(t, m.Unit(), "an empty unit keeps the Prometheus name node_cloud_info (no _ratio)")
	require.Equal(t, 1, m.Gauge().DataPoints().Len())
	dp := m.Gauge().DataPoints().At(0)
	assert.Equal(t, int64(1), dp.IntValue())
	assert.InDelta(t, time.Now().UnixNano(), dp.Timestamp().AsTime().UnixNano(), float64(time.Minute))
}

func TestPipelineFlowsWhileServerHangs(t *testing.T) {
	srv := cloudmetadatatest.NewServer(t)
	srv.HangAll()
	cfg := testConfig(cloudmetadatatest.SysfsFixture("aws"), srv.URL())
	cfg.Timeout = 50 * time.Millisecond
	p := startPipeline(t, cfg)

	// Start returned while the server holds the first request; batches pass
	// at once, with what detection alone knows.
	for range 3 {
		out := p.consumeMetrics(t)
		require.Equal(t, 1, out.ResourceMetrics().Len(), "no info metric before the metadata was read")
		assert.Equal(t, map[string]any{"container.id": "c0ffee", "cloud.provider": "aws", "cloud.platform": "aws_ec2"},
			resourceAttrs(out.ResourceMetrics().At(0).Resource()))
	}
	require.NoError(t, p.logs.ConsumeLogs(context.Background(), appLogs()))
	require.NoError(t, p.traces.ConsumeTraces(context.Background(), appTraces()))

	// The timeout ends each round and the loop retries with back-off.
	require.Eventually(t, func() bool {
		return failures(t, p) >= 3
	}, 10*time.Second, 10*time.Millisecond)
	assert.Contains(t, p.host.statuses(), componentstatus.StatusRecoverableError)
	assert.NotContains(t, p.host.statuses(), componentstatus.StatusOK)
	assert.GreaterOrEqual(t, srv.Hits("PUT /latest/api/token"), 3)
}

func TestRepeatedFailureWarnsOnce(t *testing.T) {
	srv := cloudmetadatatest.NewServer(t)
	srv.HangAll()
	cfg := testConfig(cloudmetadatatest.SysfsFixture("azure"), srv.URL())
	cfg.Timeout = 20 * time.Millisecond
	core, logs := observer.New(zap.DebugLevel)
	p := startPipelineWithLogger(t, cfg, zap.New(core))
	require.Eventually(t, func() bool { return failures(t, p) >= 3 }, 10*time.Second, 10*time.Millisecond)

	failed := logs.FilterMessageSnippet("reading cloud metadata failed")
	assert.Equal(t, 1, failed.FilterLevelExact(zap.WarnLevel).Len(), "the same failure is not repeated at Warn")
	assert.GreaterOrEqual(t, failed.FilterLevelExact(zap.DebugLevel).Len(), 2)
	warn := failed.FilterLevelExact(zap.WarnLevel).All()[0]
	assert.Contains(t, warn.ContextMap()["error"], "Client.Timeout exceeded", "the reason is in the line")
	assert.Equal(t, 1, logs.FilterMessage("cloud provider detected").Len())
}

func failures(t *testing.T, p *pipeline) int64 {
	t.Helper()
	m, err := p.tel.GetMetric("otelcol_processor_cloud_metadata_fetches")
	if err != nil {
		return 0
	}
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		if v, _ := dp.Attributes.Value("outcome"); v.AsString() == outcomeFailure {
			return dp.Value
		}
	}
	return 0
}

func TestRetriesAfterServerErrors(t *testing.T) {
	srv := cloudmetadatatest.NewServer(t)
	cloudmetadatatest.ServeSamples(t, srv, "azure")
	srv.FailNext("GET /metadata/instance", 3)
	p := startPipeline(t, testConfig(cloudmetadatatest.SysfsFixture("azure"), srv.URL()))

	out := p.waitForInfo(t)
	assert.Equal(t, "Standard_A3", resourceAttrs(out.ResourceMetrics().At(0).Resource())["host.type"])
	assert.Equal(t, 4, srv.Hits("GET /metadata/instance"), "three failures, then one success")
	metadatatest.AssertEqualProcessorCloudMetadataFetches(t, p.tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("outcome", outcomeFailure)), Value: 3},
		{Attributes: attribute.NewSet(attribute.String("outcome", outcomeSuccess)), Value: 1},
	}, metricdatatest.IgnoreTimestamp())
	statuses := p.host.statuses()
	require.NotEmpty(t, statuses)
	assert.Equal(t, componentstatus.StatusRecoverableError, statuses[0])
	assert.Equal(t, componentstatus.StatusOK, statuses[len(statuses)-1])
}

func TestMalformedAnswerKeepsRetrying(t *testing.T) {
	srv := cloudmetadatatest.NewServer(t)
	srv.Set("GET /hetzner/v1/metadata", []byte("instance-id: [42\n"))
	p := startPipeline(t, testConfig(cloudmetadatatest.SysfsFixture("hetzner"), srv.URL()))
	require.Eventually(t, func() bool { return failures(t, p) >= 2 }, 10*time.Second, 10*time.Millisecond)
	_, ok := findInfo(p.consumeMetrics(t))
	assert.False(t, ok)

	// The service recovers: values appear without a restart.
	cloudmetadatatest.ServeSamples(t, srv, "hetzner")
	out := p.waitForInfo(t)
	assert.Equal(t, "42", resourceAttrs(out.ResourceMetrics().At(0).Resource())["host.id"])
}

func TestPartialMetadataIsPublished(t *testing.T) {
	srv := cloudmetadatatest.NewServer(t)
	cloudmetadatatest.ServeSamples(t, srv, "aws")
	srv.Delete("GET /latest/meta-data/public-ipv4") // no public address: 404
	p := startPipeline(t, testConfig(cloudmetadatatest.SysfsFixture("aws"), srv.URL()))

	info, _ := findInfo(p.waitForInfo(t))
	assert.Equal(t, "", info["public_ipv4"])
	assert.Equal(t, "i-1234567890abcdef0", info["instance_id"])
	assert.Equal(t, "usw2-az2", info["availability_zone_id"])
	metadatatest.AssertEqualProcessorCloudMetadataFetches(t, p.tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("outcome", outcomePartial)), Value: 1},
	}, metricdatatest.IgnoreTimestamp())
}

func TestNoProviderDetected(t *testing.T) {
	srv := cloudmetadatatest.NewServer(t)
	p := startPipeline(t, testConfig(cloudmetadatatest.SysfsFixture("baremetal"), srv.URL()))

	out := p.consumeMetrics(t)
	assert.Equal(t, map[string]any{"container.id": "c0ffee"}, resourceAttrs(out.ResourceMetrics().At(0).Resource()),
		"no cloud attributes on bare metal")
	info, ok := findInfo(out)
	require.True(t, ok, "node_cloud_info says there is no provider")
	assert.Equal(t, map[string]any{
		"provider": "none", "account_id": "", "instance_id": "", "instance_type": "", "instance_life_cycle": "",
		"region": "", "availability_zone": "", "availability_zone_id": "", "local_ipv4": "", "public_ipv4": "",
	}, info)
	assert.Zero(t, srv.TotalHits(), "nothing asks a metadata service")
}

func TestStaticValuesOnBareMetal(t *testing.T) {
	cfg := testConfig(cloudmetadatatest.SysfsFixture("baremetal"), "")
	cfg.Static = StaticConfig{Region: "eu-west", AvailabilityZone: "rack-12", InstanceType: "r640"}
	p := startPipeline(t, cfg)
	out := p.consumeMetrics(t)
	assert.Equal(t, map[string]any{
		"container.id": "c0ffee", "cloud.region": "eu-west", "cloud.availability_zone": "rack-12", "host.type": "r640",
	}, resourceAttrs(out.ResourceMetrics().At(0).Resource()))
	info, _ := findInfo(out)
	assert.Equal(t, "none", info["provider"])
	assert.Equal(t, "rack-12", info["availability_zone"])
}

func TestStaticValuesWinOverFetched(t *testing.T) {
	srv := cloudmetadatatest.NewServer(t)
	cloudmetadatatest.ServeSamples(t, srv, "hetzner")
	cfg := testConfig(cloudmetadatatest.SysfsFixture("hetzner"), srv.URL())
	cfg.Static.InstanceType = "cpx31"
	p := startPipeline(t, cfg)
	out := p.waitForInfo(t)
	assert.Equal(t, "cpx31", resourceAttrs(out.ResourceMetrics().At(0).Resource())["host.type"])
	info, _ := findInfo(out)
	assert.Equal(t, "cpx31", info["instance_type"])
}

func TestConfiguredProviderSkipsDetection(t *testing.T) {
	srv := cloudmetadatatest.NewServer(t)
	cloudmetadatatest.ServeSamples(t, srv, "gcp")
	cfg := testConfig("/nonexistent", srv.URL())
	cfg.Provider = "gcp"
	p := startPipeline(t, cfg)
	info, _ := findInfo(p.waitForInfo(t))
	assert.Equal(t, "GCP", info["provider"])
}

func TestExistingAttributesKeptUnlessOverride(t *testing.T) {
	for _, override := range []bool{false, true} {
		srv := cloudmetadatatest.NewServer(t)
		cloudmetadatatest.ServeSamples(t, srv, "hetzner")
		cfg := testConfig(cloudmetadatatest.SysfsFixture("hetzner"), srv.URL())
		cfg.Override = override
		p := startPipeline(t, cfg)
		p.waitForInfo(t)

		md := appMetrics()
		md.ResourceMetrics().At(0).Resource().Attributes().PutStr("host.name", "from-sdk")
		p.mSink.Reset()
		require.NoError(t, p.metrics.ConsumeMetrics(context.Background(), md))
		got := resourceAttrs(p.mSink.AllMetrics()[0].ResourceMetrics().At(0).Resource())
		if override {
			assert.Equal(t, "my-server", got["host.name"])
		} else {
			assert.Equal(t, "from-sdk", got["host.name"])
		}
		assert.Equal(t, "42", got["host.id"], "absent attributes are always added")
	}
}

func TestInfoAtMostOncePerInterval(t *testing.T) {
	srv := cloudmetadatatest.NewServer(t)
	cloudmetadatatest.ServeSamples(t, srv, "hetzner")
	p := startPipeline(t, testConfig(cloudmetadatatest.SysfsFixture("hetzner"), srv.URL()))
	p.waitForInfo(t)
	for range 5 {
		_, ok := findInfo(p.consumeMetrics(t))
		assert.False(t, ok, "info_interval is 1h")
	}
	_ = p.logs.ConsumeLogs(context.Background(), appLogs())
	assert.Equal(t, 1, p.lSink.AllLogs()[0].ResourceLogs().Len(), "logs never get a metric")
}

func TestRefreshPicksUpChanges(t *testing.T) {
	srv := cloudmetadatatest.NewServer(t)
	cloudmetadatatest.ServeSamples(t, srv, "hetzner")
	cfg := testConfig(cloudmetadatatest.SysfsFixture("hetzner"), srv.URL())
	cfg.RefreshInterval = 50 * time.Millisecond
	p := startPipeline(t, cfg)
	p.waitForInfo(t)

	// The server moves to another zone (e.g. a stop/start).
	moved := strings.Replace(string(cloudmetadatatest.Sample(t, "hetzner/metadata.yaml")), "hel1-dc2", "fsn1-dc14", 1)
	srv.Set("GET /hetzner/v1/metadata", []byte(moved))
	require.Eventually(t, func() bool {
		md := p.consumeMetrics(t)
		return resourceAttrs(md.ResourceMetrics().At(0).Resource())["cloud.availability_zone"] == "fsn1-dc14"
	}, 10*time.Second, 10*time.Millisecond)
}

func TestOneFetcherPerComponent(t *testing.T) {
	srv := cloudmetadatatest.NewServer(t)
	cloudmetadatatest.ServeSamples(t, srv, "azure")
	p := startPipeline(t, testConfig(cloudmetadatatest.SysfsFixture("azure"), srv.URL()))
	p.waitForInfo(t)
	assert.Equal(t, 1, srv.Hits("GET /metadata/instance"), "metrics, logs and traces share one fetch")
}

// The bug report's case: a service that answered well starts sending junk
// (or loses the instance id). The good values stay on every signal, there
// is still one node_cloud_info series, and each bad round is counted as a
// failure (its rejected values too) and retried with back-off.
func TestBadAnswerKeepsLastGoodValues(t *testing.T) {
	tests := []struct {
		name string
		// spoil turns the fake's good answers bad.
		spoil func(srv *cloudmetadatatest.Server)
		// droppedPerRound is how many values each bad round rejects.
		droppedPerRound int64
	}{
		{
			name: "invalid values",
			spoil: func(srv *cloudmetadatatest.Server) {
				// A zone with a control character once gave region="leaf".
				srv.Set("GET /computeMetadata/v1/instance/zone", []byte("projects/1/zones/leaf-\x01"))
				srv.Set("GET /computeMetadata/v1/instance/hostname", []byte(strings.Repeat("h", 10_000)))
			},
			droppedPerRound: 2,
		},
		{
			name:  "instance id lost",
			spoil: func(srv *cloudmetadatatest.Server) { srv.Delete("GET /computeMetadata/v1/instance/id") },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := cloudmetadatatest.NewServer(t)
			cloudmetadatatest.ServeSamples(t, srv, "gcp")
			cfg := testConfig(cloudmetadatatest.SysfsFixture("gcp"), srv.URL())
			// Below the validated minimums on purpose, to see many rounds
			// and an info point on every batch.
			cfg.RefreshInterval = 20 * time.Millisecond
			cfg.InfoInterval = time.Nanosecond
			p := startPipeline(t, cfg)

			infos := map[string]map[string]any{}
			collect := func(md pmetric.Metrics) {
				if info, ok := findInfo(md); ok {
					infos[fmt.Sprint(info)] = info
				}
			}
			good := p.waitForInfo(t)
			collect(good)
			goodAttrs := resourceAttrs(good.ResourceMetrics().At(0).Resource())
			require.Equal(t, "1234567890123456789", goodAttrs["host.id"])
			require.Equal(t, "us-central1", goodAttrs["cloud.region"])

			tt.spoil(srv)
			require.Eventually(t, func() bool {
				collect(p.consumeMetrics(t))
				return failures(t, p) >= 3
			}, 10*time.Second, 10*time.Millisecond)
			for range 3 {
				out := p.consumeMetrics(t)
				collect(out)
				assert.Equal(t, goodAttrs, resourceAttrs(out.ResourceMetrics().At(0).Resource()),
					"new container series keep host.id and cloud.region")
			}
			require.NoError(t, p.logs.ConsumeLogs(context.Background(), appLogs()))
			assert.Equal(t, goodAttrs, resourceAttrs(p.lSink.AllLogs()[0].ResourceLogs().At(0).Resource()))
			assert.Len(t, infos, 1, "one node_cloud_info series: %v", infos)

			// Stop the fetch loop so the counters hold still, then check them
			// exactly: one good (partial: provisioning-model is 404) round,
			// every other round a failure with its rejected values.
			shutdown(t, p)
			n := failures(t, p)
			metadatatest.AssertEqualProcessorCloudMetadataFetches(t, p.tel, []metricdata.DataPoint[int64]{
				{Attributes: attribute.NewSet(attribute.String("outcome", outcomePartial)), Value: 1},
				{Attributes: attribute.NewSet(attribute.String("outcome", outcomeFailure)), Value: n},
			}, metricdatatest.IgnoreTimestamp())
			if tt.droppedPerRound > 0 {
				metadatatest.AssertEqualProcessorCloudMetadataValuesDropped(t, p.tel,
					[]metricdata.DataPoint[int64]{{Value: n * tt.droppedPerRound}}, metricdatatest.IgnoreTimestamp())
			} else {
				_, err := p.tel.GetMetric("otelcol_processor_cloud_metadata_values_dropped")
				assert.Error(t, err, "no value was rejected")
			}
			statuses := p.host.statuses()
			assert.Equal(t, componentstatus.StatusRecoverableError, statuses[len(statuses)-1])
		})
	}
}

// A first answer with an invalid value publishes nothing: no info series
// and no fetched attributes (a half answer would look like another node).
func TestInvalidFirstAnswerPublishesNothing(t *testing.T) {
	srv := cloudmetadatatest.NewServer(t)
	cloudmetadatatest.ServeSamples(t, srv, "hetzner")
	srv.Set("GET /hetzner/v1/metadata", []byte("instance-id: 42\nregion: eu-central\nhostname: "+strings.Repeat("h", 300)+"\n"))
	p := startPipeline(t, testConfig(cloudmetadatatest.SysfsFixture("hetzner"), srv.URL()))
	require.Eventually(t, func() bool { return failures(t, p) >= 2 }, 10*time.Second, 10*time.Millisecond)
	out := p.consumeMetrics(t)
	_, ok := findInfo(out)
	assert.False(t, ok)
	assert.Equal(t, map[string]any{"container.id": "c0ffee", "cloud.provider": "hetzner"},
		resourceAttrs(out.ResourceMetrics().At(0).Resource()), "only what detection knows")
	m, err := p.tel.GetMetric("otelcol_processor_cloud_metadata_values_dropped")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, m.Data.(metricdata.Sum[int64]).DataPoints[0].Value, int64(2), "one rejected host name per round")
}

func TestDisabledResourceAttributeAndInfoMetric(t *testing.T) {
	srv := cloudmetadatatest.NewServer(t)
	cloudmetadatatest.ServeSamples(t, srv, "hetzner")
	cfg := testConfig(cloudmetadatatest.SysfsFixture("hetzner"), srv.URL())
	cfg.ResourceAttributes.HostName.Enabled = false
	cfg.EmitInfoMetric = false
	p := startPipeline(t, cfg)
	require.Eventually(t, func() bool {
		return resourceAttrs(p.consumeMetrics(t).ResourceMetrics().At(0).Resource())["host.id"] == "42"
	}, 10*time.Second, 10*time.Millisecond)
	out := p.consumeMetrics(t)
	assert.NotContains(t, resourceAttrs(out.ResourceMetrics().At(0).Resource()), "host.name")
	assert.Equal(t, 1, out.ResourceMetrics().Len(), "no info metric when emit_info_metric is false")
}
