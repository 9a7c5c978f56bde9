// SPDX-License-Identifier: Apache-2.0

// Package logsource turns the raw lines of container log sources into log
// messages: it decodes Docker json-file lines, CRI log lines (reassembling
// partial "P" lines), journald entries as printed by `journalctl -o json`, and
// groups multiline messages (Java, Python and Go stack traces) into one.
//
// Decoders are pure functions over one line and never panic on bad input: a
// line they cannot parse returns an error wrapping ErrMalformed, so callers
// count it and move on. The stateful helpers (Reassembler, Grouper) hold one
// stream's state each and are NOT goroutine-safe; every buffer they keep is
// capped, and what a cap cuts is reported to the caller to count.
package logsource // import "github.com/otelcol-node/otelcol-node/internal/logsource"
