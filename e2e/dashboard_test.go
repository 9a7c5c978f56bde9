// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// grafanaBuiltins are the variables Grafana defines itself.
var grafanaBuiltins = map[string]bool{"__rate_interval": true, "__interval": true, "__range": true}

// TestDashboardQueries checks the Grafana dashboard as Grafana would load it:
// unique panel ids, every panel queries the dashboard's data source variable,
// every query selects at least one metric, and every $variable it uses is
// defined. TestPrometheusScrapesCollector runs the queries on real data.
func TestDashboardQueries(t *testing.T) {
	d := readDashboard(t)
	require.NotEmpty(t, d.Title)
	require.NotEmpty(t, d.UID)
	defined := map[string]bool{}
	for _, v := range d.Templating.List {
		defined[v.Name] = true
	}
	require.True(t, defined["datasource"], "no datasource variable: the dashboard would be bound to one data source uid")

	ids := map[int]string{}
	variable := regexp.MustCompile(`\$\{?(\w+)\}?`)
	for _, p := range d.Panels {
		if prev, ok := ids[p.ID]; ok {
			t.Errorf("panels %q and %q share id %d", prev, p.Title, p.ID)
		}
		ids[p.ID] = p.Title
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			assert.Equal(t, "prometheus", tg.Datasource.Type, "panel %q", p.Title)
			assert.Equal(t, "${datasource}", tg.Datasource.UID, "panel %q", p.Title)
			assert.NotEmpty(t, metricNames(tg.Expr), "panel %q: query %q selects no metric", p.Title, tg.Expr)
		}
	}
	for where, expr := range dashboardExpressions(t) {
		for _, m := range variable.FindAllStringSubmatch(expr, -1) {
			if !defined[m[1]] && !grafanaBuiltins[m[1]] {
				t.Errorf("%s uses undefined variable $%s", where, m[1])
			}
		}
		if strings.Contains(expr, "k8sattributes") {
			t.Errorf("%s depends on k8sattributes, which the distribution does not ship", where)
		}
	}
}
