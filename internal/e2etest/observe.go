// SPDX-License-Identifier: Apache-2.0

package e2etest

import "fmt"

// Observe returns a Collector for a /metrics endpoint that this package did
// not start (a collector in a container, say), so Scrape, ScrapeText and
// WaitFor work on it. Stop does nothing and Logs is empty: the caller owns the
// process.
func Observe(metricsPort int) *Collector {
	done := make(chan struct{})
	close(done)
	return &Collector{
		MetricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort),
		logs:       &syncBuffer{},
		done:       done,
	}
}
