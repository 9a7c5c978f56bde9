// SPDX-License-Identifier: Apache-2.0

package ebpftcpreceiver

import (
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// acceptAndClose serves a loopback listener that closes every connection.
func acceptAndClose(tb testing.TB) string {
	tb.Helper()
	var ln net.Listener
	var err error
	for p := 21000 + int(time.Now().UnixNano()%4000); ; p++ {
		if ln, err = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p)); err == nil {
			break
		}
	}
	tb.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLoopbackConnect measures a loopback connect+close (the
// workload's view, client and server both in this process) with the
// receiver detached and then attached, in the same run. cpu-ms/10k is the
// process's CPU (workload + BPF programs in its context + the receiver's
// reader goroutine) per 10,000 connection lifecycles.
func BenchmarkLoopbackConnect(b *testing.B) {
	requireKernel(b)
	addr := acceptAndClose(b)
	run := func(b *testing.B) {
		b.ReportAllocs()
		start := cpuTime()
		n := 0
		for b.Loop() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			c.Close()
			n++
		}
		b.ReportMetric(float64((cpuTime()-start).Milliseconds())*10000/float64(n), "cpu-ms/10k")
	}
	b.Run("detached", run)
	b.Run("attached", func(b *testing.B) {
		startScraper(b, nil)
		run(b)
	})
	b.Run("attached_without_nat_lookup", func(b *testing.B) {
		startScraper(b, func(cfg *Config) { cfg.ResolveNAT = false })
		run(b)
	})
}

// BenchmarkConnectStorm drives connects to many distinct loopback
// destinations (127.x.y.z) through the attached receiver, scraping once a
// second, and reports the aggregate's keys and the process's peak RSS.
func BenchmarkConnectStorm(b *testing.B) {
	requireKernel(b)
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	s := startScraper(b, func(cfg *Config) { cfg.MaxDestinationsPerContainer = 1024 })
	b.ReportAllocs()
	i := 0
	lastScrape := time.Now()
	for b.Loop() {
		ip := net.IPv4(127, byte(1+i>>16), byte(i>>8), byte(i))
		c, err := net.DialTCP("tcp", nil, &net.TCPAddr{IP: ip, Port: port})
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
		i = (i + 1) % 100_000
		if time.Since(lastScrape) > time.Second {
			if _, err := s.scrape(b.Context()); err != nil {
				b.Fatal(err)
			}
			lastScrape = time.Now()
		}
	}
	b.ReportMetric(float64(s.agg.keyCount()), "keys")
	b.ReportMetric(float64(peakRSS()), "peak-rss-KiB")
}

// peakRSS reads VmHWM from /proc/self/status, in KiB.
func peakRSS() int {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			v, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return v
		}
	}
	return 0
}
