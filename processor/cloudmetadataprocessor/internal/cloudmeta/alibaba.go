// SPDX-License-Identifier: Apache-2.0

package cloudmeta // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"

import "context"

// alibabaClient reads ECS instance metadata (plain-text leaves under
// /latest/meta-data/), with the same token flow as AWS IMDSv2 when the
// instance is in hardened mode. ECS metadata does not say spot vs on-demand
// in a leaf that exists on every instance, so the life cycle stays empty.
type alibabaClient struct{ imds *tokenSession }

func (c *alibabaClient) Fetch(ctx context.Context) (Instance, error) {
	in := Instance{Provider: ProviderAlibaba}
	c.imds.begin(ctx)
	r := leafReader{get: c.imds.get}
	r.leaf(ctx, "/latest/meta-data/instance-id", &in.InstanceID)
	r.leaf(ctx, "/latest/meta-data/owner-account-id", &in.AccountID)
	r.leaf(ctx, "/latest/meta-data/instance/instance-type", &in.InstanceType)
	r.leaf(ctx, "/latest/meta-data/region-id", &in.Region)
	r.leaf(ctx, "/latest/meta-data/zone-id", &in.AvailabilityZone)
	r.leaf(ctx, "/latest/meta-data/private-ipv4", &in.LocalIPv4)
	r.leaf(ctx, "/latest/meta-data/eipv4", &in.PublicIPv4)
	r.leaf(ctx, "/latest/meta-data/hostname", &in.HostName)
	return in, r.result("Alibaba ECS")
}
