// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netns"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/internal/containerid/containeridtest"
	"github.com/otelcol-node/otelcol-node/internal/testenv"
	"github.com/otelcol-node/otelcol-node/receiver/ebpftcpreceiver/internal/metadata"
)

const (
	memoryCgroupRoot  = "/sys/fs/cgroup/memory"
	unifiedCgroupRoot = "/sys/fs/cgroup/unified"
)

// kernelTestHierarchies are the cgroup_hierarchy settings the fake-container
// tests run under. The dev and CI machines are hybrid: the v1 memory
// hierarchy and the unified one are mounted side by side, so both can be
// tested on one host.
var kernelTestHierarchies = []string{containerid.HierarchyV1, containerid.HierarchyV2}

// requireKernel stops a kernel-tier test that cannot run here (fails under CI=true).
func requireKernel(t testing.TB) {
	t.Helper()
	testenv.RequireRoot(t)
	_, err := os.Stat("/sys/kernel/btf/vmlinux")
	testenv.Require(t, err == nil, "kernel BTF (/sys/kernel/btf/vmlinux)")
	_, err = os.Stat(filepath.Join(memoryCgroupRoot, "cgroup.procs"))
	testenv.Require(t, err == nil, "cgroup v1 memory hierarchy at "+memoryCgroupRoot)
	_, err = os.Stat(filepath.Join(unifiedCgroupRoot, "cgroup.controllers"))
	testenv.Require(t, err == nil, "cgroup v2 hierarchy at "+unifiedCgroupRoot)
}

// forEachHierarchy runs a kernel test under every kernelTestHierarchies
// setting, with the same assertions.
func forEachHierarchy(t *testing.T, test func(t *testing.T, hierarchy string)) {
	t.Helper()
	requireKernel(t)
	for _, hierarchy := range kernelTestHierarchies {
		t.Run(hierarchy, func(t *testing.T) { test(t, hierarchy) })
	}
}

// fakeContainer is a cgroup named like a Docker container's
// (/docker/<64 hex>) in the hierarchy the receiver attributes by, with a
// decoy beside it: the same processes also sit in /docker/<other 64 hex> of
// the other hierarchy. On a hybrid host every process is in both trees; the
// decoy makes an attribution from the wrong tree show up as metrics under
// another container.id (otherResourcesMention) and none under id.
type fakeContainer struct {
	id   string
	dirs []string // cgroup directories a helper joins
}

func newFakeContainer(t *testing.T, hierarchy string) fakeContainer {
	t.Helper()
	id, decoy := randomContainerID(), randomContainerID()
	own, other := memoryCgroupRoot, unifiedCgroupRoot
	if hierarchy == containerid.HierarchyV2 {
		own, other = unifiedCgroupRoot, memoryCgroupRoot
	}
	return fakeContainer{id: id, dirs: []string{makeDockerCgroup(t, own, id), makeDockerCgroup(t, other, decoy)}}
}

func randomContainerID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// makeDockerCgroup creates <root>/docker/<id>, removed when the test ends.
func makeDockerCgroup(t *testing.T, root, id string) string {
	t.Helper()
	parent := filepath.Join(root, "docker")
	_, err := os.Stat(parent)
	madeParent := errors.Is(err, os.ErrNotExist)
	dir := filepath.Join(parent, id)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	t.Cleanup(func() {
		if madeParent {
			// Fails harmlessly while another test's container still uses it.
			defer os.Remove(parent)
		}
		// The helpers have exited; rmdir waits for nothing but may race
		// with the kernel finishing their exit, so retry briefly.
		for range 50 {
			if err := os.Remove(dir); err == nil || errors.Is(err, os.ErrNotExist) {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Errorf("cgroup %s not removed", dir)
	})
	return dir
}

// startScraper starts the receiver's scraper with the real BPF programs,
// attributing through a container identity extension that detects the
// hierarchy.
func startScraper(t testing.TB, mutate func(*Config)) *tcpScraper {
	return startScraperIn(t, containerid.HierarchyAuto, mutate)
}

// startScraperIn is startScraper with the extension's cgroup_hierarchy set
// to hierarchy. With v1 or v2 it checks that the resolver (and so the BPF
// side, told by it) uses that hierarchy.
func startScraperIn(t testing.TB, hierarchy string, mutate func(*Config)) *tcpScraper {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.ContainerIdentity = containeridtest.ID()
	if mutate != nil {
		mutate(cfg)
	}
	require.NoError(t, cfg.Validate())
	host, _ := containeridtest.Host(t, containerid.Config{Hierarchy: hierarchy})
	s := newTCPScraper(cfg, receivertest.NewNopSettings(metadata.Type))
	require.NoError(t, s.start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, s.shutdown(context.Background())) })
	require.NotNil(t, s.tracer, "tracer not loaded (degraded mode)")
	want, chosen := map[string]containerid.HierarchyKind{
		containerid.HierarchyV1: containerid.V1Memory,
		containerid.HierarchyV2: containerid.V2,
	}[hierarchy]
	if chosen {
		require.Equal(t, want, s.identities.Hierarchy().Kind, "cgroup_hierarchy %s", hierarchy)
	}
	return s
}

