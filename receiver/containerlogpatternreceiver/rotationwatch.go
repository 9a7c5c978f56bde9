// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"go.opentelemetry.io/collector/extension/xextension/storage"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer/attrs"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer/emit"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator"
)

// The rotation watch recovers the lines of runtime log files that the poller
// (fileconsumer) never read because the file was rotated away between two
// polls. The poller finds files by globbing every poll_interval: a file
// created and renamed past "<file>.1" or deleted between two polls is never
// opened, and the lines written to a file after the poller's last read of it
// are lost when it is deleted. The watch learns every followed file from
// inotify as it is created and holds a descriptor on it, so its content
// stays readable after rename and unlink. For every file it records how far
// the poller delivered its content (the emit callback's offsets). When a file
// has left the include set and the poller can no longer read it, the watch
// reads the rest, from the end of the last delivery to the end of the file,
// and feeds those lines to the streams, counted in lines_recovered.
//
// Content, not the inode, tells a copy apart: with copytruncate the rotated
// "<file>.1" is a new inode holding the old content of the live file, whose
// first part the poller delivered from the live file. Deliveries are
// therefore recorded per directory under the file's head (its first line),
// and a file's rest starts after the furthest delivery of any file of that
// directory with the same head. Runtime lines carry a nanosecond timestamp,
// so two different contents do not share a head.
//
// The poller is done with a file two polls after it left the include set:
// the poll in progress may have opened it just before; the next one reads it
// to the end as a "lost" file and closes it before it saves its offsets
// (observePolls counts those saves).
const (
	// maxTrackedFiles caps the files held open by the watch; a file over
	// the cap is counted as untracked{reason="max_files"}.
	maxTrackedFiles = 16384
	// maxWatchedDirs caps the inotify watches (one per container, pod and
	// pod container directory).
	maxWatchedDirs = 16384
	// headBytes bounds a head: the first line, or its first headBytes bytes.
	headBytes = 256
	// maxHeadsPerDir keeps the deliveries of the last contents of a
	// directory: copies live as long as the rotation keeps them.
	maxHeadsPerDir = 32
	// pollsUntilDone is how many poller saves after a file left the
	// include set the poller cannot read it any more.
	pollsUntilDone = 2
	// rescueBufferSize is the read size when recovering a file's rest.
	rescueBufferSize = 64 << 10
	// verifyBytes is how much of a delivery is compared with a candidate
	// file to tell which inode the poller read.
	verifyBytes = 128
)

// fileKey names a file by device and inode.
type fileKey struct{ dev, ino uint64 }

// trackedFile is a followed file the watch holds open.
type trackedFile struct {
	key  fileKey
	file *os.File
	dir  string
	// path is its current name, "" once deleted or moved out of the watched
	// directories; attributed is its last name in the include set, which
	// names its container.
	path, attributed string
	// names are the include-set paths it had: the poller reports a
	// delivery under the path it opened the file by.
	names []string
	// baseline, for a file that existed when the receiver started, is its
	// size then: history that start_at may skip; it applies while the
	// file's head is still baselineHead.
	baseline     int64
	baselineHead string
	// goneAt is the poller's save count when the file left the include set,
	// -1 while it is in it.
	goneAt int64
}

// headState is what the poller delivered of the contents of one directory.
type headState struct {
	delivered map[string]int64 // head -> end offset of the furthest delivery
	order     []string         // heads, oldest first, to bound the map
	files     int              // tracked files in the directory
	removed   bool             // the directory was deleted
}

// rotationWatch is the accounting half of the watch; the platform half
// (rotationwatch_linux.go) feeds it file events.
type rotationWatch struct {
	c       *core
	include []string // the poller's include patterns

	mu      sync.Mutex
	files   map[fileKey]*trackedFile
	byPath  map[string]*trackedFile   // current holder of each watched path
	lineage map[string][]*trackedFile // files that had each include-set path
	dirs    map[string]*headState
	polls   int64 // saves of the poller's offsets seen
	nGone   int   // files waiting to be finished

	sys *rotationSys // platform state, nil when the platform has no watch
}

