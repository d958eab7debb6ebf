package pgstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxdigest/wxdigest/model"
)

// RecordSlot writes a slot's parts as pending deliveries (Part 1..n, Parts
// n) and marks articleIDs as handed to the subscription's group, in one
// transaction. It is idempotent: when the slot is already recorded (in any
// shape) it changes nothing and returns created == false. With no parts it
// records the slot as skipped: one row, Part 0, Parts 0, no text; then
// articleIDs must be empty, as nothing is handed. The subscription must
// exist (ErrNotFound). The slot is kept in UTC to the microsecond.
//
// NUL characters are removed from the parts (the caller's slice is left
// as it is); a part that held nothing else is empty, and ErrInvalid.
func (s *Store) RecordSlot(ctx context.Context, subID int64, slot time.Time, parts []string, articleIDs []int64) (bool, error) {
	created, err := s.recordSlots(ctx, "record slot", []model.SlotRecord{{SubscriptionID: subID, Slot: slot, Parts: parts, ArticleIDs: articleIDs}})
	if err != nil {
		return false, err
	}
	return created[0], nil
}

// RecordSlots is RecordSlot for many slots in one transaction, for a
// fan-out to many groups at one firing. created[i] says whether recs[i] was
// recorded now. It is all or nothing: when any record is invalid or names a
// missing subscription, nothing is written and the error says which. The
// whole batch is a handful of statements however many records it has: the
// subscriptions, the texts, the slots' head rows, their other parts and
// the handed articles each go in one (BenchmarkStores/Slot10k/ledger in
// internal/storebench measures it).
func (s *Store) RecordSlots(ctx context.Context, recs []model.SlotRecord) (created []bool, err error) {
	return s.recordSlots(ctx, "record slots", recs)
}

func checkSlotRecord(r model.SlotRecord) error {
	if r.SubscriptionID <= 0 {
		return fmt.Errorf("bad subscription id %d: %w", r.SubscriptionID, model.ErrInvalid)
	}
	if err := checkTime("slot", r.Slot); err != nil {
		return err
	}
	for i, p := range r.Parts {
		if strings.TrimSpace(p) == "" {
			return fmt.Errorf("part %d is empty: %w", i+1, model.ErrInvalid)
		}
	}
	if r.Kinds != nil && len(r.Kinds) != len(r.Parts) {
		return fmt.Errorf("%d kinds for %d parts: %w", len(r.Kinds), len(r.Parts), model.ErrInvalid)
	}
	for i, k := range r.Kinds {
		if k != model.PartText && k != model.PartImage {
			return fmt.Errorf("part %d: unknown kind %q: %w", i+1, k, model.ErrInvalid)
		}
	}
	if len(r.Parts) == 0 && len(r.ArticleIDs) > 0 {
		return fmt.Errorf("%d article ids for a slot without parts: %w", len(r.ArticleIDs), model.ErrInvalid)
	}
	for _, id := range r.ArticleIDs {
		if id <= 0 {
			return fmt.Errorf("bad article id %d: %w", id, model.ErrInvalid)
		}
	}
	return nil
}

// slotTarget is where a subscription's slots go.
type slotTarget struct{ channel, group string }

