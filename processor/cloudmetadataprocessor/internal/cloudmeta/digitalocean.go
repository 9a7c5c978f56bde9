// SPDX-License-Identifier: Apache-2.0

package cloudmeta // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// digitalOceanMetadata is the subset of GET /metadata/v1.json (DigitalOcean
// "Droplet Metadata API", the whole tree in one JSON document) we use.
// Droplet metadata has no size (instance type) and no account.
type digitalOceanMetadata struct {
	DropletID  int64  `json:"droplet_id"`
	Hostname   string `json:"hostname"`
	Region     string `json:"region"`
	Interfaces struct {
		Public  []digitalOceanInterface `json:"public"`
		Private []digitalOceanInterface `json:"private"`
	} `json:"interfaces"`
}

type digitalOceanInterface struct {
	IPv4 struct {
		IPAddress string `json:"ip_address"`
	} `json:"ipv4"`
}

func parseDigitalOceanMetadata(body []byte) (Instance, error) {
	in := Instance{Provider: ProviderDigitalOcean}
	var md digitalOceanMetadata
	if err := json.Unmarshal(body, &md); err != nil {
		return in, fmt.Errorf("decoding DigitalOcean metadata: %w", err)
	}
	if md.DropletID == 0 {
		return in, fmt.Errorf("digitalocean metadata has %w (droplet_id)", ErrNoInstanceID)
	}
	in.InstanceID = strconv.FormatInt(md.DropletID, 10)
	in.HostName, in.Region = md.Hostname, md.Region
	// Droplets have no zones; the reference agent reports the region as the
	// zone so zone-based views still group them.
	in.AvailabilityZone = md.Region
	if len(md.Interfaces.Public) > 0 {
		in.PublicIPv4 = md.Interfaces.Public[0].IPv4.IPAddress
	}
	if len(md.Interfaces.Private) > 0 {
		in.LocalIPv4 = md.Interfaces.Private[0].IPv4.IPAddress
	}
	return in, nil
}

type digitalOceanClient struct{ h *httpGetter }

func (c *digitalOceanClient) Fetch(ctx context.Context) (Instance, error) {
	body, _, err := c.h.do(ctx, http.MethodGet, "/metadata/v1.json", nil)
	if err != nil {
		return Instance{Provider: ProviderDigitalOcean}, fmt.Errorf("reading DigitalOcean metadata: %w", err)
	}
	return parseDigitalOceanMetadata(body)
}
