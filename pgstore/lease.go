package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxdigest/wxdigest/model"
)

// AcquireLease takes the named lease for holder until now+ttl (now from the
// store's clock), when nobody holds it or the holder's lease has expired
// (expires_at <= now), or renews it when holder already has it. Otherwise
// it returns ok == false and the current holder. Check and take are one
// upsert, so of any number of processes on one database exactly one wins.
//
// Leases compare the clocks of the processes sharing the store: on several
// hosts, keep them in sync.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (ok bool, current string, err error) {
	if err := checkName("lease name", name); err != nil {
		return false, "", fmt.Errorf("pgstore: acquire lease: %w", err)
	}
	if err := checkName("lease holder", holder); err != nil {
		return false, "", fmt.Errorf("pgstore: acquire lease %q: %w", name, err)
	}
	if ttl <= 0 {
		return false, "", fmt.Errorf("pgstore: acquire lease %q: ttl %v is not positive: %w", name, ttl, model.ErrInvalid)
	}
	now := s.now()
	until := now.Add(ttl)
	if err := checkTime("lease expiry", until); err != nil {
		return false, "", fmt.Errorf("pgstore: acquire lease %q: %w", name, err)
	}
	// The upsert either takes the lease or leaves the row alone; when it
	// leaves it, the holder is read back. Should that holder release it in
	// between (no row), the upsert is tried again.
	for range 10 {
		var got string
		err := s.pool.QueryRow(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE leases.holder = excluded.holder OR leases.expires_at <= $4
			RETURNING holder`, name, holder, ts(until), ts(now)).Scan(&got)
		if err == nil {
			return true, holder, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return false, "", fmt.Errorf("pgstore: acquire lease %q: %w", name, err)
		}
		err = s.pool.QueryRow(ctx, `SELECT holder FROM leases WHERE name = $1`, name).Scan(&current)
		if err == nil {
			return false, current, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return false, "", fmt.Errorf("pgstore: acquire lease %q: %w", name, err)
		}
	}
	return false, "", fmt.Errorf("pgstore: acquire lease %q: held and released over and over; try again", name)
}

// ReleaseLease gives up holder's lease on name. It deletes only holder's
// own row: releasing a lease someone else holds (or nobody) changes
// nothing and is not an error.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if hasNUL(name) || hasNUL(holder) {
		return nil // no such lease can be held
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder); err != nil {
		return fmt.Errorf("pgstore: release lease %q: %w", name, err)
	}
	return nil
}

// Lease reads the named lease: who holds it and until when; ErrNotFound
// when nobody does.
func (s *Store) Lease(ctx context.Context, name string) (holder string, until time.Time, err error) {
	if hasNUL(name) { // none is stored (checkName)
		return "", time.Time{}, fmt.Errorf("pgstore: lease %q: %w", name, model.ErrNotFound)
	}
	err = s.pool.QueryRow(ctx, `SELECT holder, expires_at FROM leases WHERE name = $1`, name).Scan(&holder, &until)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", time.Time{}, fmt.Errorf("pgstore: lease %q: %w", name, model.ErrNotFound)
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("pgstore: lease %q: %w", name, err)
	}
	return holder, until.UTC(), nil
}

// TakeLease takes the named lease from from, a holder known to be gone
// (its process died), for holder until now+ttl, before it expires. It is a
// compare-and-swap in one statement: when the lease is no longer from's
// (it renewed it, or a third process took it first) nothing changes and
// ok is false.
func (s *Store) TakeLease(ctx context.Context, name, holder, from string, ttl time.Duration) (ok bool, err error) {
	if err := checkName("lease holder", holder); err != nil {
		return false, fmt.Errorf("pgstore: take lease %q: %w", name, err)
	}
	if err := checkNUL("lease name", name); err != nil {
		return false, fmt.Errorf("pgstore: take lease %q: %w", name, err)
	}
	if err := checkNUL("former lease holder", from); err != nil {
		return false, fmt.Errorf("pgstore: take lease %q: %w", name, err)
	}
	if ttl <= 0 {
		return false, fmt.Errorf("pgstore: take lease %q: ttl %v is not positive: %w", name, ttl, model.ErrInvalid)
	}
	until := s.now().Add(ttl)
	if err := checkTime("lease expiry", until); err != nil {
		return false, fmt.Errorf("pgstore: take lease %q: %w", name, err)
	}
	r, err := s.pool.Exec(ctx, `UPDATE leases SET holder = $1, expires_at = $2 WHERE name = $3 AND holder = $4`,
		holder, ts(until), name, from)
	if err != nil {
		return false, fmt.Errorf("pgstore: take lease %q: %w", name, err)
	}
	return r.RowsAffected() > 0, nil
}

// PruneLeases deletes the expired leases whose names start with prefix
// (claims on chat messages pile up otherwise) and says how many.
func (s *Store) PruneLeases(ctx context.Context, prefix string) (int64, error) {
	if prefix == "" {
		return 0, fmt.Errorf("pgstore: prune leases: empty prefix: %w", model.ErrInvalid)
	}
	if hasNUL(prefix) {
		return 0, nil // no lease is named so
	}
	r, err := s.pool.Exec(ctx, `DELETE FROM leases WHERE left(name, $1) = $2 AND expires_at <= $3`,
		len([]rune(prefix)), prefix, ts(s.now()))
	if err != nil {
		return 0, fmt.Errorf("pgstore: prune leases %q: %w", prefix, err)
	}
	return r.RowsAffected(), nil
}
