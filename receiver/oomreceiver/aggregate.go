// SPDX-License-Identifier: Apache-2.0

package oomreceiver // import "github.com/otelcol-node/otelcol-node/receiver/oomreceiver"

import (
	"sort"
	"sync"
	"time"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// seriesKey identifies one kill counter: one per container, per pod-level
// cgroup, per systemd unit, and the zero key for everything else (the host).
type seriesKey struct {
	containerID string
	podUID      string
	systemdUnit string
}

func keyOf(id containerid.Identity) seriesKey {
	return seriesKey{containerID: id.ContainerID, podUID: id.PodUID, systemdUnit: id.SystemdUnit}
}

// series is the cumulative kill count of one key.
type series struct {
	identity containerid.Identity // as last emitted: refreshed at every scrape
	kills    int64
	start    time.Time // when this series began counting
	lastKill time.Time
}

// aggregate holds cumulative kill counters. It is written by the reader
// goroutine and read by scrapes; it is safe for concurrent use. At most
// maxKeys keys are kept besides the host key, which always exists once
// used: kills beyond the cap go to the host key and are counted in dropped.
type aggregate struct {
	maxKeys int
	idle    time.Duration

	mu      sync.Mutex
	series  map[seriesKey]*series
	dropped int64
}

func newAggregate(maxKeys int, idle time.Duration) *aggregate {
	return &aggregate{maxKeys: maxKeys, idle: idle, series: map[seriesKey]*series{}}
}

// add counts one kill at time at for the given identity. A series keeps the
// identity of its first kill: the scrapes refresh it with the names known at
// each emission (snapshot), the same for every later kill.
func (a *aggregate) add(id containerid.Identity, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	key := keyOf(id)
	if _, ok := a.series[key]; !ok && key != (seriesKey{}) && a.keysBesidesHost() >= a.maxKeys {
		a.dropped++
		key, id = seriesKey{}, containerid.Identity{}
	}
	s, ok := a.series[key]
	if !ok {
		s = &series{identity: id, start: at}
		a.series[key] = s
	}
	s.kills++
	if at.After(s.lastKill) {
		s.lastKill = at
	}
}

func (a *aggregate) keysBesidesHost() int {
	if _, ok := a.series[seriesKey{}]; ok {
		return len(a.series) - 1
	}
	return len(a.series)
}

// seriesSnapshot is one counter as a scrape reports it.
type seriesSnapshot struct {
	identity containerid.Identity
	kills    int64
	start    time.Time
}

// snapshot drops series idle since before now-idle, then copies the rest,
// ordered by container id (then pod, unit) so that output is stable. Each
// series' identity goes through refresh, and the result is kept as the
// series' identity: a name learned after the kill shows from this scrape on,
// and one the series had is never lost (refresh keeps the names it is
// given). The key, and so the series, stays the same.
func (a *aggregate) snapshot(now time.Time, refresh func(containerid.Identity) containerid.Identity) (out []seriesSnapshot, dropped int64) {
	a.mu.Lock()
	for key, s := range a.series {
		if now.Sub(s.lastKill) > a.idle {
			delete(a.series, key)
			continue
		}
		s.identity = refresh(s.identity)
		out = append(out, seriesSnapshot{identity: s.identity, kills: s.kills, start: s.start})
	}
	dropped = a.dropped
	a.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		ki, kj := keyOf(out[i].identity), keyOf(out[j].identity)
		if ki.containerID != kj.containerID {
			return ki.containerID < kj.containerID
		}
		if ki.podUID != kj.podUID {
			return ki.podUID < kj.podUID
		}
		return ki.systemdUnit < kj.systemdUnit
	})
	return out, dropped
}
