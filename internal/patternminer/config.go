// SPDX-License-Identifier: Apache-2.0

package patternminer // import "github.com/otelcol-node/otelcol-node/internal/patternminer"

import (
	"errors"
	"fmt"
)

const (
	// DefaultMaxPatterns bounds the clusters a miner keeps. A node rarely
	// has more than a few thousand live patterns per source; when the cap
	// is reached the least recently used cluster is evicted.
	DefaultMaxPatterns = 4096
	// DefaultMaxTokens bounds the tokens of a message used for matching;
	// the rest of a very long message is folded into one wildcard.
	DefaultMaxTokens = 128
	// DefaultMaxMessageBytes bounds the bytes of a message looked at. The
	// first 4 KiB name the pattern of any message seen in practice (a stack
	// trace's first frames, a JSON line's first keys).
	DefaultMaxMessageBytes = 4 * 1024
	// maxMessageBytesLimit keeps offsets into a message within int32.
	maxMessageBytesLimit = 1 << 30
)

// Config bounds a Miner. The zero value is not valid; start from
// DefaultConfig.
//
// Memory is bounded by the caps: a cluster holds at most MaxTokens tokens
// whose text comes from at most MaxMessageBytes bytes, kept as tokens and as
// a template string, so a miner stays below about
// MaxPatterns * (6*MaxMessageBytes + 64*MaxTokens) bytes (128 MiB with the
// defaults, in the worst case of thousands of distinct 4 KiB messages), plus a
// cache of 4*MaxPatterns message shapes and at most 256 key names (8-byte
// hashes, a few KiB). In practice templates are short and a miner holds a
// few MiB.
type Config struct {
	// MaxPatterns is the number of clusters kept. At the cap the least
	// recently used cluster is evicted (Stats.Evicted).
	MaxPatterns int
	// MaxTokens is the number of tokens of a message that take part in
	// matching; longer messages are cut (Stats.TruncatedTokens).
	MaxTokens int
	// MaxMessageBytes is the number of bytes of a message looked at; longer
	// messages are cut (Stats.TruncatedBytes).
	MaxMessageBytes int
}

// DefaultConfig returns the configuration used by the CLI and the receiver
// unless told otherwise.
func DefaultConfig() Config {
	return Config{
		MaxPatterns:     DefaultMaxPatterns,
		MaxTokens:       DefaultMaxTokens,
		MaxMessageBytes: DefaultMaxMessageBytes,
	}
}

// Validate reports every out-of-range field.
func (c Config) Validate() error {
	var errs []error
	if c.MaxPatterns < 1 {
		errs = append(errs, fmt.Errorf("MaxPatterns must be at least 1, got %d", c.MaxPatterns))
	}
	if c.MaxTokens < 1 {
		errs = append(errs, fmt.Errorf("MaxTokens must be at least 1, got %d", c.MaxTokens))
	}
	if c.MaxMessageBytes < 1 || c.MaxMessageBytes > maxMessageBytesLimit {
		errs = append(errs, fmt.Errorf("MaxMessageBytes must be between 1 and %d, got %d", maxMessageBytesLimit, c.MaxMessageBytes))
	}
	return errors.Join(errs...)
}
