package data

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// botTimeLayout is how the bot tables store times: UTC, fixed width, so
// that text order is time order and MAX/range scans work on the column;
// microseconds, as PostgreSQL's timestamptz would keep them.
const botTimeLayout = "2006-01-02T15:04:05.000000Z"

// botTime formats t for the bot tables.
func botTime(t time.Time) string { return t.UTC().Format(botTimeLayout) }

// parseBotTime reads a time written by botTime.
func parseBotTime(s string) (time.Time, error) {
	t, err := time.Parse(botTimeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// parseNullBotTime reads a nullable time column; NULL is the zero time.
func parseNullBotTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return parseBotTime(s.String)
}

// checkBotTime refuses times the fixed-width layout cannot order: the zero
// time and years outside 1..9999.
func checkBotTime(what string, t time.Time) error {
	if t.IsZero() {
		return fmt.Errorf("zero %s: %w", what, ErrInvalid)
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("%s %s out of range: %w", what, t.UTC().Format(time.RFC3339), ErrInvalid)
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
		return fmt.Errorf("empty %s: %w", what, ErrInvalid)
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("%s is not valid UTF-8: %w", what, ErrInvalid)
	}
	return checkNUL(what, v)
}

// checkNUL refuses a name or key, possibly empty, holding a NUL character.
func checkNUL(what, v string) error {
	if hasNUL(v) {
		return fmt.Errorf("%s holds a NUL character: %w", what, ErrInvalid)
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

// botTx runs f in one immediate transaction on the writer (the DSN's
// _txlock=immediate takes the write lock at BEGIN, so a read-then-write
// inside f cannot lose a race against another process) and prefixes
// errors with op.
func (s *Store) botTx(ctx context.Context, op string, f func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("data: %s: %w", op, err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return fmt.Errorf("data: %s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("data: %s: commit: %w", op, err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// botScanner is a *sql.Row or *sql.Rows.
type botScanner interface{ Scan(dest ...any) error }
