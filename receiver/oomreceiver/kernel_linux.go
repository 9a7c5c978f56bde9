// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import (
	"errors"
	"fmt"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/internal/bpf"
	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// resolverRescanInterval lets a cache miss rescan cgroupfs at most this
// often. Only kills trigger lookups here, and they are rare, so a short
// interval costs little and lets a container that is OOM-killed right after
// it started (a common failure) be found with its names while its cgroup
// still exists.
const resolverRescanInterval = 100 * time.Millisecond

// markVictimFeature is the one feature of this receiver; without it there
// is nothing to collect, so it is required.
const markVictimFeature = "mark_victim"

// bpfKernelSource is the Linux kernel side of a source.
type bpfKernelSource struct {
	loader   *bpf.Loader
	resolver *containerid.Resolver
}

func (k *bpfKernelSource) Stats() (bpf.Stats, error) { return k.loader.Stats() }

// Close stops the reader (inside loader.Close) before closing the resolver
// the reader's handler uses.
func (k *bpfKernelSource) Close() error {
	return errors.Join(k.loader.Close(), k.resolver.Close())
}

// openKernelSource checks the host, picks the program matching the kernel's
// mark_victim prototype, loads and attaches it and starts the reader. Every
// error is a reason to run degraded.
func openKernelSource(cfg *Config, opts sourceOptions, logger *zap.Logger,
	newHandler func(identityResolver) bpf.RecordHandler,
) (kernelSource, error) {
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

	resolver, err := containerid.NewResolver(containerid.Config{
		ProcRoot:      cfg.ProcRoot,
		CgroupRoot:    cfg.CgroupRoot,
		DockerSocket:  cfg.DockerSocket,
		DisableDocker: cfg.DockerSocket == "",
		Hierarchy:     cfg.CgroupHierarchy,

		MinRescanInterval: resolverRescanInterval,
	}, logger)
	if err != nil {
		return nil, fmt.Errorf("setting up container identity: %w", err)
	}
	spec, err := loadOom()
	if err != nil {
		_ = resolver.Close()
		return nil, fmt.Errorf("reading the embedded BPF object: %w", err)
	}
	loader, err := bpf.NewLoader(spec, bpf.LoaderOptions{
		Logger:         logger,
		CgroupV1Memory: resolver.Hierarchy().Kind == containerid.V1Memory,
		BTFCache:       cache,
	})
	if err != nil {
		_ = resolver.Close()
		return nil, err
	}
	k := &bpfKernelSource{loader: loader, resolver: resolver}
	if err := loader.Load(bpf.Feature{Name: markVictimFeature, Programs: []string{program}, Required: true}); err != nil {
		_ = k.Close()
		return nil, err
	}
	if _, err := loader.NewRingReader(oomMapEvents, newHandler(resolver)); err != nil {
		_ = k.Close()
		return nil, err
	}
	logger.Info("Watching OOM kills",
		zap.String("program", program),
		zap.Stringer("cgroup.hierarchy", resolver.Hierarchy().Kind))
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
