// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/otelcol-node/otelcol-node/internal/e2etest"
)

// prometheusSynthesized are series Prometheus makes itself, not the exporter.
var prometheusSynthesized = map[string]bool{"up": true, "ALERTS": true, "ALERTS_FOR_STATE": true}

var (
	promqlStrings    = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")
	promqlGrouping   = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promqlMatchers   = regexp.MustCompile(`\{[^}]*\}`)
	promqlRanges     = regexp.MustCompile(`\[[^\]]*\]`)
	promqlVariables  = regexp.MustCompile(`\$\{?\w+\}?`)
	promqlIdentifier = regexp.MustCompile(`[a-zA-Z_:][\w:]*`)
	labelValuesQuery = regexp.MustCompile(`^\s*label_values\((.*),\s*\w+\s*\)\s*$`)
)

var promqlKeywords = map[string]bool{
	"and": true, "or": true, "unless": true, "offset": true, "bool": true,
	"inf": true, "nan": true, "Inf": true, "NaN": true, "atan2": true,
}

// metricNames returns the metric names a PromQL expression selects. It is a
// lexer, not a parser: strings, label matchers, ranges, grouping clauses and
// dashboard variables are removed first, then every identifier that is not a
// function call or a keyword is a metric name. Grafana's
// label_values(<selector>, <label>) counts as its selector.
func metricNames(expr string) []string {
	if m := labelValuesQuery.FindStringSubmatch(expr); m != nil {
		expr = m[1]
	}
	for _, re := range []*regexp.Regexp{promqlStrings, promqlMatchers, promqlRanges, promqlGrouping, promqlVariables} {
		expr = re.ReplaceAllString(expr, " ")
	}
	seen := map[string]bool{}
	for _, loc := range promqlIdentifier.FindAllStringIndex(expr, -1) {
		start, end := loc[0], loc[1]
		if start > 0 && isNumberPart(expr[start-1]) {
			continue // the exponent or unit of a number: 1e3
		}
		name := expr[start:end]
		call := strings.HasPrefix(strings.TrimLeft(expr[end:], " \t\n"), "(")
		if call || promqlKeywords[name] {
			continue
		}
		seen[name] = true
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func isNumberPart(c byte) bool {
	return c == '.' || c == '_' || c == ':' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func TestMetricNames(t *testing.T) {
	tests := []struct{ expr, want string }{
		{`up{job=~"otelcol-node.*"} == 0`, "up"},
		{`sum by (instance, container_id) (rate(container_net_tcp_failed_connects_total{instance=~"$node"}[$__rate_interval])) > 0.1`, "container_net_tcp_failed_connects_total"},
		{`container_oom_kills_total unless container_oom_kills_total offset 10m`, "container_oom_kills_total"},
		{`a / on (x) group_left (y) b_total`, "a b_total"},
		{`label_replace(rate(otelcol_node_oom_events_lost_total[5m]), "receiver", "oom", "", "")`, "otelcol_node_oom_events_lost_total"},
		{`label_values(container_resources_cpu_delay_seconds_total{instance=~"$node"}, container_id)`, "container_resources_cpu_delay_seconds_total"},
		{`topk(20, sum(increase(x{level=~"error|critical"}[1h])) by (sample)) > 1e3`, "x"},
		{`-sum(rate(container_net_tcp_bytes_received_total[1m]))`, "container_net_tcp_bytes_received_total"},
		{`max by (instance) (a_total{x="1"}) / max(b)`, "a_total b"},
	}
	for _, tt := range tests {
		assert.Equal(t, strings.Fields(tt.want), metricNames(tt.expr), tt.expr)
	}
}

// ruleExpressions returns the expression of every rule in examples/alerts.yaml,
// keyed by the alert name.
func ruleExpressions(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e2etest.RepoRoot(t), "examples", "alerts.yaml"))
	require.NoError(t, err)
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	require.NoError(t, yaml.Unmarshal(data, &rules))
	out := map[string]string{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			out[r.Alert] = r.Expr
		}
	}
	require.NotEmpty(t, out)
	return out
}

// dashboard is the part of a Grafana dashboard the tests read.
type dashboard struct {
	Title      string  `json:"title"`
	UID        string  `json:"uid"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID      int    `json:"id"`
	Type    string `json:"type"`
	Title   string `json:"title"`
	Targets []struct {
		Expr       string `json:"expr"`
		Datasource struct {
			Type string `json:"type"`
			UID  string `json:"uid"`
		} `json:"datasource"`
	} `json:"targets"`
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e2etest.RepoRoot(t), "examples", "grafana-dashboard.json"))
	require.NoError(t, err)
	var d dashboard
	dec := json.NewDecoder(strings.NewReader(string(data)))
	require.NoError(t, dec.Decode(&d))
	return d
}

// dashboardExpressions returns every query of the dashboard (panel targets and
// query variables), keyed by "<panel title>/<ref>" or "variable <name>".
func dashboardExpressions(t *testing.T) map[string]string {
	t.Helper()
	d := readDashboard(t)
	out := map[string]string{}
	for _, p := range d.Panels {
		for i, tg := range p.Targets {
			out[p.Title+"/"+string(rune('A'+i))] = tg.Expr
		}
	}
	for _, v := range d.Templating.List {
		if v.Type == "query" {
			out["variable "+v.Name] = v.Definition
		}
	}
	return out
}

// namesUsed returns every metric name the expressions select, except the
// series Prometheus synthesizes, with one expression using each.
func namesUsed(exprs map[string]string) map[string]string {
	out := map[string]string{}
	for where, e := range exprs {
		for _, n := range metricNames(e) {
			if !prometheusSynthesized[n] {
				out[n] = where
			}
		}
	}
	return out
}
