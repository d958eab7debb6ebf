package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxdigest/wxdigest/model"
)

const channelCols = `id, name, kind, url, corp_id, secret, sender, chat_ids, allow_private, enabled,
	last_error, last_error_at, created_at, updated_at`

func scanChannel(sc scanner) (model.Channel, error) {
	var c model.Channel
	var errAt *time.Time
	if err := sc.Scan(&c.ID, &c.Name, &c.Kind, &c.URL, &c.CorpID, &c.Secret, &c.Sender, &c.ChatIDs,
		&c.AllowPrivate, &c.Enabled, &c.LastError, &errAt, &c.Created, &c.Updated); err != nil {
		return model.Channel{}, err
	}
	c.ChatIDs = unlist(c.ChatIDs)
	c.LastErrorAt = fromNull(errAt)
	c.Created, c.Updated = c.Created.UTC(), c.Updated.UTC()
	return c, nil
}

func checkChannel(c model.Channel) error {
	if err := checkName("channel name", c.Name); err != nil {
		return err
	}
	if c.Name == model.ChannelWeChat {
		return fmt.Errorf("channel name %q is the personal WeChat account's: %w", c.Name, model.ErrInvalid)
	}
	if strings.ContainsAny(c.Name, "\n\r\t") {
		return fmt.Errorf("channel name %q has control characters: %w", c.Name, model.ErrInvalid)
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
	case model.ChannelWeComRobot:
		if err := checkName("robot webhook URL", c.URL); err != nil {
			return err
		}
	case model.ChannelWeComTask:
		for _, f := range []struct{ what, v string }{{"corp id", c.CorpID}, {"corp secret", c.Secret}, {"sender", c.Sender}} {
			if err := checkName(f.what, f.v); err != nil {
				return err
			}
		}
		for _, id := range c.ChatIDs {
			if strings.TrimSpace(id) == "" || strings.Contains(id, ",") {
				return fmt.Errorf("bad chat id %q: %w", id, model.ErrInvalid)
			}
		}
	default:
		return fmt.Errorf("unknown channel kind %q, want %q or %q: %w", c.Kind, model.ChannelWeComRobot, model.ChannelWeComTask, model.ErrInvalid)
	}
	return nil
}

// AddChannel stores a new channel (ID, times and errors are ignored) and
// returns it with ID, Created and Updated set; ErrExists when the name is
// taken.
func (s *Store) AddChannel(ctx context.Context, c model.Channel) (model.Channel, error) {
	if err := checkChannel(c); err != nil {
		return model.Channel{}, fmt.Errorf("pgstore: add channel: %w", err)
	}
	out, err := scanChannel(s.pool.QueryRow(ctx, `INSERT INTO channels
		(name, kind, url, corp_id, secret, sender, chat_ids, allow_private, enabled, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
		ON CONFLICT (name) DO NOTHING
		RETURNING `+channelCols,
		c.Name, c.Kind, c.URL, c.CorpID, c.Secret, c.Sender, list(c.ChatIDs), c.AllowPrivate, c.Enabled, ts(s.now())))
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Channel{}, fmt.Errorf("pgstore: add channel %q: %w", c.Name, model.ErrExists)
	}
	if err != nil {
		return model.Channel{}, fmt.Errorf("pgstore: add channel %q: %w", c.Name, err)
	}
	return out, nil
}

// Channels lists the configured channels by name.
func (s *Store) Channels(ctx context.Context) ([]model.Channel, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+channelCols+` FROM channels ORDER BY name`)
	out, err := collect(rows, err, scanChannel)
	if err != nil {
		return nil, fmt.Errorf("pgstore: channels: %w", err)
	}
	return out, nil
}

