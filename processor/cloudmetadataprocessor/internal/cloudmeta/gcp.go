// SPDX-License-Identifier: Apache-2.0

package cloudmeta // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// gcpFlavor is required on every request and echoed on every answer
// ("View and query VM metadata"); checking the echo tells a GCE metadata
// server from anything else listening on 169.254.169.254.
const gcpFlavor = "Google"

var errNotGCE = errors.New("answer lacks the Metadata-Flavor: Google header")

// gcpClient reads the GCE metadata server, one text leaf per field.
type gcpClient struct{ h *httpGetter }

func (c *gcpClient) get(ctx context.Context, path string) ([]byte, error) {
	body, header, err := c.h.do(ctx, http.MethodGet, "/computeMetadata/v1/"+path, http.Header{"Metadata-Flavor": {gcpFlavor}})
	if err != nil {
		return nil, err
	}
	if header.Get("Metadata-Flavor") != gcpFlavor {
		// Not a GCE server: as unusable as an unreachable one.
		return nil, &transportError{err: fmt.Errorf("GET %s: %w", path, errNotGCE)}
	}
	return body, nil
}

func (c *gcpClient) Fetch(ctx context.Context) (Instance, error) {
	in := Instance{Provider: ProviderGCP}
	var zone, machineType, preemptible, provisioning string
	r := leafReader{get: c.get}
	r.leaf(ctx, "project/project-id", &in.AccountID)
	r.leaf(ctx, "instance/id", &in.InstanceID)
	r.leaf(ctx, "instance/zone", &zone)
	r.leaf(ctx, "instance/machine-type", &machineType)
	r.leaf(ctx, "instance/scheduling/preemptible", &preemptible)
	r.leaf(ctx, "instance/scheduling/provisioning-model", &provisioning)
	r.leaf(ctx, "instance/network-interfaces/0/ip", &in.LocalIPv4)
	r.leaf(ctx, "instance/network-interfaces/0/access-configs/0/external-ip", &in.PublicIPv4)
	r.leaf(ctx, "instance/hostname", &in.HostName)
	err := r.result("GCE")
	if err != nil && !errors.Is(err, ErrPartial) {
		return in, err
	}
	in.AvailabilityZone = lastPathElement(zone)
	in.Region = zoneRegion(in.AvailabilityZone)
	in.InstanceType = lastPathElement(machineType)
	in.LifeCycle = gcpLifeCycle(provisioning, preemptible)
	return in, err
}

// lastPathElement turns "projects/123/zones/us-central1-a" into
// "us-central1-a"; zone and machine-type are full resource paths.
func lastPathElement(s string) string {
	return s[strings.LastIndexByte(s, '/')+1:]
}

// zoneRegion drops the zone suffix: us-central1-a -> us-central1.
func zoneRegion(zone string) string {
	if i := strings.LastIndexByte(zone, '-'); i > 0 {
		return zone[:i]
	}
	return ""
}

// gcpLifeCycle prefers the provisioning model (SPOT VMs are also reported as
// preemptible) and falls back to the older preemptible flag.
func gcpLifeCycle(provisioning, preemptible string) string {
	switch strings.ToUpper(provisioning) {
	case "SPOT":
		return LifeCycleSpot
	case "STANDARD":
		return LifeCycleOnDemand
	}
	switch strings.ToLower(preemptible) {
	case "true":
		return LifeCyclePreemptible
	case "false":
		return LifeCycleOnDemand
	}
	return ""
}
