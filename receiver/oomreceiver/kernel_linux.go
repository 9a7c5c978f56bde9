// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/internal/bpf"
	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// markVictimFeature is the one feature of this receiver; without it there
// is nothing to collect, so it is required.
const markVictimFeature = "mark_victim"

// bpfKernelSource is the Linux kernel side of a source.
type bpfKernelSource struct {
	loader *bpf.Loader
}

func (k *bpfKernelSource) Stats() (bpf.Stats, error) { return k.loader.Stats() }

// Close stops the reader, then closes the BPF object.
func (k *bpfKernelSource) Close() error { return k.loader.Close() }

// openKernelSource checks the host, picks the program matching the kernel's
// mark_victim prototype, loads and attaches it and starts the reader. The
// program reports cgroup ids of hierarchy, the container identity
// resolver's. Every error is a reason to run degraded.
func openKernelSource(hierarchy containerid.Hierarchy, opts sourceOptions, logger *zap.Logger, handle bpf.RecordHandler) (kernelSource, error) {
	cache := btf.NewCache()
	useBTF := false
	if !opts.forceTracepoint {
		var err error
		if useBTF, err = markVictimTakesTask(cache); err != nil {
			return nil, err
		}
	}
	program, checks := oomProgMarkVictimTp, bpf.CheckOptions{ProgramTypes: []ebpf.ProgramType{ebpf.TracePoint}, NeedTracefs: true}
	if useBTF {
		program, checks = oomProgMarkVictimBtf, bpf.CheckOptions{ProgramTypes: []ebpf.ProgramType{ebpf.Tracing}}
	}
	if err := bpf.CheckHost(checks, logger); err != nil {
		return nil, err
	}

	spec, err := loadOom()
	if err != nil {
		return nil, fmt.Errorf("reading the embedded BPF object: %w", err)
	}
	loader, err := bpf.NewLoader(spec, bpf.LoaderOptions{
		Logger:         logger,
		CgroupV1Memory: hierarchy.Kind == containerid.V1Memory,
		BTFCache:       cache,
	})
	if err != nil {
		return nil, err
	}
	k := &bpfKernelSource{loader: loader}
	if err := loader.Load(bpf.Feature{Name: markVictimFeature, Programs: []string{program}, Required: true}); err != nil {
		_ = k.Close()
		return nil, err
	}
	if _, err := loader.NewRingReader(oomMapEvents, handle); err != nil {
		_ = k.Close()
		return nil, err
	}
	logger.Info("Watching OOM kills",
		zap.String("program", program),
		zap.Stringer("cgroup.hierarchy", hierarchy.Kind))
	return k, nil
}

// markVictimTakesTask reports whether the kernel's mark_victim tracepoint
// passes the victim task (6.8+: btf_trace_mark_victim is
// void (*)(void *, struct task_struct *, uid_t)); older kernels pass an int pid.
func markVictimTakesTask(cache *btf.Cache) (bool, error) {
	kernel, err := cache.Kernel()
	if err != nil {
		return false, fmt.Errorf("reading kernel BTF: %w", err)
	}
	var typedef *btf.Typedef
	if err := kernel.TypeByName("btf_trace_mark_victim", &typedef); err != nil {
		if errors.Is(err, btf.ErrNotFound) {
			return false, nil
		}
		return false, fmt.Errorf("looking up btf_trace_mark_victim: %w", err)
	}
	ptr, ok := btf.UnderlyingType(typedef.Type).(*btf.Pointer)
	if !ok {
		return false, nil
	}
	proto, ok := btf.UnderlyingType(ptr.Target).(*btf.FuncProto)
	if !ok || len(proto.Params) < 2 {
		return false, nil
	}
	arg, ok := btf.UnderlyingType(proto.Params[1].Type).(*btf.Pointer)
	if !ok {
		return false, nil
	}
	task, ok := btf.UnderlyingType(arg.Target).(*btf.Struct)
	return ok && task.Name == "task_struct", nil
}
