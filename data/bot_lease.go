package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// AcquireLease takes the named lease for holder until now+ttl (now from the
// store's clock), when nobody holds it or the holder's lease has expired
// (expires_at <= now), or renews it when holder already has it. Otherwise
// it returns ok == false and the current holder. Check and take are one
// statement inside one immediate transaction, so of two processes (or two
// Stores) on one file exactly one wins.
//
// Leases compare the clocks of the processes sharing the store; on one host
// that is one clock. The same upsert works on PostgreSQL, where a pool of
// lease rows could also be claimed with SELECT … FOR UPDATE SKIP LOCKED.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (ok bool, current string, err error) {
	if err := checkName("lease name", name); err != nil {
		return false, "", fmt.Errorf("data: acquire lease: %w", err)
	}
	if err := checkName("lease holder", holder); err != nil {
		return false, "", fmt.Errorf("data: acquire lease %q: %w", name, err)
	}
	if ttl <= 0 {
		return false, "", fmt.Errorf("data: acquire lease %q: ttl %v is not positive: %w", name, ttl, ErrInvalid)
	}
	now := s.now()
	until := now.Add(ttl)
	if err := checkBotTime("lease expiry", until); err != nil {
		return false, "", fmt.Errorf("data: acquire lease %q: %w", name, err)
	}
	err = s.botTx(ctx, fmt.Sprintf("acquire lease %q", name), func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
			name, holder, botTime(until), botTime(now))
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n > 0 {
			ok, current = true, holder
			return nil
		}
		return tx.QueryRowContext(ctx, `SELECT holder FROM leases WHERE name = ?`, name).Scan(&current)
	})
	if err != nil {
		return false, "", err
	}
	return ok, current, nil
}

// ReleaseLease gives up holder's lease on name. It deletes only holder's
// own row: releasing a lease someone else holds (or nobody) changes
// nothing and is not an error.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder); err != nil {
		return fmt.Errorf("data: release lease %q: %w", name, err)
	}
	return nil
}

// Lease reads the named lease: who holds it and until when; ErrNotFound
// when nobody does.
func (s *Store) Lease(ctx context.Context, name string) (holder string, until time.Time, err error) {
	if hasNUL(name) { // none is stored (checkName)
		return "", time.Time{}, fmt.Errorf("data: lease %q: %w", name, ErrNotFound)
	}
	var exp string
	err = s.r.QueryRowContext(ctx, `SELECT holder, expires_at FROM leases WHERE name = ?`, name).Scan(&holder, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, fmt.Errorf("data: lease %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("data: lease %q: %w", name, err)
	}
	if until, err = parseBotTime(exp); err != nil {
		return "", time.Time{}, fmt.Errorf("data: lease %q: %w", name, err)
	}
	return holder, until, nil
}

// TakeLease takes the named lease from from, a holder known to be gone
// (its process died), for holder until now+ttl, before it expires. It is a
// compare-and-swap: when the lease is no longer from's (it renewed it, or
// a third process took it first) nothing changes and ok is false.
func (s *Store) TakeLease(ctx context.Context, name, holder, from string, ttl time.Duration) (ok bool, err error) {
	if err := checkName("lease holder", holder); err != nil {
		return false, fmt.Errorf("data: take lease %q: %w", name, err)
	}
	if err := checkNUL("lease name", name); err != nil {
		return false, fmt.Errorf("data: take lease %q: %w", name, err)
	}
	if err := checkNUL("former lease holder", from); err != nil {
		return false, fmt.Errorf("data: take lease %q: %w", name, err)
	}
	if ttl <= 0 {
		return false, fmt.Errorf("data: take lease %q: ttl %v is not positive: %w", name, ttl, ErrInvalid)
	}
	until := s.now().Add(ttl)
	r, err := s.w.ExecContext(ctx, `UPDATE leases SET holder = ?, expires_at = ? WHERE name = ? AND holder = ?`,
		holder, botTime(until), name, from)
	if err != nil {
		return false, fmt.Errorf("data: take lease %q: %w", name, err)
	}
	n, _ := r.RowsAffected()
	return n > 0, nil
}

// PruneLeases deletes the expired leases whose names start with prefix
// (claims on chat messages pile up otherwise) and says how many.
func (s *Store) PruneLeases(ctx context.Context, prefix string) (int64, error) {
	if prefix == "" {
		return 0, fmt.Errorf("data: prune leases: empty prefix: %w", ErrInvalid)
	}
	r, err := s.w.ExecContext(ctx, `DELETE FROM leases WHERE substr(name, 1, ?) = ? AND expires_at <= ?`,
		utf8.RuneCountInString(prefix), prefix, botTime(s.now()))
	if err != nil {
		return 0, fmt.Errorf("data: prune leases %q: %w", prefix, err)
	}
	n, _ := r.RowsAffected()
	return n, nil
}
