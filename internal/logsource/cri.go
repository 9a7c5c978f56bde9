// SPDX-License-Identifier: Apache-2.0

package logsource // import "github.com/otelcol-node/otelcol-node/internal/logsource"

import (
	"bytes"
	"fmt"
	"time"
)

// CRI log lines are "<RFC3339Nano time> <stream> <tag> <text>", where tag is
// "F" for a full line or "P" for a partial one continued by the next entry of
// the same stream (kubelet's pkg/kubelet/kuberuntime/logs/logs.go; containerd
// and CRI-O both write it). Newer runtimes may append ":"-separated fields to
// the tag; only the first one means full/partial.
const (
	criTagFull    = 'F'
	criTagPartial = 'P'
	streamStdout  = "stdout"
	streamStderr  = "stderr"
)

// DecodeCRI decodes one line of a CRI container log file.
func DecodeCRI(line []byte) (Entry, error) {
	ts, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return Entry{}, fmt.Errorf("%w: cri: missing stream", ErrMalformed)
	}
	if _, err := time.Parse(time.RFC3339Nano, string(ts)); err != nil {
		return Entry{}, fmt.Errorf("%w: cri: bad timestamp: %w", ErrMalformed, err)
	}
	stream, rest, ok := bytes.Cut(rest, []byte{' '})
	if !ok {
		return Entry{}, fmt.Errorf("%w: cri: missing tag", ErrMalformed)
	}
	var streamName string
	switch string(stream) { // no allocation: the compiler compares in place
	case streamStdout:
		streamName = streamStdout
	case streamStderr:
		streamName = streamStderr
	default:
		return Entry{}, fmt.Errorf("%w: cri: unknown stream %q", ErrMalformed, stream)
	}
	// The text may be empty, in which case the tag ends the line.
	tag, text, _ := bytes.Cut(rest, []byte{' '})
	if len(tag) == 0 || (tag[0] != criTagFull && tag[0] != criTagPartial) || (len(tag) > 1 && tag[1] != ':') {
		return Entry{}, fmt.Errorf("%w: cri: bad tag %q", ErrMalformed, tag)
	}
	return Entry{
		Stream:  streamName,
		Text:    string(bytes.TrimSuffix(text, []byte{'\r'})),
		Partial: tag[0] == criTagPartial,
	}, nil
}
