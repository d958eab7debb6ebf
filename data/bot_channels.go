package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

const channelCols = `id, name, kind, url, corp_id, secret, sender, chat_ids, allow_private, enabled,
	last_error, last_error_at, created_at, updated_at`

func scanChannel(sc botScanner) (Channel, error) {
	var c Channel
	var chatIDs, created, updated string
	var allowPrivate, enabled int
	var errAt sql.NullString
	if err := sc.Scan(&c.ID, &c.Name, &c.Kind, &c.URL, &c.CorpID, &c.Secret, &c.Sender, &chatIDs,
		&allowPrivate, &enabled, &c.LastError, &errAt, &created, &updated); err != nil {
		return Channel{}, err
	}
	if chatIDs != "" {
		c.ChatIDs = strings.Split(chatIDs, ",")
	}
	c.AllowPrivate, c.Enabled = allowPrivate != 0, enabled != 0
	var err error
	if c.LastErrorAt, err = parseNullBotTime(errAt); err != nil {
		return Channel{}, err
	}
	if c.Created, err = parseBotTime(created); err != nil {
		return Channel{}, err
	}
	if c.Updated, err = parseBotTime(updated); err != nil {
		return Channel{}, err
	}
	return c, nil
}

func checkChannel(c Channel) error {
	if err := checkName("channel name", c.Name); err != nil {
		return err
	}
	if c.Name == ChannelWeChat {
		return fmt.Errorf("channel name %q is the personal WeChat account's: %w", c.Name, ErrInvalid)
	}
	if strings.ContainsAny(c.Name, "\n\r\t") {
		return fmt.Errorf("channel name %q has control characters: %w", c.Name, ErrInvalid)
	}
	for _, f := range []struct{ what, v string }{{"webhook URL", c.URL}, {"corp id", c.CorpID}, {"corp secret", c.Secret}, {"sender", c.Sender}} {
		if err := checkNUL(f.what, f.v); err != nil {
			return err
		}
	}
	if err := checkNULs("chat id", c.ChatIDs); err != nil {
		return err
	}
	switch c.Kind {
	case ChannelWeComRobot:
		if err := checkName("robot webhook URL", c.URL); err != nil {
			return err
		}
	case ChannelWeComTask:
		for what, v := range map[string]string{"corp id": c.CorpID, "corp secret": c.Secret, "sender": c.Sender} {
			if err := checkName(what, v); err != nil {
				return err
			}
		}
		for _, id := range c.ChatIDs {
			if strings.TrimSpace(id) == "" || strings.Contains(id, ",") {
				return fmt.Errorf("bad chat id %q: %w", id, ErrInvalid)
			}
		}
	default:
		return fmt.Errorf("unknown channel kind %q, want %q or %q: %w", c.Kind, ChannelWeComRobot, ChannelWeComTask, ErrInvalid)
	}
	return nil
}

// AddChannel stores a new channel (ID, times and errors are ignored) and
// returns it with ID, Created and Updated set; ErrExists when the name is
// taken.
func (s *Store) AddChannel(ctx context.Context, c Channel) (Channel, error) {
	if err := checkChannel(c); err != nil {
		return Channel{}, fmt.Errorf("data: add channel: %w", err)
	}
	now := botTime(s.now())
	row := s.w.QueryRowContext(ctx, `INSERT INTO channels
		(name, kind, url, corp_id, secret, sender, chat_ids, allow_private, enabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO NOTHING
		RETURNING `+channelCols,
		c.Name, c.Kind, c.URL, c.CorpID, c.Secret, c.Sender, strings.Join(c.ChatIDs, ","),
		boolInt(c.AllowPrivate), boolInt(c.Enabled), now, now)
	out, err := scanChannel(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Channel{}, fmt.Errorf("data: add channel %q: %w", c.Name, ErrExists)
	}
	if err != nil {
		return Channel{}, fmt.Errorf("data: add channel %q: %w", c.Name, err)
	}
	return out, nil
}

