// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/internal/dockertest"
	"github.com/otelcol-node/otelcol-node/internal/e2etest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/cloudmetadatatest"
)

// receiverScopes are the instrumentation scopes of the default receivers.
var receiverScopes = []string{
	"github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver",
	"github.com/otelcol-node/otelcol-node/receiver/oomreceiver",
	"github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver",
	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver",
}

// TestOTLPExportToGateway runs examples/otlp-agent.yaml -- the default
// receivers with an otlp exporter -- into a second collector: the collector
// core's own otlp receiver, in this process, feeding sinks. That gateway is
// the code any OTLP collector runs, and the sinks let the test read what
// arrived as pdata rather than as a file format. Two OOM kills, one in a
// Docker container and one in a pod-shaped cgroup, arrive as metrics and as
// log records carrying container, pod and cloud resource attributes.
func TestOTLPExportToGateway(t *testing.T) {
	testenv.RequireRoot(t)
	memRoot := "/sys/fs/cgroup/memory"
	_, err := os.Stat(filepath.Join(memRoot, "memory.limit_in_bytes"))
	testenv.Require(t, err == nil, "cgroup v1 memory controller at "+memRoot)

	metrics, logs := startGateway(t)
	imds := cloudmetadatatest.NewServer(t)
	cloudmetadatatest.ServeSamples(t, imds, "aws")

	d := dockertest.Start(t)
	image := d.Image(t)
	startAgent(t, metrics.endpoint, d.Socket(), cloudmetadatatest.SysfsFixture("aws"), imds.URL())

	// Kill in a Docker container (named through the Docker API), then in a
	// cgroup laid out like a Kubernetes pod's container.
	dockerID := d.Run(t, "--network", "none", "--name", "otlp-oom", "--memory", "32m", "--memory-swap", "32m",
		image, "sh", "-c", memoryHog)
	podUID, podContainerID := randomUUID(t), randomHex(t, 32)
	runHogIn(t, makeMemoryCgroup(t, memRoot, "kubepods", "burstable", "pod"+podUID, podContainerID))

	cloud := map[string]string{"cloud.provider": "aws", "cloud.region": "us-west-2", "cloud.account.id": "123456789012"}
	dockerRes := mergeAttributes(cloud, map[string]string{"container.id": dockerID, "container.name": "otlp-oom", "container.runtime": "docker"})
	podRes := mergeAttributes(cloud, map[string]string{"container.id": podContainerID, "k8s.pod.uid": podUID})

	// Every default receiver's metrics reach the gateway cloud-labelled too;
	// a receiver whose first scrape came before the first metadata read
	// shows them from its next one.
	cloudScopes := func() map[string]bool {
		scopes := map[string]bool{}
		for _, md := range metrics.sink.AllMetrics() {
			for _, rm := range md.ResourceMetrics().All() {
				if !hasAttributes(rm.Resource().Attributes(), cloud) {
					continue
				}
				for _, sm := range rm.ScopeMetrics().All() {
					scopes[sm.Scope().Name()] = true
				}
			}
		}
		return scopes
	}
	allScopes := func() bool {
		scopes := cloudScopes()
		for _, s := range receiverScopes {
			if !scopes[s] {
				return false
			}
		}
		return true
	}
	arrived := func() bool {
		return oomKillsFor(metrics.sink.AllMetrics(), dockerRes) == 1 && oomKillsFor(metrics.sink.AllMetrics(), podRes) == 1 &&
			len(oomRecordsFor(logs.AllLogs(), dockerRes)) == 1 && len(oomRecordsFor(logs.AllLogs(), podRes)) == 1 &&
			allScopes()
	}
	for deadline := time.Now().Add(90 * time.Second); !arrived(); time.Sleep(500 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("OOM kills, or every receiver's cloud-labelled metrics (%v), did not arrive at the gateway with %v and %v;\nmetrics resources:\n%s\nlog resources:\n%s",
				receiverScopes, dockerRes, podRes, describeMetricResources(metrics.sink.AllMetrics()), describeLogResources(logs.AllLogs()))
		}
	}
	for _, rec := range oomRecordsFor(logs.AllLogs(), dockerRes) {
		assert.Equal(t, "linux.oom.kill", rec.EventName())
		assert.Equal(t, plog.SeverityNumberWarn, rec.SeverityNumber())
	}
	scopes := cloudScopes()
	for _, s := range receiverScopes {
		assert.True(t, scopes[s], "no cloud-labelled metrics from %s at the gateway", s)
	}
}

// gateway is the second collector's otlp receiver and where it writes.
type gateway struct {
	endpoint string
	sink     *consumertest.MetricsSink
}

