package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxdigest/wxdigest/model"
)

// Options configures Open.
type Options struct {
	Logger *slog.Logger     // default: discard
	Now    func() time.Time // default: time.Now; stamps every time the store takes from "now"
}

// Store is the PostgreSQL store. It is safe for concurrent use, by many
// goroutines and by many processes on one database.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
	log  *slog.Logger
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered file of migrations/.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations reads migrations/NNNN_name.sql in order; the numbers must run
// 1, 2, 3… without gaps.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var ms []migration
	for i, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != i+1 {
			return nil, fmt.Errorf("migration %s: want number %04d", base, i+1)
		}
		b, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	return ms, nil
}

// migrationLock is the pg_advisory_xact_lock key every migration
// transaction takes first, so that Opens racing on one database apply each
// migration once, in order ("wxdg" "mig1").
const migrationLock int64 = 0x77786467_6d696731

// Open connects to the database at url (a postgres:// URL or a libpq
// keyword string), brings its schema up to date and returns the store.
// Each migration runs in a transaction of its own that first takes an
// advisory lock, so any number of processes may Open one database at
// once. A database whose schema is newer than this build is refused.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	s := &Store{pool: pool, now: opts.Now, log: opts.Logger}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	return s, nil
}

// Close closes the store's connections.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// migrate applies the migrations the database lacks, one transaction each.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
				version    INTEGER PRIMARY KEY,
				name       TEXT NOT NULL,
				applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
				return err
			}
			var cur int
			if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&cur); err != nil {
				return err
			}
			if cur > len(ms) {
				return fmt.Errorf("the database's schema version %d is newer than this build's %d", cur, len(ms))
			}
			if cur >= m.version {
				return nil
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return err
			}
			s.log.Info("pgstore: migrated", "version", m.version, "name", m.name)
			return nil
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// SchemaVersion reports the number of the last migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("pgstore: schema version: %w", err)
	}
	return v, nil
}

// ts is how the store keeps a time: UTC, to the microsecond, cut (not
// rounded) like the SQLite store's fixed-width text.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// nullTS is ts of a nullable column: the zero time is NULL.
func nullTS(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	v := ts(t)
	return &v
}

// fromNull reads a nullable timestamptz; NULL is the zero time.
func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// checkTime refuses what the SQLite store refuses: the zero time and years
// outside 1..9999.
func checkTime(what string, t time.Time) error {
	if t.IsZero() {
		return fmt.Errorf("zero %s: %w", what, model.ErrInvalid)
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("%s %s out of range: %w", what, t.UTC().Format(time.RFC3339), model.ErrInvalid)
	}
	return nil
}

// checkName refuses empty, blank or non-UTF-8 names (remarks, group names,
// keys) and names holding a NUL character. Names are stored exactly as
// given: they are identifiers compared byte for byte, so a NUL is refused
// rather than dropped (PostgreSQL's text cannot hold one; both stores
// refuse it alike).
func checkName(what, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("empty %s: %w", what, model.ErrInvalid)
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("%s is not valid UTF-8: %w", what, model.ErrInvalid)
	}
	return checkNUL(what, v)
}

// checkNUL refuses a name or key, possibly empty, holding a NUL character.
func checkNUL(what, v string) error {
	if hasNUL(v) {
		return fmt.Errorf("%s holds a NUL character: %w", what, model.ErrInvalid)
	}
	return nil
}

// hasNUL reports a NUL character in v: a lookup by such a name finds
// nothing, as no store keeps one.
func hasNUL(v string) bool { return strings.IndexByte(v, 0) >= 0 }

// checkNULs is checkNUL of every value of vs.
func checkNULs(what string, vs []string) error {
	for _, v := range vs {
		if err := checkNUL(what, v); err != nil {
			return err
		}
	}
	return nil
}

// stripNUL removes the NUL characters of free text that comes from outside
// and must not be lost (an audit detail, a reply, a delivery part, an error
// text, a meta value): PostgreSQL's text cannot hold U+0000, and both
// stores keep such text without them.
func stripNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}

// list is a slice for a TEXT[] column: never NULL.
func list(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// unlist reads a TEXT[] column; none is nil.
func unlist(v []string) []string {
	if len(v) == 0 {
		return nil
	}
	return v
}

// tx runs f in one transaction and prefixes errors with op. A transaction
// PostgreSQL aborted as a deadlock victim or a serialization failure is run
// again, a few times: f must start from scratch each call.
func (s *Store) tx(ctx context.Context, op string, f func(tx pgx.Tx) error) error {
	var err error
	for range 5 {
		err = pgx.BeginFunc(ctx, s.pool, f)
		if !retryable(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("pgstore: %s: %w", op, err)
	}
	return nil
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// uniqueViolation reports a unique constraint's refusal.
func uniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// scanner is a pgx.Row or pgx.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect reads every row of rows with scan.
func collect[T any](rows pgx.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