func newRotationAccount(c *core, include []string) *rotationWatch {
	return &rotationWatch{
		c:       c,
		include: include,
		files:   make(map[fileKey]*trackedFile),
		byPath:  make(map[string]*trackedFile),
		lineage: make(map[string][]*trackedFile),
		dirs:    make(map[string]*headState),
	}
}

// included says whether the poller follows path.
func (w *rotationWatch) included(path string) bool {
	for _, p := range w.include {
		if ok, _ := filepath.Match(p, path); ok {
			return true
		}
	}
	return false
}

// wrapEmit records what the poller delivers before passing it on.
func (w *rotationWatch) wrapEmit(next emit.Callback) emit.Callback {
	if w == nil {
		return next
	}
	return func(ctx context.Context, tokens [][]byte, attributes map[string]any, lastRecordNumber int64, offsets []int64) error {
		if path, ok := attributes[attrs.LogFilePath].(string); ok && len(tokens) > 0 && len(offsets) > len(tokens) {
			w.delivered(path, tokens, offsets)
		}
		return next(ctx, tokens, attributes, lastRecordNumber, offsets)
	}
}

// delivered records that the poller delivered tokens read from path, whose
// bytes span offsets[0]..offsets[len(tokens)] of the file. Only the head of
// the content read is needed. A delivery from the start of a file carries
// its head. Any other (a reader continuing, or resuming a renamed file or a
// copy recognised by its fingerprint) is matched by content: the file, among
// those that had the path, whose bytes at the offset are the delivered
// text, and its head is read from it, two preads per delivered batch, none
// per line. (Guessing that a batch continues the path's last delivery when
// the offsets agree is wrong under rotation: files of equal-length lines
// rotated every N lines end at the same offsets, and one file's delivery
// would be credited to another, whose rest would then be read again.)
func (w *rotationWatch) delivered(path string, tokens [][]byte, offsets []int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	start, end := offsets[0], offsets[len(tokens)]
	dir := filepath.Dir(path)
	head, ok := "", false
	if start == 0 {
		head, ok = headOfDelivery(tokens, offsets)
	}
	if !ok {
		tf := w.fileAt(path, start, rawPrefix(tokens, offsets, verifyBytes))
		if tf == nil {
			return // a file the watch does not hold (over the cap, or missed)
		}
		if head = headOfFile(tf.file); head == "" {
			return
		}
	}
	w.recordDelivery(dir, head, end)
}

// fileAt finds the file that had path and holds want at off. Called with
// w.mu held.
func (w *rotationWatch) fileAt(path string, off int64, want []byte) *trackedFile {
	cands := w.lineage[path]
	for i := len(cands) - 1; i >= 0; i-- {
		if contentAt(cands[i].file, off, want) {
			return cands[i]
		}
	}
	return nil
}

// recordDelivery raises the delivered end of a content. Called with w.mu held.
func (w *rotationWatch) recordDelivery(dir, head string, end int64) {
	hs := w.dirState(dir)
	old, known := hs.delivered[head]
	if !known {
		hs.order = append(hs.order, head)
		if len(hs.order) > maxHeadsPerDir {
			delete(hs.delivered, hs.order[0])
			hs.order = hs.order[1:]
		}
	}
	hs.delivered[head] = max(old, end)
}

func (w *rotationWatch) dirState(dir string) *headState {
	hs := w.dirs[dir]
	if hs == nil {
		hs = &headState{delivered: make(map[string]int64)}
		w.dirs[dir] = hs
	}
	return hs
}

// track starts holding f, found at path. history says the file existed
// when the receiver started: its present content is not recovered. It
// reports false when f is already tracked or over the cap; the caller then
// closes f. Called with w.mu held.
func (w *rotationWatch) track(key fileKey, f *os.File, path string, history bool) bool {
	if tf := w.files[key]; tf != nil {
		w.rename(tf, path)
		return false
	}
	if len(w.files) >= maxTrackedFiles {
		w.c.stats.untrackedMaxFiles.Add(1)
		return false
	}
	tf := &trackedFile{key: key, file: f, dir: filepath.Dir(path), goneAt: -1}
	if history {
		if info, err := f.Stat(); err == nil {
			tf.baseline = info.Size()
			tf.baselineHead = headOfFile(f)
		}
	}
	w.files[key] = tf
	w.dirState(tf.dir).files++
	w.rename(tf, path)
	return true
}

