// SPDX-License-Identifier: Apache-2.0

package cloudmeta // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// azureAPIVersion is mandatory on every IMDS request; 2021-05-01 is what the
// reference agent sends and still served (IMDS keeps old versions).
const azureAPIVersion = "2021-05-01"

// azureInstance is the subset of the full instance document we use
// (GET /metadata/instance, Microsoft Learn "Azure Instance Metadata Service").
type azureInstance struct {
	Compute struct {
		SubscriptionID string `json:"subscriptionId"`
		VMID           string `json:"vmId"`
		VMSize         string `json:"vmSize"`
		Location       string `json:"location"`
		Zone           string `json:"zone"`
		Priority       string `json:"priority"`
		Name           string `json:"name"`
		OSProfile      struct {
			ComputerName string `json:"computerName"`
		} `json:"osProfile"`
	} `json:"compute"`
	Network struct {
		Interface []struct {
			IPv4 struct {
				IPAddress []struct {
					Private string `json:"privateIpAddress"`
					Public  string `json:"publicIpAddress"`
				} `json:"ipAddress"`
			} `json:"ipv4"`
		} `json:"interface"`
	} `json:"network"`
}

// parseAzureInstance maps the instance document to an Instance.
func parseAzureInstance(body []byte) (Instance, error) {
	in := Instance{Provider: ProviderAzure}
	var doc azureInstance
	if err := json.Unmarshal(body, &doc); err != nil {
		return in, fmt.Errorf("decoding Azure instance document: %w", err)
	}
	c := doc.Compute
	if c.VMID == "" {
		return in, fmt.Errorf("azure instance document has %w (compute.vmId)", ErrNoInstanceID)
	}
	in.AccountID, in.InstanceID, in.InstanceType = c.SubscriptionID, c.VMID, c.VMSize
	in.Region, in.AvailabilityZone = c.Location, c.Zone
	in.HostName = c.OSProfile.ComputerName
	if in.HostName == "" {
		in.HostName = c.Name
	}
	// The life cycle is derived from priority: validate it first.
	var raw rawValues
	priority := raw.take("compute.priority", c.Priority)
	if err := raw.err(); err != nil {
		return Instance{Provider: ProviderAzure}, fmt.Errorf("decoding Azure instance document: %w", err)
	}
	// "Spot" today; "Low" is the retired low-priority VM, evicted the same way.
	switch strings.ToLower(priority) {
	case "regular":
		in.LifeCycle = LifeCycleOnDemand
	case "spot", "low":
		in.LifeCycle = LifeCycleSpot
	}
	if ifs := doc.Network.Interface; len(ifs) > 0 && len(ifs[0].IPv4.IPAddress) > 0 {
		in.LocalIPv4 = ifs[0].IPv4.IPAddress[0].Private
		in.PublicIPv4 = ifs[0].IPv4.IPAddress[0].Public
	}
	return in, nil
}

// azureClient reads the full instance document in one request.
type azureClient struct{ h *httpGetter }

func (c *azureClient) Fetch(ctx context.Context) (Instance, error) {
	path := "/metadata/instance?api-version=" + azureAPIVersion + "&format=json"
	body, _, err := c.h.do(ctx, http.MethodGet, path, http.Header{"Metadata": {"true"}})
	if err != nil {
		return Instance{Provider: ProviderAzure}, fmt.Errorf("reading Azure instance metadata: %w", err)
	}
	return parseAzureInstance(body)
}
