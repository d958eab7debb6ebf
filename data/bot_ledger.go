package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// RecordSlot writes a slot's parts as pending deliveries (Part 1..n, Parts
// n) and marks articleIDs as handed to the subscription's group, in one
// transaction. It is idempotent: when the slot is already recorded (in any
// shape) it changes nothing and returns created == false. With no parts it
// records the slot as skipped: one row, Part 0, Parts 0, no text; then
// articleIDs must be empty, as nothing is handed. The subscription must
// exist (ErrNotFound). The slot is kept in UTC to the microsecond.
func (s *Store) RecordSlot(ctx context.Context, subID int64, slot time.Time, parts []string, articleIDs []int64) (bool, error) {
	created, err := s.recordSlots(ctx, "record slot", []SlotRecord{{subID, slot, parts, articleIDs}})
	if err != nil {
		return false, err
	}
	return created[0], nil
}

// RecordSlots is RecordSlot for many slots in one transaction, for a
// fan-out to many groups at one firing: one commit instead of one per
// group (see BenchmarkRecordSlot10k). created[i] says whether recs[i] was
// recorded now. It is all or nothing: when any record is invalid or names
// a missing subscription, nothing is written and the error says which.
func (s *Store) RecordSlots(ctx context.Context, recs []SlotRecord) (created []bool, err error) {
	return s.recordSlots(ctx, "record slots", recs)
}

func checkSlotRecord(r SlotRecord) error {
	if r.SubscriptionID <= 0 {
		return fmt.Errorf("bad subscription id %d: %w", r.SubscriptionID, ErrInvalid)
	}
	if err := checkBotTime("slot", r.Slot); err != nil {
		return err
	}
	for i, p := range r.Parts {
		if strings.TrimSpace(p) == "" {
			return fmt.Errorf("part %d is empty: %w", i+1, ErrInvalid)
		}
	}
	if len(r.Parts) == 0 && len(r.ArticleIDs) > 0 {
		return fmt.Errorf("%d article ids for a slot without parts: %w", len(r.ArticleIDs), ErrInvalid)
	}
	for _, id := range r.ArticleIDs {
		if id <= 0 {
			return fmt.Errorf("bad article id %d: %w", id, ErrInvalid)
		}
	}
	return nil
}

