// SPDX-License-Identifier: Apache-2.0

package cloudmeta // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
)

// parseScalewayConf reads the shell-style KEY=VALUE answer of GET /conf
// (what scw-metadata prints; the reference agent reads the same keys).
// Values may be single-quoted. Lines that are not KEY=VALUE are skipped.
func parseScalewayConf(body []byte) (Instance, error) {
	in := Instance{Provider: ProviderScaleway}
	kv := make(map[string]string)
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 4096), maxBodyBytes)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		kv[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `'"`)
	}
	if err := sc.Err(); err != nil {
		return in, fmt.Errorf("decoding Scaleway metadata: %w", err)
	}
	if kv["ID"] == "" {
		return in, fmt.Errorf("scaleway metadata has %w (ID)", ErrNoInstanceID)
	}
	in.InstanceID, in.InstanceType, in.HostName = kv["ID"], kv["COMMERCIAL_TYPE"], kv["HOSTNAME"]
	in.AccountID = kv["ORGANIZATION"]
	// The region is derived from the zone: validate the zone first.
	var raw rawValues
	in.AvailabilityZone = raw.take("ZONE", kv["ZONE"])
	if err := raw.err(); err != nil {
		return Instance{Provider: ProviderScaleway}, fmt.Errorf("decoding Scaleway metadata: %w", err)
	}
	in.Region = zoneRegion(in.AvailabilityZone) // fr-par-1 -> fr-par, same shape as GCP zones
	in.LocalIPv4, in.PublicIPv4 = kv["PRIVATE_IP"], kv["PUBLIC_IP_ADDRESS"]
	return in, nil
}

type scalewayClient struct{ h *httpGetter }

func (c *scalewayClient) Fetch(ctx context.Context) (Instance, error) {
	body, _, err := c.h.do(ctx, http.MethodGet, "/conf", nil)
	if err != nil {
		return Instance{Provider: ProviderScaleway}, fmt.Errorf("reading Scaleway metadata: %w", err)
	}
	return parseScalewayConf(body)
}
