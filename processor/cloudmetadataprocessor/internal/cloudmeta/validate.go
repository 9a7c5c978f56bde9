// SPDX-License-Identifier: Apache-2.0

package cloudmeta // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ErrNoInstanceID fails a round whose answer lacks the instance id (a GCE
// or ECS leaf that answered 404, a document without its id field). Such an
// answer does not say which node it describes, so none of it is published.
var ErrNoInstanceID = errors.New("no instance id")

// InvalidValuesError fails a round in which values were longer than
// MaxValueLen or held control characters. A server that sends junk for one
// field cannot be trusted for the others, so the whole round fails and the
// caller keeps its last good values.
type InvalidValuesError struct {
	// Fields names the rejected values: node_cloud_info label names, or the
	// service's own path or key for a value other fields are derived from.
	// The values themselves are left out of the message: they may be
	// kilobytes of junk or terminal escape sequences.
	Fields []string
}

func (e *InvalidValuesError) Error() string {
	return fmt.Sprintf("metadata values longer than %d bytes or holding control characters: %s",
		MaxValueLen, strings.Join(e.Fields, ", "))
}

// rawValues trims and validates values as they are taken from an answer,
// remembering the names of the invalid ones. Values that others are derived
// from (a GCE zone path gives zone and region) go through it before the
// derivation, so a derived value never comes from a rejected one.
type rawValues struct{ invalid []string }

// take returns v trimmed, or "" when it fails validation.
func (r *rawValues) take(name, v string) string {
	v = strings.TrimSpace(v)
	if !ValidValue(v) {
		r.invalid = append(r.invalid, name)
		return ""
	}
	return v
}

func (r *rawValues) err() error {
	if len(r.invalid) == 0 {
		return nil
	}
	return &InvalidValuesError{Fields: r.invalid}
}

// ValidValue reports whether v may become a label value: at most
// MaxValueLen bytes of valid UTF-8 without control characters. Static values
// in the processor's config are held to the same rule as fetched ones.
func ValidValue(v string) bool {
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

// checkedClient holds every provider to the Fetch contract: whatever a
// provider's parser let through, an answer without an instance id or with
// an invalid value is a failed round, and a failed round hands out no
// values at all (only the provider), so no caller can publish half of a
// rejected answer.
type checkedClient struct {
	provider Provider
	client   Client
}

func (c checkedClient) Fetch(ctx context.Context) (Instance, error) {
	in, err := c.client.Fetch(ctx)
	if err == nil || errors.Is(err, ErrPartial) {
		if verr := in.normalize(); verr != nil {
			err = verr
		}
	}
	if err != nil && !errors.Is(err, ErrPartial) {
		return Instance{Provider: c.provider}, err
	}
	return in, err
}
