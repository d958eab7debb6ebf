package data

import (
	"context"
	"embed"
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
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("data: migrate %s: %s: %w", s.path, m.name, err)
		}
		s.log.Info("applied migration", "path", s.path, "migration", m.name)
	}
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
