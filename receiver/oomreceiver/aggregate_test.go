// SPDX-License-Identifier: Apache-2.0

package oomreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

func container(id string) containerid.Identity {
	return containerid.Identity{ContainerID: id, CgroupPath: "/docker/" + id}
}

func TestAggregateCountsPerContainer(t *testing.T) {
	a := newAggregate(10, time.Hour)
	now := time.Now()
	a.add(container("b"), now)
	a.add(container("a"), now)
	a.add(container("b"), now)
	a.add(containerid.Identity{SystemdUnit: "nginx.service"}, now)
	a.add(containerid.Identity{}, now)

	got, dropped := a.snapshot(now, unchanged)
	require.Len(t, got, 4)
	assert.Zero(t, dropped)
	// Sorted by container id, then pod, then unit: host first.
	assert.Equal(t, containerid.Identity{}, got[0].identity)
	assert.Equal(t, "nginx.service", got[1].identity.SystemdUnit)
	assert.Equal(t, "a", got[2].identity.ContainerID)
	assert.Equal(t, int64(1), got[2].kills)
	assert.Equal(t, "b", got[3].identity.ContainerID)
	assert.Equal(t, int64(2), got[3].kills)
}

// TestAggregateCap: beyond maxKeys, kills are counted on the host series and
// as dropped; existing keys keep counting.
func TestAggregateCap(t *testing.T) {
	a := newAggregate(1, time.Hour)
	now := time.Now()
	a.add(container("a"), now)
	a.add(container("b"), now)
	a.add(container("a"), now)

	got, dropped := a.snapshot(now, unchanged)
	assert.Equal(t, int64(1), dropped)
	require.Len(t, got, 2)
	assert.Equal(t, containerid.Identity{}, got[0].identity)
	assert.Equal(t, int64(1), got[0].kills)
	assert.Equal(t, int64(2), got[1].kills)
}

// TestAggregateIdleDrop: a series without kills for longer than the idle
// timeout ends; a later kill starts a new one.
func TestAggregateIdleDrop(t *testing.T) {
	a := newAggregate(10, time.Hour)
	t0 := time.Now()
	a.add(container("old"), t0)
	a.add(container("live"), t0.Add(150*time.Minute))

	got, _ := a.snapshot(t0.Add(2*time.Hour), unchanged)
	require.Len(t, got, 1)
	assert.Equal(t, "live", got[0].identity.ContainerID)

	a.add(container("old"), t0.Add(3*time.Hour))
	got, _ = a.snapshot(t0.Add(3*time.Hour), unchanged)
	require.Len(t, got, 2)
	assert.Equal(t, "old", got[1].identity.ContainerID)
	assert.Equal(t, int64(1), got[1].kills)
	assert.Equal(t, t0.Add(3*time.Hour), got[1].start)
}

// unchanged is a refresh that knows no names.
func unchanged(id containerid.Identity) containerid.Identity { return id }

// TestAggregateRefreshesIdentities: every snapshot passes each series'
// identity through refresh and keeps the result, so a name learned after the
// kill shows from the next scrape on and stays when the source forgets it;
// the series (key, count, start) stays the same.
func TestAggregateRefreshesIdentities(t *testing.T) {
	a := newAggregate(10, time.Hour)
	now := time.Now()
	a.add(container("a"), now)

	got, _ := a.snapshot(now, unchanged)
	require.Len(t, got, 1)
	assert.Empty(t, got[0].identity.Name)

	named := func(id containerid.Identity) containerid.Identity {
		id.Name = "web"
		return id
	}
	got, _ = a.snapshot(now, named)
	require.Len(t, got, 1)
	assert.Equal(t, "web", got[0].identity.Name)

	var given []containerid.Identity
	got, _ = a.snapshot(now, func(id containerid.Identity) containerid.Identity {
		given = append(given, id)
		return id
	})
	assert.Equal(t, "web", given[0].Name, "refresh is given the identity emitted last")
	assert.Equal(t, "web", got[0].identity.Name)

	// A later kill of the same container counts on the same series.
	a.add(container("a"), now)
	got, _ = a.snapshot(now, unchanged)
	require.Len(t, got, 1)
	assert.Equal(t, int64(2), got[0].kills)
	assert.Equal(t, "web", got[0].identity.Name)
}

func TestAttributeOrder(t *testing.T) {
	id := strings64("c")
	kubePath := "/kubepods/burstable/pod0f0e0d0c-0b0a-0908-0706-050403020100/" + id
	known := containerid.Identity{ContainerID: id, Name: "from-resolver"}
	r := &fakeResolver{
		cgroups: map[uint64]containerid.Identity{7: known},
		pids:    map[int]containerid.Identity{42: container(strings64("d"))},
		names:   map[string]string{id: "named-by-refresh"},
	}

	got, how := attribute(r, kill{CgroupID: 7, CgroupPath: kubePath, PID: 42})
	assert.Equal(t, attributedByCgroupID, how)
	assert.Equal(t, "from-resolver", got.Name)
	assert.Empty(t, r.observed, "a cached cgroup needs no hint")

	got, how = attribute(r, kill{CgroupID: 8, CgroupPath: kubePath, PID: 42})
	assert.Equal(t, attributedByCgroupPath, how)
	assert.Equal(t, id, got.ContainerID)
	assert.Equal(t, "0f0e0d0c-0b0a-0908-0706-050403020100", got.PodUID)
	assert.Equal(t, "named-by-refresh", got.Name, "the classified path gets the names the resolver knows")
	assert.Equal(t, []observation{{cgroupID: 8, pid: 42}}, r.observed, "an unknown cgroup is handed to the resolver's worker")

	got, how = attribute(r, kill{PID: 42})
	assert.Equal(t, attributedByPID, how)
	assert.Equal(t, strings64("d"), got.ContainerID)

	got, how = attribute(r, kill{PID: 43})
	assert.Equal(t, attributedNone, how)
	assert.Equal(t, containerid.Identity{}, got)
}

func strings64(c string) string {
	s := ""
	for range 64 {
		s += c
	}
	return s
}
