// SPDX-License-Identifier: Apache-2.0

package e2etest

import (
	"context"
	"testing"
)

// ScrapeText reads /metrics once and returns the exposition as served, for
// tools that check the text itself (promtool check metrics).
func (c *Collector) ScrapeText(tb testing.TB) []byte {
	tb.Helper()
	text, err := c.scrapeText(context.Background())
	if err != nil {
		tb.Fatalf("scraping %s: %v", c.MetricsURL, err)
	}
	return text
}
