package data

import (
	"context"
	"crypto/sha256"
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
//
// NUL characters are removed from the parts (the caller's slice is left
// as it is); a part that held nothing else is empty, and ErrInvalid.
func (s *Store) RecordSlot(ctx context.Context, subID int64, slot time.Time, parts []string, articleIDs []int64) (bool, error) {
	created, err := s.recordSlots(ctx, "record slot", []SlotRecord{{SubscriptionID: subID, Slot: slot, Parts: parts, ArticleIDs: articleIDs}})
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
	if r.Kinds != nil && len(r.Kinds) != len(r.Parts) {
		return fmt.Errorf("%d kinds for %d parts: %w", len(r.Kinds), len(r.Parts), ErrInvalid)
	}
	for i, k := range r.Kinds {
		if k != PartText && k != PartImage {
			return fmt.Errorf("part %d: unknown kind %q: %w", i+1, k, ErrInvalid)
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
	recs = stripPartNULs(recs)
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
		w, err := newSlotWriter(ctx, tx)
		if err != nil {
			return err
		}
		defer w.close()
		groups, err := w.targets(recs)
		if err != nil {
			return err
		}
		now := botTime(s.now())
		for i, r := range recs {
			to, ok := groups[r.SubscriptionID]
			if !ok {
				return fmt.Errorf("slot %d: subscription %d: %w", i+1, r.SubscriptionID, ErrNotFound)
			}
			if created[i], err = w.record(r, to, now); err != nil {
				return fmt.Errorf("slot %d: %w", i+1, err)
			}
		}
		return w.flushItems()
	})
	if err != nil {
		return nil, err
	}
	return created, nil
}

// itemRows is how many delivery_items rows one INSERT writes: one
// statement per slot's handful of articles would cost more than the rows.
const itemRows = 100

// slotWriter writes slots inside one transaction, with its statements
// prepared once and the texts it already stored remembered.
type slotWriter struct {
	ctx                           context.Context
	tx                            *sql.Tx
	head, rest, findText, addText *sql.Stmt
	itemStmts                     map[int]*sql.Stmt // by row count
	texts                         map[string]int64  // text → delivery_texts.id
	items                         []any             // pending delivery_items values, 3 per row
}

func newSlotWriter(ctx context.Context, tx *sql.Tx) (*slotWriter, error) {
	w := &slotWriter{ctx: ctx, tx: tx, itemStmts: map[int]*sql.Stmt{}, texts: map[string]int64{}}
	for _, p := range []struct {
		stmt **sql.Stmt
		q    string
	}{
		// The head row (part 0 or 1) decides whether the slot is new: ON
		// CONFLICT DO NOTHING on deliveries_slot_head, the enqueue that
		// stays idempotent on PostgreSQL too.
		{&w.head, `INSERT INTO deliveries
			(subscription_id, channel, group_name, slot, part, parts, kind, text_id, state, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`},
		{&w.rest, `INSERT INTO deliveries
			(subscription_id, channel, group_name, slot, part, parts, kind, text_id, state, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`},
		{&w.findText, `SELECT id FROM delivery_texts WHERE hash = ?`},
		{&w.addText, `INSERT INTO delivery_texts (hash, text) VALUES (?, ?)`},
	} {
		stmt, err := tx.PrepareContext(ctx, p.q)
		if err != nil {
			w.close()
			return nil, err
		}
		*p.stmt = stmt
	}
	return w, nil
}

func (w *slotWriter) close() {
	for _, st := range []*sql.Stmt{w.head, w.rest, w.findText, w.addText} {
		if st != nil {
			st.Close()
		}
	}
	for _, st := range w.itemStmts {
		st.Close()
	}
}

// slotTarget is where a subscription's slots go.
type slotTarget struct{ channel, group string }

// targets reads the channel and group of every subscription recs name.
func (w *slotWriter) targets(recs []SlotRecord) (map[int64]slotTarget, error) {
	names := make(map[int64]slotTarget)
	var ids []any
	seen := make(map[int64]bool)
	for _, r := range recs {
		if !seen[r.SubscriptionID] {
			seen[r.SubscriptionID] = true
			ids = append(ids, r.SubscriptionID)
		}
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), deliveredChunk)]
		ids = ids[len(chunk):]
		rows, err := w.tx.QueryContext(w.ctx, `SELECT id, channel, group_name FROM subscriptions WHERE id IN (?`+
			strings.Repeat(", ?", len(chunk)-1)+`)`, chunk...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var t slotTarget
			if err := rows.Scan(&id, &t.channel, &t.group); err != nil {
				rows.Close()
				return nil, err
			}
			names[id] = t
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// textID stores text once and returns its id.
func (w *slotWriter) textID(text string) (int64, error) {
	if id, ok := w.texts[text]; ok {
		return id, nil
	}
	h := sha256.Sum256([]byte(text))
	var id int64
	err := w.findText.QueryRowContext(w.ctx, h[:]).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		var res sql.Result
		if res, err = w.addText.ExecContext(w.ctx, h[:], text); err == nil {
			id, err = res.LastInsertId()
		}
	}
	if err != nil {
		return 0, fmt.Errorf("store text: %w", err)
	}
	w.texts[text] = id
	return id, nil
}

