// SPDX-License-Identifier: Apache-2.0

package cloudmeta // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"

import (
	"strings"
	"unicode"
)

// MaxValueLen caps every metadata value. Values become label values on every
// series, so a broken or hostile metadata server must not be able to blow up
// series size; longer values are dropped (not truncated, which would forge a
// plausible but wrong value) and counted.
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

// Sanitize trims whitespace from every value and clears values longer than
// MaxValueLen or holding control characters. It returns how many values it
// cleared, so the caller can count them.
func (in *Instance) Sanitize() (dropped int) {
	for _, v := range in.values() {
		*v = strings.TrimSpace(*v)
		if !validValue(*v) {
			*v = ""
			dropped++
		}
	}
	return dropped
}

func (in *Instance) values() []*string {
	return []*string{
		&in.AccountID, &in.InstanceID, &in.InstanceType, &in.LifeCycle, &in.Region,
		&in.AvailabilityZone, &in.AvailabilityZoneID, &in.LocalIPv4, &in.PublicIPv4, &in.HostName,
	}
}

func validValue(v string) bool {
	if len(v) > MaxValueLen {
		return false
	}
	for _, r := range v {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return false
		}
	}
	return true
}
