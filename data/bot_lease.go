package data

import (
	"context"
	"database/sql"
	"fmt"
	"time"
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
