// SPDX-License-Identifier: Apache-2.0

package cloudmeta // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"

import "fmt"

// MaxValueLen caps every metadata value. Values become label values on every
// series, so a broken or hostile metadata server must not be able to blow up
// series size. A longer value fails validation (it is never truncated, which
// would forge a plausible but wrong value), and with it the whole round.
const MaxValueLen = 256

// Life cycle values shared by all providers (the reference agent's spelling).
const (
	LifeCycleOnDemand    = "on-demand"
	LifeCycleSpot        = "spot"
	LifeCyclePreemptible = "preemptible"
)

// Instance is what the processor knows about the node's cloud instance.
// Empty fields are unknown.
type Instance struct {
	Provider           Provider
	AccountID          string
	InstanceID         string
	InstanceType       string
	LifeCycle          string
	Region             string
	AvailabilityZone   string
	AvailabilityZoneID string
	LocalIPv4          string
	PublicIPv4         string
	HostName           string
}

// field is one value of an Instance with the node_cloud_info label (or
// resource attribute, for the host name) it becomes, the name validation
// errors use.
type field struct {
	name string
	v    *string
}

func (in *Instance) fields() []field {
	return []field{
		{"account_id", &in.AccountID}, {"instance_id", &in.InstanceID}, {"instance_type", &in.InstanceType},
		{"instance_life_cycle", &in.LifeCycle}, {"region", &in.Region}, {"availability_zone", &in.AvailabilityZone},
		{"availability_zone_id", &in.AvailabilityZoneID}, {"local_ipv4", &in.LocalIPv4},
		{"public_ipv4", &in.PublicIPv4}, {"host_name", &in.HostName},
	}
}

// normalize trims every value and validates the result. It fails, naming
// the fields, when a value is invalid, and with ErrNoInstanceID when the
// instance id is missing: without it the answer does not identify a node.
func (in *Instance) normalize() error {
	var raw rawValues
	for _, f := range in.fields() {
		*f.v = raw.take(f.name, *f.v)
	}
	if err := raw.err(); err != nil {
		return err
	}
	if in.InstanceID == "" {
		return fmt.Errorf("%s metadata answer has %w", in.Provider, ErrNoInstanceID)
	}
	return nil
}
