// SPDX-License-Identifier: Apache-2.0

package bpf // import "github.com/otelcol-node/otelcol-node/internal/bpf"

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
	"go.uber.org/zap"
)

// cgroupV1MemoryVar is the rodata constant task_cgroup_id() consults.
const cgroupV1MemoryVar = "cgroup_v1_memory"

// LoaderOptions configure a Loader.
type LoaderOptions struct {
	// Logger receives one line per disabled feature (Warn) and the
	// verifier log of a rejected program (Debug).
	Logger *zap.Logger
	// CgroupV1Memory makes task_cgroup_id() report v1 memory cgroup ids
	// (from containerid.Resolver.Hierarchy()); false reports v2 ids.
	CgroupV1Memory bool
	// Constants sets other `const volatile` globals of the object by name
	// before anything is loaded. Unknown names are an error.
	Constants map[string]any
	// BTFCache shares decoded kernel BTF with other loaders; nil makes one
	// for this loader.
	BTFCache *btf.Cache
}

// Loader loads the features of one BPF object one by one against maps it
// created once. See the package documentation for the contract.
type Loader struct {
	spec   *ebpf.CollectionSpec
	logger *zap.Logger
	cache  *btf.Cache
	maps   map[string]*ebpf.Map

	mu       sync.Mutex
	programs []*ebpf.Program
	links    []link.Link
	states   []FeatureState
	readers  []*RingReader
	closed   bool
}

// NewLoader copies spec, sets its constants and creates its maps. The caller
// must Close the Loader.
func NewLoader(spec *ebpf.CollectionSpec, opts LoaderOptions) (*Loader, error) {
	spec = spec.Copy()
	logger := opts.Logger
	if logger == nil {
		logger = zap.NewNop()
	}
	if v, ok := spec.Variables[cgroupV1MemoryVar]; ok {
		if err := v.Set(opts.CgroupV1Memory); err != nil {
			return nil, fmt.Errorf("setting %s: %w", cgroupV1MemoryVar, err)
		}
	} else if opts.CgroupV1Memory {
		return nil, fmt.Errorf("object has no %s constant: does it include otelcol_node.h?", cgroupV1MemoryVar)
	}
	for name, value := range opts.Constants {
		v, ok := spec.Variables[name]
		if !ok {
			return nil, fmt.Errorf("setting constant %s: no such variable in the object", name)
		}
		if err := v.Set(value); err != nil {
			return nil, fmt.Errorf("setting constant %s: %w", name, err)
		}
	}
	cache := opts.BTFCache
	if cache == nil {
		cache = btf.NewCache()
	}
	l := &Loader{spec: spec, logger: logger, cache: cache, maps: map[string]*ebpf.Map{}}
	for name, ms := range spec.Maps {
		// Data sections hold the object's globals; cilium/ebpf creates (and
		// freezes .rodata) per load, which is what per-feature constants need.
		if strings.HasPrefix(name, ".") {
			continue
		}
		m, err := ebpf.NewMapWithOptions(ms, ebpf.MapOptions{})
		if err != nil {
			_ = l.Close()
			return nil, fmt.Errorf("creating map %s: %w", name, err)
		}
		l.maps[name] = m
	}
	return l, nil
}

// Map returns a shared map by name (e.g. a ring buffer to read), or nil.
func (l *Loader) Map(name string) *ebpf.Map { return l.maps[name] }

// Load loads and attaches each feature independently, in order. Optional
// features that fail are disabled and logged once; the first Required
// feature that fails makes Load return an error wrapping
// ErrRequiredFeature, after trying the remaining features so that States is
// complete. Programs loaded so far stay attached until Close.
func (l *Loader) Load(features ...Feature) error {
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return errors.New("loader is closed")
	}
	// The decoded kernel BTF is tens of MiB of heap: keep it only while
	// loading, not for the life of the collector. A later Load decodes it
	// again.
	defer func() {
		l.mu.Lock()
		l.cache = nil
		l.mu.Unlock()
	}()
	var errs []error
	for _, f := range features {
		err := l.loadFeature(f)
		l.mu.Lock()
		l.states = append(l.states, FeatureState{Name: f.Name, Required: f.Required, Enabled: err == nil, Err: err})
		l.mu.Unlock()
		if err == nil {
			continue
		}
		if f.Required {
			l.logger.Debug("eBPF feature failed", zap.String("feature", f.Name), zap.String("detail", fmt.Sprintf("%+v", err)))
			// Error() of a VerifierError is its short form (%v): one line.
			errs = append(errs, fmt.Errorf("%w: %s: %w", ErrRequiredFeature, f.Name, err))
			continue
		}
		// One line with the short reason (%v of a VerifierError is its last
		// lines); the full verifier log only at Debug.
		l.logger.Warn("eBPF feature disabled", zap.String("feature", f.Name), zap.String("reason", fmt.Sprintf("%v", err)))
		l.logger.Debug("eBPF feature disabled, verifier log", zap.String("feature", f.Name), zap.String("detail", fmt.Sprintf("%+v", err)))
	}
	return errors.Join(errs...)
}

