package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/wxdigest/wxdigest/model"
)

// ClaimDelivery claims ledger part id for c.Holder until now+c.TTL, with
// the rest of its slot's unsent parts, so the parts of one slot go out in
// order through one account. It returns false, changing nothing, when the
// part is no longer unsent, when another holder has a live claim on any
// unsent part of the slot, or (c.BoundAs set, a personal-WeChat part) when
// the group is bound to other live accounts but not to c.BoundAs. A claim
// of the holder's own renews it. Unknown id: ErrNotFound.
func (s *Store) ClaimDelivery(ctx context.Context, id int64, c model.Claim) (bool, error) {
	op := fmt.Sprintf("claim delivery %d", id)
	if err := checkName("claim holder", c.Holder); err != nil {
		return false, fmt.Errorf("data: %s: %w", op, err)
	}
	if err := checkNUL("claim account", c.Account); err != nil {
		return false, fmt.Errorf("data: %s: %w", op, err)
	}
	if err := checkNUL("bound account", c.BoundAs); err != nil {
		return false, fmt.Errorf("data: %s: %w", op, err)
	}
	if c.TTL <= 0 {
		return false, fmt.Errorf("data: %s: ttl %v is not positive: %w", op, c.TTL, ErrInvalid)
	}
	now := s.now()
	ok := false
	err := s.botTx(ctx, op, func(tx *sql.Tx) error {
		var sub sql.NullInt64
		var slot, channel, group, state string
		err := tx.QueryRowContext(ctx, `SELECT subscription_id, slot, channel, group_name, state FROM deliveries WHERE id = ?`, id).
			Scan(&sub, &slot, &channel, &group, &state)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("delivery %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if !sub.Valid || (state != DeliveryPending && state != DeliveryFailed) {
			return nil
		}
		var taken bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM deliveries
			WHERE subscription_id = ? AND slot = ? AND state IN ('pending', 'failed')
			AND claimed_by <> ? AND claim_until > ?)`, sub.Int64, slot, c.Holder, botTime(now)).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return nil
		}
		if c.BoundAs != "" && channel == ChannelWeChat {
			var elsewhere bool
			if err := tx.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM account_groups WHERE group_name = ? AND account = ?)
				AND EXISTS (SELECT 1 FROM account_groups WHERE group_name = ? AND account <> ? AND alive_until > ?)`,
				group, c.BoundAs, group, c.BoundAs, botTime(now)).Scan(&elsewhere); err != nil {
				return err
			}
			if elsewhere {
				return nil
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET claimed_by = ?, claim_until = ?, account = ?
			WHERE subscription_id = ? AND slot = ? AND state IN ('pending', 'failed')`,
			c.Holder, botTime(now.Add(c.TTL)), c.Account, sub.Int64, slot); err != nil {
			return err
		}
		ok = true
		return nil
	})
	return ok, err
}

// ReleaseClaims ends holder's claims on unsent parts, so another process
// may send them at once (a clean shutdown).
func (s *Store) ReleaseClaims(ctx context.Context, holder string) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE deliveries SET claim_until = NULL
		WHERE state IN ('pending', 'failed') AND claimed_by = ? AND claim_until IS NOT NULL`, holder); err != nil {
		return fmt.Errorf("data: release claims of %q: %w", holder, err)
	}
	return nil
}

// BindAccount records the groups a running personal account has bound,
// replacing what it had, alive until now+ttl (renewed by calling again).
// ttl <= 0 removes the account's bindings (it stopped).
func (s *Store) BindAccount(ctx context.Context, account string, groups []string, ttl time.Duration) error {
	op := fmt.Sprintf("bind groups of account %q", account)
	if err := checkName("account", account); err != nil {
		return fmt.Errorf("data: %s: %w", op, err)
	}
	if err := checkNULs("group name", groups); err != nil {
		return fmt.Errorf("data: %s: %w", op, err)
	}
	until := botTime(s.now().Add(ttl))
	return s.botTx(ctx, op, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM account_groups WHERE account = ?`, account); err != nil {
			return err
		}
		if ttl <= 0 {
			return nil
		}
		for _, g := range groups {
			if g == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO account_groups (account, group_name, alive_until) VALUES (?, ?, ?)
				ON CONFLICT DO NOTHING`, account, g, until); err != nil {
				return err
			}
		}
		return nil
	})
}

// AccountGroups lists the live accounts' bound groups: account → groups.
func (s *Store) AccountGroups(ctx context.Context) (map[string][]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT account, group_name FROM account_groups WHERE alive_until > ?
		ORDER BY account, group_name`, botTime(s.now()))
	if err != nil {
		return nil, fmt.Errorf("data: account groups: %w", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var a, g string
		if err := rows.Scan(&a, &g); err != nil {
			return nil, fmt.Errorf("data: account groups: %w", err)
		}
		out[a] = append(out[a], g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: account groups: %w", err)
	}
	return out, nil
}