// rename records that tf is now called path ("" when deleted or moved out
// of the watched directories). Called with w.mu held.
func (w *rotationWatch) rename(tf *trackedFile, path string) {
	if tf.path != "" && w.byPath[tf.path] == tf {
		delete(w.byPath, tf.path)
	}
	tf.path = path
	if path != "" {
		if prev := w.byPath[path]; prev != nil && prev != tf {
			// Replaced without an event we saw: the previous holder left.
			prev.path = ""
			w.leave(prev)
		}
		w.byPath[path] = tf
	}
	if path != "" && w.included(path) {
		tf.attributed = path
		if !slices.Contains(tf.names, path) {
			tf.names = append(tf.names, path)
			w.lineage[path] = append(w.lineage[path], tf)
		}
		if tf.goneAt >= 0 {
			tf.goneAt = -1
			w.nGone--
		}
		return
	}
	w.leave(tf)
}

// leave marks tf as out of the include set. Called with w.mu held.
func (w *rotationWatch) leave(tf *trackedFile) {
	if tf.goneAt < 0 {
		tf.goneAt = w.polls
		w.nGone++
	}
}

// removed handles the deletion, or the move out of sight, of path.
func (w *rotationWatch) removed(path string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if tf := w.byPath[path]; tf != nil {
		w.rename(tf, "")
	}
}

// dirRemoved forgets a deleted directory once its files are finished.
func (w *rotationWatch) dirRemoved(dir string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if hs := w.dirs[dir]; hs != nil {
		hs.removed = true
		if hs.files == 0 {
			delete(w.dirs, dir)
		}
	}
}

// observePolls wraps the persister the poller saves its offsets through:
// each save ends a poll, after which the files the poller can no longer
// read are finished.
func (w *rotationWatch) observePolls(p operator.Persister) operator.Persister {
	if w == nil {
		return p
	}
	return &pollObserver{Persister: p, w: w}
}

type pollObserver struct {
	operator.Persister
	w *rotationWatch
}

func (p *pollObserver) Batch(ctx context.Context, ops ...*storage.Operation) error {
	// Recover before the save: the recovered lines then reach the streams
	// before their pending lines are snapshot with the offsets.
	p.w.pollEnded()
	return p.Persister.Batch(ctx, ops...)
}

// pollEnded counts a poll and finishes the files the poller is done with.
func (w *rotationWatch) pollEnded() {
	w.mu.Lock()
	w.polls++
	var done []*trackedFile
	if w.nGone > 0 {
		for _, tf := range w.files {
			if tf.goneAt >= 0 && tf.goneAt+pollsUntilDone <= w.polls {
				done = append(done, tf)
			}
		}
	}
	w.mu.Unlock()
	for _, tf := range done {
		w.finish(tf)
	}
	w.sys.retryRoots(w)
}

// finish recovers the rest of a file the poller is done with and lets it go.
func (w *rotationWatch) finish(tf *trackedFile) {
	head := headOfFile(tf.file)
	w.mu.Lock()
	start := w.dirs[tf.dir].delivered[head]
	if head == tf.baselineHead {
		start = max(start, tf.baseline)
	}
	w.forget(tf)
	w.mu.Unlock()
	if head != "" {
		w.recover(tf, start)
	}
	_ = tf.file.Close()
}

// forget drops tf from every index. Called with w.mu held.
func (w *rotationWatch) forget(tf *trackedFile) {
	delete(w.files, tf.key)
	if tf.path != "" && w.byPath[tf.path] == tf {
		delete(w.byPath, tf.path)
	}
	for _, n := range tf.names {
		l := slices.DeleteFunc(w.lineage[n], func(o *trackedFile) bool { return o == tf })
		if len(l) == 0 {
			delete(w.lineage, n)
		} else {
			w.lineage[n] = l
		}
	}
	if tf.goneAt >= 0 {
		w.nGone--
	}
	if hs := w.dirs[tf.dir]; hs != nil {
		hs.files--
		if hs.removed && hs.files == 0 {
			delete(w.dirs, tf.dir)
		}
	}
}