func (w *slotWriter) record(r SlotRecord, to slotTarget, now string) (bool, error) {
	slot := botTime(r.Slot)
	n := len(r.Parts)
	kind := func(p int) string {
		if r.Kinds == nil {
			return PartText
		}
		return r.Kinds[p]
	}
	var res sql.Result
	var err error
	if n == 0 {
		res, err = w.head.ExecContext(w.ctx, r.SubscriptionID, to.channel, to.group, slot, 0, 0, PartText, nil, DeliverySkipped, now)
	} else {
		var text int64
		if text, err = w.textID(r.Parts[0]); err != nil {
			return false, err
		}
		res, err = w.head.ExecContext(w.ctx, r.SubscriptionID, to.channel, to.group, slot, 1, n, kind(0), text, DeliveryPending, now)
	}
	if err != nil {
		return false, err
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return false, nil // already recorded
	}
	for p := 1; p < n; p++ {
		text, err := w.textID(r.Parts[p])
		if err != nil {
			return false, err
		}
		if _, err := w.rest.ExecContext(w.ctx, r.SubscriptionID, to.channel, to.group, slot, p+1, n, kind(p), text, now); err != nil {
			return false, fmt.Errorf("part %d: %w", p+1, err)
		}
	}
	for _, id := range r.ArticleIDs {
		w.items = append(w.items, r.SubscriptionID, slot, id)
		if len(w.items) == 3*itemRows {
			if err := w.flushItems(); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

// flushItems writes the pending delivery_items rows.
func (w *slotWriter) flushItems() error {
	rows := len(w.items) / 3
	if rows == 0 {
		return nil
	}
	st, ok := w.itemStmts[rows]
	if !ok {
		var err error
		st, err = w.tx.PrepareContext(w.ctx, `INSERT INTO delivery_items (subscription_id, slot, article_id)
			VALUES (?, ?, ?)`+strings.Repeat(", (?, ?, ?)", rows-1)+` ON CONFLICT DO NOTHING`)
		if err != nil {
			return fmt.Errorf("hand articles: %w", err)
		}
		w.itemStmts[rows] = st
	}
	if _, err := st.ExecContext(w.ctx, w.items...); err != nil {
		return fmt.Errorf("hand articles: %w", err)
	}
	w.items = w.items[:0]
	return nil
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
		q := deliveredQuery + strings.Repeat(", ?", len(chunk)-1) + `)`
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

// deliveryCols reads deliveries d; the texts are read apart (see
// queryDeliveries).
const deliveryCols = `d.id, d.subscription_id, d.channel, d.group_name, d.slot, d.part, d.parts, d.kind, d.text_id,
	d.state, d.attempts, d.error, d.remote_id, d.created_at, d.sent_at, d.account, d.claimed_by, d.claim_until`

const deliveryFrom = ` FROM deliveries d `

// The ledger's hot queries, named so that TestBotQueryPlans checks the
// very text the methods run.
const (
	// The WHERE repeats deliveries_unsent's, so the partial index serves it.
	unsentQuery = `SELECT ` + deliveryCols + deliveryFrom + `
		WHERE d.state IN ('pending', 'failed') AND d.subscription_id IS NOT NULL
		ORDER BY d.slot, d.subscription_id, d.part`
	deliveriesQuery = `SELECT ` + deliveryCols + deliveryFrom + `
		WHERE d.slot >= ? ORDER BY d.slot, d.group_name, d.part, d.id`
	// deliveredQuery is completed with ", ?"s and ")".
	deliveredQuery = `SELECT DISTINCT article_id FROM delivery_items WHERE subscription_id = ? AND article_id IN (?`
	lastSlotQuery  = `SELECT MAX(slot) FROM deliveries WHERE subscription_id = ?`
	missQuery      = `UPDATE deliveries SET state = 'missed'
		WHERE subscription_id = ? AND slot = ? AND state IN ('pending', 'failed', 'awaiting')`
	awaitingQuery = `SELECT ` + deliveryCols + deliveryFrom + `
		WHERE d.state = 'awaiting' AND d.subscription_id IS NOT NULL
		ORDER BY d.slot, d.subscription_id, d.part`
	releaseQuery = `DELETE FROM delivery_items WHERE subscription_id = ? AND slot = ?`
	// releaseSlotClaims ends the claims on the unsent parts of the slot of
	// a delivery (given twice).
	releaseSlotClaims = `UPDATE deliveries SET claim_until = NULL
		WHERE subscription_id = (SELECT subscription_id FROM deliveries WHERE id = ?)
		AND slot = (SELECT slot FROM deliveries WHERE id = ?)
		AND state IN ('pending', 'failed') AND claim_until IS NOT NULL`
)

// scanDelivery reads a row of deliveryCols, and the id of its text (0:
// none).
func scanDelivery(sc botScanner) (Delivery, int64, error) {
	var d Delivery
	var sub, text sql.NullInt64
	var slot, created string
	var sent, claim sql.NullString
	if err := sc.Scan(&d.ID, &sub, &d.Channel, &d.Group, &slot, &d.Part, &d.Parts, &d.Kind, &text, &d.State, &d.Attempts,
		&d.Error, &d.RemoteID, &created, &sent, &d.Account, &d.ClaimedBy, &claim); err != nil {
		return Delivery{}, 0, err
	}
	d.SubscriptionID = sub.Int64 // 0 once the subscription was removed
	var err error
	if d.Slot, err = parseBotTime(slot); err != nil {
		return Delivery{}, 0, err
	}
	if d.Created, err = parseBotTime(created); err != nil {
		return Delivery{}, 0, err
	}
	if d.SentAt, err = parseNullBotTime(sent); err != nil {
		return Delivery{}, 0, err
	}
	if d.ClaimUntil, err = parseNullBotTime(claim); err != nil {
		return Delivery{}, 0, err
	}
	return d, text.Int64, nil
}

// queryDeliveries runs a deliveryCols query and fills in the texts. Each
// distinct text is read once and shared by the rows that send it: a
// fan-out's 20,000 rows carry two strings, not 20,000 copies (measured by
// BenchmarkUnsent10k). Texts are never deleted or changed, so reading them
// after the rows is consistent.
func (s *Store) queryDeliveries(ctx context.Context, op, q string, args ...any) ([]Delivery, error) {
	ds, textIDs, err := s.scanDeliveries(ctx, q, args...)
	if err == nil {
		err = s.fillTexts(ctx, ds, textIDs)
	}
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", op, err)
	}
	return ds, nil
}

func (s *Store) scanDeliveries(ctx context.Context, q string, args ...any) ([]Delivery, []int64, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	ds := []Delivery{}
	var textIDs []int64
	for rows.Next() {
		d, text, err := scanDelivery(rows)
		if err != nil {
			return nil, nil, err
		}
		ds = append(ds, d)
		textIDs = append(textIDs, text)
	}
	return ds, textIDs, rows.Err()
}

// fillTexts sets ds[i].Text to the text with id textIDs[i] (0: none).
func (s *Store) fillTexts(ctx context.Context, ds []Delivery, textIDs []int64) error {
	texts := make(map[int64]string)
	var ids []any
	for _, id := range textIDs {
		if _, ok := texts[id]; !ok && id != 0 {
			texts[id] = ""
			ids = append(ids, id)
		}
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), deliveredChunk)]
		ids = ids[len(chunk):]
		if err := func() error {
			rows, err := s.r.QueryContext(ctx, `SELECT id, text FROM delivery_texts WHERE id IN (?`+
				strings.Repeat(", ?", len(chunk)-1)+`)`, chunk...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				var text string
				if err := rows.Scan(&id, &text); err != nil {
					return err
				}
				texts[id] = text
			}
			return rows.Err()
		}(); err != nil {
			return fmt.Errorf("texts: %w", err)
		}
	}
	for i, id := range textIDs {
		ds[i].Text = texts[id]
	}
	return nil
}

