// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/otelcol-node/otelcol-node/internal/dockertest"
	"github.com/otelcol-node/otelcol-node/internal/e2etest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

// staticScrapeJob is the job of examples/prometheus-scrape.yaml that needs no
// service discovery; Debian's prometheus is built without kubernetes_sd.
const staticScrapeJob = "otelcol-node-static"

// scrapeWorkloads are the containers TestPrometheusScrapesCollector runs, one per
// kind of telemetry, and the destinations they dial.
type scrapeWorkloads struct {
	net, logs, cpu, oom string
	okDest, failDest    string
}

// TestPrometheusScrapesCollector runs the default config against real
// containers and a real Prometheus scraping it with the shipped scrape job and
// alerting rules. Every metric the rules and the dashboard name appears on
// /metrics; every dashboard query returns series; the rules evaluate without
// error and the OOM, connect-failure and CPU-delay rules select the containers
// that caused them; `promtool check metrics` finds nothing to say.
func TestPrometheusScrapesCollector(t *testing.T) {
	testenv.RequireRoot(t)
	promtool := testenv.RequireCommand(t, "promtool")
	d := dockertest.Start(t)
	image := d.Image(t)
	probe := d.Run(t, "--network", "none", image, "true")
	node := dockerNode{socket: d.Socket(), containersDir: filepath.Dir(filepath.Dir(d.LogPath(t, probe)))}

	port := e2etest.FreePort(t)
	c := e2etest.StartWith(t, e2etest.Options{Args: defaultConfigArgs(t, port, e2etest.FreePort(t), node)}, port)
	w := startScrapeWorkloads(t, d, image)

	// Every name the rules and the dashboard use, on /metrics.
	exprs := ruleExpressions(t)
	dash := dashboardExpressions(t)
	used := namesUsed(exprs)
	maps.Copy(used, namesUsed(dash))
	fams := waitForNames(t, c, used, func(f e2etest.Families) bool {
		return f.Sum("container_net_tcp_failed_connects_total", map[string]string{"container_id": w.net, "destination": w.failDest}) >= 5 &&
			f.Sum("container_log_messages_total", map[string]string{"container_id": w.logs, "level": "error"}) >= 3 &&
			f.Sum("container_oom_kills_total", map[string]string{"container_id": w.oom}) == 1 &&
			f.Sum("container_resources_cpu_delay_seconds_total", map[string]string{"container_id": w.cpu}) > 1
	})
	t.Logf("all %d metric names of the rules and the dashboard are on /metrics (%d families)", len(used), len(fams))

	out, err := checkMetrics(promtool, c.ScrapeText(t))
	assert.NoError(t, err, "promtool check metrics:\n%s", out)
	assert.Empty(t, out, "promtool check metrics has remarks")

	p := e2etest.StartPrometheus(t, prometheusConfig(t, port))
	p.WaitForQuery(t, 60*time.Second, `up{job="`+staticScrapeJob+`"} == 1`, nonEmpty)

	// The labels and rates the dashboard's legends and the rules group by.
	errorLogs := p.WaitForQuery(t, 60*time.Second,
		fmt.Sprintf(`rate(container_log_messages_total{container_id=%q, level="error"}[30s]) > 0`, w.logs), nonEmpty)
	for _, s := range errorLogs {
		for _, l := range []model.LabelName{"pattern_hash", "sample", "source", "instance", "job"} {
			assert.NotEmpty(t, s.Metric[l], "error log series lacks %s: %v", l, s.Metric)
		}
	}
	p.WaitForQuery(t, 60*time.Second, fmt.Sprintf(
		`rate(container_net_tcp_successful_connects_total{container_id=%q, destination=%q}[30s]) > 0`, w.net, w.okDest), nonEmpty)

	// Every dashboard query, its variables set to "all", returns series.
	for where, expr := range dash {
		q := grafanaToPromQL(expr)
		t.Run("dashboard/"+where, func(t *testing.T) {
			p.WaitForQuery(t, 60*time.Second, q, nonEmpty)
		})
	}

	// The rules: real evaluation of the ones without `for`, the expressions of
	// the others, which select the containers that caused them.
	p.WaitForQuery(t, 60*time.Second, fmt.Sprintf(
		`ALERTS{alertname="ContainerOOMKilled", alertstate="firing", container_id=%q}`, w.oom), nonEmpty)
	p.WaitForQuery(t, 60*time.Second, exprs["ContainerTCPConnectFailures"], hasSeries(map[string]string{"container_id": w.net, "destination": w.failDest}))
	t.Logf("CPU delay of the busy container: %v", p.Query(t, fmt.Sprintf(
		`rate(container_resources_cpu_delay_seconds_total{container_id=%q}[1m])`, w.cpu)))
	p.WaitForQuery(t, 60*time.Second, exprs["ContainerCPUDelayHigh"], hasSeries(map[string]string{"container_id": w.cpu}))
	for _, expr := range exprs {
		p.Query(t, expr) // every expression evaluates on real data
	}
	for name, health := range p.RuleHealth(t) {
		assert.Contains(t, []string{"ok", "unknown"}, health, "rule %s", name)
	}
}

