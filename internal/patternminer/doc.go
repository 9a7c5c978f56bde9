// SPDX-License-Identifier: Apache-2.0

// Package patternminer groups log messages into patterns online, one message
// at a time, so a receiver can count messages per pattern instead of storing
// them.
//
// Feed it message text. Whole JSON and logfmt records work too: JSON members
// become tokens and the msg/message text keeps its words. design.md explains
// the algorithm, its accuracy on LogHub-2k and its limits.
//
// A Miner is NOT goroutine-safe: callers must serialise calls to Add (one
// miner per goroutine, or a mutex around it).
//
// Contract:
//   - Add is online and one pass: it sees each message once, in order, and
//     returns the pattern the message belongs to at that moment.
//   - The hash a message gets never changes afterwards: a cluster keeps the
//     hash it was given when it was created, even when its template later
//     generalises. See design.md for how the hash is derived and why.
//   - Memory is bounded by Config: MaxPatterns clusters, MaxTokens tokens and
//     MaxMessageBytes bytes of a message. What a cap drops is counted in Stats.
//   - A hash is the hash of the pattern's canonical template at creation,
//     in which every value the masking or the matching recognises is a
//     wildcard, so miners on different nodes that meet a pattern's messages
//     in different orders agree on it. A value that only clustering can
//     tell (a plain word such as a user name) is the known exception: the
//     hash then carries the first such value seen (design.md, "The hash
//     rule"). AlgorithmVersion changes when hashes change on purpose.
package patternminer // import "github.com/otelcol-node/otelcol-node/internal/patternminer"
