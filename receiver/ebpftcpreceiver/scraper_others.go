// SPDX-License-Identifier: Apache-2.0

//go:build !linux

package ebpftcpreceiver // import "github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver"

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
)

var errUnsupportedOS = errors.New("the ebpf_tcp receiver needs Linux (eBPF)")

type tcpScraper struct{}

func newTCPScraper(*Config, receiver.Settings) *tcpScraper { return &tcpScraper{} }

func (*tcpScraper) start(context.Context, component.Host) error { return errUnsupportedOS }

func (*tcpScraper) scrape(context.Context) (pmetric.Metrics, error) {
	return pmetric.NewMetrics(), errUnsupportedOS
}

func (*tcpScraper) shutdown(context.Context) error { return nil }
