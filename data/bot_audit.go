package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wxdigest/wxdigest/model"
)

// Audit appends e to the audit log. At defaults to the store's clock; Who
// and Action are required (a NUL in either is ErrInvalid); NUL characters
// are removed from Detail.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	if err := checkName("audit who", e.Who); err != nil {
		return fmt.Errorf("data: audit: %w", err)
	}
	if err := checkName("audit action", e.Action); err != nil {
		return fmt.Errorf("data: audit: %w", err)
	}
	e.Detail = stripNUL(e.Detail)
	if e.At.IsZero() {
		e.At = s.now()
	}
	if err := checkBotTime("audit time", e.At); err != nil {
		return fmt.Errorf("data: audit: %w", err)
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO audit (at, who, action, detail) VALUES (?, ?, ?, ?)`,
		botTime(e.At), e.Who, e.Action, e.Detail); err != nil {
		return fmt.Errorf("data: audit: %w", err)
	}
	return nil
}

// AuditLog returns the newest limit entries of the audit log, newest
// first (all of them when limit <= 0).
func (s *Store) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	es, err := s.queryAudit(ctx, `SELECT id, at, who, action, detail FROM audit
		ORDER BY at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("data: audit log: %w", err)
	}
	return es, nil
}

// queryAudit runs a query of audit rows (id, at, who, action, detail).
func (s *Store) queryAudit(ctx context.Context, q string, args ...any) ([]AuditEntry, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	es := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var at string
		if err := rows.Scan(&e.ID, &at, &e.Who, &e.Action, &e.Detail); err != nil {
			return nil, err
		}
		if e.At, err = parseBotTime(at); err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, rows.Err()
}

// Bounds of AuditEntries' Limit.
const (
	// DefaultAuditLimit applies when the filter's Limit is <= 0.
	DefaultAuditLimit = 100
	// MaxAuditLimit caps the filter's Limit.
	MaxAuditLimit = 1000
)

// auditLimit is f.Limit within its bounds.
func auditLimit(n int) int {
	if n <= 0 {
		return DefaultAuditLimit
	}
	return min(n, MaxAuditLimit)
}

// AuditEntries lists the entries of the audit log that f matches
// (model.AuditFilter.Match: Who exact; Action exact, or a prefix when it
// ends in "."; Since inclusive; Until exclusive), newest first, at most
// f.Limit of them (<= 0: DefaultAuditLimit; capped at MaxAuditLimit). The
// filter runs in SQL, on audit_by_time or audit_by_who.
func (s *Store) AuditEntries(ctx context.Context, f model.AuditFilter) ([]AuditEntry, error) {
	var where []string
	var args []any
	if f.Who != "" {
		where, args = append(where, `who = ?`), append(args, f.Who)
	}
	if a := f.Action; a != "" {
		if strings.HasSuffix(a, ".") {
			// The names starting with a: from a up to, not including, a
			// with its final '.' made '/', the next byte (BINARY collation
			// compares bytes).
			where, args = append(where, `action >= ? AND action < ?`), append(args, a, a[:len(a)-1]+"/")
		} else {
			where, args = append(where, `action = ?`), append(args, a)
		}
	}
	for _, b := range []struct {
		t    time.Time
		what string
		cond string
	}{{f.Since, "since", `at >= ?`}, {f.Until, "until", `at < ?`}} {
		if b.t.IsZero() {
			continue
		}
		if err := checkBotTime(b.what, b.t); err != nil {
			return nil, fmt.Errorf("data: audit entries: %w", err)
		}
		where, args = append(where, b.cond), append(args, botTime(b.t))
	}
	q := `SELECT id, at, who, action, detail FROM audit`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY at DESC, id DESC LIMIT ?`
	args = append(args, auditLimit(f.Limit))
	es, err := s.queryAudit(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("data: audit entries: %w", err)
	}
	return es, nil
}

// Meta returns the value stored under key; ErrNotFound when there is none.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	if hasNUL(key) { // none is stored (checkName)
		return "", fmt.Errorf("data: meta %q: %w", key, ErrNotFound)
	}
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("data: meta %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("data: meta %q: %w", key, err)
	}
	return v, nil
}

// SetMeta stores value under key, replacing any earlier value. A key with
// a NUL character is ErrInvalid; NUL characters are removed from value.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	if err := checkName("meta key", key); err != nil {
		return fmt.Errorf("data: set meta: %w", err)
	}
	value = stripNUL(value)
	if _, err := s.w.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return fmt.Errorf("data: set meta %q: %w", key, err)
	}
	return nil
}
