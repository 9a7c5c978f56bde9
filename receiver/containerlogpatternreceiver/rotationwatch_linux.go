// SPDX-License-Identifier: Apache-2.0

//go:build linux

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// dirMask asks inotify for the events that change which file a name holds.
// Writes (IN_MODIFY) are not watched: the poller reads the content, so the
// watch costs nothing while files only grow, and one event per rotation.
// IN_EXCL_UNLINK: no events for a file after its unlink.
const dirMask = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO |
	unix.IN_DELETE_SELF | unix.IN_ONLYDIR | unix.IN_EXCL_UNLINK

// watchRoot is a directory whose files sit levels directories below it
// (Docker: <containers_dir>/<id>/file, levels 1; CRI:
// <pods_dir>/<pod>/<container>/file, levels 2).
type watchRoot struct {
	dir    string
	levels int
}

// watchedDir is a watched directory; left is how many directory levels
// remain above its files (0: it holds files).
type watchedDir struct {
	path string
	left int
}

// rotationSys is the inotify half of the rotation watch: one descriptor,
// read by one goroutine through the runtime's poller, so an idle node pays
// nothing for it.
type rotationSys struct {
	fd   int
	file *os.File
	done chan struct{}

	mu      sync.Mutex
	wds     map[int32]watchedDir
	missing []watchRoot // roots that did not exist yet

	moves map[uint32]*trackedFile // by rename cookie; run goroutine only
}

// newRotationWatch starts watching the directories of the runtime log
// files. It returns nil (the poller alone, as before) when inotify is not
// available.
func (c *core) newRotationWatch(include []string, roots []watchRoot) *rotationWatch {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		c.set.Logger.Warn("rotation watch unavailable: lines of files rotated faster than poll_interval can be lost uncounted", zap.Error(err))
		return nil
	}
	w := newRotationAccount(c, include)
	s := &rotationSys{
		fd:    fd,
		file:  os.NewFile(uintptr(fd), "inotify"),
		done:  make(chan struct{}),
		wds:   make(map[int32]watchedDir),
		moves: make(map[uint32]*trackedFile),
	}
	w.sys = s
	for _, r := range roots {
		if !s.addDir(w, r.dir, r.levels, true) {
			s.missing = append(s.missing, r)
		}
	}
	go s.run(w)
	return w
}

// addDir watches dir and tracks what it holds; history says its files
// existed when the receiver started. It reports whether dir is watched.
func (s *rotationSys) addDir(w *rotationWatch, dir string, left int, history bool) bool {
	s.mu.Lock()
	full := len(s.wds) >= maxWatchedDirs
	s.mu.Unlock()
	if full {
		w.c.stats.untrackedWatchFailed.Add(1)
		return false
	}
	wd, err := unix.InotifyAddWatch(s.fd, dir, dirMask)
	if err != nil {
		if !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.ENOTDIR) {
			// ENOSPC: fs.inotify.max_user_watches reached.
			w.c.stats.untrackedWatchFailed.Add(1)
			w.c.set.Logger.Warn("cannot watch log directory for rotations", zap.String("dir", dir), zap.Error(err))
		}
		return false
	}
	s.mu.Lock()
	s.wds[int32(wd)] = watchedDir{path: dir, left: left}
	s.mu.Unlock()
	// Watch first, list second: a file created in between is seen twice
	// and tracked once.
	s.scan(w, dir, left, history, nil)
	return true
}

// scan tracks the files of dir and, above the file level, watches its
// subdirectories. A rescan (seen not nil) only lists the files of a file
// level directory and records their paths in seen.
func (s *rotationSys) scan(w *rotationWatch, dir string, left int, history bool, seen map[string]bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		switch {
		case e.IsDir() && left > 0 && seen == nil:
			s.addDir(w, path, left-1, history)
		case e.Type().IsRegular() && left == 0:
			if seen != nil {
				seen[path] = true
			}
			s.register(w, path, history)
		}
	}
}

// register opens a file that appeared at path and tracks it.
func (s *rotationSys) register(w *rotationWatch, path string, history bool) {
	if !w.included(path) {
		return
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !history {
			// Created and gone before it could be opened: its lines, if
			// any, cannot be known.
			w.c.stats.untrackedGoneBeforeOpen.Add(1)
		}
		return
	}
	info, err := f.Stat()
	st, ok := info.Sys().(*syscall.Stat_t)
	if err != nil || !ok || !info.Mode().IsRegular() {
		_ = f.Close()
		return
	}
	w.mu.Lock()
	kept := w.track(fileKey{dev: st.Dev, ino: st.Ino}, f, path, history)
	w.mu.Unlock()
	if !kept {
		_ = f.Close()
	}
}

