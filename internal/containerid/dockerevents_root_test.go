// SPDX-License-Identifier: Apache-2.0

package containerid

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/otelcol-node/otelcol-node/internal/dockertest"
)

// TestDockerNamesRealEngine follows a private dockerd: a container that
// exists before Run is listed, one created after it is named from the event
// stream, a rename shows, and a removed container keeps its name.
func TestDockerNamesRealEngine(t *testing.T) {
	d := dockertest.Start(t)
	image := d.Image(t)
	const imageName = "otelcol-node-test/busybox"
	before := d.Run(t, "--network", "none", "--name", "names-before", image, "sleep", "300")

	n := NewDockerNames(DockerClientConfig{Socket: d.Socket()}, zaptest.NewLogger(t))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.Run(ctx)
	}()
	t.Cleanup(func() { // before the daemon stops: cleanups run last-registered first
		cancel()
		<-done
	})
	waitReady(t, n)
	requireCached(t, n, before, DockerInfo{Name: "names-before", ImageName: imageName})

	cachedAs := func(id string, want DockerInfo) func() bool {
		return func() bool {
			got, ok := n.Cached(id)
			return ok && got == want
		}
	}
	after := d.Run(t, "--network", "none", "--name", "names-after", image, "sleep", "300")
	require.Eventually(t, cachedAs(after, DockerInfo{Name: "names-after", ImageName: imageName}), waitTimeout, 10*time.Millisecond,
		"container created after Run not named; stats %+v", n.Stats())

	d.Docker(t, "rename", "names-after", "names-renamed")
	require.Eventually(t, cachedAs(after, DockerInfo{Name: "names-renamed", ImageName: imageName}), waitTimeout, 10*time.Millisecond,
		"rename not followed; stats %+v", n.Stats())

	// Created and removed with the CLI, not Run, whose cleanup would find it gone.
	gone := d.Docker(t, "create", "--network", "none", "--name", "names-gone", image, "true")
	require.Eventually(t, cachedAs(gone, DockerInfo{Name: "names-gone", ImageName: imageName}), waitTimeout, 10*time.Millisecond)
	d.Docker(t, "rm", gone)
	require.Eventually(t, func() bool {
		n.mu.RLock()
		defer n.mu.RUnlock()
		_, retained := n.cache.gone.get(gone)
		return retained
	}, waitTimeout, 10*time.Millisecond, "destroy not followed; stats %+v", n.Stats())
	requireCached(t, n, gone, DockerInfo{Name: "names-gone", ImageName: imageName})

	// An id the engine does not know is asked once and remembered.
	unknown := testContainerID(1)
	n.Request(unknown)
	waitStat(t, n, "the unknown id answered", func(s DockerStats) bool { return s.NotFound == 1 })
	n.Request(unknown)

	s := n.Stats()
	assert.Equal(t, uint64(1), s.RequestsQueued)
	assert.Equal(t, uint64(1), s.Lists)
	assert.Positive(t, s.Events)
	assert.Zero(t, s.Errors)
	assert.Zero(t, s.Reconnects)
	assert.Equal(t, 4, s.Entries, "before, after, gone (retained) and the unknown id")
}
