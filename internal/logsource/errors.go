// SPDX-License-Identifier: Apache-2.0

package logsource // import "github.com/otelcol-node/otelcol-node/internal/logsource"

import "errors"

// ErrMalformed is wrapped by every decoder error: the line does not have the
// format the source promises. Callers count such lines and drop them.
var ErrMalformed = errors.New("malformed log line")