// Channels lists the configured channels by name.
func (s *Store) Channels(ctx context.Context) ([]Channel, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+channelCols+` FROM channels ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("data: channels: %w", err)
	}
	defer rows.Close()
	out := []Channel{}
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, fmt.Errorf("data: channels: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: channels: %w", err)
	}
	return out, nil
}

// Channel returns the named channel; ErrNotFound when there is none.
func (s *Store) Channel(ctx context.Context, name string) (Channel, error) {
	if hasNUL(name) { // none is stored (checkName)
		return Channel{}, fmt.Errorf("data: channel %q: %w", name, ErrNotFound)
	}
	c, err := scanChannel(s.r.QueryRowContext(ctx, `SELECT `+channelCols+` FROM channels WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Channel{}, fmt.Errorf("data: channel %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return Channel{}, fmt.Errorf("data: channel %q: %w", name, err)
	}
	return c, nil
}

// RemoveChannel removes the named channel: ErrNotFound when there is none,
// ErrInUse while a subscription delivers through it (remove that first, so
// nothing scheduled silently stops).
func (s *Store) RemoveChannel(ctx context.Context, name string) error {
	return s.botTx(ctx, fmt.Sprintf("remove channel %q", name), func(tx *sql.Tx) error {
		var subs int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscriptions WHERE channel = ?`, name).Scan(&subs); err != nil {
			return err
		}
		if subs > 0 {
			return fmt.Errorf("%d subscription(s) deliver through it: %w", subs, ErrInUse)
		}
		r, err := tx.ExecContext(ctx, `DELETE FROM channels WHERE name = ?`, name)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// SetChannelError records the channel's current failure ("" clears it),
// seen at at, so `channel list` shows it. NUL characters are removed from
// errText; a name with one is ErrInvalid.
func (s *Store) SetChannelError(ctx context.Context, name, errText string, at time.Time) error {
	if err := checkNUL("channel name", name); err != nil {
		return fmt.Errorf("data: set channel %q error: %w", name, err)
	}
	errText = stripNUL(errText)
	var errAt any
	if errText != "" {
		if err := checkBotTime("error time", at); err != nil {
			return fmt.Errorf("data: set channel %q error: %w", name, err)
		}
		errAt = botTime(at)
	}
	r, err := s.w.ExecContext(ctx, `UPDATE channels SET last_error = ?, last_error_at = ? WHERE name = ?`, errText, errAt, name)
	if err != nil {
		return fmt.Errorf("data: set channel %q error: %w", name, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("data: set channel %q error: %w", name, ErrNotFound)
	}
	return nil
}

// UpdateChannel replaces the settings of the named channel (its kind
// included) and clears its error, e.g. after an admin re-added a robot and
// copied its new URL; ErrNotFound when there is none.
func (s *Store) UpdateChannel(ctx context.Context, c Channel) (Channel, error) {
	if err := checkChannel(c); err != nil {
		return Channel{}, fmt.Errorf("data: update channel: %w", err)
	}
	row := s.w.QueryRowContext(ctx, `UPDATE channels SET kind = ?, url = ?, corp_id = ?, secret = ?, sender = ?,
		chat_ids = ?, allow_private = ?, enabled = ?, last_error = '', last_error_at = NULL, updated_at = ?
		WHERE name = ? RETURNING `+channelCols,
		c.Kind, c.URL, c.CorpID, c.Secret, c.Sender, strings.Join(c.ChatIDs, ","), boolInt(c.AllowPrivate),
		boolInt(c.Enabled), botTime(s.now()), c.Name)
	out, err := scanChannel(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Channel{}, fmt.Errorf("data: update channel %q: %w", c.Name, ErrNotFound)
	}
	if err != nil {
		return Channel{}, fmt.Errorf("data: update channel %q: %w", c.Name, err)
	}
	return out, nil
}
