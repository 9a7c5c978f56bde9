// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/otelcol-node/otelcol-node/internal/patternminer"
)

// options are the command-line settings.
type options struct {
	summary      bool
	maxLineBytes int
	maxPatterns  int
}

func (o options) validate() error {
	var errs []error
	if o.maxLineBytes < 1 {
		errs = append(errs, fmt.Errorf("--max-line-bytes must be at least 1, got %d", o.maxLineBytes))
	}
	if o.maxPatterns < 1 {
		errs = append(errs, fmt.Errorf("--max-patterns must be at least 1, got %d", o.maxPatterns))
	}
	return errors.Join(errs...)
}

// report is what run tells the user on standard error at the end.
type report struct {
	lines    uint64
	cut      uint64
	stats    patternminer.Stats
	patterns int
}

// run mines every line of in and writes the result to out.
func run(in io.Reader, out io.Writer, o options) (report, error) {
	if err := o.validate(); err != nil {
		return report{}, err
	}
	cfg := patternminer.DefaultConfig()
	cfg.MaxPatterns = o.maxPatterns
	cfg.MaxMessageBytes = o.maxLineBytes
	m, err := patternminer.New(cfg)
	if err != nil {
		return report{}, err
	}
	lr := newLineReader(in, o.maxLineBytes)
	w := bufio.NewWriterSize(out, 64*1024)
	sum := newSummary()
	var rep report
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rep, fmt.Errorf("reading input: %w", err)
		}
		rep.lines++
		p := m.AddBytes(line)
		// Taken after every line so they never pile up; rows carry the
		// hash of the moment, the summary moves its counts.
		renames := m.Renames()
		if o.summary {
			sum.add(p)
			for _, r := range renames {
				sum.rename(r)
			}
			continue
		}
		// Hash and template never hold a tab or newline: the template is
		// made of whitespace-free tokens joined by single spaces.
		w.WriteString(p.Hash)
		w.WriteByte('\t')
		w.WriteString(p.Template)
		if err := w.WriteByte('\n'); err != nil {
			return rep, fmt.Errorf("writing output: %w", err)
		}
	}
	if o.summary {
		if err := sum.write(w); err != nil {
			return rep, fmt.Errorf("writing summary: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		return rep, fmt.Errorf("writing output: %w", err)
	}
	rep.cut = lr.cut
	rep.stats = m.Stats()
	rep.patterns = len(sum.byHash)
	return rep, nil
}