// recover reads tf from start to its end and feeds its lines to the
// runtime path, split and cut as the poller would (a line over max_log_size
// is cut, the rest of it skipped; a last line without its newline is a
// line: nothing will complete it).
func (w *rotationWatch) recover(tf *trackedFile, start int64) {
	if tf.attributed == "" {
		return
	}
	maxLine := w.c.cfg.MaxLogSize
	attributes := map[string]any{attrs.LogFilePath: tf.attributed}
	var (
		line     []byte
		skipping bool // the rest of a line over max_log_size
		batch    [][]byte
		buf      = make([]byte, rescueBufferSize)
		off      = start
	)
	flush := func() {
		if len(batch) > 0 {
			w.c.stats.linesRecovered.Add(int64(len(batch)))
			_ = w.c.emitRuntime(context.Background(), batch, attributes, 0, nil)
			batch = nil
		}
	}
	add := func(l []byte) {
		batch = append(batch, bytes.TrimSuffix(l, []byte{'\r'}))
		if len(batch) >= 100 {
			flush()
		}
	}
	for {
		n, err := tf.file.ReadAt(buf, off)
		off += int64(n)
		data := buf[:n]
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			piece := data
			if i >= 0 {
				piece = data[:i]
			}
			if !skipping {
				room := maxLine - len(line)
				if len(piece) >= room {
					line = append(line, piece[:room]...)
					add(line)
					line, skipping = nil, true
				} else {
					line = append(line, piece...)
				}
			}
			if i < 0 {
				break
			}
			if !skipping {
				add(line)
			}
			line, skipping = nil, false
			data = data[i+1:]
		}
		if err != nil || n == 0 {
			break
		}
	}
	if len(line) > 0 {
		add(line)
	}
	flush()
}

// stop finishes every file that left the include set (the poller is
// stopped: it reads none of them any more) and releases the watch. Files
// still in the include set are the poller's to resume after a restart.
func (w *rotationWatch) stop() {
	if w == nil {
		return
	}
	w.sys.close()
	w.mu.Lock()
	var gone, live []*trackedFile
	for _, tf := range w.files {
		if tf.goneAt >= 0 {
			gone = append(gone, tf)
		} else {
			live = append(live, tf)
		}
	}
	w.mu.Unlock()
	for _, tf := range gone {
		w.finish(tf)
	}
	for _, tf := range live {
		_ = tf.file.Close()
	}
}

// rawPrefix rebuilds up to n bytes of the file content a delivery was cut
// from: each token followed by its line end, as long as that end is known
// (a line cut at max_log_size hides the rest of its bytes).
func rawPrefix(tokens [][]byte, offsets []int64, n int) []byte {
	out := make([]byte, 0, n)
	for i, t := range tokens {
		out = append(out, t...)
		switch offsets[i+1] - offsets[i] - int64(len(t)) {
		case 1:
			out = append(out, '\n')
		case 2:
			out = append(out, '\r', '\n')
		default:
			return out[:min(len(out), n)]
		}
		if len(out) >= n {
			return out[:n]
		}
	}
	return out
}

// contentAt says whether f holds want at off.
func contentAt(f *os.File, off int64, want []byte) bool {
	got := make([]byte, len(want))
	n, _ := f.ReadAt(got, off)
	return n == len(want) && bytes.Equal(got, want)
}

// headOfDelivery is the head of a file read from its start, taken from
// the delivery itself: the file may have been truncated since.
func headOfDelivery(tokens [][]byte, offsets []int64) (string, bool) {
	first := offsets[1] - offsets[0]
	raw := rawPrefix(tokens[:1], offsets, headBytes)
	if int64(len(raw)) == min(first, headBytes) && (first > headBytes || raw[len(raw)-1] == '\n') {
		return string(raw), true
	}
	return "", false
}

// headOfFile reads the head of f: its first line with its newline, or its
// first headBytes bytes; "" for an empty file.
func headOfFile(f *os.File) string {
	buf := make([]byte, headBytes)
	n, _ := f.ReadAt(buf, 0)
	buf = buf[:n]
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		buf = buf[:i+1]
	}
	return string(buf)
}
