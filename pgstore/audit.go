package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxdigest/wxdigest/model"
)

// Audit appends e to the audit log. At defaults to the store's clock; Who
// and Action are required (a NUL in either is ErrInvalid); NUL characters
// are removed from Detail.
func (s *Store) Audit(ctx context.Context, e model.AuditEntry) error {
	if err := checkName("audit who", e.Who); err != nil {
		return fmt.Errorf("pgstore: audit: %w", err)
	}
	if err := checkName("audit action", e.Action); err != nil {
		return fmt.Errorf("pgstore: audit: %w", err)
	}
	e.Detail = stripNUL(e.Detail)
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
	es, err := collect(rows, err, scanAudit)
	if err != nil {
		return nil, fmt.Errorf("pgstore: audit log: %w", err)
	}
	return es, nil
}

// Bounds of AuditEntries' Limit, the SQLite store's.
const (
	// DefaultAuditLimit applies when the filter's Limit is <= 0.
	DefaultAuditLimit = 100
	// MaxAuditLimit caps the filter's Limit.
	MaxAuditLimit = 1000
)

// AuditEntries lists the entries of the audit log that f matches
// (model.AuditFilter.Match: Who exact; Action exact, or a prefix when it
// ends in "."; Since inclusive; Until exclusive), newest first, at most
// f.Limit of them (<= 0: DefaultAuditLimit; capped at MaxAuditLimit). The
// filter runs in SQL, on audit_by_time or audit_by_who.
func (s *Store) AuditEntries(ctx context.Context, f model.AuditFilter) ([]model.AuditEntry, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Who != "" {
		where = append(where, `who = `+arg(f.Who))
	}
	if a := f.Action; a != "" {
		if strings.HasSuffix(a, ".") {
			where = append(where, `starts_with(action, `+arg(a)+`)`)
		} else {
			where = append(where, `action = `+arg(a))
		}
	}
	for _, b := range []struct {
		t    time.Time
		what string
		cond string
	}{{f.Since, "since", `at >= `}, {f.Until, "until", `at < `}} {
		if b.t.IsZero() {
			continue
		}
		if err := checkTime(b.what, b.t); err != nil {
			return nil, fmt.Errorf("pgstore: audit entries: %w", err)
		}
		where = append(where, b.cond+arg(ts(b.t)))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultAuditLimit
	}
	q := `SELECT id, at, who, action, detail FROM audit`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY at DESC, id DESC LIMIT ` + arg(int64(min(limit, MaxAuditLimit)))
	rows, err := s.pool.Query(ctx, q, args...)
	es, err := collect(rows, err, scanAudit)
	if err != nil {
		return nil, fmt.Errorf("pgstore: audit entries: %w", err)
	}
	return es, nil
}

func scanAudit(sc scanner) (model.AuditEntry, error) {
	var e model.AuditEntry
	err := sc.Scan(&e.ID, &e.At, &e.Who, &e.Action, &e.Detail)
	e.At = e.At.UTC()
	return e, err
}

// Meta returns the value stored under key; ErrNotFound when there is none.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	if hasNUL(key) { // none is stored (checkName)
		return "", fmt.Errorf("pgstore: meta %q: %w", key, model.ErrNotFound)
	}
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

// SetMeta stores value under key, replacing any earlier value. A key with
// a NUL character is ErrInvalid; NUL characters are removed from value.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	if err := checkName("meta key", key); err != nil {
		return fmt.Errorf("pgstore: set meta: %w", err)
	}
	value = stripNUL(value)
	if _, err := s.pool.Exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return fmt.Errorf("pgstore: set meta %q: %w", key, err)
	}
	return nil
}
