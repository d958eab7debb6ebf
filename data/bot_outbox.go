package data

import (
	"context"
	"fmt"
)

// QueueReply keeps a message until it is sent (DoneReply) and returns its id.
// A NUL character in the channel or the target is ErrInvalid; NUL characters
// are removed from the text.
func (s *Store) QueueReply(ctx context.Context, r QueuedReply) (int64, error) {
	if err := checkName("outbox channel", r.Channel); err != nil {
		return 0, fmt.Errorf("data: queue reply: %w", err)
	}
	for _, f := range []struct{ what, v string }{{"target kind", r.TargetKind}, {"target name", r.TargetName}, {"target id", r.TargetID}} {
		if err := checkNUL(f.what, f.v); err != nil {
			return 0, fmt.Errorf("data: queue reply: %w", err)
		}
	}
	r.Text = stripNUL(r.Text)
	res, err := s.w.ExecContext(ctx, `INSERT INTO outbox (channel, target_kind, target_name, target_id, text, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, r.Channel, r.TargetKind, r.TargetName, r.TargetID, r.Text, botTime(s.now()))
	if err != nil {
		return 0, fmt.Errorf("data: queue reply: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("data: queue reply: %w", err)
	}
	return id, nil
}

// DoneReply forgets a message that was sent or given up.
func (s *Store) DoneReply(ctx context.Context, id int64) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM outbox WHERE id = ?`, id); err != nil {
		return fmt.Errorf("data: done reply %d: %w", id, err)
	}
	return nil
}

// QueuedReplies lists a channel's waiting messages, oldest first.
func (s *Store) QueuedReplies(ctx context.Context, channel string) ([]QueuedReply, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, channel, target_kind, target_name, target_id, text, created_at
		FROM outbox WHERE channel = ? ORDER BY id`, channel)
	if err != nil {
		return nil, fmt.Errorf("data: queued replies: %w", err)
	}
	defer rows.Close()
	var out []QueuedReply
	for rows.Next() {
		var r QueuedReply
		var created string
		if err := rows.Scan(&r.ID, &r.Channel, &r.TargetKind, &r.TargetName, &r.TargetID, &r.Text, &created); err != nil {
			return nil, fmt.Errorf("data: queued replies: %w", err)
		}
		if r.Created, err = parseBotTime(created); err != nil {
			return nil, fmt.Errorf("data: queued replies: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: queued replies: %w", err)
	}
	return out, nil
}
