// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"strings"
)

// pipeline describes one metrics pipeline ending in the Prometheus exporter
// with resource_to_telemetry_conversion, the way users run the distribution.
type pipeline struct {
	// receivers and processors hold the YAML bodies of the `receivers:` and
	// `processors:` sections, one component per key, unindented.
	receivers, processors string
	// receiverIDs and processorIDs list the pipeline in order.
	receiverIDs, processorIDs []string
	// extensions holds the YAML body of the `extensions:` section; every
	// extension in it is started.
	extensions string
}

// config renders the pipeline with the exporter on 127.0.0.1:port.
func (p pipeline) config(port int) string {
	var b strings.Builder
	b.WriteString("receivers:\n" + indent(p.receivers))
	if p.processors != "" {
		b.WriteString("processors:\n" + indent(p.processors))
	}
	var extensionIDs []string
	if p.extensions != "" {
		b.WriteString("extensions:\n" + indent(p.extensions))
		for _, l := range strings.Split(p.extensions, "\n") {
			if l != "" && l[0] != ' ' {
				extensionIDs = append(extensionIDs, strings.TrimSuffix(l, ":"))
			}
		}
	}
	fmt.Fprintf(&b, `exporters:
  prometheus:
    endpoint: 127.0.0.1:%d
    resource_to_telemetry_conversion:
      enabled: true
service:
  extensions: [%s]
  telemetry:
    metrics:
      level: none
  pipelines:
    metrics:
      receivers: [%s]
      processors: [%s]
      exporters: [prometheus]
`, port, strings.Join(extensionIDs, ", "), strings.Join(p.receiverIDs, ", "), strings.Join(p.processorIDs, ", "))
	return b.String()
}

func indent(yaml string) string {
	lines := strings.Split(strings.Trim(yaml, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n") + "\n"
}
