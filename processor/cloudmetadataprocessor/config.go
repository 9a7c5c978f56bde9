// SPDX-License-Identifier: Apache-2.0

package cloudmetadataprocessor // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor"

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
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
	if cfg.SysfsRoot == "" && cfg.Provider == providerAuto {
		errs = append(errs, errors.New("'sysfs_root' must be set when 'provider' is \"auto\""))
	}
	if cfg.Timeout <= 0 {
		errs = append(errs, errors.New("'timeout' must be positive"))
	}
	if cfg.RefreshInterval <= 0 {
		errs = append(errs, errors.New("'refresh_interval' must be positive"))
	} else if cfg.Timeout > 0 && cfg.RefreshInterval < cfg.Timeout {
		errs = append(errs, errors.New("'refresh_interval' must not be shorter than 'timeout'"))
	}
	if cfg.InfoInterval <= 0 {
		errs = append(errs, errors.New("'info_interval' must be positive"))
	}
	for key, v := range map[string]string{
		"static::region":            cfg.Static.Region,
		"static::availability_zone": cfg.Static.AvailabilityZone,
		"static::instance_type":     cfg.Static.InstanceType,
	} {
		if len(v) > cloudmeta.MaxValueLen || strings.ContainsFunc(v, isControl) {
			errs = append(errs, fmt.Errorf("'%s' must be at most %d printable bytes", key, cloudmeta.MaxValueLen))
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

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
