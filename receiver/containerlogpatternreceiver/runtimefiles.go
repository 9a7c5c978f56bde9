// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer/attrs"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator/helper"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
)

// dockerLogSuffix ends the name of a Docker json-file log:
// <containers_dir>/<id>/<id>-json.log; rotated files get ".1", ".2", ...
const dockerLogSuffix = "-json.log"

// rotatedSuffix names the newest rotated copy of a log file.
const rotatedSuffix = ".1"

// newTailerConfig is the fileconsumer configuration every source shares.
// Rotation (rename, copytruncate, delete and re-create), files appearing
// later and checkpoints are fileconsumer's (see its design.md): it follows a
// renamed file to its end before it lets go, and tells files apart by a
// fingerprint of their first bytes rather than by name.
//
// Each include pattern also matches its ".1" file, the newest rotated copy
// (logrotate without dateext, Docker's max-file rotation). fileconsumer
// recognises that copy by its fingerprint as the file it already read and
// reads only the lines it had not reached; with copytruncate those are the
// lines written between the last poll and the truncation, which would be
// lost otherwise. Limit: a copytruncate to another name (dateext) can lose
// up to poll_interval of lines.
func (c *core) newTailerConfig(include []string, startAt string) *fileconsumer.Config {
	fc := fileconsumer.NewConfig()
	for _, p := range include {
		fc.Include = append(fc.Include, p, p+rotatedSuffix)
	}
	fc.StartAt = startAt
	fc.PollInterval = c.cfg.PollInterval
	fc.MaxLogSize = helper.ByteSize(c.cfg.MaxLogSize)
	fc.MaxLogSizeBehavior = fileconsumer.MaxLogSizeBehaviorTruncate
	// fileconsumer's truncation skips the rest of a long line correctly
	// only when its read buffer does not start larger than max_log_size;
	// otherwise the scanner fails mid-line and the rest comes back as lines.
	fc.InitialBufferSize = min(fc.InitialBufferSize, helper.ByteSize(c.cfg.MaxLogSize))
	// Raw bytes: we count invalid UTF-8 ourselves instead of letting a
	// decoder replace it silently, and keep leading whitespace, which is
	// how stack frames are told apart.
	fc.Encoding = "nop"
	// After copytruncate the writer starts over at offset 0; read what it
	// wrote since, rather than waiting for the file to outgrow the old size.
	fc.OnTruncate = fileconsumer.OnTruncateReadWholeFile
	fc.IncludeFileName = false
	fc.IncludeFilePath = true
	return fc
}

// newWatchedRuntime follows the Docker json-file and CRI log files, and
// watches their directories so that lines of files rotated away before the
// poller read them are recovered (see rotationwatch.go). The watch is nil
// where inotify is unavailable. The caller starts the manager with
// w.observePolls(persister) and calls w.stop() after the manager's Stop.
func (c *core) newWatchedRuntime() (*fileconsumer.Manager, *rotationWatch, error) {
	include, roots := c.runtimeIncludes()
	w := c.newRotationWatch(c.newTailerConfig(include, c.cfg.StartAt).Include, roots)
	m, err := c.newRuntimeTailer(w)
	if err != nil {
		w.stop()
		return nil, nil, err
	}
	return m, w, nil
}

func (c *core) newRuntimeTailer(w *rotationWatch) (*fileconsumer.Manager, error) {
	include, _ := c.runtimeIncludes()
	fc := c.newTailerConfig(include, c.cfg.StartAt)
	return fc.Build(c.set.TelemetrySettings, w.wrapEmit(c.emitRuntime), fileconsumer.WithSplitFunc(splitLines))
}

// runtimeIncludes returns the include patterns of the runtime files and
// the directories the rotation watch starts from.
func (c *core) runtimeIncludes() (include []string, roots []watchRoot) {
	if c.cfg.Docker.Enabled {
		include = append(include, filepath.Join(c.cfg.Docker.ContainersDir, "*", "*"+dockerLogSuffix))
		roots = append(roots, expandRoots(c.cfg.Docker.ContainersDir, 1)...)
	}
	if c.cfg.CRI.Enabled {
		include = append(include, filepath.Join(c.cfg.CRI.PodsDir, "*", "*", "*.log"))
		roots = append(roots, expandRoots(c.cfg.CRI.PodsDir, 2)...)
	}
	return include, roots
}

// expandRoots resolves a directory setting, which may be a glob, to the
// directories it names now.
func expandRoots(dir string, levels int) []watchRoot {
	dirs := []string{dir}
	if strings.ContainsAny(dir, "*?[\\") {
		dirs, _ = filepath.Glob(dir)
	}
	roots := make([]watchRoot, 0, len(dirs))
	for _, d := range dirs {
		roots = append(roots, watchRoot{dir: d, levels: levels})
	}
	return roots
}

// emitRuntime receives lines of a runtime log file from fileconsumer, which
// calls it concurrently for different files. Lines that cannot be attributed
// or that find no room under max_streams are counted one by one.
func (c *core) emitRuntime(_ context.Context, tokens [][]byte, attributes map[string]any, _ int64, _ []int64) error {
	path, _ := attributes[attrs.LogFilePath].(string)
	s, attributed := c.runtimeStream(path)
	if s == nil {
		if attributed {
			c.dropLines(len(tokens))
		} else {
			c.stats.linesRead.Add(int64(len(tokens)))
			c.stats.decodeErrors.Add(int64(len(tokens)))
		}
		return nil
	}
	now := time.Now()
	for _, t := range tokens {
		s.addLine(t, now)
	}
	return nil
}

// runtimeStream maps a runtime log path to its container's stream.
// attributed is false for a path that names no container (a CRI file outside
// the <namespace>_<pod>_<uid>/<container>/ layout); s is nil and attributed
// true when max_streams is reached.
func (c *core) runtimeStream(path string) (s *stream, attributed bool) {
	base := strings.TrimSuffix(path, rotatedSuffix)
	if c.cfg.Docker.Enabled && strings.HasSuffix(base, dockerLogSuffix) && isUnder(path, c.cfg.Docker.ContainersDir) {
		id := filepath.Base(filepath.Dir(path))
		owner := "container://" + id
		// The id alone attributes the lines; names come from what the
		// resolver knows now, never waited for, and every emission
		// refreshes them.
		return c.streamFor(owner, sourceStdio, formatDockerJSON, runtimeScope, func() containerid.Identity {
			return c.currentIdentity(owner, containerid.Identity{ContainerID: id, Runtime: containerid.RuntimeDocker})
		}), true
	}
	if c.cfg.CRI.Enabled && isUnder(path, c.cfg.CRI.PodsDir) {
		ns, pod, uid, container, err := containerid.ParsePodLogPath(base)
		if err != nil {
			return nil, false
		}
		// One owner per container instance: <n>.log is the n-th restart.
		owner := criOwnerPrefix + base
		return c.streamFor(owner, sourceStdio, formatCRI, runtimeScope, func() containerid.Identity {
			return c.currentIdentity(owner, containerid.Identity{PodUID: uid, PodName: pod, PodNamespace: ns, K8sContainerName: container})
		}), true
	}
	return nil, false
}

func isUnder(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// splitLines splits at '\n' and drops a trailing '\r'. At EOF a line
// without its newline is not returned: fileconsumer flushes it after its
// force_flush_period if the writer never finishes it.
func splitLines(data []byte, _ bool) (advance int, token []byte, err error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, bytes.TrimSuffix(data[:i], []byte{'\r'}), nil
	}
	return 0, nil, nil
}
