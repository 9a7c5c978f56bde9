// SPDX-License-Identifier: Apache-2.0

package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/otelcol-node/otelcol-node/internal/patternminer"
)

// maxSummaryPatterns bounds the patterns --summary keeps counts for; lines
// of further patterns are counted together in one overflow row.
const maxSummaryPatterns = 1 << 20

// summary counts lines per pattern hash, keeping each pattern's latest
// template. When the miner renames a hash (a template generalised, or two
// patterns turned out to be one), the count moves to the new hash, as the
// receiver's counters do.
type summary struct {
	byHash   map[string]*patternCount
	order    []*patternCount // first-seen order, to break ties stably
	overflow uint64
}

type patternCount struct {
	hash     string
	template string
	count    uint64
	merged   bool // counted under another row now
}

func newSummary() *summary {
	return &summary{byHash: make(map[string]*patternCount)}
}

func (s *summary) add(p patternminer.Pattern) {
	pc, ok := s.byHash[p.Hash]
	if !ok {
		if len(s.byHash) >= maxSummaryPatterns {
			s.overflow++
			return
		}
		pc = &patternCount{hash: p.Hash}
		s.byHash[p.Hash] = pc
		s.order = append(s.order, pc)
	}
	pc.template = p.Template
	pc.count++
}

// rename moves the count of r.From to r.To.
func (s *summary) rename(r patternminer.Rename) {
	from, ok := s.byHash[r.From]
	if !ok {
		return
	}
	delete(s.byHash, r.From)
	if to, ok := s.byHash[r.To]; ok {
		to.count += from.count
		from.merged = true
		return
	}
	from.hash = r.To
	s.byHash[r.To] = from
}

// write prints "<count>\t<hash>\t<template>" per pattern, most frequent
// first, then first seen first.
func (s *summary) write(w io.Writer) error {
	rows := slices.Clone(s.order)
	slices.SortStableFunc(rows, func(a, b *patternCount) int { return cmp.Compare(b.count, a.count) })
	for _, pc := range rows {
		if pc.merged {
			continue
		}
		if _, err := fmt.Fprintf(w, "%d\t%s\t%s\n", pc.count, pc.hash, pc.template); err != nil {
			return err
		}
	}
	if s.overflow > 0 {
		if _, err := fmt.Fprintf(w, "%d\t%s\t%s\n", s.overflow, "overflow", "<patterns beyond the summary cap>"); err != nil {
			return err
		}
	}
	return nil
}
