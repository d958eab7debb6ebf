package pgstore

import (
	"context"
	"fmt"

	"github.com/wxdigest/wxdigest/model"
)

// QueueReply keeps a message until it is sent (DoneReply) and returns its
// id. r.ID and r.Created are the store's. A NUL character in the channel
// or the target is ErrInvalid; NUL characters are removed from the text.
func (s *Store) QueueReply(ctx context.Context, r model.QueuedReply) (int64, error) {
	if err := checkName("outbox channel", r.Channel); err != nil {
		return 0, fmt.Errorf("pgstore: queue reply: %w", err)
	}
	for _, f := range []struct{ what, v string }{{"target kind", r.TargetKind}, {"target name", r.TargetName}, {"target id", r.TargetID}} {
		if err := checkNUL(f.what, f.v); err != nil {
			return 0, fmt.Errorf("pgstore: queue reply: %w", err)
		}
	}
	r.Text = stripNUL(r.Text)
	var id int64
	if err := s.pool.QueryRow(ctx, `INSERT INTO outbox (channel, target_kind, target_name, target_id, text, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		r.Channel, r.TargetKind, r.TargetName, r.TargetID, r.Text, ts(s.now())).Scan(&id); err != nil {
		return 0, fmt.Errorf("pgstore: queue reply: %w", err)
	}
	return id, nil
}

// DoneReply forgets a message that was sent or given up.
func (s *Store) DoneReply(ctx context.Context, id int64) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM outbox WHERE id = $1`, id); err != nil {
		return fmt.Errorf("pgstore: done reply %d: %w", id, err)
	}
	return nil
}

// QueuedReplies lists a channel's waiting messages, oldest first.
func (s *Store) QueuedReplies(ctx context.Context, channel string) ([]model.QueuedReply, error) {
	if hasNUL(channel) {
		return nil, nil // no reply is filed so
	}
	rows, err := s.pool.Query(ctx, `SELECT id, channel, target_kind, target_name, target_id, text, created_at
		FROM outbox WHERE channel = $1 ORDER BY id`, channel)
	out, err := collect(rows, err, func(sc scanner) (model.QueuedReply, error) {
		var r model.QueuedReply
		err := sc.Scan(&r.ID, &r.Channel, &r.TargetKind, &r.TargetName, &r.TargetID, &r.Text, &r.Created)
		r.Created = r.Created.UTC()
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: queued replies: %w", err)
	}
	return out, nil
}
