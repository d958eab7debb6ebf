package wechat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/eatmoreapple/openwechat"
)

// storageFile is the hot-login storage on disk (openwechat's
// HotReloadStorageItem as JSON). It works around two v1.4.8 bugs: the jar
// is saved without cookie domains, so after a hot login webpush./file.
// hosts get no cookies (Read copies the main host's cookies to them); and a
// jar restored that way saves as empty (Write keeps the previous cookies
// instead of wiping them).
type storageFile struct {
	path string
	mu   sync.Mutex
}

// storageDoc is the part of HotReloadStorageItem the workaround touches;
// the rest passes through untouched.
type storageDoc map[string]json.RawMessage

type cookieJar map[string][]*http.Cookie

func (d storageDoc) domain() string {
	var s string
	_ = json.Unmarshal(d["WechatDomain"], &s)
	return s
}

func (d storageDoc) jar() cookieJar {
	var j cookieJar
	_ = json.Unmarshal(d["Jar"], &j)
	if j == nil {
		j = cookieJar{}
	}
	return j
}

func (d storageDoc) setJar(j cookieJar) error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	d["Jar"] = b
	return nil
}

// uin is the account the stored session belongs to (0 if unknown).
func (d storageDoc) uin() int64 {
	var li struct{ WxUin int64 }
	_ = json.Unmarshal(d["LoginInfo"], &li)
	return li.WxUin
}

// mergeCookies adds to dst the cookies of src whose names dst lacks.
func mergeCookies(dst, src []*http.Cookie) []*http.Cookie {
	have := map[string]bool{}
	for _, c := range dst {
		have[c.Name] = true
	}
	for _, c := range src {
		if c != nil && !have[c.Name] {
			cc := *c
			dst = append(dst, &cc)
			have[c.Name] = true
		}
	}
	return dst
}

// fixForRead copies the cookies stored for https://<domain> to the
// webpush. and file. hosts, which is where the real jar would have sent
// them (they carry Domain=<domain>/qq.com, lost by openwechat's dump).
func fixForRead(d storageDoc) error {
	domain := d.domain()
	if domain == "" {
		return nil
	}
	j := d.jar()
	main := j["https://"+domain]
	if len(main) == 0 {
		return nil
	}
	for _, sub := range []string{"webpush.", "file."} {
		k := "https://" + sub + domain
		j[k] = mergeCookies(j[k], main)
	}
	return d.setJar(j)
}

// mergeForWrite keeps the previous document's cookies for hosts under the
// new domain when the new jar lacks them (a jar restored by hot login
// dumps as {} until the server sets cookies again).
func mergeForWrite(next, prev storageDoc) error {
	if prev == nil {
		return nil
	}
	domain := next.domain()
	nj, pj := next.jar(), prev.jar()
	for host, cs := range pj {
		if domain == "" || !strings.HasSuffix(host, domain) {
			continue
		}
		nj[host] = mergeCookies(nj[host], cs)
	}
	return next.setJar(nj)
}

func (s *storageFile) readDoc() (storageDoc, error) {
	b, err := os.ReadFile(s.path)
	if err != nil {
		return nil, err
	}
	var d storageDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("storage %s: %w", s.path, err)
	}
	return d, nil
}

// load returns the stored document ready for openwechat to read (cookie
// fix applied), or openwechat.ErrInvalidStorage when there is none. A file
// readable by others is tightened to 0600 (it holds session cookies).
func (s *storageFile) load() ([]byte, storageDoc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fi, err := os.Stat(s.path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		_ = os.Chmod(s.path, 0o600)
	}
	d, err := s.readDoc()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, openwechat.ErrInvalidStorage
	}
	if err != nil {
		return nil, nil, err
	}
	if len(d) == 0 {
		return nil, nil, openwechat.ErrInvalidStorage
	}
	if err := fixForRead(d); err != nil {
		return nil, nil, err
	}
	b, err := json.Marshal(d)
	return b, d, err
}

// write stores one dump, merged with the previous one's cookies.
func (s *storageFile) write(p []byte) error {
	var next storageDoc
	if err := json.Unmarshal(p, &next); err != nil {
		return fmt.Errorf("storage: decode dump: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prev, err := s.readDoc()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		prev = nil // a corrupt previous file is simply replaced
	}
	if err := mergeForWrite(next, prev); err != nil {
		return err
	}
	b, err := json.Marshal(next)
	if err != nil {
		return err
	}
	return writeFileAtomic(s.path, b)
}

// exists reports whether a stored session is there to try.
func (s *storageFile) exists() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	fi, err := os.Stat(s.path)
	return err == nil && fi.Size() > 0
}

// storedUin is the Uin of the stored session, 0 if none.
func (s *storageFile) storedUin() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.readDoc()
	if err != nil {
		return 0
	}
	return d.uin()
}

// botStorage is the HotReloadStorage one Bot sees. Dumps are held in
// memory until the supervisor has checked the account (commit), so a
// wrong account never overwrites the stored session.
type botStorage struct {
	file   *storageFile
	noRead bool // scan login: behave as if nothing were stored
	// push login starts a new session: the stored SyncKey is the old
	// session's, and openwechat would let it override webinit's fresh one
	// (bot.go webInit), so the new session would sync from a foreign key.
	noSyncKey bool
	mu        sync.Mutex
	rd        *bytes.Reader
	pending   []byte
	commit    bool
	closed    bool
}

var _ openwechat.HotReloadStorage = (*botStorage)(nil)

func (b *botStorage) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.noRead {
		return 0, openwechat.ErrInvalidStorage
	}
	if b.rd == nil {
		data, doc, err := b.file.load()
		if err != nil {
			return 0, err
		}
		if b.noSyncKey {
			delete(doc, "SyncKey")
			if data, err = json.Marshal(doc); err != nil {
				return 0, err
			}
		}
		b.rd = bytes.NewReader(data)
	}
	return b.rd.Read(p)
}

// Write takes one whole dump (openwechat's JSON encoder writes each dump
// in a single call).
func (b *botStorage) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return 0, errors.New("storage: session ended")
	case !b.commit:
		b.pending = append(b.pending[:0], p...)
		return len(p), nil
	}
	if err := b.file.write(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// close stops all writes: once it returns, a Bot still winding down can
// no longer touch the file.
func (b *botStorage) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.pending = nil
}

// accept writes the held dump and lets later dumps through.
func (b *botStorage) accept() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return errors.New("storage: session ended")
	}
	b.commit = true
	if len(b.pending) == 0 {
		return nil
	}
	p := b.pending
	b.pending = nil
	return b.file.write(p)
}