// Unsent lists pending and failed deliveries, oldest slot first, then
// subscription, then part. Rows of removed subscriptions are never listed
// (removal marks them missed).
func (s *Store) Unsent(ctx context.Context) ([]Delivery, error) {
	return s.queryDeliveries(ctx, "unsent", unsentQuery)
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
	return s.queryDeliveries(ctx, "deliveries", deliveriesQuery, from)
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
			WHERE id = ? AND state IN ('pending', 'failed', 'missed', 'awaiting')`, botTime(at), id)
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
// retried), Attempts+1, Error = errText (its NUL characters removed). Only
// pending and failed rows can fail (ErrInvalid otherwise); an unknown id is
// ErrNotFound.
func (s *Store) MarkFailed(ctx context.Context, id int64, errText string) error {
	errText = stripNUL(errText)
	return s.botTx(ctx, fmt.Sprintf("mark delivery %d failed", id), func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'failed', attempts = attempts + 1, error = ?
			WHERE id = ? AND state IN ('pending', 'failed')`, errText, id)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n > 0 {
			// The sender backs off: another account may take the slot.
			_, err := tx.ExecContext(ctx, releaseSlotClaims, id, id)
			return err
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
		r, err := tx.ExecContext(ctx, missQuery, subID, at)
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
		_, err = tx.ExecContext(ctx, releaseQuery, subID, at)
		return err
	})
}

