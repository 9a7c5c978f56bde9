// SPDX-License-Identifier: Apache-2.0

package cloudmetadataprocessor // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor"

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"
	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/metadata"
)

const (
	// A failed round is retried after initialBackoff, doubling up to
	// maxBackoff (or the refresh interval, if shorter).
	initialBackoff = time.Second
	maxBackoff     = 5 * time.Minute
)

// Outcomes of a fetch round, the "outcome" attribute of the fetches counter.
const (
	outcomeSuccess = "success"
	outcomePartial = "partial"
	outcomeFailure = "failure"
)

// fetcher owns the metadata of one component: it detects the provider at
// start, reads the metadata service in its own goroutine, and publishes an
// immutable snapshot the consume path reads with one atomic load.
type fetcher struct {
	cfg       *Config
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder
	build     component.BuildInfo
	snap      atomic.Pointer[snapshot]

	initialBackoff time.Duration
	host           component.Host
	cancel         context.CancelFunc
	done           chan struct{}
}

func newFetcher(set processor.Settings, cfg *Config) (*fetcher, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("creating telemetry: %w", err)
	}
	f := &fetcher{
		cfg:            cfg,
		logger:         set.Logger,
		telemetry:      tb,
		build:          set.BuildInfo,
		initialBackoff: initialBackoff,
	}
	// Until start runs, add nothing (not even a provider guess).
	f.snap.Store(newSnapshot(cloudmeta.Instance{}, StaticConfig{}, cfg.ResourceAttributes, f.build, false))
	return f, nil
}

// start detects the provider (local files only) and launches the fetch
// loop; it never waits on the network.
func (f *fetcher) start(host component.Host) error {
	f.host = host
	provider, err := f.provider()
	if err != nil {
		// DMI is unreadable: say so once and carry on as "none"; telemetry
		// still flows, and setting 'provider' fixes it.
		f.logger.Warn("cloud provider detection failed, assuming none; set 'provider' to override", zap.Error(err))
	}
	in := cloudmeta.Instance{Provider: provider}
	if provider == cloudmeta.ProviderNone {
		// Nothing to fetch: node.cloud.info{provider="none"} says so.
		f.publish(in, true)
		return nil
	}
	client, err := cloudmeta.NewClient(provider, f.cfg.Endpoint, f.cfg.Timeout, f.logger)
	if err != nil {
		return err
	}
	f.publish(in, false)
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel, f.done = cancel, make(chan struct{})
	go f.run(ctx, client)
	return nil
}

func (f *fetcher) provider() (cloudmeta.Provider, error) {
	if f.cfg.Provider != providerAuto {
		p := cloudmeta.Provider(f.cfg.Provider)
		f.logger.Info("cloud provider configured", zap.String("provider", string(p)))
		return p, nil
	}
	p, dmi, err := cloudmeta.Detect(f.cfg.SysfsRoot)
	f.logger.Info("cloud provider detected", zap.String("provider", string(p)),
		zap.String("sys_vendor", dmi.SysVendor), zap.String("product_name", dmi.ProductName),
		zap.String("board_vendor", dmi.BoardVendor), zap.String("chassis_asset_tag", dmi.ChassisAssetTag))
	return p, err
}

// stop ends the fetch loop and waits for it; the snapshot stays.
func (f *fetcher) stop() {
	if f.cancel != nil {
		f.cancel()
		<-f.done
		f.cancel, f.done = nil, nil
	}
}

// close stops the loop and releases the telemetry instruments.
func (f *fetcher) close() {
	f.stop()
	f.telemetry.Shutdown()
}

// run fetches until ctx ends: every refresh interval after a good round,
// with exponential back-off after a failed one. A failed round keeps the
// last good snapshot.
func (f *fetcher) run(ctx context.Context, client cloudmeta.Client) {
	defer close(f.done)
	backoff := f.initialBackoff
	failures := 0
	var (
		lastPartial string
		lastFailure string
		lastRead    cloudmeta.Instance
		healthy     bool
	)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		in, err := client.Fetch(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := f.cfg.RefreshInterval
		switch {
		case err == nil || errors.Is(err, cloudmeta.ErrPartial):
			outcome := outcomeSuccess
			if err != nil {
				outcome = outcomePartial
				// Missing fields rarely change between rounds: warn when they do.
				if msg := err.Error(); msg != lastPartial {
					lastPartial = msg
					f.logger.Warn("cloud metadata incomplete, publishing the fields that were read", zap.Error(err))
				}
			} else {
				lastPartial = ""
			}
			f.count(ctx, outcome)
			if failures > 0 || in != lastRead {
				lastRead = in
				f.logger.Info("cloud metadata read", zap.String("provider", string(in.Provider)),
					zap.String("instance_id", in.InstanceID), zap.String("region", in.Region),
					zap.String("availability_zone", in.AvailabilityZone), zap.Int("failed_rounds_before", failures))
			}
			f.publish(in, true)
			if !healthy {
				healthy = true
				componentstatus.ReportStatus(f.host, componentstatus.NewEvent(componentstatus.StatusOK))
			}
			failures, backoff, lastFailure = 0, f.initialBackoff, ""
		default:
			// Invalid values and a missing instance id fail the round like an
			// unreachable service: the snapshot keeps the last good values,
			// so no second node_cloud_info series appears.
			f.count(ctx, outcomeFailure)
			var invalid *cloudmeta.InvalidValuesError
			if errors.As(err, &invalid) {
				f.telemetry.ProcessorCloudMetadataValuesDropped.Add(ctx, int64(len(invalid.Fields)))
			}
			failures++
			wait = backoff
			// One warning per distinct failure; the same failure again (a
			// node with no reachable service retries forever) goes to Debug
			// and to the fetches{outcome="failure"} counter.
			log := f.logger.Debug
			if msg := err.Error(); msg != lastFailure {
				lastFailure, log = msg, f.logger.Warn
			}
			log("reading cloud metadata failed; telemetry flows on with the last good values, retrying",
				zap.Error(err), zap.Int("consecutive_failures", failures), zap.Duration("retry_in", wait))
			healthy = false
			componentstatus.ReportStatus(f.host, componentstatus.NewRecoverableErrorEvent(err))
			backoff = min(2*backoff, maxBackoff, max(f.cfg.RefreshInterval, f.initialBackoff))
		}
		timer.Reset(wait)
	}
}

func (f *fetcher) count(ctx context.Context, outcome string) {
	f.telemetry.ProcessorCloudMetadataFetches.Add(ctx, 1, metric.WithAttributes(attribute.String("outcome", outcome)))
}

// publish builds a snapshot of in (values the client has validated) and
// makes it visible to the consume path; the next metrics batch carries its
// info metric.
func (f *fetcher) publish(in cloudmeta.Instance, withInfo bool) {
	f.snap.Store(newSnapshot(in, f.cfg.Static, f.cfg.ResourceAttributes, f.build, withInfo && f.cfg.EmitInfoMetric))
}
