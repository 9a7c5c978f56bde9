// SPDX-License-Identifier: Apache-2.0

package containerid

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchPaths are cgroup paths of increasing depth, as events bring them.
var benchPaths = []struct{ name, path string }{
	{"root", "/"},
	{"service", "/system.slice/nginx.service"},
	{"docker_cgroupfs", "/docker/" + fixtureID},
	{"k8s_systemd_crio", "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + fixturePodUIDU + ".slice/crio-" + fixtureID + ".scope"},
}

// BenchmarkClassify compares Classify with splitting the path into segments,
// the least any classifier has to do.
func BenchmarkClassify(b *testing.B) {
	for _, p := range benchPaths {
		b.Run(p.name+"/classify", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Classify(p.path)
			}
		})
		b.Run(p.name+"/baseline_split", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = strings.Split(strings.Trim(p.path, "/"), "/")
			}
		})
	}
}

// BenchmarkParseProcCgroup compares picking the hierarchy's line of a
// /proc/<pid>/cgroup file with splitting the same bytes into lines.
func BenchmarkParseProcCgroup(b *testing.B) {
	for _, sc := range []struct {
		name string
		kind HierarchyKind
	}{{"containerd-k8s-cgroupfs-v1", V1Memory}, {"crio-k8s-systemd-v2", V2}} {
		data, err := os.ReadFile(filepath.Join("testdata", "proc", sc.name, "cgroup"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(sc.name+"/parse", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := ParseProcCgroup(data, sc.kind); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(sc.name+"/baseline_split_lines", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				_ = bytes.Split(data, []byte{'\n'})
			}
		})
	}
}

// BenchmarkByCgroupID compares a cached resolver lookup (a container in a
// pod, names applied) with a bare map lookup of the same identity.
func BenchmarkByCgroupID(b *testing.B) {
	root := b.TempDir()
	mount := filepath.Join(root, "cgroup", "memory")
	path := "/kubepods/burstable/pod" + fixturePodUID + "/" + fixtureID
	if err := os.MkdirAll(filepath.Join(mount, filepath.FromSlash(path)), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mount, "memory.limit_in_bytes"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
	r, err := NewResolver(Config{
		CgroupRoot: filepath.Join(root, "cgroup"), ProcRoot: filepath.Join(root, "proc"),
		PodLogsDir: filepath.Join(root, "none"), ContainerLogsDir: filepath.Join(root, "none"),
		DisableDocker: true,
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	id, err := cgroupDirInode(mount, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("resolver", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := r.ByCgroupID(id); !ok {
				b.Fatal("miss")
			}
		}
	})
	plain := map[uint64]Identity{id: Classify(path)}
	b.Run("baseline_map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := plain[id]; !ok {
				b.Fatal("miss")
			}
		}
	})
}
