package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxdigest/wxdigest/model"
)

// ClaimDelivery claims ledger part id for c.Holder until now+c.TTL, with
// the rest of its slot's unsent parts, so the parts of one slot go out in
// order through one account. It returns false, changing nothing, when the
// part is no longer unsent, when another holder has a live claim on any
// unsent part of the slot, or (c.BoundAs set, a personal-WeChat part) when
// the group is bound to other live accounts but not to c.BoundAs. A claim
// of the holder's own renews it. Unknown id: model.ErrNotFound.
//
// The slot's unsent rows are locked (FOR UPDATE) before they are checked:
// of two processes claiming at once, the second waits, then sees the
// first's claim.
func (s *Store) ClaimDelivery(ctx context.Context, id int64, c model.Claim) (bool, error) {
	op := fmt.Sprintf("claim delivery %d", id)
	if err := checkName("claim holder", c.Holder); err != nil {
		return false, fmt.Errorf("pgstore: %s: %w", op, err)
	}
	if err := checkNUL("claim account", c.Account); err != nil {
		return false, fmt.Errorf("pgstore: %s: %w", op, err)
	}
	if err := checkNUL("bound account", c.BoundAs); err != nil {
		return false, fmt.Errorf("pgstore: %s: %w", op, err)
	}
	if c.TTL <= 0 {
		return false, fmt.Errorf("pgstore: %s: ttl %v is not positive: %w", op, c.TTL, model.ErrInvalid)
	}
	now := s.now()
	var ok bool
	err := s.tx(ctx, op, func(tx pgx.Tx) error {
		ok = false
		var sub *int64
		var slot time.Time
		var channel, group, state string
		err := tx.QueryRow(ctx, `SELECT subscription_id, slot, channel, group_name, state FROM deliveries WHERE id = $1`, id).
			Scan(&sub, &slot, &channel, &group, &state)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("delivery %d: %w", id, model.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if sub == nil || (state != model.DeliveryPending && state != model.DeliveryFailed) {
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT id, state, claimed_by, claim_until FROM deliveries
			WHERE subscription_id = $1 AND slot = $2 AND state IN ('pending', 'failed') ORDER BY id FOR UPDATE`, *sub, slot)
		if err != nil {
			return err
		}
		mine := false
		taken := false
		for rows.Next() {
			var rid int64
			var st, by string
			var until *time.Time
			if err := rows.Scan(&rid, &st, &by, &until); err != nil {
				rows.Close()
				return err
			}
			if rid == id {
				mine = true
			}
			if by != c.Holder && until != nil && until.After(now) {
				taken = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if !mine || taken {
			// Sent by another in between, or claimed by another.
			return nil
		}
		if c.BoundAs != "" && channel == model.ChannelWeChat {
			var elsewhere bool
			if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM account_groups WHERE group_name = $1 AND account = $2)
				AND EXISTS (SELECT 1 FROM account_groups WHERE group_name = $1 AND account <> $2 AND alive_until > $3)`,
				group, c.BoundAs, ts(now)).Scan(&elsewhere); err != nil {
				return err
			}
			if elsewhere {
				return nil
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE deliveries SET claimed_by = $1, claim_until = $2, account = $3
			WHERE subscription_id = $4 AND slot = $5 AND state IN ('pending', 'failed')`,
			c.Holder, ts(now.Add(c.TTL)), c.Account, *sub, slot); err != nil {
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
	if _, err := s.pool.Exec(ctx, `UPDATE deliveries SET claim_until = NULL
		WHERE state IN ('pending', 'failed') AND claimed_by = $1 AND claim_until IS NOT NULL`, holder); err != nil {
		return fmt.Errorf("pgstore: release claims of %q: %w", holder, err)
	}
	return nil
}

// BindAccount records the groups a running personal account has bound,
// replacing what it had, alive until now+ttl (renewed by calling again).
// ttl <= 0 removes the account's bindings (it stopped).
func (s *Store) BindAccount(ctx context.Context, account string, groups []string, ttl time.Duration) error {
	op := fmt.Sprintf("bind groups of account %q", account)
	if err := checkName("account", account); err != nil {
		return fmt.Errorf("pgstore: %s: %w", op, err)
	}
	if err := checkNULs("group name", groups); err != nil {
		return fmt.Errorf("pgstore: %s: %w", op, err)
	}
	until := ts(s.now().Add(ttl))
	return s.tx(ctx, op, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM account_groups WHERE account = $1`, account); err != nil {
			return err
		}
		if ttl <= 0 || len(groups) == 0 {
			return nil
		}
		_, err := tx.Exec(ctx, `INSERT INTO account_groups (account, group_name, alive_until)
			SELECT $1, g, $3 FROM unnest($2::text[]) AS g WHERE g <> '' ON CONFLICT DO NOTHING`, account, groups, until)
		return err
	})
}

// AccountGroups lists the live accounts' bound groups: account → groups.
func (s *Store) AccountGroups(ctx context.Context) (map[string][]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT account, group_name FROM account_groups WHERE alive_until > $1
		ORDER BY account, group_name`, ts(s.now()))
	if err != nil {
		return nil, fmt.Errorf("pgstore: account groups: %w", err)
	}
	out := map[string][]string{}
	for rows.Next() {
		var a, g string
		if err := rows.Scan(&a, &g); err != nil {
			rows.Close()
			return nil, fmt.Errorf("pgstore: account groups: %w", err)
		}
		out[a] = append(out[a], g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: account groups: %w", err)
	}
	return out, nil
}
