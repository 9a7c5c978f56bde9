// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"errors"
	"io"
)

// lineReader yields lines of at most maxBytes bytes without ever holding
// more than that in memory: the rest of a longer line is read and dropped,
// and the line is counted in cut.
type lineReader struct {
	r        *bufio.Reader
	maxBytes int
	buf      []byte
	cut      uint64
}

func newLineReader(r io.Reader, maxBytes int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64*1024), maxBytes: maxBytes}
}

// next returns the next line without its "\n" or "\r\n". The slice is valid
// until the next call. After the last line it returns io.EOF; a last line
// without a newline is still a line (a '\r' ending it is dropped too).
func (lr *lineReader) next() ([]byte, error) {
	lr.buf = lr.buf[:0]
	total := 0    // bytes of the line seen so far, newline excluded
	var last byte // the last of those bytes, to spot "\r\n"
	for {
		chunk, err := lr.r.ReadSlice('\n')
		ended := err == nil // chunk ends with the newline
		if ended {
			chunk = chunk[:len(chunk)-1]
		}
		total += len(chunk)
		if len(chunk) > 0 {
			last = chunk[len(chunk)-1]
		}
		if room := lr.maxBytes - len(lr.buf); room > 0 {
			lr.buf = append(lr.buf, chunk[:min(room, len(chunk))]...)
		}
		switch {
		case ended || (errors.Is(err, io.EOF) && total > 0):
			line := lr.buf
			if last == '\r' {
				total--
				if len(line) > total {
					line = line[:total] // the '\r' was kept: drop it
				}
			}
			if total > lr.maxBytes {
				lr.cut++
			}
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			return nil, io.EOF
		default:
			return nil, err
		}
	}
}
