// SPDX-License-Identifier: Apache-2.0

package bpf // import "github.com/otelcol-node/otelcol-node/internal/bpf"

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/rlimit"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

const (
	// kernelBTFPath is where the kernel exposes its own BTF (CONFIG_DEBUG_INFO_BTF);
	// CO-RE relocations and tp_btf programs need it.
	kernelBTFPath = "/sys/kernel/btf/vmlinux"
	// tracefsPath is tracefs' canonical mount point since Linux 4.1.
	tracefsPath = "/sys/kernel/tracing"
	// debugfsTracingPath is the legacy location (tracefs automounted under debugfs).
	debugfsTracingPath = "/sys/kernel/debug/tracing"
)

// Capability numbers from linux/capability.h. CAP_BPF and CAP_PERFMON exist
// since Linux 5.8; before that CAP_SYS_ADMIN covered both.
const (
	capSysAdmin = 21
	capPerfmon  = 38
	capBPF      = 39
)

// CheckOptions says which kernel features the caller's BPF object needs.
type CheckOptions struct {
	// ProgramTypes the object uses, probed with features.HaveProgramType.
	ProgramTypes []ebpf.ProgramType
	// NeedTracefs is set when the object has classic tracepoint programs,
	// which are attached through tracefs' event ids.
	NeedTracefs bool
}

// CheckHost runs the start-up checks. Each failed check contributes one line
// to the returned error (errors.Join), naming what is missing and what to do.
// Repairs it could make (mounting tracefs, raising the memlock rlimit on
// kernels before 5.11) are made and logged at Info.
func CheckHost(opts CheckOptions, logger *zap.Logger) error {
	var errs []error
	if err := checkCapabilities(); err != nil {
		errs = append(errs, err)
		// Without privileges the probes below fail with EPERM and say nothing new.
		return errors.Join(errs...)
	}
	if _, err := os.Stat(kernelBTFPath); err != nil {
		errs = append(errs, fmt.Errorf("no kernel BTF at %s (needs a kernel built with CONFIG_DEBUG_INFO_BTF=y)", kernelBTFPath))
	}
	if opts.NeedTracefs {
		mounted, err := ensureTracefs()
		switch {
		case err != nil:
			errs = append(errs, err)
		case mounted:
			logger.Info("Mounted tracefs for tracepoint attachment", zap.String("path", tracefsPath))
		}
	}
	if err := rlimit.RemoveMemlock(); err != nil {
		errs = append(errs, fmt.Errorf("raising the memlock rlimit for BPF maps: %w", err))
	}
	if err := probe("BPF ring buffer maps (Linux 5.8+)", features.HaveMapType(ebpf.RingBuf), logger); err != nil {
		errs = append(errs, err)
	}
	for _, pt := range opts.ProgramTypes {
		if err := probe(fmt.Sprintf("BPF program type %s", pt), features.HaveProgramType(pt), logger); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// probe turns a features.Have* result into a one-line error. Only
// ErrNotSupported is conclusive; any other error means the probe itself could
// not decide (the Tracing probe, for one, attaches an fentry program, which
// hardened kernels refuse with EPERM while tp_btf works). Those are logged at
// Debug and left to the real load, which reports per feature.
func probe(what string, err error, logger *zap.Logger) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ebpf.ErrNotSupported):
		return fmt.Errorf("kernel does not support %s", what)
	default:
		logger.Debug("Kernel feature probe inconclusive", zap.String("feature", what), zap.Error(err))
		return nil
	}
}

// checkCapabilities reads the effective capability set with capget(2): being
// root is not enough inside a container that dropped capabilities, and being
// non-root is enough with CAP_BPF+CAP_PERFMON granted.
func checkCapabilities() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("reading process capabilities (capget): %w", err)
	}
	has := func(c uint) bool { return data[c/32].Effective&(1<<(c%32)) != 0 }
	if has(capSysAdmin) || (has(capBPF) && has(capPerfmon)) {
		return nil
	}
	var missing []string
	if !has(capBPF) {
		missing = append(missing, "CAP_BPF")
	}
	if !has(capPerfmon) {
		missing = append(missing, "CAP_PERFMON")
	}
	who := "running as root but"
	if os.Geteuid() != 0 {
		who = "not running as root and"
	}
	return fmt.Errorf("%s missing capabilities %v (grant CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN on kernels before 5.8)", who, missing)
}

// ensureTracefs reports whether tracefs is reachable, mounting it at
// /sys/kernel/tracing when neither usual location has it. mounted is true
// when this call mounted it.
func ensureTracefs() (mounted bool, err error) {
	for _, dir := range []string{tracefsPath, debugfsTracingPath} {
		if _, err := os.Stat(filepath.Join(dir, "events")); err == nil {
			return false, nil
		}
	}
	if err := unix.Mount("tracefs", tracefsPath, "tracefs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return false, fmt.Errorf("tracefs is not mounted and mounting it at %s failed: %w (mount it, or mount /sys/kernel/tracing into the container)", tracefsPath, err)
	}
	return true, nil
}