// testServer accepts on addr, reads every connection to EOF and closes it.
type testServer struct {
	ln   net.Listener
	wg   sync.WaitGroup
	read sync.Map // remote addr -> bytes read
}

func (s *testServer) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			n, _ := io.Copy(io.Discard, c)
			s.read.Store(c.RemoteAddr().String(), n)
			c.Close()
		}()
	}
}

func (s *testServer) addr() string { return s.ln.Addr().String() }

// listenFixed listens on host at a port below the ephemeral range (an
// ephemeral destination port is not a destination key).
func listenFixed(t *testing.T, host string) *testServer {
	t.Helper()
	for p := 20000 + int(time.Now().UnixNano()%5000); ; p++ {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err != nil {
			continue
		}
		s := &testServer{ln: ln}
		go s.serve()
		t.Cleanup(func() { ln.Close(); s.wg.Wait() })
		return s
	}
}

// closedPort returns host:port with nothing listening, below the ephemeral range.
func closedPort(t *testing.T, host string) string {
	t.Helper()
	srv := listenFixed(t, host)
	addr := srv.addr()
	srv.ln.Close()
	return addr
}

// scrapeUntil scrapes until cond holds for the container's metrics or the
// deadline passes, returning the last scrape.
func scrapeUntil(t *testing.T, s *tcpScraper, containerID string, cond func(containerMetrics) bool) containerMetrics {
	t.Helper()
	var last containerMetrics
	deadline := time.Now().Add(10 * time.Second)
	for {
		md, err := s.scrape(context.Background())
		require.NoError(t, err)
		last = metricsOf(md, containerID)
		if cond(last) || time.Now().After(deadline) {
			return last
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// containerMetrics maps metric name -> "attr=value,..." -> value for one resource.
type containerMetrics map[string]map[string]float64

func (m containerMetrics) get(metric, attrs string) float64 { return m[metric][attrs] }

func metricsOf(md pmetric.Metrics, containerID string) containerMetrics {
	out := containerMetrics{}
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		rm := md.ResourceMetrics().At(i)
		id, _ := rm.Resource().Attributes().Get("container.id")
		if id.Str() != containerID {
			continue
		}
		forEachPoint(rm, func(name, attrs string, v float64) {
			if out[name] == nil {
				out[name] = map[string]float64{}
			}
			out[name][attrs] += v
		})
	}
	return out
}

func forEachPoint(rm pmetric.ResourceMetrics, fn func(name, attrs string, v float64)) {
	for j := 0; j < rm.ScopeMetrics().Len(); j++ {
		ms := rm.ScopeMetrics().At(j).Metrics()
		for k := 0; k < ms.Len(); k++ {
			m := ms.At(k)
			var dps pmetric.NumberDataPointSlice
			switch m.Type() {
			case pmetric.MetricTypeSum:
				dps = m.Sum().DataPoints()
			case pmetric.MetricTypeGauge:
				dps = m.Gauge().DataPoints()
			default:
				continue
			}
			for d := 0; d < dps.Len(); d++ {
				dp := dps.At(d)
				v := float64(dp.IntValue())
				if dp.ValueType() == pmetric.NumberDataPointValueTypeDouble {
					v = dp.DoubleValue()
				}
				fn(m.Name(), attrString(dp.Attributes()), v)
			}
		}
	}
}

func attrString(attrs pcommon.Map) string {
	var parts []string
	for _, k := range []string{"destination", "actual_destination", "listen_addr", "destination_ip", "reason", "cap"} {
		if v, ok := attrs.Get(k); ok {
			parts = append(parts, k+"="+v.AsString())
		}
	}
	return strings.Join(parts, ",")
}

// otherResourcesMention reports connection metrics of other resources whose
// attributes mention any of addrs: nothing of the test's traffic may leak
// there. (The test process's own listener is rightly its listen_info.)
func otherResourcesMention(md pmetric.Metrics, containerID string, addrs ...string) []string {
	var leaks []string
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		rm := md.ResourceMetrics().At(i)
		if id, _ := rm.Resource().Attributes().Get("container.id"); id.Str() == containerID {
			continue
		}
		forEachPoint(rm, func(name, attrs string, _ float64) {
			if name == mListen {
				return
			}
			for _, a := range addrs {
				if strings.Contains(attrs, a) {
					leaks = append(leaks, name+"{"+attrs+"}")
				}
			}
		})
	}
	return leaks
}

// run runs a command and fails the test with its output on error.
func run(t testing.TB, argv ...string) string {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	require.NoError(t, err, "%s: %s", strings.Join(argv, " "), out)
	return string(out)
}

// netnsPair is two network namespaces joined by a veth pair:
// client 10.<n>.0.1/24 and server 10.<n>.0.2/24, with lo up in both.
type netnsPair struct {
	client, server     string
	clientIP, serverIP string
}

func newNetnsPair(t *testing.T) netnsPair {
	t.Helper()
	testenv.RequireCommand(t, "ip")
	testenv.RequireCommand(t, "nft")
	suffix := strconv.Itoa(os.Getpid()%10000) + strconv.Itoa(int(time.Now().UnixNano()%1000))
	n := 100 + int(time.Now().UnixNano()%100)
	p := netnsPair{
		client: "otn-c" + suffix, server: "otn-s" + suffix,
		clientIP: fmt.Sprintf("10.%d.0.1", n), serverIP: fmt.Sprintf("10.%d.0.2", n),
	}
	vc, vs := "otc"+suffix, "ots"+suffix
	run(t, "ip", "netns", "add", p.client)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", p.client).Run() })
	run(t, "ip", "netns", "add", p.server)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", p.server).Run() })
	run(t, "ip", "link", "add", vc, "netns", p.client, "type", "veth", "peer", "name", vs, "netns", p.server)
	for _, c := range [][]string{
		{p.client, "ip", "addr", "add", p.clientIP + "/24", "dev", vc},
		{p.client, "ip", "link", "set", vc, "up"},
		{p.client, "ip", "link", "set", "lo", "up"},
		{p.client, "ip", "route", "add", "default", "dev", vc},
		{p.server, "ip", "addr", "add", p.serverIP + "/24", "dev", vs},
		{p.server, "ip", "link", "set", vs, "up"},
		{p.server, "ip", "link", "set", "lo", "up"},
	} {
		run(t, append([]string{"ip", "netns", "exec", c[0]}, c[1:]...)...)
	}
	return p
}

// inNetns runs fn on a thread switched into the named namespace; sockets
// created there stay in it.
func inNetns(t *testing.T, name string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		// The thread is not unlocked: it ends with the goroutine instead of
		// going back to the pool in another namespace.
		target, err := netns.GetFromName(name)
		if err != nil {
			t.Errorf("opening netns %s: %v", name, err)
			return
		}
		defer target.Close()
		if err := netns.Set(target); err != nil {
			t.Errorf("entering netns %s: %v", name, err)
			return
		}
		fn()
	}()
	<-done
}

// nft loads a ruleset into the named namespace.
func nft(t *testing.T, ns, ruleset string) {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(ruleset)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "nft in %s: %s", ns, out)
}

// nftDrop drops the packets that match at hook (input or output) in
// namespace ns.
func nftDrop(t *testing.T, ns, hook, match string) {
	t.Helper()
	nft(t, ns, fmt.Sprintf(`table inet otn_drop {
	chain %s {
		type filter hook %s priority 0; policy accept;
		%s drop
	}
}`, hook, hook, match))
}

// tcpRetransSegs reads TcpRetransSegs from /proc/net/snmp of a namespace.
func tcpRetransSegs(t *testing.T, ns string) uint64 {
	t.Helper()
	out := run(t, "ip", "netns", "exec", ns, "cat", "/proc/net/snmp")
	var header []string
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "Tcp:") {
			continue
		}
		fields := strings.Fields(line)
		if header == nil {
			header = fields
			continue
		}
		for i, f := range header {
			if f == "RetransSegs" {
				v, err := strconv.ParseUint(fields[i], 10, 64)
				require.NoError(t, err)
				return v
			}
		}
	}
	t.Fatal("no Tcp RetransSegs in /proc/net/snmp")
	return 0
}
