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