// startScrapeWorkloads runs one container per kind of telemetry on the private daemon.
func startScrapeWorkloads(t *testing.T, d *dockertest.Daemon, image string) scrapeWorkloads {
	t.Helper()
	open := listenOutsideEphemeral(t)
	go acceptAndClose(open)
	openPort := open.Addr().(*net.TCPAddr).Port
	closed := closedPortOutsideEphemeral(t)
	w := scrapeWorkloads{
		okDest:   "127.0.0.1:" + strconv.Itoa(openPort),
		failDest: "127.0.0.1:" + strconv.Itoa(closed),
	}
	w.net = d.Run(t, "--network", "host", image, "sh", "-c", fmt.Sprintf(
		`while :; do nc 127.0.0.1 %d </dev/null; nc 127.0.0.1 %d </dev/null; sleep 0.2; done`, openPort, closed))
	w.logs = d.Run(t, "--network", "none", image, "sh", "-c",
		`i=0; while :; do i=$((i+1)); echo "ERROR failed to connect to database db-$((i%3)): connection refused"; `+
			`echo "INFO request $i served in 12ms"; sleep 0.5; done`)
	// Four busy loops on one CPU: each waits for the others about three
	// quarters of the time, a run-queue delay of about 3s per second.
	w.cpu = d.Run(t, "--network", "none", "--cpuset-cpus", "0", image, "sh", "-c",
		"while :; do :; done & while :; do :; done & while :; do :; done & while :; do :; done")
	w.oom = d.Run(t, "--network", "none", "--memory", "32m", "--memory-swap", "32m", image, "sh", "-c", memoryHog)
	return w
}

// waitForNames scrapes until every name in used is a family on /metrics and
// ready holds, and fails naming what is missing.
func waitForNames(t *testing.T, c *e2etest.Collector, used map[string]string, ready func(e2etest.Families) bool) e2etest.Families {
	t.Helper()
	deadline := time.Now().Add(120 * time.Second)
	for {
		fams := c.Scrape(t)
		var missing []string
		for name, where := range used {
			if _, ok := fams[name]; !ok {
				missing = append(missing, name+" (used by "+where+")")
			}
		}
		if len(missing) == 0 && ready(fams) {
			return fams
		}
		if time.Now().After(deadline) {
			slices.Sort(missing)
			t.Fatalf("after the workloads, /metrics lacks:\n  %s\nworkload counts:\n%s\n%s\n%s\n%s", strings.Join(missing, "\n  "),
				fams.Describe("container_net_tcp_failed_connects_total"), fams.Describe("container_log_messages_total"),
				fams.Describe("container_oom_kills_total"), fams.Describe("container_resources_cpu_delay_seconds_total"))
		}
		time.Sleep(time.Second)
	}
}

// prometheusConfig is the shipped scrape config's static job pointed at the
// test's collector, scraping every second, with the shipped alerting rules.
func prometheusConfig(t *testing.T, metricsPort int) string {
	t.Helper()
	examples := filepath.Join(e2etest.RepoRoot(t), "examples")
	data, err := os.ReadFile(filepath.Join(examples, "prometheus-scrape.yaml"))
	require.NoError(t, err)
	var shipped struct {
		RuleFiles     []string         `yaml:"rule_files"`
		ScrapeConfigs []map[string]any `yaml:"scrape_configs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &shipped))
	var job map[string]any
	for _, sc := range shipped.ScrapeConfigs {
		if sc["job_name"] == staticScrapeJob {
			job = sc
		}
	}
	require.NotNil(t, job, "examples/prometheus-scrape.yaml has no %s job", staticScrapeJob)
	job["static_configs"] = []map[string]any{{"targets": []string{fmt.Sprintf("127.0.0.1:%d", metricsPort)}}}
	job["scrape_interval"] = "1s"
	rules := make([]string, 0, len(shipped.RuleFiles))
	for _, f := range shipped.RuleFiles {
		rules = append(rules, filepath.Join(examples, f))
	}
	require.NotEmpty(t, rules, "examples/prometheus-scrape.yaml loads no rule_files")
	out, err := yaml.Marshal(map[string]any{
		"global":         map[string]any{"scrape_interval": "1s", "evaluation_interval": "1s"},
		"rule_files":     rules,
		"scrape_configs": []map[string]any{job},
	})
	require.NoError(t, err)
	return string(out)
}

// grafanaToPromQL sets the dashboard's variables to "all" and Grafana's
// interval variables to durations that hold a few scrapes.
func grafanaToPromQL(expr string) string {
	if m := labelValuesQuery.FindStringSubmatch(expr); m != nil {
		expr = m[1]
	}
	return strings.NewReplacer(
		"$__rate_interval", "30s",
		"$__interval", "5s",
		"$__range", "5m",
		"$node", ".*",
		"$container", ".*",
		"$level", ".*",
	).Replace(expr)
}

func checkMetrics(promtool string, exposition []byte) (string, error) {
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(exposition)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func nonEmpty(v model.Vector) bool { return len(v) > 0 }

// hasSeries holds when some series of the result carries all the labels.
func hasSeries(labels map[string]string) func(model.Vector) bool {
	return func(v model.Vector) bool {
		for _, s := range v {
			all := true
			for k, want := range labels {
				if string(s.Metric[model.LabelName(k)]) != want {
					all = false
				}
			}
			if all {
				return true
			}
		}
		return false
	}
}
