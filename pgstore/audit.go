package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/wxdigest/wxdigest/model"
)

// Audit appends e to the audit log. At defaults to the store's clock; Who
// and Action are required.
func (s *Store) Audit(ctx context.Context, e model.AuditEntry) error {
	if err := checkName("audit who", e.Who); err != nil {
		return fmt.Errorf("pgstore: audit: %w", err)
	}
	if err := checkName("audit action", e.Action); err != nil {
		return fmt.Errorf("pgstore: audit: %w", err)
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	if err := checkTime("audit time", e.At); err != nil {
		return fmt.Errorf("pgstore: audit: %w", err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO audit (at, who, action, detail) VALUES ($1, $2, $3, $4)`,
		ts(e.At), e.Who, e.Action, e.Detail); err != nil {
		return fmt.Errorf("pgstore: audit: %w", err)
	}
	return nil
}

// AuditLog returns the newest limit entries of the audit log, newest
// first (all of them when limit <= 0).
func (s *Store) AuditLog(ctx context.Context, limit int) ([]model.AuditEntry, error) {
	var lim *int64 // NULL: no limit
	if limit > 0 {
		l := int64(limit)
		lim = &l
	}
	rows, err := s.pool.Query(ctx, `SELECT id, at, who, action, detail FROM audit
		ORDER BY at DESC, id DESC LIMIT $1`, lim)
	es, err := collect(rows, err, func(sc scanner) (model.AuditEntry, error) {
		var e model.AuditEntry
		err := sc.Scan(&e.ID, &e.At, &e.Who, &e.Action, &e.Detail)
		e.At = e.At.UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: audit log: %w", err)
	}
	return es, nil
}

// Meta returns the value stored under key; ErrNotFound when there is none.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("pgstore: meta %q: %w", key, model.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("pgstore: meta %q: %w", key, err)
	}
	return v, nil
}

// SetMeta stores value under key, replacing any earlier value.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	if err := checkName("meta key", key); err != nil {
		return fmt.Errorf("pgstore: set meta: %w", err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return fmt.Errorf("pgstore: set meta %q: %w", key, err)
	}
	return nil
}
