// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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

// dockerMaxFileRotation is Docker's json-file rotation with max-file 3:
// the oldest copy is removed and each file moves up one number, so a file
// leaves the followed names (<file>, <file>.1) two rotations after it was
// created.
func dockerMaxFileRotation(t *testing.T, path string, f *os.File) *os.File {
	require.NoError(t, f.Close())
	renameIfExists(t, path+".1", path+".2")
	require.NoError(t, os.Rename(path, path+".1"))
	return openAppend(t, path)
}

// kubeletRotation is the kubelet's CRI rotation: the file is renamed with
// a timestamp, a name no longer followed, and the runtime reopens it.
func kubeletRotation(t *testing.T, path string, f *os.File) *os.File {
	require.NoError(t, f.Close())
	require.NoError(t, os.Rename(path, path+"."+time.Now().UTC().Format("20060102-150405.000000000")))
	return openAppend(t, path)
}

// logrotateCopyTruncate is logrotate's copytruncate with rotate 2 and
// without dateext: older copies move up, the oldest is removed, the file
// is copied to a new <file>.1 and truncated in place under its writer.
func logrotateCopyTruncate(t *testing.T, path string, f *os.File) *os.File {
	renameIfExists(t, path+".1", path+".2")
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

func renameIfExists(t *testing.T, from, to string) {
	err := os.Rename(from, to)
	if !errors.Is(err, fs.ErrNotExist) {
		require.NoError(t, err)
	}
}

// TestFastRotation rotates faster than poll_interval,
// as a container writing more than max-size per poll makes Docker do, under
// a writer of numbered lines. Files are created and rotated away between
// two polls; every line written must be counted exactly once, those the
// poller never reached as lines_recovered.
func TestFastRotation(t *testing.T) {
	const writeFor = 1500 * time.Millisecond
	for name, tc := range map[string]struct {
		cri    bool
		every  time.Duration
		rotate rotation
	}{
		"DockerMaxFile_50ms":      {every: 50 * time.Millisecond, rotate: dockerMaxFileRotation},
		"DeleteRecreate_100ms":    {every: 100 * time.Millisecond, rotate: deleteRotation},
		"CopyTruncate_50ms":       {every: 50 * time.Millisecond, rotate: logrotateCopyTruncate},
		"CRIKubeletRename_50ms":   {cri: true, every: 50 * time.Millisecond, rotate: kubeletRotation},
		"CRIDeleteRecreate_100ms": {cri: true, every: 100 * time.Millisecond, rotate: deleteRotation},
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			cfg := testConfig()
			cfg.PollInterval = defaultPollInterval
			var path, owner string
			line := func(i int) string { return dockerLine(fmt.Sprintf("request %d served in %d ms", i, i%97)) }
			if tc.cri {
				const uid = "0f0f0f0f-8888-4a4a-9b9b-0123456789ab"
				cfg.CRI.Enabled, cfg.CRI.PodsDir = true, root
				path, owner = filepath.Join(root, "shop_api-0_"+uid, "server", "0.log"), uid+"/server"
				line = func(i int) string { return criLine("stdout", "F", fmt.Sprintf("request %d served in %d ms", i, i%97)) }
			} else {
				owner = strings.Repeat("cd", 32)
				cfg.Docker.Enabled, cfg.Docker.ContainersDir = true, root
				path = filepath.Join(root, owner, owner+dockerLogSuffix)
			}
			require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
			sink := startMetrics(t, cfg)
			time.Sleep(2 * cfg.PollInterval) // the first poll is over: new files are read whole

			f := openAppend(t, path)
			written, rotations := 0, 0
			start := time.Now()
			lastRotation := start
			for time.Since(start) < writeFor {
				if time.Since(lastRotation) >= tc.every {
					f = tc.rotate(t, path, f)
					lastRotation = time.Now()
					rotations++
				}
				_, err := f.WriteString(line(written))
				require.NoError(t, err)
				written++
				if written%4 == 0 {
					time.Sleep(time.Millisecond) // about 2,000-4,000 lines/s
				}
			}
			require.NoError(t, f.Close())

			waitTotal(t, sink, owner, int64(written))
			assert.Equal(t, int64(written), selfMetric(sink, metricLinesRead), "every line read once")
			assert.Zero(t, selfMetric(sink, metricRotatedFilesUntracked))
			t.Logf("%d lines, %d rotations, %d recovered after rotation", written, rotations, selfMetric(sink, metricLinesRecovered))
		})
	}
}

const (
	metricLinesRecovered        = "otelcol_node.container_log_pattern.lines_recovered"
	metricRotatedFilesUntracked = "otelcol_node.container_log_pattern.rotated_files_untracked"
)
