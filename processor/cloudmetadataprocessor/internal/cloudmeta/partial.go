// SPDX-License-Identifier: Apache-2.0

package cloudmeta // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// partialError lists the fields a fetch could not read; it matches ErrPartial.
type partialError struct{ errs []error }

func (e *partialError) Error() string {
	msgs := make([]string, len(e.errs))
	for i, err := range e.errs {
		msgs[i] = err.Error()
	}
	return fmt.Sprintf("%v: %s", ErrPartial, strings.Join(msgs, "; "))
}

func (e *partialError) Is(target error) bool { return target == ErrPartial }
func (e *partialError) Unwrap() []error      { return e.errs }

// leafReader reads plain-text leaves (one value per URL) and remembers which
// ones failed, so one missing field does not lose the others. Each value is
// validated as it is read, before anything is derived from it.
type leafReader struct {
	get    func(ctx context.Context, path string) ([]byte, error)
	read   int
	failed []error
	raw    rawValues
	// stop is the transport error that ended the round, if any.
	stop error
}

// leaf reads one value into dst. After a transport error it does nothing:
// the service is gone for this round.
func (r *leafReader) leaf(ctx context.Context, path string, dst *string) {
	if r.stop != nil {
		return
	}
	body, err := r.get(ctx, path)
	if err != nil {
		if isTransport(err) {
			r.stop = err
			return
		}
		r.failed = append(r.failed, err)
		return
	}
	r.read++
	*dst = r.raw.take(path, string(body))
}

// result turns what was read into the Fetch error contract. An invalid
// value fails the round even when others were read.
func (r *leafReader) result(what string) error {
	switch {
	case r.stop != nil:
		return fmt.Errorf("reading %s metadata: %w", what, r.stop)
	case r.raw.err() != nil:
		return fmt.Errorf("reading %s metadata: %w", what, r.raw.err())
	case r.read == 0:
		return fmt.Errorf("reading %s metadata: no field could be read: %w", what, errors.Join(r.failed...))
	case len(r.failed) > 0:
		return &partialError{errs: r.failed}
	}
	return nil
}

// optional records a failed optional request of a document-based client
// (status errors only; transport errors are returned to end the round).
func optional(errs *[]error, err error) error {
	if err == nil || isTransport(err) {
		return err
	}
	*errs = append(*errs, err)
	return nil
}

func partialOrNil(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return &partialError{errs: errs}
}
