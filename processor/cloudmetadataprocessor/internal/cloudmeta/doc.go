// SPDX-License-Identifier: Apache-2.0

// Package cloudmeta detects which cloud a node runs on and reads the
// provider's instance metadata service with plain HTTP, without cloud SDKs.
//
// Detection (Detect) only reads DMI files under a configurable sysfs root, so
// it is cheap and never touches the network. A Client (NewClient) performs
// one fetch round per Fetch call; it does not retry, cache or sleep: the
// caller owns scheduling, back-off and the last good snapshot.
//
// Fetch contract: a nil error means every field the provider serves was read;
// an error matching ErrPartial comes with a usable Instance that lacks the
// fields named in the error (e.g. AWS answers 404 for public-ipv4 when the
// instance has no public address); any other error means nothing usable was
// read, and the Instance then carries the provider only. An answer without
// the instance id (ErrNoInstanceID) or with any value that fails validation
// (*InvalidValuesError: longer than MaxValueLen, control characters, invalid
// UTF-8) is such a failure, for every provider: values are validated before
// other fields are derived from them, so a derived value (a GCE region) never
// comes from a rejected one (its zone). A transport failure (timeout, refused
// connection) ends the round at once, so a hanging server costs about one
// timeout per round, not one per field. Every response body is capped at
// maxBodyBytes.
//
// Clients are not goroutine-safe: one goroutine calls Fetch at a time.
package cloudmeta // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"
