// SPDX-License-Identifier: Apache-2.0

package cloudmetadataprocessor // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor"

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"
	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/metadata"
)

const (
	// providerAuto detects the provider from DMI files under sysfs_root.
	providerAuto = "auto"

	defaultSysfsRoot = "/sys"
	// Metadata services answer in milliseconds on the link-local network; a
	// longer wait only means none is there (or an IMDSv2 hop limit drops it).
	defaultTimeout = 2 * time.Second
	// Instance metadata changes rarely (a stop/start may move zone or type);
	// a 10-minute refresh keeps far below every service's rate limit.
	defaultRefreshInterval = 10 * time.Minute
	// The info gauge is re-sent often enough to stay fresh in an exporter
	// with a 5-minute metric expiration, yet rarely enough to cost nothing.
	defaultInfoInterval = 30 * time.Second

	// Minimums reject durations that validate but cannot be meant: a bare
	// number is read as nanoseconds, so `timeout: 2` would fail every
	// request and `refresh_interval: 600` would ask the service without pause.
	// A link-local metadata service answers well within 100ms.
	minTimeout = 100 * time.Millisecond
	// Ten seconds keeps a round (up to nine GCE leaves) far below every
	// service's rate limit (Azure IMDS: 5 requests per second).
	minRefreshInterval = 10 * time.Second
	minInfoInterval    = time.Second
)

// Config defines the configuration of the cloud_metadata processor.
type Config struct {
	// Provider is "auto" (detect from DMI), "none" (add no cloud metadata),
	// or a provider name: aws, gcp, azure, hetzner, digitalocean, oracle,
	// alibaba, scaleway.
	Provider string `mapstructure:"provider"`
	// Endpoint is the base URL of the metadata service; empty means the
	// provider's default (http://169.254.169.254 for most).
	Endpoint string `mapstructure:"endpoint"`
	// SysfsRoot is where the DMI files are read: <sysfs_root>/class/dmi/id/*.
	SysfsRoot string `mapstructure:"sysfs_root"`
	// Timeout bounds each request to the metadata service.
	Timeout time.Duration `mapstructure:"timeout"`
	// RefreshInterval is the time between two successful fetches.
	RefreshInterval time.Duration `mapstructure:"refresh_interval"`
	// EmitInfoMetric adds node.cloud.info (node_cloud_info in Prometheus) to
	// the metrics passing through.
	EmitInfoMetric bool `mapstructure:"emit_info_metric"`
	// InfoInterval is how often node.cloud.info is added to the metrics
	// passing through (at most once per interval, to one batch).
	InfoInterval time.Duration `mapstructure:"info_interval"`
	// Override replaces resource attributes that are already set; by default
	// values set upstream win.
	Override bool `mapstructure:"override"`
	// Static values win over fetched ones; on bare metal they are the only source.
	Static StaticConfig `mapstructure:"static"`

	// ResourceAttributes turns each resource attribute on or off.
	ResourceAttributes metadata.ResourceAttributesConfig `mapstructure:"resource_attributes"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// StaticConfig holds values set by hand, for bare metal or to correct a provider.
type StaticConfig struct {
	Region           string `mapstructure:"region"`
	AvailabilityZone string `mapstructure:"availability_zone"`
	InstanceType     string `mapstructure:"instance_type"`

	// prevent unkeyed literal initialization
	_ struct{}
}

func createDefaultConfig() *Config {
	return &Config{
		Provider:           providerAuto,
		SysfsRoot:          defaultSysfsRoot,
		Timeout:            defaultTimeout,
		RefreshInterval:    defaultRefreshInterval,
		EmitInfoMetric:     true,
		InfoInterval:       defaultInfoInterval,
		ResourceAttributes: metadata.DefaultResourceAttributesConfig(),
	}
}

// Validate checks the configuration; messages name the YAML key.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.Provider != providerAuto && !cloudmeta.Provider(cfg.Provider).Known() {
		errs = append(errs, fmt.Errorf("'provider' must be %q or one of %v, got %q", providerAuto, cloudmeta.Providers(), cfg.Provider))
	}
	if cfg.Endpoint != "" {
		if err := validateEndpoint(cfg.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("'endpoint' %w", err))
		}
	}
	// A relative path would be read from the collector's working directory.
	if cfg.Provider == providerAuto && !filepath.IsAbs(cfg.SysfsRoot) {
		errs = append(errs, fmt.Errorf("'sysfs_root' must be an absolute path when 'provider' is %q, got %q", providerAuto, cfg.SysfsRoot))
	}
	for _, d := range []struct {
		key                 string
		d, minimum, example time.Duration
	}{
		{"timeout", cfg.Timeout, minTimeout, defaultTimeout},
		{"refresh_interval", cfg.RefreshInterval, minRefreshInterval, defaultRefreshInterval},
		{"info_interval", cfg.InfoInterval, minInfoInterval, defaultInfoInterval},
	} {
		if err := checkMinDuration(d.key, d.d, d.minimum, d.example); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg.RefreshInterval >= minRefreshInterval && cfg.RefreshInterval < cfg.Timeout {
		errs = append(errs, fmt.Errorf("'refresh_interval' (%s) must not be shorter than 'timeout' (%s)", cfg.RefreshInterval, cfg.Timeout))
	}
	for _, s := range []struct{ key, v string }{
		{"static::region", cfg.Static.Region},
		{"static::availability_zone", cfg.Static.AvailabilityZone},
		{"static::instance_type", cfg.Static.InstanceType},
	} {
		if !cloudmeta.ValidValue(s.v) {
			errs = append(errs, fmt.Errorf("'%s' must be at most %d printable bytes", s.key, cloudmeta.MaxValueLen))
		}
	}
	return errors.Join(errs...)
}

func validateEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("must be a URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("must be an http:// or https:// URL, got %q", endpoint)
	}
	if u.Host == "" {
		return fmt.Errorf("must name a host, got %q", endpoint)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("must be a base URL without query or fragment, got %q", endpoint)
	}
	return nil
}

// checkMinDuration rejects a duration below minimum, with a hint for the
// usual cause: a number without a unit.
func checkMinDuration(key string, d, minimum, example time.Duration) error {
	if d >= minimum {
		return nil
	}
	return fmt.Errorf("'%s' must be at least %s, got %s (a number without a unit is read as nanoseconds: write e.g. %s)", key, minimum, d, example)
}
