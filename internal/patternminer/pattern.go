// SPDX-License-Identifier: Apache-2.0

package patternminer // import "github.com/otelcol-node/otelcol-node/internal/patternminer"

// Wildcard stands for a variable part of a message in a template.
const Wildcard = "<*>"

// Pattern is the group a message was put in.
type Pattern struct {
	// Hash is 16 lowercase hex digits, fixed when the cluster is created and
	// stable across restarts, nodes and versions of the same AlgorithmVersion.
	// Use it as the key for counting.
	Hash string
	// Template is the cluster's template at the time of the call, such as
	// "Connection from <*> port <*>". It may generalise as more messages
	// arrive, so do not use it as a key.
	Template string
}

// Stats counts what a miner saw and what its caps dropped.
type Stats struct {
	Messages        uint64 // messages added
	Patterns        int    // clusters alive now
	Created         uint64 // clusters ever created
	Evicted         uint64 // clusters evicted at MaxPatterns
	TruncatedBytes  uint64 // messages cut at MaxMessageBytes
	TruncatedTokens uint64 // messages cut at MaxTokens
	InvalidUTF8     uint64 // messages holding invalid UTF-8 (kept, bytes are not decoded)
	CacheResets     uint64 // times the message-shape cache was full and dropped
}
