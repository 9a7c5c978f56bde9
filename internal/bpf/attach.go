// SPDX-License-Identifier: Apache-2.0

package bpf // import "github.com/otelcol-node/otelcol-node/internal/bpf"

import (
	"fmt"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// attachBySection attaches prog at the hook its ELF section names, the same
// convention libbpf's auto-attach uses. Only the hook kinds this project may
// rely on are supported (DESIGN.md: no kprobes, no fentry).
func attachBySection(spec *ebpf.ProgramSpec, prog *ebpf.Program) (link.Link, error) {
	section := spec.SectionName
	kind, target, _ := strings.Cut(section, "/")
	switch kind {
	case "tracepoint", "tp":
		group, name, ok := strings.Cut(target, "/")
		if !ok {
			return nil, fmt.Errorf("section %q: want tracepoint/<group>/<name>", section)
		}
		return link.Tracepoint(group, name, prog, nil)
	case "tp_btf":
		return link.AttachTracing(link.TracingOptions{Program: prog, AttachType: ebpf.AttachTraceRawTp})
	case "raw_tracepoint", "raw_tp":
		return link.AttachRawTracepoint(link.RawTracepointOptions{Name: target, Program: prog})
	default:
		return nil, fmt.Errorf("section %q: no automatic attachment, give the feature an Attach function", section)
	}
}
