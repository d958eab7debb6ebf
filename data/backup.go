package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Backup writes a consistent copy of the store to path with VACUUM INTO,
// while other connections (a running bot) go on reading and writing: the
// copy is the store as of one read transaction, compacted. The file is
// created 0600 first, as the store itself is, since it holds channel
// secrets; an existing non-empty path is refused, never overwritten.
func (s *Store) Backup(ctx context.Context, path string) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		if st, serr := os.Stat(path); serr == nil && st.Size() > 0 {
			return fmt.Errorf("data: backup to %s: the file exists; choose a new name", path)
		}
		f, err = os.OpenFile(path, os.O_WRONLY, 0)
		if err == nil {
			err = f.Chmod(0o600)
		}
	}
	if err != nil {
		return fmt.Errorf("data: backup to %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("data: backup to %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.Remove(path)
		}
	}()
	// A connection of its own (the read pool is read-only, which VACUUM
	// INTO's target cannot be): it only reads the store, in one read
	// transaction, so it neither waits for nor holds up the writer.
	db, err := sql.Open("sqlite3", dsn(s.path, false))
	if err != nil {
		return fmt.Errorf("data: backup to %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("data: backup to %s: %w", path, err)
	}
	return nil
}
