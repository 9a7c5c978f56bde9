// SPDX-License-Identifier: Apache-2.0

package cloudmeta // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"

import "slices"

// Provider is a cloud provider, spelled as in the processor's `provider` key.
type Provider string

const (
	ProviderNone         Provider = "none"
	ProviderAWS          Provider = "aws"
	ProviderGCP          Provider = "gcp"
	ProviderAzure        Provider = "azure"
	ProviderHetzner      Provider = "hetzner"
	ProviderDigitalOcean Provider = "digitalocean"
	ProviderOracle       Provider = "oracle"
	ProviderAlibaba      Provider = "alibaba"
	ProviderScaleway     Provider = "scaleway"
)

// providerNames holds, per provider, the label value of the reference agent
// (coroot-node-agent's node_cloud_info{provider}), the OTel cloud.provider
// value and the OTel cloud.platform value ("" where semantic conventions
// define none), plus the default metadata service base URL.
var providerNames = map[Provider]struct {
	reference, semconv, platform, endpoint string
}{
	ProviderNone:         {reference: "none"},
	ProviderAWS:          {"AWS", "aws", "aws_ec2", "http://169.254.169.254"},
	ProviderGCP:          {"GCP", "gcp", "gcp_compute_engine", "http://169.254.169.254"},
	ProviderAzure:        {"Azure", "azure", "azure_vm", "http://169.254.169.254"},
	ProviderHetzner:      {"Hetzner", "hetzner", "", "http://169.254.169.254"},
	ProviderDigitalOcean: {"DigitalOcean", "digitalocean", "", "http://169.254.169.254"},
	ProviderOracle:       {"Oracle", "oracle_cloud", "oracle_cloud_compute", "http://169.254.169.254"},
	ProviderAlibaba:      {"Alibaba", "alibaba_cloud", "alibaba_cloud_ecs", "http://100.100.100.200"},
	ProviderScaleway:     {"Scaleway", "scaleway", "", "http://169.254.42.42"},
}

// Providers lists every supported provider name, "none" included, sorted.
func Providers() []Provider {
	out := make([]Provider, 0, len(providerNames))
	for p := range providerNames {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Known reports whether p is a supported provider name.
func (p Provider) Known() bool {
	_, ok := providerNames[p]
	return ok
}

// ReferenceName is the provider label value of node_cloud_info, as the
// reference agent writes it ("AWS", "GCP", ...), so existing queries keep working.
func (p Provider) ReferenceName() string { return providerNames[p].reference }

// SemconvName is the OTel cloud.provider value; "" for ProviderNone.
func (p Provider) SemconvName() string { return providerNames[p].semconv }

// Platform is the OTel cloud.platform value, "" when none is defined.
func (p Provider) Platform() string { return providerNames[p].platform }

// DefaultEndpoint is the base URL of the provider's metadata service.
func (p Provider) DefaultEndpoint() string { return providerNames[p].endpoint }
