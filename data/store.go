package data

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3" // registers "sqlite3"; no build tag needed
)

// Options configures Open. Zero values mean defaults.
type Options struct {
	Logger *slog.Logger     // default: discard
	Now    func() time.Time // default: time.Now; stamps imported_at
}

// Store is the SQLite article store. It is safe for concurrent use: writes
// go through one connection (so they queue in Go instead of failing with
// "database is locked"), reads through a read-only pool that WAL lets run
// alongside the writer.
type Store struct {
	path string
	w    *sql.DB // the single writer connection
	r    *sql.DB // read-only pool
	log  *slog.Logger
	now  func() time.Time
	segs segmentCache // decoded search segments, shared by searches
	// builders holds posting builders between imports: a 1,000-article
	// import fills about 20 MB of pairs.
	builders sync.Pool

	walTrim int64 // trimWAL's threshold; 0: walTrimBytes (tests lower it)
}

// Open opens (creating if needed, with mode 0600) the database at path and
// applies any pending migrations.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	s := &Store{log: opts.Logger, now: opts.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if path == "" {
		return nil, fmt.Errorf("data: open: empty database path: %w", ErrInvalid)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("data: open %s: %w", path, err)
	}
	s.path = abs
	if err := s.createFile(); err != nil {
		return nil, err
	}

	s.w = sql.OpenDB(writerConnector{dsn(abs, false)})
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := s.quickCheck(ctx); err != nil {
		s.w.Close()
		return nil, err
	}
	if err := s.checkWriter(ctx); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("data: open %s: %w", path, err)
	}
	if err := s.migrate(ctx, migrationFS); err != nil {
		s.w.Close()
		return nil, err
	}
	if err := s.rebuildIfAsked(ctx); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("data: open %s: %w", path, err)
	}
	s.tightenSidecars()

	s.r, err = sql.Open("sqlite3", dsn(abs, true))
	if err != nil {
		s.w.Close()
		return nil, fmt.Errorf("data: open %s read-only: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	s.r.SetMaxOpenConns(n)
	s.r.SetMaxIdleConns(n)
	if err := s.r.PingContext(ctx); err != nil {
		s.r.Close()
		s.w.Close()
		return nil, fmt.Errorf("data: open %s read-only: %w", path, err)
	}
	return s, nil
}

// walTrimBytes: a WAL larger than this after an import is truncated, so a
// bulk import does not leave 100+ MB behind until the next checkpoint
// happens to reset it.
const walTrimBytes = 64 << 20

// trimWAL checkpoints and truncates the WAL once it has grown past
// walTrimBytes. Readers in progress may keep it from truncating; then the
// next trim does.
func (s *Store) trimWAL(ctx context.Context) {
	st, err := os.Stat(s.path + "-wal")
	limit := s.walTrim
	if limit == 0 {
		limit = walTrimBytes
	}
	if err != nil || st.Size() < limit {
		return
	}
	if _, err := s.w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		s.log.Warn("truncate the WAL", "path", s.path, "size", st.Size(), "err", err)
	}
}

// Close closes both pools. The store must not be used afterwards.
func (s *Store) Close() error {
	// Readers first: the last connection to close checkpoints and removes
	// the -wal file, and that should be the writer.
	rerr := s.r.Close()
	werr := s.w.Close()
	if err := errors.Join(rerr, werr); err != nil {
		return fmt.Errorf("data: close: %w", err)
	}
	return nil
}

// Path is the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// createFile makes sure the database file exists with mode 0600 before
// SQLite opens it; SQLite would create it 0644 (minus umask). SQLite gives
// the -wal and -shm files the database file's permission bits.
func (s *Store) createFile() error {
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("data: open %s: %w", s.path, err)
	}
	st, err := f.Stat()
	f.Close()
	if err != nil {
		return fmt.Errorf("data: open %s: %w", s.path, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("data: open %s: not a regular file: %w", s.path, ErrInvalid)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		// The store holds channel secrets and residents' groups: it is the
		// owner's alone, whatever made the file wider.
		if err := os.Chmod(s.path, perm&0o700); err != nil {
			return fmt.Errorf("data: open %s: mode %v is readable by others and cannot be tightened: %w", s.path, perm, err)
		}
		s.log.Warn("database file was readable by others; tightened", "path", s.path, "was", perm.String(), "now", (perm & 0o700).String())
	}
	return nil
}

