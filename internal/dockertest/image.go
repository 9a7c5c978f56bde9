// SPDX-License-Identifier: Apache-2.0

package dockertest // import "github.com/otelcol-node/otelcol-node/internal/dockertest"

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/otelcol-node/otelcol-node/internal/testenv"
)

const (
	// busyboxPath is where Debian's busybox-static package installs its binary.
	busyboxPath = "/bin/busybox"
	// ImageName is the name Image gives the imported busybox image.
	ImageName = "otelcol-node-test/busybox:latest"
)

// Image imports, once per daemon, a root filesystem made of the static busybox
// binary and one symlink per applet, and returns the image name. No registry is
// needed.
func (d *Daemon) Image(tb testing.TB) string {
	tb.Helper()
	requireStaticBusybox(tb)
	d.imageOnce.Do(func() {
		rootfs, err := busyboxRootfs(busyboxPath)
		if err != nil {
			d.imageErr = err
			return
		}
		if _, err := d.dockerCmd(rootfs, "import", "-", ImageName); err != nil {
			d.imageErr = fmt.Errorf("docker import: %w", err)
			return
		}
		d.image = ImageName
	})
	if d.imageErr != nil {
		tb.Fatalf("making the busybox image: %v", d.imageErr)
	}
	return d.image
}

// requireStaticBusybox requires a statically linked busybox: a dynamic one
// would need the host's libc inside the image.
func requireStaticBusybox(tb testing.TB) {
	tb.Helper()
	f, err := elf.Open(busyboxPath)
	testenv.Require(tb, err == nil, busyboxPath+" (Debian package busybox-static)")
	defer f.Close()
	static := true
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			static = false
		}
	}
	testenv.Require(tb, static, busyboxPath+" statically linked (Debian package busybox-static)")
}

// busyboxRootfs returns a tar of a minimal root filesystem: bin/busybox, a
// bin/<applet> symlink for every applet the binary lists, and the few
// directories and files a container runtime and shell expect.
func busyboxRootfs(busybox string) ([]byte, error) {
	bin, err := os.ReadFile(busybox)
	if err != nil {
		return nil, fmt.Errorf("reading busybox: %w", err)
	}
	list, err := exec.Command(busybox, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("listing busybox applets: %w", err)
	}
	applets := strings.Fields(string(list))
	if len(applets) == 0 {
		return nil, fmt.Errorf("busybox --list printed no applets")
	}

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(0, 0) // same bytes every time
	for _, dir := range []struct {
		name string
		mode int64
	}{{"bin/", 0o755}, {"dev/", 0o755}, {"etc/", 0o755}, {"proc/", 0o555}, {"root/", 0o700}, {"sys/", 0o555}, {"tmp/", 0o1777}} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir.name, Mode: dir.mode, ModTime: mtime}); err != nil {
			return nil, fmt.Errorf("writing rootfs tar: %w", err)
		}
	}
	files := []struct {
		name string
		mode int64
		data []byte
	}{
		{"bin/busybox", 0o755, bin},
		{"etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")},
		{"etc/group", 0o644, []byte("root:x:0:\nnogroup:x:65534:\n")},
	}
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: mtime}); err != nil {
			return nil, fmt.Errorf("writing rootfs tar: %w", err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, fmt.Errorf("writing rootfs tar: %w", err)
		}
	}
	for _, a := range applets {
		if a == "busybox" || strings.Contains(a, "/") {
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", Mode: 0o777, ModTime: mtime}); err != nil {
			return nil, fmt.Errorf("writing rootfs tar: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("writing rootfs tar: %w", err)
	}
	return buf.Bytes(), nil
}