// Channel returns the named channel; ErrNotFound when there is none.
func (s *Store) Channel(ctx context.Context, name string) (model.Channel, error) {
	if hasNUL(name) { // none is stored (checkName)
		return model.Channel{}, fmt.Errorf("pgstore: channel %q: %w", name, model.ErrNotFound)
	}
	c, err := scanChannel(s.pool.QueryRow(ctx, `SELECT `+channelCols+` FROM channels WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Channel{}, fmt.Errorf("pgstore: channel %q: %w", name, model.ErrNotFound)
	}
	if err != nil {
		return model.Channel{}, fmt.Errorf("pgstore: channel %q: %w", name, err)
	}
	return c, nil
}

// RemoveChannel removes the named channel: ErrNotFound when there is none,
// ErrInUse while a subscription delivers through it (remove that first, so
// nothing scheduled silently stops). The channel row is locked first, so a
// concurrent PutSubscription through it either finishes before the check
// or fails with ErrNotFound after the removal.
func (s *Store) RemoveChannel(ctx context.Context, name string) error {
	if hasNUL(name) {
		return fmt.Errorf("pgstore: remove channel %q: %w", name, model.ErrNotFound)
	}
	return s.tx(ctx, fmt.Sprintf("remove channel %q", name), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM channels WHERE name = $1 FOR UPDATE`, name); err != nil {
			return err
		}
		var subs int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM subscriptions WHERE channel = $1`, name).Scan(&subs); err != nil {
			return err
		}
		if subs > 0 {
			return fmt.Errorf("%d subscription(s) deliver through it: %w", subs, model.ErrInUse)
		}
		r, err := tx.Exec(ctx, `DELETE FROM channels WHERE name = $1`, name)
		if err != nil {
			return err
		}
		if r.RowsAffected() == 0 {
			return model.ErrNotFound
		}
		return nil
	})
}

// SetChannelError records the channel's current failure ("" clears it),
// seen at at, so `channel list` shows it. NUL characters are removed from
// errText; a name with one is ErrInvalid.
func (s *Store) SetChannelError(ctx context.Context, name, errText string, at time.Time) error {
	if err := checkNUL("channel name", name); err != nil {
		return fmt.Errorf("pgstore: set channel %q error: %w", name, err)
	}
	errText = stripNUL(errText)
	var errAt *time.Time
	if errText != "" {
		if err := checkTime("error time", at); err != nil {
			return fmt.Errorf("pgstore: set channel %q error: %w", name, err)
		}
		errAt = nullTS(at)
	}
	r, err := s.pool.Exec(ctx, `UPDATE channels SET last_error = $1, last_error_at = $2 WHERE name = $3`, errText, errAt, name)
	if err != nil {
		return fmt.Errorf("pgstore: set channel %q error: %w", name, err)
	}
	if r.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: set channel %q error: %w", name, model.ErrNotFound)
	}
	return nil
}

// UpdateChannel replaces the settings of the named channel (its kind
// included) and clears its error, e.g. after an admin re-added a robot and
// copied its new URL; ErrNotFound when there is none.
func (s *Store) UpdateChannel(ctx context.Context, c model.Channel) (model.Channel, error) {
	if err := checkChannel(c); err != nil {
		return model.Channel{}, fmt.Errorf("pgstore: update channel: %w", err)
	}
	out, err := scanChannel(s.pool.QueryRow(ctx, `UPDATE channels SET kind = $1, url = $2, corp_id = $3, secret = $4,
		sender = $5, chat_ids = $6, allow_private = $7, enabled = $8, last_error = '', last_error_at = NULL, updated_at = $9
		WHERE name = $10 RETURNING `+channelCols,
		c.Kind, c.URL, c.CorpID, c.Secret, c.Sender, list(c.ChatIDs), c.AllowPrivate, c.Enabled, ts(s.now()), c.Name))
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Channel{}, fmt.Errorf("pgstore: update channel %q: %w", c.Name, model.ErrNotFound)
	}
	if err != nil {
		return model.Channel{}, fmt.Errorf("pgstore: update channel %q: %w", c.Name, err)
	}
	return out, nil
}
