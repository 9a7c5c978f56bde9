// SPDX-License-Identifier: Apache-2.0

package e2etest

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Families is one parsed scrape, keyed by metric family name.
type Families map[string]*dto.MetricFamily

// Scrape reads /metrics once and parses it with the Prometheus text parser.
func (c *Collector) Scrape(tb testing.TB) Families {
	tb.Helper()
	fams, err := c.scrape(context.Background())
	if err != nil {
		tb.Fatalf("scraping %s: %v", c.MetricsURL, err)
	}
	return fams
}

func (c *Collector) scrape(ctx context.Context) (Families, error) {
	text, err := c.scrapeText(ctx)
	if err != nil {
		return nil, err
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("parsing exposition: %w", err)
	}
	return fams, nil
}

// Sample is one series of a scrape: its labels and value.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// Samples returns the series of family name whose labels include match.
func (f Families) Samples(name string, match map[string]string) []Sample {
	fam, ok := f[name]
	if !ok {
		return nil
	}
	var out []Sample
	for _, m := range fam.GetMetric() {
		labels := make(map[string]string, len(m.GetLabel()))
		for _, lp := range m.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		if !matches(labels, match) {
			continue
		}
		out = append(out, Sample{Labels: labels, Value: value(m)})
	}
	return out
}

// Sum adds up the values of the series of name whose labels include match.
func (f Families) Sum(name string, match map[string]string) float64 {
	total := 0.0
	for _, s := range f.Samples(name, match) {
		total += s.Value
	}
	return total
}

// Describe renders the series of one family for failure messages.
func (f Families) Describe(name string) string {
	var lines []string
	for _, s := range f.Samples(name, nil) {
		lines = append(lines, fmt.Sprintf("%v %g", s.Labels, s.Value))
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		return name + ": no series"
	}
	return name + ":\n  " + strings.Join(lines, "\n  ")
}

// WaitFor scrapes until cond holds for a scrape or timeout passes, and
// returns the last scrape. It fails the test on timeout with the last scrape
// of the family named in the message.
func (c *Collector) WaitFor(tb testing.TB, timeout time.Duration, family string, cond func(Families) bool) Families {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	var last Families
	for {
		fams, err := c.scrape(context.Background())
		if err == nil {
			last = fams
			if cond(fams) {
				return fams
			}
		}
		if time.Now().After(deadline) {
			if last == nil {
				tb.Fatalf("no successful scrape of %s within %v: %v", c.MetricsURL, timeout, err)
			}
			tb.Fatalf("condition on %s not met within %v; last scrape:\n%s", family, timeout, last.Describe(family))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func matches(labels, match map[string]string) bool {
	for k, v := range match {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func value(m *dto.Metric) float64 {
	switch {
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	case m.GetUntyped() != nil:
		return m.GetUntyped().GetValue()
	default:
		return 0
	}
}

// TryScrape scrapes once and returns the error instead of failing the test,
// for goroutines that watch /metrics in the background.
func (c *Collector) TryScrape(ctx context.Context) (Families, error) { return c.scrape(ctx) }