func (s *Store) recordSlots(ctx context.Context, op string, recs []model.SlotRecord) ([]bool, error) {
	recs = stripPartNULs(recs)
	for i, r := range recs {
		if err := checkSlotRecord(r); err != nil {
			return nil, fmt.Errorf("pgstore: %s: slot %d: %w", op, i+1, err)
		}
	}
	if len(recs) == 0 {
		return []bool{}, nil
	}
	var created []bool
	err := s.tx(ctx, op, func(tx pgx.Tx) error {
		created = make([]bool, len(recs))
		targets, err := slotTargets(ctx, tx, recs)
		if err != nil {
			return err
		}
		for i, r := range recs {
			if _, ok := targets[r.SubscriptionID]; !ok {
				return fmt.Errorf("slot %d: subscription %d: %w", i+1, r.SubscriptionID, model.ErrNotFound)
			}
		}
		texts, err := storeTexts(ctx, tx, recs)
		if err != nil {
			return err
		}
		now := ts(s.now())
		kind := func(r model.SlotRecord, p int) string {
			if r.Kinds == nil {
				return model.PartText
			}
			return r.Kinds[p]
		}

		// The head rows (part 0 or 1) decide which slots are new: one
		// INSERT … ON CONFLICT DO NOTHING on deliveries_slot_head, in the
		// order of recs, so the same slot twice in recs is recorded by the
		// first; RETURNING names the slots recorded now.
		var head struct {
			subs             []int64
			channels, groups []string
			slots            []time.Time
			parts, counts    []int32
			kinds, states    []string
			textIDs          []*int64
		}
		for _, r := range recs {
			to := targets[r.SubscriptionID]
			head.subs = append(head.subs, r.SubscriptionID)
			head.channels = append(head.channels, to.channel)
			head.groups = append(head.groups, to.group)
			head.slots = append(head.slots, ts(r.Slot))
			if len(r.Parts) == 0 {
				head.parts, head.counts = append(head.parts, 0), append(head.counts, 0)
				head.kinds, head.states = append(head.kinds, model.PartText), append(head.states, model.DeliverySkipped)
				head.textIDs = append(head.textIDs, nil)
			} else {
				id := texts[r.Parts[0]]
				head.parts, head.counts = append(head.parts, 1), append(head.counts, int32(len(r.Parts)))
				head.kinds, head.states = append(head.kinds, kind(r, 0)), append(head.states, model.DeliveryPending)
				head.textIDs = append(head.textIDs, &id)
			}
		}
		type slotKey struct {
			sub  int64
			slot int64 // microseconds since the epoch
		}
		rows, err := tx.Query(ctx, `INSERT INTO deliveries
			(subscription_id, channel, group_name, slot, part, parts, kind, text_id, state, created_at)
			SELECT u.sub, u.channel, u.grp, u.slot, u.part, u.parts, u.kind, u.text_id, u.state, $10::timestamptz
			FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::int[], $7::text[],
				$8::bigint[], $9::text[]) WITH ORDINALITY
				AS u (sub, channel, grp, slot, part, parts, kind, text_id, state, ord)
			ORDER BY u.ord
			ON CONFLICT DO NOTHING
			RETURNING subscription_id, slot`,
			head.subs, head.channels, head.groups, head.slots, head.parts, head.counts, head.kinds, head.textIDs,
			head.states, now)
		if err != nil {
			return fmt.Errorf("slots: %w", err)
		}
		recorded := make(map[slotKey]bool)
		for rows.Next() {
			var sub int64
			var slot time.Time
			if err := rows.Scan(&sub, &slot); err != nil {
				rows.Close()
				return fmt.Errorf("slots: %w", err)
			}
			recorded[slotKey{sub, slot.UnixMicro()}] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("slots: %w", err)
		}
		for i, r := range recs {
			k := slotKey{r.SubscriptionID, ts(r.Slot).UnixMicro()}
			if recorded[k] {
				created[i] = true
				delete(recorded, k) // a later record of the same slot was not
			}
		}

		// The other parts of the new slots, and the articles they hand.
		var rest struct {
			subs             []int64
			channels, groups []string
			slots            []time.Time
			parts, counts    []int32
			kinds            []string
			textIDs          []int64
		}
		var items struct {
			subs     []int64
			slots    []time.Time
			articles []int64
		}
		for i, r := range recs {
			if !created[i] {
				continue
			}
			to := targets[r.SubscriptionID]
			for p := 1; p < len(r.Parts); p++ {
				rest.subs = append(rest.subs, r.SubscriptionID)
				rest.channels = append(rest.channels, to.channel)
				rest.groups = append(rest.groups, to.group)
				rest.slots = append(rest.slots, ts(r.Slot))
				rest.parts = append(rest.parts, int32(p+1))
				rest.counts = append(rest.counts, int32(len(r.Parts)))
				rest.kinds = append(rest.kinds, kind(r, p))
				rest.textIDs = append(rest.textIDs, texts[r.Parts[p]])
			}
			for _, id := range r.ArticleIDs {
				items.subs = append(items.subs, r.SubscriptionID)
				items.slots = append(items.slots, ts(r.Slot))
				items.articles = append(items.articles, id)
			}
		}
		if len(rest.subs) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO deliveries
				(subscription_id, channel, group_name, slot, part, parts, kind, text_id, state, created_at)
				SELECT u.*, 'pending', $9::timestamptz
				FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::int[], $7::text[], $8::bigint[]) AS u`,
				rest.subs, rest.channels, rest.groups, rest.slots, rest.parts, rest.counts, rest.kinds, rest.textIDs, now); err != nil {
				return fmt.Errorf("parts: %w", err)
			}
		}
		if len(items.subs) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO delivery_items (subscription_id, slot, article_id)
				SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::bigint[])
				ON CONFLICT DO NOTHING`, items.subs, items.slots, items.articles); err != nil {
				return fmt.Errorf("hand articles: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created, nil
}

// slotTargets reads the channel and group of every subscription recs
// name, share-locking the rows (in id order) so that neither a removal nor
// a rename of the group slips between this read and the ledger rows.
func slotTargets(ctx context.Context, tx pgx.Tx, recs []model.SlotRecord) (map[int64]slotTarget, error) {
	ids := make([]int64, 0, len(recs))
	for _, r := range recs {
		ids = append(ids, r.SubscriptionID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	rows, err := tx.Query(ctx, `SELECT id, channel, group_name FROM subscriptions WHERE id = ANY($1)
		ORDER BY id FOR SHARE`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]slotTarget, len(ids))
	for rows.Next() {
		var id int64
		var t slotTarget
		if err := rows.Scan(&id, &t.channel, &t.group); err != nil {
			return nil, err
		}
		out[id] = t
	}
	return out, rows.Err()
}

// storeTexts stores each distinct text of recs once (keyed by its
// SHA-256, in hash order so that concurrent batches lock them in one
// order) and returns the ids by text.
func storeTexts(ctx context.Context, tx pgx.Tx, recs []model.SlotRecord) (map[string]int64, error) {
	type text struct {
		hash []byte
		text string
	}
	seen := make(map[string]bool)
	var all []text
	for _, r := range recs {
		for _, p := range r.Parts {
			if !seen[p] {
				seen[p] = true
				h := sha256.Sum256([]byte(p))
				all = append(all, text{h[:], p})
			}
		}
	}
	out := make(map[string]int64, len(all))
	if len(all) == 0 {
		return out, nil
	}
	slices.SortFunc(all, func(a, b text) int { return bytes.Compare(a.hash, b.hash) })
	hashes := make([][]byte, len(all))
	bodies := make([]string, len(all))
	byHash := make(map[string]string, len(all))
	for i, t := range all {
		hashes[i], bodies[i] = t.hash, t.text
		byHash[string(t.hash)] = t.text
	}
	if _, err := tx.Exec(ctx, `INSERT INTO delivery_texts (hash, text)
		SELECT * FROM unnest($1::bytea[], $2::text[]) AS u (hash, text) ORDER BY hash
		ON CONFLICT (hash) DO NOTHING`, hashes, bodies); err != nil {
		return nil, fmt.Errorf("store texts: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT id, hash FROM delivery_texts WHERE hash = ANY($1)`, hashes)
	if err != nil {
		return nil, fmt.Errorf("store texts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var h []byte
		if err := rows.Scan(&id, &h); err != nil {
			return nil, fmt.Errorf("store texts: %w", err)
		}
		out[byHash[string(h)]] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store texts: %w", err)
	}
	if len(out) != len(all) {
		return nil, fmt.Errorf("store texts: %d of %d texts found after storing them", len(out), len(all))
	}
	return out, nil
}

// Delivered reports which of articleIDs the subscription's group has
// already been handed, in any slot that was not missed. Only those ids are
// in the map (a lookup of any other id gives false).
func (s *Store) Delivered(ctx context.Context, subID int64, articleIDs []int64) (map[int64]bool, error) {
	out := make(map[int64]bool)
	if len(articleIDs) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT article_id FROM delivery_items
		WHERE subscription_id = $1 AND article_id = ANY($2)`, subID, articleIDs)
	ids, err := collect(rows, err, func(sc scanner) (int64, error) {
		var id int64
		return id, sc.Scan(&id)
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: delivered: %w", err)
	}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// deliveryCols reads deliveries d; the texts are read apart (see
// queryDeliveries).
const deliveryCols = `d.id, d.subscription_id, d.channel, d.group_name, d.slot, d.part, d.parts, d.kind, d.text_id,
	d.state, d.attempts, d.error, d.remote_id, d.created_at, d.sent_at, d.account, d.claimed_by, d.claim_until`

// delivery is a row of deliveryCols and the id of its text (0: none).
type delivery struct {
	model.Delivery
	textID int64
}

func scanDelivery(sc scanner) (delivery, error) {
	var d model.Delivery
	var sub, text *int64
	var sent, claim *time.Time
	if err := sc.Scan(&d.ID, &sub, &d.Channel, &d.Group, &d.Slot, &d.Part, &d.Parts, &d.Kind, &text, &d.State,
		&d.Attempts, &d.Error, &d.RemoteID, &d.Created, &sent, &d.Account, &d.ClaimedBy, &claim); err != nil {
		return delivery{}, err
	}
	if sub != nil {
		d.SubscriptionID = *sub // 0 once the subscription was removed
	}
	d.Slot, d.Created, d.SentAt, d.ClaimUntil = d.Slot.UTC(), d.Created.UTC(), fromNull(sent), fromNull(claim)
	out := delivery{Delivery: d}
	if text != nil {
		out.textID = *text
	}
	return out, nil
}

// queryDeliveries runs a deliveryCols query and fills in the texts. Each
// distinct text is read once and shared by the rows that send it. Texts
// are never deleted or changed, so reading them after the rows is
// consistent.
func (s *Store) queryDeliveries(ctx context.Context, op, q string, args ...any) ([]model.Delivery, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	ds, err := collect(rows, err, scanDelivery)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %s: %w", op, err)
	}
	var ids []int64
	seen := make(map[int64]bool)
	for _, d := range ds {
		if d.textID != 0 && !seen[d.textID] {
			seen[d.textID] = true
			ids = append(ids, d.textID)
		}
	}
	texts := make(map[int64]string, len(ids))
	if len(ids) > 0 {
		rows, err := s.pool.Query(ctx, `SELECT id, text FROM delivery_texts WHERE id = ANY($1)`, ids)
		if err != nil {
			return nil, fmt.Errorf("pgstore: %s: texts: %w", op, err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var text string
			if err := rows.Scan(&id, &text); err != nil {
				return nil, fmt.Errorf("pgstore: %s: texts: %w", op, err)
			}
			texts[id] = text
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("pgstore: %s: texts: %w", op, err)
		}
	}
	out := make([]model.Delivery, len(ds))
	for i, d := range ds {
		out[i] = d.Delivery
		out[i].Text = texts[d.textID]
	}
	return out, nil
}

// Unsent lists pending and failed deliveries, oldest slot first, then
// subscription, then part. Rows of removed subscriptions are never listed
// (removal marks them missed).
func (s *Store) Unsent(ctx context.Context) ([]model.Delivery, error) {
	return s.queryDeliveries(ctx, "unsent", `SELECT `+deliveryCols+` FROM deliveries d
		WHERE d.state IN ('pending', 'failed') AND d.subscription_id IS NOT NULL
		ORDER BY d.slot, d.subscription_id, d.part`)
}

// Deliveries lists the ledger rows of slots at or after since (zero: all),
// by slot, then group, then part. Group is the group's current name while
// its subscription exists, else the last name it had; SubscriptionID is 0
// for rows whose subscription was removed.
func (s *Store) Deliveries(ctx context.Context, since time.Time) ([]model.Delivery, error) {
	const order = ` ORDER BY d.slot, d.group_name, d.part, d.id`
	if since.IsZero() {
		return s.queryDeliveries(ctx, "deliveries", `SELECT `+deliveryCols+` FROM deliveries d`+order)
	}
	return s.queryDeliveries(ctx, "deliveries", `SELECT `+deliveryCols+` FROM deliveries d WHERE d.slot >= $1`+order, ts(since))
}

// deliveryState reads a row's state, for the error of a refused transition.
func deliveryState(ctx context.Context, tx pgx.Tx, id int64) (string, error) {
	var state string
	err := tx.QueryRow(ctx, `SELECT state FROM deliveries WHERE id = $1`, id).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("delivery %d: %w", id, model.ErrNotFound)
	}
	return state, err
}

// MarkSent records that delivery id was sent at at (zero: the store's
// clock). Pending, failed, awaiting and missed rows become sent (a message
// that went out counts, even after its slot was given up); Attempts and
// Error keep the history of earlier failures. Marking a sent row again
// changes nothing. A skipped row has nothing to send (ErrInvalid); an
// unknown id is ErrNotFound.
func (s *Store) MarkSent(ctx context.Context, id int64, at time.Time) error {
	if at.IsZero() {
		at = s.now()
	}
	if err := checkTime("sent time", at); err != nil {
		return fmt.Errorf("pgstore: mark delivery %d sent: %w", id, err)
	}
	return s.tx(ctx, fmt.Sprintf("mark delivery %d sent", id), func(tx pgx.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE deliveries SET state = 'sent', sent_at = $1
			WHERE id = $2 AND state IN ('pending', 'failed', 'missed', 'awaiting')`, ts(at), id)
		if err != nil {
			return err
		}
		if r.RowsAffected() > 0 {
			return nil
		}
		state, err := deliveryState(ctx, tx, id)
		switch {
		case err != nil:
			return err
		case state == model.DeliverySent:
			return nil
		default:
			return fmt.Errorf("delivery is %s: %w", state, model.ErrInvalid)
		}
	})
}

// MarkFailed records a failed send of delivery id: state failed (to be
// retried), Attempts+1, Error = errText (its NUL characters removed). Only
// pending and failed rows can fail (ErrInvalid otherwise); an unknown id is
// ErrNotFound.
func (s *Store) MarkFailed(ctx context.Context, id int64, errText string) error {
	errText = stripNUL(errText)
	return s.tx(ctx, fmt.Sprintf("mark delivery %d failed", id), func(tx pgx.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE deliveries SET state = 'failed', attempts = attempts + 1, error = $1
			WHERE id = $2 AND state IN ('pending', 'failed')`, errText, id)
		if err != nil {
			return err
		}
		if r.RowsAffected() > 0 {
			// The sender backs off: another account may take the slot.
			_, err := tx.Exec(ctx, `UPDATE deliveries d SET claim_until = NULL FROM deliveries f
				WHERE f.id = $1 AND d.subscription_id = f.subscription_id AND d.slot = f.slot
				AND d.state IN ('pending', 'failed') AND d.claim_until IS NOT NULL`, id)
			return err
		}
		state, err := deliveryState(ctx, tx, id)
		if err != nil {
			return err
		}
		return fmt.Errorf("delivery is %s: %w", state, model.ErrInvalid)
	})
}

// MarkSlotMissed marks every unsent (pending, failed or awaiting) part of
// a slot missed and releases the slot's articles, so a later slot may
// carry them (Delivered no longer reports them, unless another slot handed
// them too). A slot with nothing unsent is left alone, articles included;
// a slot that was never recorded is ErrNotFound.
func (s *Store) MarkSlotMissed(ctx context.Context, subID int64, slot time.Time) error {
	if err := checkTime("slot", slot); err != nil {
		return fmt.Errorf("pgstore: mark slot missed: %w", err)
	}
	at := ts(slot)
	return s.tx(ctx, fmt.Sprintf("mark slot %s of subscription %d missed", at.Format(time.RFC3339Nano), subID), func(tx pgx.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE deliveries SET state = 'missed'
			WHERE subscription_id = $1 AND slot = $2 AND state IN ('pending', 'failed', 'awaiting')`, subID, at)
		if err != nil {
			return err
		}
		if r.RowsAffected() == 0 {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM deliveries
				WHERE subscription_id = $1 AND slot = $2)`, subID, at).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return model.ErrNotFound
			}
			return nil
		}
		_, err = tx.Exec(ctx, `DELETE FROM delivery_items WHERE subscription_id = $1 AND slot = $2`, subID, at)
		return err
	})
}

// LastSlot returns the latest recorded slot of the subscription, in any
// state; ErrNotFound when it has none.
func (s *Store) LastSlot(ctx context.Context, subID int64) (time.Time, error) {
	var last *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT MAX(slot) FROM deliveries WHERE subscription_id = $1`, subID).Scan(&last); err != nil {
		return time.Time{}, fmt.Errorf("pgstore: last slot of subscription %d: %w", subID, err)
	}
	if last == nil {
		return time.Time{}, fmt.Errorf("pgstore: last slot of subscription %d: %w", subID, model.ErrNotFound)
	}
	return last.UTC(), nil
}

// MarkAwaiting records that delivery id became a task on its channel
// (remoteID, e.g. a WeCom msgid) that waits for a person to confirm it:
// state awaiting. Only pending and failed rows can (ErrInvalid otherwise);
// marking an awaiting row again changes nothing.
func (s *Store) MarkAwaiting(ctx context.Context, id int64, remoteID string) error {
	if strings.TrimSpace(remoteID) == "" {
		return fmt.Errorf("pgstore: mark delivery %d awaiting: empty remote id: %w", id, model.ErrInvalid)
	}
	if err := checkNUL("remote id", remoteID); err != nil {
		return fmt.Errorf("pgstore: mark delivery %d awaiting: %w", id, err)
	}
	return s.tx(ctx, fmt.Sprintf("mark delivery %d awaiting", id), func(tx pgx.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE deliveries SET state = 'awaiting', remote_id = $1
			WHERE id = $2 AND state IN ('pending', 'failed')`, remoteID, id)
		if err != nil {
			return err
		}
		if r.RowsAffected() > 0 {
			return nil
		}
		state, err := deliveryState(ctx, tx, id)
		if err != nil {
			return err
		}
		if state == model.DeliveryAwaiting {
			return nil
		}
		return fmt.Errorf("delivery is %s: %w", state, model.ErrInvalid)
	})
}

// Awaiting lists the deliveries waiting for confirmation, oldest slot
// first.
func (s *Store) Awaiting(ctx context.Context) ([]model.Delivery, error) {
	return s.queryDeliveries(ctx, "awaiting", `SELECT `+deliveryCols+` FROM deliveries d
		WHERE d.state = 'awaiting' AND d.subscription_id IS NOT NULL
		ORDER BY d.slot, d.subscription_id, d.part`)
}

// MarkShown records that the subscription's group was shown articleIDs
// outside a slot (a resident asked 今日新闻 in the group at at), so later
// slots and pushes carry only what is new to it. Delivered counts them;
// nothing is sent. An unknown subscription is ErrNotFound.
func (s *Store) MarkShown(ctx context.Context, subID int64, at time.Time, articleIDs []int64) error {
	if err := checkTime("shown time", at); err != nil {
		return fmt.Errorf("pgstore: mark shown: %w", err)
	}
	if len(articleIDs) == 0 {
		return nil
	}
	return s.tx(ctx, fmt.Sprintf("mark shown to subscription %d", subID), func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM subscriptions WHERE id = $1 FOR SHARE`, subID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return model.ErrNotFound
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO delivery_items (subscription_id, slot, article_id)
			SELECT $1, $2, unnest($3::bigint[]) ON CONFLICT DO NOTHING`, subID, ts(at), articleIDs)
		return err
	})
}

// RetryDelivery sends a failed part again: it becomes pending, keeping its
// Attempts and Error (the history of its failures), and any claim on it
// ends, so the next sender to look takes it. An unknown id is ErrNotFound;
// a part that is not failed is an error wrapping ErrInvalid.
func (s *Store) RetryDelivery(ctx context.Context, id int64) error {
	return s.tx(ctx, fmt.Sprintf("retry delivery %d", id), func(tx pgx.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE deliveries SET state = 'pending', claim_until = NULL
			WHERE id = $1 AND state = 'failed'`, id)
		if err != nil {
			return err
		}
		if r.RowsAffected() > 0 {
			return nil
		}
		state, err := deliveryState(ctx, tx, id)
		if err != nil {
			return err
		}
		return fmt.Errorf("delivery is %s, not failed: %w", state, model.ErrInvalid)
	})
}

// deliveryStates are the ledger's states, each a key of DeliveryCounts.
var deliveryStates = []string{model.DeliveryPending, model.DeliverySent, model.DeliveryFailed,
	model.DeliveryMissed, model.DeliverySkipped, model.DeliveryAwaiting}

// DeliveryCounts counts the ledger's rows by state; every state is a key,
// zero included.
func (s *Store) DeliveryCounts(ctx context.Context) (map[string]int, error) {
	type count struct {
		state string
		n     int64
	}
	rows, err := s.pool.Query(ctx, `SELECT state, COUNT(*) FROM deliveries GROUP BY state`)
	cs, err := collect(rows, err, func(sc scanner) (count, error) {
		var c count
		return c, sc.Scan(&c.state, &c.n)
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: delivery counts: %w", err)
	}
	counts := make(map[string]int, len(deliveryStates))
	for _, st := range deliveryStates {
		counts[st] = 0
	}
	for _, c := range cs {
		counts[c.state] = int(c.n)
	}
	return counts, nil
}

// stripPartNULs returns recs with the NUL characters of their parts
// removed (see stripNUL), copying only the records that hold one.
func stripPartNULs(recs []model.SlotRecord) []model.SlotRecord {
	copied := false
	for i, r := range recs {
		for p, text := range r.Parts {
			if strings.IndexByte(text, 0) < 0 {
				continue
			}
			if !copied {
				recs, copied = append([]model.SlotRecord(nil), recs...), true
			}
			if &recs[i].Parts[0] == &r.Parts[0] {
				recs[i].Parts = append([]string(nil), r.Parts...)
			}
			recs[i].Parts[p] = stripNUL(text)
		}
	}
	return recs
}
