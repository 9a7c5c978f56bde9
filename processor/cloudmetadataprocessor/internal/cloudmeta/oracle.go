// SPDX-License-Identifier: Apache-2.0

package cloudmeta // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
)

// oracleAuth is required by IMDS v2 of Oracle Cloud ("Getting Instance
// Metadata": Authorization: Bearer Oracle); v1 is disabled on many tenancies.
var oracleAuth = http.Header{"Authorization": {"Bearer Oracle"}}

// oracleADSuffix finds the availability domain number in "EMIr:PHX-AD-1".
var oracleADSuffix = regexp.MustCompile(`-AD-(\d+)$`)

// oracleInstance is the subset of GET /opc/v2/instance/ we use.
type oracleInstance struct {
	ID                  string `json:"id"`
	Hostname            string `json:"hostname"`
	CanonicalRegionName string `json:"canonicalRegionName"`
	AvailabilityDomain  string `json:"availabilityDomain"`
	Shape               string `json:"shape"`
	TenantID            string `json:"tenantId"`
}

type oracleVNIC struct {
	PrivateIP string `json:"privateIp"`
}

func parseOracleInstance(body []byte) (Instance, error) {
	in := Instance{Provider: ProviderOracle}
	var md oracleInstance
	if err := json.Unmarshal(body, &md); err != nil {
		return in, fmt.Errorf("decoding Oracle instance metadata: %w", err)
	}
	if md.ID == "" {
		return in, fmt.Errorf("oracle instance metadata has %w (id)", ErrNoInstanceID)
	}
	in.InstanceID, in.HostName, in.InstanceType, in.AccountID = md.ID, md.Hostname, md.Shape, md.TenantID
	// The zone is derived from the region and the availability domain:
	// validate both first, so a rejected value never yields a plausible zone.
	var raw rawValues
	in.Region = raw.take("canonicalRegionName", md.CanonicalRegionName)
	domain := raw.take("availabilityDomain", md.AvailabilityDomain)
	if err := raw.err(); err != nil {
		return Instance{Provider: ProviderOracle}, fmt.Errorf("decoding Oracle instance metadata: %w", err)
	}
	// The availability domain name carries a tenancy-specific prefix
	// ("EMIr:"); like the reference agent, report "<region>-ad-<n>", which is
	// the same for every tenancy.
	if m := oracleADSuffix.FindStringSubmatch(domain); m != nil && in.Region != "" {
		in.AvailabilityZone = in.Region + "-ad-" + m[1]
	}
	return in, nil
}

func parseOracleVNICs(body []byte) (string, error) {
	var vnics []oracleVNIC
	if err := json.Unmarshal(body, &vnics); err != nil {
		return "", fmt.Errorf("decoding Oracle VNIC metadata: %w", err)
	}
	if len(vnics) == 0 {
		return "", nil
	}
	return vnics[0].PrivateIP, nil
}

// oracleClient reads the instance document (required) and the VNICs for the
// private address (optional). OCI metadata has no public address.
type oracleClient struct{ h *httpGetter }

func (c *oracleClient) Fetch(ctx context.Context) (Instance, error) {
	body, _, err := c.h.do(ctx, http.MethodGet, "/opc/v2/instance/", oracleAuth)
	if err != nil {
		return Instance{Provider: ProviderOracle}, fmt.Errorf("reading Oracle instance metadata: %w", err)
	}
	in, err := parseOracleInstance(body)
	if err != nil {
		return in, err
	}
	var missing []error
	body, _, err = c.h.do(ctx, http.MethodGet, "/opc/v2/vnics/", oracleAuth)
	if err == nil {
		in.LocalIPv4, err = parseOracleVNICs(body)
	}
	if err := optional(&missing, err); err != nil {
		return in, fmt.Errorf("reading Oracle VNIC metadata: %w", err)
	}
	return in, partialOrNil(missing)
}