// startGateway starts the collector core's otlp receiver on a loopback gRPC
// port, metrics and logs into sinks.
func startGateway(t *testing.T) (gateway, *consumertest.LogsSink) {
	t.Helper()
	endpoint := fmt.Sprintf("127.0.0.1:%d", e2etest.FreePort(t))
	factory := otlpreceiver.NewFactory()
	cfg := factory.CreateDefaultConfig()
	conf := confmap.NewFromStringMap(map[string]any{"protocols": map[string]any{"grpc": map[string]any{"endpoint": endpoint}}})
	require.NoError(t, conf.Unmarshal(cfg))
	set := receivertest.NewNopSettings(factory.Type())
	metrics, logs := &consumertest.MetricsSink{}, &consumertest.LogsSink{}
	mr, err := factory.CreateMetrics(context.Background(), set, cfg, metrics)
	require.NoError(t, err)
	lr, err := factory.CreateLogs(context.Background(), set, cfg, logs)
	require.NoError(t, err)
	host := componentHost{}
	require.NoError(t, mr.Start(context.Background(), host))
	require.NoError(t, lr.Start(context.Background(), host))
	t.Cleanup(func() {
		assert.NoError(t, mr.Shutdown(context.Background()))
		assert.NoError(t, lr.Shutdown(context.Background()))
	})
	return gateway{endpoint: endpoint, sink: metrics}, logs
}

// componentHost is the host the gateway receiver runs in: no extensions.
type componentHost struct{}

func (componentHost) GetExtensions() map[component.ID]component.Component { return nil }

// startAgent runs examples/otlp-agent.yaml as shipped, with the gateway's
// endpoint in OTLP_ENDPOINT and, set on the command line, what belongs to the
// test: the private Docker socket, the fake cloud, a free health port and
// short intervals.
func startAgent(t *testing.T, endpoint, dockerSocket, sysfsRoot, imdsURL string) {
	t.Helper()
	args := []string{
		"--config", filepath.Join(e2etest.RepoRoot(t), "examples", "otlp-agent.yaml"),
		fmt.Sprintf("--set=extensions::health_check::endpoint=127.0.0.1:%d", e2etest.FreePort(t)),
		"--set=extensions::container_identity::docker_socket=" + dockerSocket,
		"--set=processors::cloud_metadata::sysfs_root=" + sysfsRoot,
		"--set=processors::cloud_metadata::endpoint=" + imdsURL,
		"--set=processors::batch::timeout=200ms",
	}
	for _, r := range defaultReceivers {
		args = append(args, "--set=receivers::"+r+"::collection_interval=1s")
	}
	cmd := exec.Command(e2etest.BinaryPath(t), args...)
	cmd.Env = append(os.Environ(), "OTLP_ENDPOINT="+endpoint)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	// Workloads start only once every receiver runs: an OOM kill made
	// before the oom program is attached is not the agent's to see.
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), "Everything is ready"); time.Sleep(100 * time.Millisecond) {
		select {
		case <-done:
			t.Fatalf("agent exited before it was ready:\n%s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("agent not ready within 30s:\n%s", out.String())
		}
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("agent log:\n%s", out.String())
		}
	})
}

// oomKillsFor sums container.oom_kills of the last export of the resources
// carrying attrs (the metric is cumulative).
func oomKillsFor(all []pmetric.Metrics, attrs map[string]string) float64 {
	last := 0.0
	for _, md := range all {
		for _, rm := range md.ResourceMetrics().All() {
			if !hasAttributes(rm.Resource().Attributes(), attrs) {
				continue
			}
			for _, sm := range rm.ScopeMetrics().All() {
				for _, m := range sm.Metrics().All() {
					if m.Name() != "container.oom_kills" || m.Type() != pmetric.MetricTypeSum {
						continue
					}
					total := 0.0
					for _, dp := range m.Sum().DataPoints().All() {
						total += float64(dp.IntValue()) + dp.DoubleValue()
					}
					last = total
				}
			}
		}
	}
	return last
}

// oomRecordsFor returns the log records of resources carrying attrs.
func oomRecordsFor(all []plog.Logs, attrs map[string]string) []plog.LogRecord {
	var out []plog.LogRecord
	for _, ld := range all {
		for _, rl := range ld.ResourceLogs().All() {
			if !hasAttributes(rl.Resource().Attributes(), attrs) {
				continue
			}
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					out = append(out, lr)
				}
			}
		}
	}
	return out
}

func hasAttributes(got pcommon.Map, want map[string]string) bool {
	for k, v := range want {
		if a, ok := got.Get(k); !ok || a.AsString() != v {
			return false
		}
	}
	return true
}

func mergeAttributes(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// lockedBuffer collects a process's output written from exec's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func describeMetricResources(all []pmetric.Metrics) string {
	seen := map[string]bool{}
	for _, md := range all {
		for _, rm := range md.ResourceMetrics().All() {
			seen[fmt.Sprint(rm.Resource().Attributes().AsRaw())] = true
		}
	}
	return joinKeys(seen)
}

func describeLogResources(all []plog.Logs) string {
	seen := map[string]bool{}
	for _, ld := range all {
		for _, rl := range ld.ResourceLogs().All() {
			seen[fmt.Sprint(rl.Resource().Attributes().AsRaw())] = true
		}
	}
	return joinKeys(seen)
}

func joinKeys(m map[string]bool) string {
	s := ""
	for k := range m {
		s += "  " + k + "\n"
	}
	return s
}