func (s *rotationSys) run(w *rotationWatch) {
	defer close(s.done)
	buf := make([]byte, 64<<10)
	for {
		n, err := s.file.Read(buf)
		if err != nil {
			return // closed by stop
		}
		s.handle(w, buf[:n])
	}
}

// handle applies a buffer of inotify events.
func (s *rotationSys) handle(w *rotationWatch, b []byte) {
	for len(b) >= unix.SizeofInotifyEvent {
		wd := int32(binary.NativeEndian.Uint32(b[0:]))
		mask := binary.NativeEndian.Uint32(b[4:])
		cookie := binary.NativeEndian.Uint32(b[8:])
		nameLen := int(binary.NativeEndian.Uint32(b[12:]))
		end := min(len(b), unix.SizeofInotifyEvent+nameLen)
		name := string(bytes.TrimRight(b[unix.SizeofInotifyEvent:end], "\x00"))
		b = b[end:]

		if mask&unix.IN_Q_OVERFLOW != 0 {
			w.c.stats.untrackedOverflow.Add(1)
			s.rescan(w)
			continue
		}
		s.mu.Lock()
		d, ok := s.wds[wd]
		if ok && mask&unix.IN_IGNORED != 0 {
			delete(s.wds, wd)
		}
		s.mu.Unlock()
		if !ok {
			continue
		}
		if mask&unix.IN_IGNORED != 0 {
			if d.left == 0 {
				w.dirRemoved(d.path)
			}
			continue
		}
		if name == "" {
			continue // IN_DELETE_SELF: IN_IGNORED follows
		}
		path := filepath.Join(d.path, name)
		if mask&unix.IN_ISDIR != 0 {
			if d.left > 0 && mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0 {
				// A new container or pod: its files are new too.
				s.addDir(w, path, d.left-1, false)
			}
			continue
		}
		if d.left != 0 {
			continue
		}
		switch {
		case mask&unix.IN_MOVED_FROM != 0:
			w.mu.Lock()
			tf := w.byPath[path]
			w.mu.Unlock()
			if tf != nil {
				if len(s.moves) > 1024 {
					clear(s.moves) // pairs whose other half went to an unwatched directory
				}
				s.moves[cookie] = tf
			}
			w.removed(path)
		case mask&unix.IN_MOVED_TO != 0:
			if tf := s.moves[cookie]; tf != nil {
				delete(s.moves, cookie)
				w.mu.Lock()
				if w.files[tf.key] == tf {
					w.rename(tf, path)
				}
				w.mu.Unlock()
				continue
			}
			s.register(w, path, false)
		case mask&unix.IN_CREATE != 0:
			s.register(w, path, false)
		case mask&unix.IN_DELETE != 0:
			w.removed(path)
		}
	}
}

// rescan rebuilds the names after the kernel dropped events: files found
// are tracked (or renamed), tracked files not found left.
func (s *rotationSys) rescan(w *rotationWatch) {
	s.mu.Lock()
	dirs := make([]watchedDir, 0, len(s.wds))
	for _, d := range s.wds {
		dirs = append(dirs, d)
	}
	s.mu.Unlock()
	seen := make(map[string]bool)
	for _, d := range dirs {
		if d.left == 0 {
			s.scan(w, d.path, 0, false, seen)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, tf := range w.files {
		if tf.path != "" && !seen[tf.path] {
			w.rename(tf, "")
		}
	}
}

// retryRoots watches the roots that did not exist at start, once they do.
func (s *rotationSys) retryRoots(w *rotationWatch) {
	if s == nil || len(s.missing) == 0 {
		return
	}
	missing := s.missing[:0]
	for _, r := range s.missing {
		if !s.addDir(w, r.dir, r.levels, false) {
			missing = append(missing, r)
		}
	}
	s.missing = missing
}

// close stops the event goroutine.
func (s *rotationSys) close() {
	if s == nil {
		return
	}
	_ = s.file.Close()
	<-s.done
}
