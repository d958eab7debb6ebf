package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Audit appends e to the audit log. At defaults to the store's clock; Who
// and Action are required.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	if err := checkName("audit who", e.Who); err != nil {
		return fmt.Errorf("data: audit: %w", err)
	}
	if err := checkName("audit action", e.Action); err != nil {
		return fmt.Errorf("data: audit: %w", err)
	}
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
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, who, action, detail FROM audit
		ORDER BY at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("data: audit log: %w", err)
	}
	defer rows.Close()
	es := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var at string
		if err := rows.Scan(&e.ID, &at, &e.Who, &e.Action, &e.Detail); err != nil {
			return nil, fmt.Errorf("data: audit log: %w", err)
		}
		if e.At, err = parseBotTime(at); err != nil {
			return nil, fmt.Errorf("data: audit log: %w", err)
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: audit log: %w", err)
	}
	return es, nil
}

// Meta returns the value stored under key; ErrNotFound when there is none.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
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

// SetMeta stores value under key, replacing any earlier value.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	if err := checkName("meta key", key); err != nil {
		return fmt.Errorf("data: set meta: %w", err)
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return fmt.Errorf("data: set meta %q: %w", key, err)
	}
	return nil
}