// tightenSidecars removes group/other bits from -wal and -shm files that a
// different program may have left behind with a wider mode.
func (s *Store) tightenSidecars() {
	for _, suffix := range []string{"-wal", "-shm"} {
		p := s.path + suffix
		st, err := os.Stat(p)
		if err != nil {
			continue // not there: nothing to tighten
		}
		if st.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, st.Mode().Perm()&0o700); err != nil {
				s.log.Warn("cannot tighten permissions", "path", p, "err", err)
			}
		}
	}
}

// checkWriter connects the writer and confirms the DSN pragmas took effect
// (WAL cannot be enabled on some file systems, and SQLite then silently
// keeps the rollback journal).
func (s *Store) checkWriter(ctx context.Context) error {
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if mode != "wal" {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	return nil
}

// quickCheck runs SQLite's quick check (about 0.2 s for 200 MB) before
// anything reads or writes the store.
func (s *Store) quickCheck(ctx context.Context) error {
	var first string
	rows, err := s.w.QueryContext(ctx, "PRAGMA quick_check(1)")
	if err != nil {
		var se sqlite3.Error
		if errors.As(err, &se) && (se.Code == sqlite3.ErrCorrupt || se.Code == sqlite3.ErrNotADB) {
			return fmt.Errorf("data: open %s: %w: %v; restore a backup (made with wxdigest backup)", s.path, ErrDamaged, err)
		}
		return fmt.Errorf("data: open %s: %w", s.path, err)
	}
	if rows.Next() {
		err = rows.Scan(&first)
	}
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	if err != nil || first != "ok" {
		var se sqlite3.Error
		if first == "" && err != nil {
			if !errors.As(err, &se) || (se.Code != sqlite3.ErrCorrupt && se.Code != sqlite3.ErrNotADB) {
				return fmt.Errorf("data: open %s: %w", s.path, err)
			}
			first = err.Error()
		}
		return fmt.Errorf("data: open %s: %w (quick check: %s); restore a backup (made with wxdigest backup), or try wxdigest reindex if only the search index is hit", s.path, ErrDamaged, first)
	}
	return nil
}

// writerConnector opens the writer connection with the settings the DSN
// cannot carry.
type writerConnector struct{ dsn string }

// walCheckpointPages: a checkpoint copies the WAL into the database and
// syncs it. At SQLite's default of 1,000 pages (4 MB) a 1,000-article
// import checkpoints at every commit; 8,192 pages (32 MB) measured 18%
// faster imports, with the WAL file at most that much larger.
const walCheckpointPages = 8192

func (c writerConnector) Connect(ctx context.Context) (driver.Conn, error) {
	d := &sqlite3.SQLiteDriver{ConnectHook: func(conn *sqlite3.SQLiteConn) error {
		_, err := conn.Exec("PRAGMA wal_autocheckpoint = "+strconv.Itoa(walCheckpointPages), nil)
		return err
	}}
	return d.Open(c.dsn)
}

func (c writerConnector) Driver() driver.Driver { return &sqlite3.SQLiteDriver{} }

// dsn builds the go-sqlite3 URI for path. The writer gets immediate
// transactions: a deferred read-then-write transaction cannot be retried by
// the busy handler and fails with "database is locked".
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", "5000")
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", "NORMAL")
	if readOnly {
		q.Set("mode", "ro")
		q.Set("_query_only", "on")
	} else {
		q.Set("_journal_mode", "WAL")
		q.Set("_txlock", "immediate")
		// Imports merge search segments; a 32 MB cache keeps them off the
		// disk (default 2 MB).
		q.Set("_cache_size", "-32768")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}
