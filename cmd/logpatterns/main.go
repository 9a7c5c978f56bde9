// SPDX-License-Identifier: Apache-2.0

package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/otelcol-node/otelcol-node/internal/patternminer"
)

func main() {
	os.Exit(mainWithArgs(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// mainWithArgs is main with its inputs made explicit, for tests.
func mainWithArgs(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("logpatterns", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: logpatterns [--summary] [--max-line-bytes N] [--max-patterns N] < messages")
		fmt.Fprintln(stderr, "Reads one message per line; prints \"<pattern_hash>\\t<pattern>\" per line,")
		fmt.Fprintln(stderr, "or with --summary \"<count>\\t<pattern_hash>\\t<pattern>\" per pattern.")
		fs.PrintDefaults()
	}
	var o options
	fs.BoolVar(&o.summary, "summary", false, "print each pattern once with its count, most frequent first")
	fs.IntVar(&o.maxLineBytes, "max-line-bytes", patternminer.DefaultMaxMessageBytes, "cut lines longer than this many bytes (counted)")
	fs.IntVar(&o.maxPatterns, "max-patterns", patternminer.DefaultMaxPatterns, "patterns kept by the miner; the least recently used is evicted beyond it")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "logpatterns: unexpected argument %q: messages are read from standard input\n", fs.Arg(0))
		return 2
	}
	rep, err := run(stdin, stdout, o)
	if err != nil {
		fmt.Fprintf(stderr, "logpatterns: %v\n", err)
		return 1
	}
	if rep.cut > 0 || rep.stats.InvalidUTF8 > 0 || rep.stats.Evicted > 0 {
		fmt.Fprintf(stderr, "logpatterns: %d lines, %d cut at --max-line-bytes, %d with invalid UTF-8, %d patterns evicted at --max-patterns\n",
			rep.lines, rep.cut, rep.stats.InvalidUTF8, rep.stats.Evicted)
	}
	return 0
}
