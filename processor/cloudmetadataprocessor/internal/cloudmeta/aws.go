// SPDX-License-Identifier: Apache-2.0

package cloudmeta // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"

import (
	"context"
	"encoding/json"
	"fmt"
)

// awsIdentityDocument is the subset of the instance identity document
// (/latest/dynamic/instance-identity/document) we use. One request gives
// account, region, zone, instance id and type.
type awsIdentityDocument struct {
	AccountID        string `json:"accountId"`
	InstanceID       string `json:"instanceId"`
	InstanceType     string `json:"instanceType"`
	Region           string `json:"region"`
	AvailabilityZone string `json:"availabilityZone"`
	PrivateIP        string `json:"privateIp"`
}

// parseAWSIdentityDocument decodes the identity document; a document without
// an instance id is not an EC2 answer.
func parseAWSIdentityDocument(body []byte) (awsIdentityDocument, error) {
	var doc awsIdentityDocument
	if err := json.Unmarshal(body, &doc); err != nil {
		return doc, fmt.Errorf("decoding instance identity document: %w", err)
	}
	if doc.InstanceID == "" {
		return doc, fmt.Errorf("instance identity document has %w (instanceId)", ErrNoInstanceID)
	}
	return doc, nil
}

// awsClient reads EC2 IMDS: the identity document (required) and the leaves
// the document lacks (optional: a 404 only leaves that field empty).
type awsClient struct{ imds *tokenSession }

func (c *awsClient) Fetch(ctx context.Context) (Instance, error) {
	in := Instance{Provider: ProviderAWS}
	c.imds.begin(ctx)
	body, err := c.imds.get(ctx, "/latest/dynamic/instance-identity/document")
	if err != nil {
		return in, fmt.Errorf("reading EC2 instance identity document: %w", err)
	}
	doc, err := parseAWSIdentityDocument(body)
	if err != nil {
		return in, err
	}
	in.AccountID, in.InstanceID, in.InstanceType = doc.AccountID, doc.InstanceID, doc.InstanceType
	in.Region, in.AvailabilityZone, in.LocalIPv4 = doc.Region, doc.AvailabilityZone, doc.PrivateIP

	leaves := leafReader{get: c.imds.get}
	leaves.leaf(ctx, "/latest/meta-data/instance-life-cycle", &in.LifeCycle)
	leaves.leaf(ctx, "/latest/meta-data/placement/availability-zone-id", &in.AvailabilityZoneID)
	leaves.leaf(ctx, "/latest/meta-data/public-ipv4", &in.PublicIPv4)
	leaves.leaf(ctx, "/latest/meta-data/hostname", &in.HostName)
	if leaves.stop != nil {
		return in, fmt.Errorf("reading EC2 metadata: %w", leaves.stop)
	}
	if err := leaves.raw.err(); err != nil {
		return in, fmt.Errorf("reading EC2 metadata: %w", err)
	}
	return in, partialOrNil(leaves.failed)
}
