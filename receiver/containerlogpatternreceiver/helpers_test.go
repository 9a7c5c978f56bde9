// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/containerid/containeridtest"
	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

// testConfig returns a fast configuration with every source off; tests
// turn on the one they exercise.
func testConfig() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.CollectionInterval = 100 * time.Millisecond
	cfg.PollInterval = 50 * time.Millisecond
	cfg.MultilineFlushTimeout = 100 * time.Millisecond
	cfg.Docker.Enabled = false
	cfg.CRI.Enabled = false
	cfg.Journald.Enabled = false
	cfg.ContainerFiles.Enabled = false
	return cfg
}

// startMetrics runs the receiver's metrics output into a sink until the
// test ends, attributing through a container_identity extension that reads
// the host's cgroupfs and asks no Docker engine.
func startMetrics(t *testing.T, cfg *Config) *consumertest.MetricsSink {
	t.Helper()
	host, _ := containeridtest.Host(t, containerid.Config{DisableDocker: true})
	return startMetricsOn(t, cfg, host)
}

// startMetricsOn is startMetrics with the test's own host, which offers the
// container_identity extension the receiver is pointed at.
func startMetricsOn(t *testing.T, cfg *Config, host component.Host) *consumertest.MetricsSink {
	t.Helper()
	cfg.ContainerIdentity = containeridtest.ID()
	require.NoError(t, cfg.Validate())
	sink := new(consumertest.MetricsSink)
	r, err := NewFactory().CreateMetrics(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })
	return sink
}

// countKey identifies one container.log.messages series.
type countKey struct {
	owner  string // container.id, else k8s.pod.uid/k8s.container.name, else systemd.unit.name
	source string
	level  string
	hash   string
	sample string
}

// latestCounts returns the container.log.messages series of the last scrape.
func latestCounts(sink *consumertest.MetricsSink) map[countKey]int64 {
	all := sink.AllMetrics()
	if len(all) == 0 {
		return nil
	}
	return countsOf(all[len(all)-1])
}

func countsOf(md pmetric.Metrics) map[countKey]int64 {
	out := make(map[countKey]int64)
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		rm := md.ResourceMetrics().At(i)
		attrs := rm.Resource().Attributes()
		owner := ""
		if v, ok := attrs.Get("container.id"); ok {
			owner = v.Str()
		} else if v, ok := attrs.Get("k8s.pod.uid"); ok {
			c, _ := attrs.Get("k8s.container.name")
			owner = v.Str() + "/" + c.Str()
		} else if v, ok := attrs.Get("systemd.unit.name"); ok {
			owner = v.Str()
		}
		for j := 0; j < rm.ScopeMetrics().Len(); j++ {
			ms := rm.ScopeMetrics().At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				if m.Name() != "container.log.messages" {
					continue
				}
				dps := m.Sum().DataPoints()
				for d := 0; d < dps.Len(); d++ {
					dp := dps.At(d)
					a := dp.Attributes()
					get := func(k string) string { v, _ := a.Get(k); return v.Str() }
					out[countKey{owner: owner, source: get("source"), level: get("level"), hash: get("pattern_hash"), sample: get("sample")}] += dp.IntValue()
				}
			}
		}
	}
	return out
}

// selfMetric returns a receiver self-metric of the last scrape, summed over
// its attributes.
func selfMetric(sink *consumertest.MetricsSink, name string) int64 {
	all := sink.AllMetrics()
	if len(all) == 0 {
		return 0
	}
	md := all[len(all)-1]
	var total int64
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		sms := md.ResourceMetrics().At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				if ms.At(k).Name() == name {
					dps := ms.At(k).Sum().DataPoints()
					for d := 0; d < dps.Len(); d++ {
						total += dps.At(d).IntValue()
					}
				}
			}
		}
	}
	return total
}

// totalFor sums the counts of one owner.
func totalFor(counts map[countKey]int64, owner string) int64 {
	var n int64
	for k, v := range counts {
		if k.owner == owner {
			n += v
		}
	}
	return n
}

// waitTotal waits until owner's messages reach want, then checks that the
// total stays there (nothing counted twice late).
func waitTotal(t *testing.T, sink *consumertest.MetricsSink, owner string, want int64) map[countKey]int64 {
	t.Helper()
	var last int64
	deadline := time.Now().Add(20 * time.Second)
	for last < want && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		last = totalFor(latestCounts(sink), owner)
	}
	require.GreaterOrEqual(t, last, want, "messages of %s never reached %d (read %d lines)", owner, want,
		selfMetric(sink, "otelcol_node.container_log_pattern.lines_read"))
	time.Sleep(time.Second)
	counts := latestCounts(sink)
	require.Equal(t, want, totalFor(counts, owner), "messages of %s", owner)
	return counts
}
