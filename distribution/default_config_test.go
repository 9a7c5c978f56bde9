// SPDX-License-Identifier: Apache-2.0

package main

import (
	"slices"
	"testing"
)

func TestWithDefaultConfig(t *testing.T) {
	const cfg = "receivers: {}"
	def := "--config=yaml:" + cfg
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"no flags", []string{"otelcol-node"}, []string{"otelcol-node", def}},
		{"set flag only", []string{"otelcol-node", "--set", "a=b"}, []string{"otelcol-node", "--set", "a=b", def}},
		{"explicit config", []string{"otelcol-node", "--config", "x.yaml"}, []string{"otelcol-node", "--config", "x.yaml"}},
		{"explicit config with equals", []string{"otelcol-node", "--config=x.yaml"}, []string{"otelcol-node", "--config=x.yaml"}},
		{"subcommand", []string{"otelcol-node", "components"}, []string{"otelcol-node", "components"}},
		{"help", []string{"otelcol-node", "--help"}, []string{"otelcol-node", "--help"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := withDefaultConfig(slices.Clone(tc.args), cfg); !slices.Equal(got, tc.want) {
				t.Fatalf("withDefaultConfig(%q) = %q, want %q", tc.args, got, tc.want)
			}
		})
	}
}
