package data

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

// loadMigrations reads the embedded migrations and checks they are numbered
// 1..N without gaps, so a missing file cannot silently skip a step.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %q is not named NNNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(fsys, "migrations/"+e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d (numbers must run 1..N)", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the schema version this build of the store knows; the
// database's PRAGMA user_version equals it after Open.
func SchemaVersion() int {
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrate applies the pending migrations, each in its own transaction
// together with its user_version bump, so a failed step leaves the
// database at the previous version.
func (s *Store) migrate(ctx context.Context, fsys fs.FS) error {
	ms, err := loadMigrations(fsys)
	if err != nil {
		return fmt.Errorf("data: migrate: %w", err)
	}
	var cur int
	if err := s.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
		return fmt.Errorf("data: migrate: read user_version: %w", err)
	}
	if cur > len(ms) {
		return fmt.Errorf("data: migrate %s: database schema version %d is newer than this program (knows up to %d); upgrade wxdigest", s.path, cur, len(ms))
	}
	for _, m := range ms[cur:] {
		if m.version == ftsDropVersion {
			if err := s.dropLegacyFTS(ctx); err != nil {
				return fmt.Errorf("data: migrate %s: %s: %w", s.path, m.name, err)
			}
		}
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("data: migrate %s: %s: %w", s.path, m.name, err)
		}
		s.log.Info("applied migration", "path", s.path, "migration", m.name)
	}
	return nil
}

// ftsDropVersion is the migration that drops the FTS5 table article_terms.
const ftsDropVersion = 5

// legacyFTSShadows are the tables FTS5 keeps behind article_terms.
var legacyFTSShadows = []string{"article_terms_data", "article_terms_idx", "article_terms_docsize",
	"article_terms_config", "article_terms_content"}

// dropLegacyFTS removes the FTS5 table a store made before migration 0005
// may hold, when this build has no FTS5 module to drop it with (DROP
// TABLE of a virtual table needs its module). The table is dead data
// (0005 rebuilds search from the articles): its shadow tables are dropped
// as the ordinary tables they are, and its schema row is removed the way
// SQLite documents for a virtual table whose module is gone.
func (s *Store) dropLegacyFTS(ctx context.Context) error {
	var ddl string
	err := s.w.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'article_terms'`).Scan(&ddl)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !strings.HasPrefix(strings.ToUpper(ddl), "CREATE VIRTUAL TABLE")) {
		return nil // a fresh store's placeholder, or already gone
	}
	if err != nil {
		return fmt.Errorf("read the legacy search table: %w", err)
	}
	var haveFTS bool
	if err := s.w.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pragma_module_list WHERE name = 'fts5')`).Scan(&haveFTS); err != nil {
		return fmt.Errorf("list SQLite modules: %w", err)
	}
	if haveFTS {
		return nil // migration 0005 drops it the ordinary way
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range legacyFTSShadows {
		if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS `+t); err != nil {
			return fmt.Errorf("drop %s: %w", t, err)
		}
	}
	for _, q := range []string{`PRAGMA writable_schema = ON`,
		`DELETE FROM sqlite_master WHERE type = 'table' AND name = 'article_terms'`,
		`PRAGMA writable_schema = RESET`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("remove the legacy search table: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.log.Info("removed the FTS5 search table of an old store without the FTS5 module", "path", s.path)
	return nil
}

// foreignKeysOff marks a migration that rebuilds a table other tables
// refer to. SQLite's documented way (create, copy, drop, rename) needs
// foreign keys off, which a transaction cannot switch, so apply switches
// them on its pinned connection around the transaction and checks every
// reference before the commit.
const foreignKeysOff = "-- wxdigest: foreign_keys off"

func (s *Store) apply(ctx context.Context, m migration) (err error) {
	// One connection for the pragma and the transaction: the writer pool
	// has one, but pinning it says so.
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	fkOff := strings.HasPrefix(m.sql, foreignKeysOff)
	if fkOff {
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return err
		}
		defer func() {
			if _, ferr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON"); ferr != nil && err == nil {
				err = ferr
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Another process may have migrated between our read and BEGIN
	// IMMEDIATE; re-read under the write lock.
	var cur int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
		return err
	}
	if cur >= m.version {
		return nil
	}
	if cur != m.version-1 {
		return fmt.Errorf("database is at version %d, expected %d", cur, m.version-1)
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if fkOff {
		rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
		if err != nil {
			return err
		}
		broken := rows.Next()
		rows.Close()
		if broken {
			return fmt.Errorf("a foreign key no longer resolves after the rebuild")
		}
	}
	// PRAGMA takes no bound parameters; version is an int we parsed.
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version)); err != nil {
		return err
	}
	return tx.Commit()
}
