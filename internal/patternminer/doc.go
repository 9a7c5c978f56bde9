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
//   - A cluster's Pattern.ID never changes. Its Pattern.Hash is the hash of
//     its current canonical template, so it changes when the template
//     generalises or two clusters merge; every change is returned once by
//     Renames, and a counter keyed by the hash must move its count from
//     Rename.From to Rename.To. Done so, the hash a line is counted under is
//     a function of the pattern's final constant structure, the same on
//     every node whatever order the messages came in, including patterns
//     whose value is a plain word (design.md, "The hash rule").
//   - A plain word that differs among otherwise equal messages becomes a
//     variable once three different words were seen in its place (never the
//     first word); two words stay two events (design.md, "Words that take
//     many values").
//   - Memory is bounded by Config: MaxPatterns clusters, MaxTokens tokens and
//     MaxMessageBytes bytes of a message. What a cap drops is counted in Stats.
//     AlgorithmVersion changes when hashes change on purpose.
package patternminer // import "github.com/otelcol-node/otelcol-node/internal/patternminer"