func (s *Store) recordSlots(ctx context.Context, op string, recs []SlotRecord) ([]bool, error) {
	for i, r := range recs {
		if err := checkSlotRecord(r); err != nil {
			return nil, fmt.Errorf("data: %s: slot %d: %w", op, i+1, err)
		}
	}
	created := make([]bool, len(recs))
	if len(recs) == 0 {
		return created, nil
	}
	err := s.botTx(ctx, op, func(tx *sql.Tx) error {
		group, err := tx.PrepareContext(ctx, `SELECT group_name FROM subscriptions WHERE id = ?`)
		if err != nil {
			return err
		}
		defer group.Close()
		// The head row (part 0 or 1) decides: ON CONFLICT DO NOTHING on
		// deliveries_slot_head, the enqueue that stays idempotent on
		// PostgreSQL too.
		head, err := tx.PrepareContext(ctx, `INSERT INTO deliveries
			(subscription_id, group_name, slot, part, parts, text, state, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer head.Close()
		rest, err := tx.PrepareContext(ctx, `INSERT INTO deliveries
			(subscription_id, group_name, slot, part, parts, text, state, created_at)
			VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)`)
		if err != nil {
			return err
		}
		defer rest.Close()
		item, err := tx.PrepareContext(ctx, `INSERT INTO delivery_items (subscription_id, slot, article_id)
			VALUES (?, ?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer item.Close()

		now := botTime(s.now())
		for i, r := range recs {
			var name string
			err := group.QueryRowContext(ctx, r.SubscriptionID).Scan(&name)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("slot %d: subscription %d: %w", i+1, r.SubscriptionID, ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("slot %d: %w", i+1, err)
			}
			slot := botTime(r.Slot)
			n := len(r.Parts)
			var res sql.Result
			if n == 0 {
				res, err = head.ExecContext(ctx, r.SubscriptionID, name, slot, 0, 0, "", DeliverySkipped, now)
			} else {
				res, err = head.ExecContext(ctx, r.SubscriptionID, name, slot, 1, n, r.Parts[0], DeliveryPending, now)
			}
			if err != nil {
				return fmt.Errorf("slot %d: %w", i+1, err)
			}
			if k, _ := res.RowsAffected(); k == 0 {
				continue // already recorded
			}
			created[i] = true
			for p := 1; p < n; p++ {
				if _, err := rest.ExecContext(ctx, r.SubscriptionID, name, slot, p+1, n, r.Parts[p], now); err != nil {
					return fmt.Errorf("slot %d part %d: %w", i+1, p+1, err)
				}
			}
			for _, id := range r.ArticleIDs {
				if _, err := item.ExecContext(ctx, r.SubscriptionID, slot, id); err != nil {
					return fmt.Errorf("slot %d: article %d: %w", i+1, id, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created, nil
}

// deliveredChunk bounds the IN list of one Delivered query, well under
// SQLite's bound-parameter limit.
const deliveredChunk = 500

// Delivered reports which of articleIDs the subscription's group has
// already been handed, in any slot that was not missed. Only those ids are
// in the map (a lookup of any other id gives false).
func (s *Store) Delivered(ctx context.Context, subID int64, articleIDs []int64) (map[int64]bool, error) {
	out := make(map[int64]bool)
	for len(articleIDs) > 0 {
		chunk := articleIDs[:min(len(articleIDs), deliveredChunk)]
		articleIDs = articleIDs[len(chunk):]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, subID)
		for _, id := range chunk {
			args = append(args, id)
		}
		q := `SELECT DISTINCT article_id FROM delivery_items WHERE subscription_id = ? AND article_id IN (?` +
			strings.Repeat(", ?", len(chunk)-1) + `)`
		if err := func() error {
			rows, err := s.r.QueryContext(ctx, q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				out[id] = true
			}
			return rows.Err()
		}(); err != nil {
			return nil, fmt.Errorf("data: delivered: %w", err)
		}
	}
	return out, nil
}

const deliveryCols = `id, subscription_id, group_name, slot, part, parts, text, state, attempts, error, created_at, sent_at`

func scanDelivery(sc botScanner) (Delivery, error) {
	var d Delivery
	var sub sql.NullInt64
	var slot, created string
	var sent sql.NullString
	if err := sc.Scan(&d.ID, &sub, &d.Group, &slot, &d.Part, &d.Parts, &d.Text, &d.State, &d.Attempts,
		&d.Error, &created, &sent); err != nil {
		return Delivery{}, err
	}
	d.SubscriptionID = sub.Int64 // 0 once the subscription was removed
	var err error
	if d.Slot, err = parseBotTime(slot); err != nil {
		return Delivery{}, err
	}
	if d.Created, err = parseBotTime(created); err != nil {
		return Delivery{}, err
	}
	if d.SentAt, err = parseNullBotTime(sent); err != nil {
		return Delivery{}, err
	}
	return d, nil
}

func (s *Store) queryDeliveries(ctx context.Context, op, q string, args ...any) ([]Delivery, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", op, err)
	}
	defer rows.Close()
	ds := []Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("data: %s: %w", op, err)
		}
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: %s: %w", op, err)
	}
	return ds, nil
}

// Unsent lists pending and failed deliveries, oldest slot first, then
// subscription, then part. Rows of removed subscriptions are never listed
// (removal marks them missed).
func (s *Store) Unsent(ctx context.Context) ([]Delivery, error) {
	// The WHERE repeats deliveries_unsent's so the partial index serves it.
	return s.queryDeliveries(ctx, "unsent", `SELECT `+deliveryCols+` FROM deliveries
		WHERE state IN ('pending', 'failed') AND subscription_id IS NOT NULL
		ORDER BY slot, subscription_id, part`)
}

// Deliveries lists the ledger rows of slots at or after since (zero: all),
// by slot, then group, then part. Group is the group's current name while
// its subscription exists, else the last name it had; SubscriptionID is 0
// for rows whose subscription was removed.
func (s *Store) Deliveries(ctx context.Context, since time.Time) ([]Delivery, error) {
	from := ""
	if !since.IsZero() {
		from = botTime(since)
	}
	return s.queryDeliveries(ctx, "deliveries", `SELECT `+deliveryCols+` FROM deliveries
		WHERE slot >= ? ORDER BY slot, group_name, part, id`, from)
}

// deliveryState reads a row's state, for the error of a refused transition.
func deliveryState(ctx context.Context, tx *sql.Tx, id int64) (string, error) {
	var state string
	err := tx.QueryRowContext(ctx, `SELECT state FROM deliveries WHERE id = ?`, id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("delivery %d: %w", id, ErrNotFound)
	}
	return state, err
}

// MarkSent records that delivery id was sent at at (zero: the store's
// clock). Pending, failed and missed rows become sent (a message that went
// out counts, even after its slot was given up); Attempts and Error keep
// the history of earlier failures. Marking a sent row again changes
// nothing. A skipped row has nothing to send (ErrInvalid); an unknown id
// is ErrNotFound.
func (s *Store) MarkSent(ctx context.Context, id int64, at time.Time) error {
	if at.IsZero() {
		at = s.now()
	}
	if err := checkBotTime("sent time", at); err != nil {
		return fmt.Errorf("data: mark delivery %d sent: %w", id, err)
	}
	return s.botTx(ctx, fmt.Sprintf("mark delivery %d sent", id), func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'sent', sent_at = ?
			WHERE id = ? AND state IN ('pending', 'failed', 'missed')`, botTime(at), id)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n > 0 {
			return nil
		}
		state, err := deliveryState(ctx, tx, id)
		switch {
		case err != nil:
			return err
		case state == DeliverySent:
			return nil
		default:
			return fmt.Errorf("delivery is %s: %w", state, ErrInvalid)
		}
	})
}

// MarkFailed records a failed send of delivery id: state failed (to be
// retried), Attempts+1, Error = errText. Only pending and failed rows can
// fail (ErrInvalid otherwise); an unknown id is ErrNotFound.
func (s *Store) MarkFailed(ctx context.Context, id int64, errText string) error {
	return s.botTx(ctx, fmt.Sprintf("mark delivery %d failed", id), func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'failed', attempts = attempts + 1, error = ?
			WHERE id = ? AND state IN ('pending', 'failed')`, errText, id)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n > 0 {
			return nil
		}
		state, err := deliveryState(ctx, tx, id)
		if err != nil {
			return err
		}
		return fmt.Errorf("delivery is %s: %w", state, ErrInvalid)
	})
}

// MarkSlotMissed marks every unsent (pending or failed) part of a slot
// missed and releases the slot's articles, so a later slot may carry them
// (Delivered no longer reports them, unless another slot handed them too).
// A slot with nothing unsent is left alone, articles included; a slot that
// was never recorded is ErrNotFound.
func (s *Store) MarkSlotMissed(ctx context.Context, subID int64, slot time.Time) error {
	if err := checkBotTime("slot", slot); err != nil {
		return fmt.Errorf("data: mark slot missed: %w", err)
	}
	at := botTime(slot)
	return s.botTx(ctx, fmt.Sprintf("mark slot %s of subscription %d missed", at, subID), func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'missed'
			WHERE subscription_id = ? AND slot = ? AND state IN ('pending', 'failed')`, subID, at)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			var exists bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM deliveries
				WHERE subscription_id = ? AND slot = ?)`, subID, at).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return ErrNotFound
			}
			return nil
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM delivery_items WHERE subscription_id = ? AND slot = ?`, subID, at)
		return err
	})
}

// LastSlot returns the latest recorded slot of the subscription, in any
// state; ErrNotFound when it has none.
func (s *Store) LastSlot(ctx context.Context, subID int64) (time.Time, error) {
	var last sql.NullString
	if err := s.r.QueryRowContext(ctx, `SELECT MAX(slot) FROM deliveries WHERE subscription_id = ?`, subID).Scan(&last); err != nil {
		return time.Time{}, fmt.Errorf("data: last slot of subscription %d: %w", subID, err)
	}
	if !last.Valid {
		return time.Time{}, fmt.Errorf("data: last slot of subscription %d: %w", subID, ErrNotFound)
	}
	t, err := parseBotTime(last.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("data: last slot of subscription %d: %w", subID, err)
	}
	return t, nil
}
