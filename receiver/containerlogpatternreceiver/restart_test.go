// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

// memoryStorage is a storage extension whose data outlives the receivers
// using it, as a file_storage extension's does across collector restarts.
type memoryStorage struct {
	component.StartFunc
	component.ShutdownFunc
	data *memoryPersister
}

type memoryClient struct{ *memoryPersister }

func (memoryClient) Close(context.Context) error { return nil }

func (s *memoryStorage) GetClient(context.Context, component.Kind, component.ID, string) (storage.Client, error) {
	return memoryClient{s.data}, nil
}

type hostWithExtensions struct {
	component.Host
	extensions map[component.ID]component.Component
}

func (h hostWithExtensions) GetExtensions() map[component.ID]component.Component { return h.extensions }

// TestRestartResumes stops the receiver, writes more lines while it is down
// and starts a new one on the same storage: it counts exactly the new lines,
// neither recounting the old ones nor skipping what was written meanwhile.
func TestRestartResumes(t *testing.T) {
	containersDir := t.TempDir()
	id := strings.Repeat("cd", 32)
	path := filepath.Join(containersDir, id, id+dockerLogSuffix)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))

	storageID := component.MustNewID("memory_storage")
	host := hostWithExtensions{
		Host:       componenttest.NewNopHost(),
		extensions: map[component.ID]component.Component{storageID: &memoryStorage{data: newMemoryPersister()}},
	}
	cfg := testConfig()
	cfg.Docker.Enabled = true
	cfg.Docker.ContainersDir = containersDir
	cfg.StorageID = &storageID

	run := func(write func()) int64 {
		sink := new(consumertest.MetricsSink)
		r, err := NewFactory().CreateMetrics(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
		require.NoError(t, err)
		require.NoError(t, r.Start(context.Background(), host))
		time.Sleep(4 * cfg.PollInterval)
		write()
		time.Sleep(2 * time.Second)
		require.NoError(t, r.Shutdown(context.Background()))
		return totalFor(latestCounts(sink), id)
	}
	f := openAppend(t, path)
	defer f.Close()
	writeN := func(from, n int) {
		for i := from; i < from+n; i++ {
			_, err := f.WriteString(dockerLine(fmt.Sprintf("job %d finished", i)))
			require.NoError(t, err)
		}
	}
	writeN(0, 5) // before the first start: history, not counted

	require.Equal(t, int64(40), run(func() { writeN(5, 40) }))
	writeN(45, 7) // while the collector is down
	require.Equal(t, int64(7+30), run(func() { writeN(52, 30) }))
}

// TestCrashKeepsPendingMessage copies the storage while the receiver runs,
// as a SIGKILL leaves it, and starts a new receiver on the copy. The last
// message of the stream was read and its offset committed, but it was
// still waiting for continuation lines: the new receiver counts it, once,
// without reading it again.
func TestCrashKeepsPendingMessage(t *testing.T) {
	containersDir := t.TempDir()
	id := strings.Repeat("ce", 32)
	path := filepath.Join(containersDir, id, id+dockerLogSuffix)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	f := openAppend(t, path)
	defer f.Close()
	writeN := func(from, n int) {
		for i := from; i < from+n; i++ {
			_, err := f.WriteString(dockerLine(fmt.Sprintf("job %d finished", i)))
			require.NoError(t, err)
		}
		// One multiline message, its continuation lines in the same write.
		_, err := f.WriteString(dockerLine(fmt.Sprintf("ERROR job %d failed", from+n)) + dockerLine("\tat com.example.Job.run(Job.java:7)"))
		require.NoError(t, err)
	}

	cfg := testConfig()
	cfg.Docker.Enabled = true
	cfg.Docker.ContainersDir = containersDir
	cfg.StartAt = startAtBeginning
	// The last message waits for continuation lines until the next one.
	cfg.MultilineFlushTimeout = time.Hour
	storageID := component.MustNewID("memory_storage")
	cfg.StorageID = &storageID
	start := func(data *memoryPersister) (*consumertest.MetricsSink, func()) {
		host := hostWithExtensions{
			Host:       componenttest.NewNopHost(),
			extensions: map[component.ID]component.Component{storageID: &memoryStorage{data: data}},
		}
		sink := new(consumertest.MetricsSink)
		r, err := NewFactory().CreateMetrics(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
		require.NoError(t, err)
		require.NoError(t, r.Start(context.Background(), host))
		return sink, func() { require.NoError(t, r.Shutdown(context.Background())) }
	}

	data := newMemoryPersister()
	sink, stop := start(data)
	writeN(0, 20)
	// 20 one-line messages counted; the stack trace waits.
	waitTotal(t, sink, id, 20)
	time.Sleep(4 * cfg.PollInterval) // a poll after the last read saved the offsets
	crashed := data.clone()
	stop()

	sink, stop = start(crashed)
	defer stop()
	writeN(100, 5)
	// The restored stack trace, completed by the new lines, and 5 more
	// one-line messages; the new stack trace waits.
	counts := waitTotal(t, sink, id, 1+5)
	assert.Equal(t, int64(5+2), selfMetric(sink, metricLinesRead), "only the new lines are read")
	var trace int64
	for k, v := range counts {
		if k.sample == "ERROR job 20 failed" {
			trace += v
		}
	}
	assert.Equal(t, int64(1), trace, "the message pending at the crash is counted once: %v", counts)
}
