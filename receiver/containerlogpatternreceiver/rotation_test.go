// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// rotation is how a log file is rotated under a steady writer.
type rotation func(t *testing.T, path string, f *os.File) *os.File

// renameRotation is Docker's and logrotate's default: the file is renamed
// and the writer continues in a new file of the old name.
func renameRotation(t *testing.T, path string, f *os.File) *os.File {
	require.NoError(t, f.Close())
	if _, err := os.Stat(path + ".1"); err == nil {
		require.NoError(t, os.Rename(path+".1", path+".2"))
	}
	require.NoError(t, os.Rename(path, path+".1"))
	return openAppend(t, path)
}

// copyTruncateRotation is logrotate's copytruncate: the file is copied
// aside and truncated in place, and the writer keeps its descriptor.
func copyTruncateRotation(t *testing.T, path string, f *os.File) *os.File {
	src, err := os.Open(path)
	require.NoError(t, err)
	dst, err := os.Create(path + ".1")
	require.NoError(t, err)
	_, err = io.Copy(dst, src)
	require.NoError(t, err)
	require.NoError(t, src.Close())
	require.NoError(t, dst.Close())
	require.NoError(t, f.Truncate(0))
	return f
}

// deleteRotation removes the file and re-creates it.
func deleteRotation(t *testing.T, path string, f *os.File) *os.File {
	require.NoError(t, f.Close())
	require.NoError(t, os.Remove(path))
	return openAppend(t, path)
}

func openAppend(t *testing.T, path string) *os.File {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	require.NoError(t, err)
	return f
}

func dockerLine(text string) string {
	return fmt.Sprintf(`{"log":%q,"stream":"stdout","time":%q}`+"\n", text+"\n", time.Now().UTC().Format(time.RFC3339Nano))
}

// TestRotation writes a steady stream of Docker json-file lines, rotates the
// file several times and checks every line is counted exactly once.
func TestRotation(t *testing.T) {
	const (
		total       = 2000
		rotateEvery = 300
	)
	for name, rotate := range map[string]rotation{
		"MoveCreate":     renameRotation,
		"CopyTruncate":   copyTruncateRotation,
		"DeleteRecreate": deleteRotation,
	} {
		t.Run(name, func(t *testing.T) {
			containersDir := t.TempDir()
			id := strings.Repeat("ab", 32)
			require.NoError(t, os.MkdirAll(filepath.Join(containersDir, id), 0o755))
			path := filepath.Join(containersDir, id, id+dockerLogSuffix)
			f := openAppend(t, path)
			// Lines written before the receiver starts are history: start_at end.
			for i := range 50 {
				_, err := f.WriteString(dockerLine(fmt.Sprintf("old line %d", i)))
				require.NoError(t, err)
			}

			cfg := testConfig()
			cfg.Docker.Enabled = true
			cfg.Docker.ContainersDir = containersDir
			sink := startMetrics(t, cfg)
			time.Sleep(4 * cfg.PollInterval) // let the first poll see the file

			for i := range total {
				if i > 0 && i%rotateEvery == 0 {
					f = rotate(t, path, f)
				}
				_, err := f.WriteString(dockerLine(fmt.Sprintf("request %d served in %d ms", i, i%97)))
				require.NoError(t, err)
				// A steady writer, paced so a rotated file lives for several
				// polls as on a real node: a file created and deleted between
				// two polls is never seen by any tailer.
				time.Sleep(2 * time.Millisecond)
			}
			require.NoError(t, f.Close())

			counts := waitTotal(t, sink, id, total)
			for k := range counts {
				require.Equal(t, sourceStdio, k.source)
				require.NotContains(t, k.sample, "old line")
			}
		})
	}
}