// loadFeature loads exactly f's programs, then attaches them. On error
// nothing of f stays loaded.
func (l *Loader) loadFeature(f Feature) error {
	if len(f.Programs) == 0 {
		return errors.New("feature names no programs")
	}
	for _, name := range f.Programs {
		if _, ok := l.spec.Programs[name]; !ok {
			return fmt.Errorf("program %s not in the object", name)
		}
	}
	target := programsStruct(f.Programs)
	l.mu.Lock()
	cache := l.cache
	l.mu.Unlock()
	if cache == nil {
		cache = btf.NewCache()
		l.mu.Lock()
		l.cache = cache
		l.mu.Unlock()
	}
	opts := &ebpf.CollectionOptions{MapReplacements: l.replacementsFor(f.Programs), Cache: cache}
	if err := l.spec.LoadAndAssign(target.Interface(), opts); err != nil {
		return fmt.Errorf("loading: %w", err)
	}
	progs := make(map[string]*ebpf.Program, len(f.Programs))
	for i, name := range f.Programs {
		progs[name] = target.Elem().Field(i).Interface().(*ebpf.Program)
	}
	closeProgs := func() {
		for _, p := range progs {
			_ = p.Close()
		}
	}

	var links []link.Link
	if f.Attach != nil {
		var err error
		if links, err = f.Attach(progs); err != nil {
			closeProgs()
			return fmt.Errorf("attaching: %w", err)
		}
	} else {
		for _, name := range f.Programs {
			lk, err := attachBySection(l.spec.Programs[name], progs[name])
			if err != nil {
				for _, done := range links {
					_ = done.Close()
				}
				closeProgs()
				return fmt.Errorf("attaching %s: %w", name, err)
			}
			links = append(links, lk)
		}
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	for _, name := range f.Programs {
		l.programs = append(l.programs, progs[name])
	}
	l.links = append(l.links, links...)
	return nil
}

// replacementsFor passes the shared maps the programs reference: a
// replacement for a map that no loaded program uses would only be cloned
// for nothing.
func (l *Loader) replacementsFor(programs []string) map[string]*ebpf.Map {
	used := map[string]*ebpf.Map{}
	for _, name := range programs {
		iter := l.spec.Programs[name].Instructions.Iterate()
		for iter.Next() {
			if ref := iter.Ins.Reference(); ref != "" {
				if m, ok := l.maps[ref]; ok {
					used[ref] = m
				}
			}
		}
	}
	return used
}

// programsStruct builds `struct{ P0 *ebpf.Program `ebpf:"name0"`; ... }`, the
// shape LoadAndAssign wants, naming only the given programs.
func programsStruct(programs []string) reflect.Value {
	fields := make([]reflect.StructField, len(programs))
	for i, name := range programs {
		fields[i] = reflect.StructField{
			Name: fmt.Sprintf("P%d", i),
			Type: reflect.TypeFor[*ebpf.Program](),
			Tag:  reflect.StructTag(fmt.Sprintf(`ebpf:%q`, name)),
		}
	}
	return reflect.New(reflect.StructOf(fields))
}

// States reports every feature passed to Load so far.
func (l *Loader) States() []FeatureState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]FeatureState(nil), l.states...)
}

// Stats returns what the plumbing counted so far; see Stats.
func (l *Loader) Stats() (Stats, error) {
	l.mu.Lock()
	readers := append([]*RingReader(nil), l.readers...)
	programs := append([]*ebpf.Program(nil), l.programs...)
	var s Stats
	for _, st := range l.states {
		if !st.Enabled {
			s.DisabledFeatures++
		}
	}
	l.mu.Unlock()
	var errs []error
	for _, p := range programs {
		ps, err := p.Stats()
		if err != nil {
			errs = append(errs, fmt.Errorf("reading program stats of %s: %w", p, err))
			continue
		}
		s.RecursionMisses += ps.RecursionMisses
	}
	for _, r := range readers {
		s.Records += r.records.Load()
		s.DecodeErrors += r.decodeErrors.Load()
	}
	if m := l.maps[lossMapName]; m != nil {
		lost, err := readLosses(m)
		if err != nil {
			errs = append(errs, err)
		}
		s.Lost = lost
	}
	return s, errors.Join(errs...)
}

// Close stops the readers, detaches and unloads everything. It is safe to
// call more than once.
func (l *Loader) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	readers, links, progs := l.readers, l.links, l.programs
	l.mu.Unlock()

	var errs []error
	for _, r := range readers {
		errs = append(errs, r.Close())
	}
	for _, lk := range links {
		errs = append(errs, lk.Close())
	}
	for _, p := range progs {
		errs = append(errs, p.Close())
	}
	for _, m := range l.maps {
		errs = append(errs, m.Close())
	}
	return errors.Join(errs...)
}
