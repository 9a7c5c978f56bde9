// SPDX-License-Identifier: Apache-2.0

package cloudmeta // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"

import (
	"context"
	"fmt"
	"net/http"

	"go.yaml.in/yaml/v3"
)

// hetznerMetadata is the summary YAML of GET /hetzner/v1/metadata (Hetzner
// Cloud API reference, "Server Metadata"). It has no private address: that
// is in /private-networks. local-ipv4 is read too because the reference
// agent reads it, in case the service ever sends it.
type hetznerMetadata struct {
	AvailabilityZone string `yaml:"availability-zone"`
	Hostname         string `yaml:"hostname"`
	InstanceID       string `yaml:"instance-id"`
	PublicIPv4       string `yaml:"public-ipv4"`
	LocalIPv4        string `yaml:"local-ipv4"`
	Region           string `yaml:"region"`
}

type hetznerPrivateNetwork struct {
	IP string `yaml:"ip"`
}

func parseHetznerMetadata(body []byte) (Instance, error) {
	in := Instance{Provider: ProviderHetzner}
	var md hetznerMetadata
	if err := yaml.Unmarshal(body, &md); err != nil {
		return in, fmt.Errorf("decoding Hetzner metadata YAML: %w", err)
	}
	if md.InstanceID == "" {
		return in, fmt.Errorf("hetzner metadata has %w (instance-id)", ErrNoInstanceID)
	}
	in.InstanceID, in.HostName, in.Region = md.InstanceID, md.Hostname, md.Region
	in.AvailabilityZone, in.PublicIPv4, in.LocalIPv4 = md.AvailabilityZone, md.PublicIPv4, md.LocalIPv4
	return in, nil
}

// parseHetznerPrivateIPv4 returns the address on the first private network.
func parseHetznerPrivateIPv4(body []byte) (string, error) {
	var nets []hetznerPrivateNetwork
	if err := yaml.Unmarshal(body, &nets); err != nil {
		return "", fmt.Errorf("decoding Hetzner private-networks YAML: %w", err)
	}
	if len(nets) == 0 {
		return "", nil
	}
	return nets[0].IP, nil
}

// hetznerClient reads the summary (required) and the private networks
// (optional: a server without one answers an empty list or 404).
type hetznerClient struct{ h *httpGetter }

func (c *hetznerClient) Fetch(ctx context.Context) (Instance, error) {
	body, _, err := c.h.do(ctx, http.MethodGet, "/hetzner/v1/metadata", nil)
	if err != nil {
		return Instance{Provider: ProviderHetzner}, fmt.Errorf("reading Hetzner metadata: %w", err)
	}
	in, err := parseHetznerMetadata(body)
	if err != nil || in.LocalIPv4 != "" {
		return in, err
	}
	var missing []error
	body, _, err = c.h.do(ctx, http.MethodGet, "/hetzner/v1/metadata/private-networks", nil)
	if err == nil {
		in.LocalIPv4, err = parseHetznerPrivateIPv4(body)
	}
	if err := optional(&missing, err); err != nil {
		return in, fmt.Errorf("reading Hetzner private networks: %w", err)
	}
	return in, partialOrNil(missing)
}
