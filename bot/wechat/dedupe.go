package wechat

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Dedupe is a bounded set of message ids already delivered. openwechat
// never deduplicates and a hot login replays messages, so the set must
// survive restarts. The store can implement it later; FileDedupe is the
// small built-in one.
type Dedupe interface {
	// Seen records id and reports whether it was recorded before.
	Seen(id string) (bool, error)
}

// ring is the bounded in-memory set: the newest size ids.
type ring struct {
	size  int
	order []string
	set   map[string]struct{}
}

func newRing(size int) *ring {
	return &ring{size: size, set: make(map[string]struct{}, size)}
}

func (r *ring) has(id string) bool { _, ok := r.set[id]; return ok }

func (r *ring) add(id string) {
	if r.has(id) {
		return
	}
	r.order = append(r.order, id)
	r.set[id] = struct{}{}
	if over := len(r.order) - r.size; over > 0 {
		for _, old := range r.order[:over] {
			delete(r.set, old)
		}
		r.order = append([]string(nil), r.order[over:]...)
	}
}

// MemoryDedupe is a Dedupe that forgets on restart.
type MemoryDedupe struct {
	mu sync.Mutex
	r  *ring
}

// NewMemoryDedupe keeps the newest size ids in memory.
func NewMemoryDedupe(size int) *MemoryDedupe {
	return &MemoryDedupe{r: newRing(max(size, 1))}
}

// Seen implements Dedupe.
func (d *MemoryDedupe) Seen(id string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.r.has(id) {
		return true, nil
	}
	d.r.add(id)
	return false, nil
}

// FileDedupe keeps the newest size ids in memory and in a file, one id a
// line, appended as they arrive and compacted when the file holds twice
// the bound.
type FileDedupe struct {
	mu    sync.Mutex
	path  string
	r     *ring
	lines int // lines in the file
}

// NewFileDedupe loads (or starts) the id file at path (mode 0600).
func NewFileDedupe(path string, size int) (*FileDedupe, error) {
	d := &FileDedupe{path: path, r: newRing(max(size, 1))}
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("dedupe: load %s: %w", path, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			d.r.add(line)
			d.lines++
		}
	}
	return d, nil
}

// Seen implements Dedupe. An id that cannot be written is still
// remembered in memory; the error says the file is behind.
func (d *FileDedupe) Seen(id string) (bool, error) {
	id = strings.TrimSpace(id)
	if id == "" || strings.ContainsAny(id, "\r\n") {
		return false, fmt.Errorf("dedupe: bad id %q", id)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.r.has(id) {
		return true, nil
	}
	d.r.add(id)
	if d.lines+1 > 2*d.r.size {
		return false, d.compact()
	}
	f, err := os.OpenFile(d.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return false, fmt.Errorf("dedupe: %w", err)
	}
	_, err = f.WriteString(id + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, fmt.Errorf("dedupe: append: %w", err)
	}
	d.lines++
	return false, nil
}

// compact rewrites the file with just the ids in memory.
func (d *FileDedupe) compact() error {
	data := strings.Join(d.r.order, "\n") + "\n"
	if err := writeFileAtomic(d.path, []byte(data)); err != nil {
		return fmt.Errorf("dedupe: compact: %w", err)
	}
	d.lines = len(d.r.order)
	return nil
}

// writeFileAtomic replaces path with data (mode 0600) via a temp file in
// the same directory, so a crash never leaves half a file.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }()
	if err = f.Chmod(0o600); err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