// LastSlot returns the latest recorded slot of the subscription, in any
// state; ErrNotFound when it has none.
func (s *Store) LastSlot(ctx context.Context, subID int64) (time.Time, error) {
	var last sql.NullString
	if err := s.r.QueryRowContext(ctx, lastSlotQuery, subID).Scan(&last); err != nil {
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

// MarkAwaiting records that delivery id became a task on its channel
// (remoteID, e.g. a WeCom msgid) that waits for a person to confirm it:
// state awaiting. Only pending and failed rows can (ErrInvalid otherwise);
// marking an awaiting row again with the same id changes nothing.
func (s *Store) MarkAwaiting(ctx context.Context, id int64, remoteID string) error {
	if strings.TrimSpace(remoteID) == "" {
		return fmt.Errorf("data: mark delivery %d awaiting: empty remote id: %w", id, ErrInvalid)
	}
	if err := checkNUL("remote id", remoteID); err != nil {
		return fmt.Errorf("data: mark delivery %d awaiting: %w", id, err)
	}
	return s.botTx(ctx, fmt.Sprintf("mark delivery %d awaiting", id), func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'awaiting', remote_id = ?
			WHERE id = ? AND state IN ('pending', 'failed')`, remoteID, id)
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
		if state == DeliveryAwaiting {
			return nil
		}
		return fmt.Errorf("delivery is %s: %w", state, ErrInvalid)
	})
}

// Awaiting lists the deliveries waiting for confirmation, oldest slot
// first.
func (s *Store) Awaiting(ctx context.Context) ([]Delivery, error) {
	return s.queryDeliveries(ctx, "awaiting", awaitingQuery)
}

// MarkShown records that the subscription's group was shown articleIDs
// outside a slot (a resident asked 今日新闻 in the group at at), so later
// slots and pushes carry only what is new to it. Delivered counts them;
// nothing is sent.
func (s *Store) MarkShown(ctx context.Context, subID int64, at time.Time, articleIDs []int64) error {
	if err := checkBotTime("shown time", at); err != nil {
		return fmt.Errorf("data: mark shown: %w", err)
	}
	if len(articleIDs) == 0 {
		return nil
	}
	return s.botTx(ctx, fmt.Sprintf("mark shown to subscription %d", subID), func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM subscriptions WHERE id = ?)`, subID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return ErrNotFound
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO delivery_items (subscription_id, slot, article_id) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, id := range articleIDs {
			if _, err := st.ExecContext(ctx, subID, botTime(at), id); err != nil {
				return err
			}
		}
		return nil
	})
}

// RetryDelivery sends a failed part again: it becomes pending, keeping its
// Attempts and Error (the history of its failures), and any claim on it
// ends, so the next sender to look takes it. An unknown id is ErrNotFound;
// a part that is not failed is an error wrapping ErrInvalid.
func (s *Store) RetryDelivery(ctx context.Context, id int64) error {
	return s.botTx(ctx, fmt.Sprintf("retry delivery %d", id), func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'pending', claim_until = NULL
			WHERE id = ? AND state = 'failed'`, id)
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
		return fmt.Errorf("delivery is %s, not failed: %w", state, ErrInvalid)
	})
}

// deliveryStates are the ledger's states, each a key of DeliveryCounts.
var deliveryStates = []string{DeliveryPending, DeliverySent, DeliveryFailed, DeliveryMissed, DeliverySkipped, DeliveryAwaiting}

// DeliveryCounts counts the ledger's rows by state; every state is a key,
// zero included.
func (s *Store) DeliveryCounts(ctx context.Context) (map[string]int, error) {
	counts := make(map[string]int, len(deliveryStates))
	for _, st := range deliveryStates {
		counts[st] = 0
	}
	rows, err := s.r.QueryContext(ctx, `SELECT state, COUNT(*) FROM deliveries GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("data: delivery counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("data: delivery counts: %w", err)
		}
		counts[st] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: delivery counts: %w", err)
	}
	return counts, nil
}

// stripPartNULs returns recs with the NUL characters of their parts
// removed (see stripNUL), copying only the records that hold one.
func stripPartNULs(recs []SlotRecord) []SlotRecord {
	copied := false
	for i, r := range recs {
		for p, text := range r.Parts {
			if strings.IndexByte(text, 0) < 0 {
				continue
			}
			if !copied {
				recs, copied = append([]SlotRecord(nil), recs...), true
			}
			if &recs[i].Parts[0] == &r.Parts[0] {
				recs[i].Parts = append([]string(nil), r.Parts...)
			}
			recs[i].Parts[p] = stripNUL(text)
		}
	}
	return recs
}
