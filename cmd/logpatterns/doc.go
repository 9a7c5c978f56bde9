// SPDX-License-Identifier: Apache-2.0

// Command logpatterns mines log patterns from standard input, one message
// per line, with the same miner the container_log_pattern receiver uses.
//
//	logpatterns < app.log                 # "<pattern_hash>\t<pattern>" per input line, same order
//	logpatterns --summary < app.log       # "<count>\t<pattern_hash>\t<pattern>" per pattern, most frequent first
//
// Lines longer than --max-line-bytes are cut there (the rest is skipped and
// counted); invalid UTF-8 is mined as it is. Counts of both go to standard
// error at the end, so standard output stays machine-readable.
package main
