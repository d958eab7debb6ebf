package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

const subscriptionCols = `id, channel, group_name, kind, spec, tz, weekdays, source, style, enabled, created_at, updated_at,
	include_words, exclude_words, approve`

func scanSubscription(sc botScanner) (Subscription, error) {
	var sub Subscription
	var weekdays, enabled, approve int
	var created, updated, include, exclude string
	if err := sc.Scan(&sub.ID, &sub.Channel, &sub.Group, &sub.Kind, &sub.Spec, &sub.TZ, &weekdays, &sub.Source,
		&sub.Style, &enabled, &created, &updated, &include, &exclude, &approve); err != nil {
		return Subscription{}, err
	}
	sub.Include, sub.Exclude = splitWords(include), splitWords(exclude)
	sub.Weekdays, sub.Enabled, sub.Approve = weekdays != 0, enabled != 0, approve != 0
	var err error
	if sub.Created, err = parseBotTime(created); err != nil {
		return Subscription{}, err
	}
	if sub.Updated, err = parseBotTime(updated); err != nil {
		return Subscription{}, err
	}
	return sub, nil
}

func checkSubscription(sub Subscription) error {
	if err := checkName("group", sub.Group); err != nil {
		return err
	}
	if sub.Kind != ScheduleAt && sub.Kind != ScheduleCron {
		return fmt.Errorf("unknown schedule kind %q, want %q or %q: %w", sub.Kind, ScheduleAt, ScheduleCron, ErrInvalid)
	}
	if err := checkName("schedule spec", sub.Spec); err != nil {
		return err
	}
	for _, f := range []struct{ what, v string }{{"channel", sub.Channel}, {"time zone", sub.TZ}, {"sources", sub.Source}} {
		if err := checkNUL(f.what, f.v); err != nil {
			return err
		}
	}
	for _, w := range append(append([]string(nil), sub.Include...), sub.Exclude...) {
		if strings.TrimSpace(w) == "" || strings.Contains(w, ",") {
			return fmt.Errorf("bad filter word %q: %w", w, ErrInvalid)
		}
		if err := checkNUL("filter word", w); err != nil {
			return err
		}
	}
	switch sub.Style {
	case "", StyleText, StyleImage, StyleBoth:
	default:
		return fmt.Errorf("unknown style %q, want %q, %q or %q: %w", sub.Style, StyleText, StyleImage, StyleBoth, ErrInvalid)
	}
	return nil
}

// normSubscription fills the defaults of the channel and style.
func normSubscription(sub Subscription) Subscription {
	if sub.Channel == "" {
		sub.Channel = ChannelWeChat
	}
	if sub.Style == "" {
		sub.Style = StyleText
	}
	if sub.Channel != ChannelWeChat {
		// A robot or task channel is the whole target.
		sub.Group = sub.Channel
	}
	return sub
}

// PutSubscription inserts or replaces the group's subscription (unique on
// Group; sub.ID, Created and Updated are ignored) and returns it with ID,
// Created and Updated set. Replacing keeps the ID and Created, so the
// ledger's memory of what the group already received carries over to the
// new schedule. The schedule itself is not parsed here: that is the bot's
// job (bot.NewSchedule) before it calls this.
func (s *Store) PutSubscription(ctx context.Context, sub Subscription) (Subscription, error) {
	sub = normSubscription(sub)
	if err := checkSubscription(sub); err != nil {
		return Subscription{}, fmt.Errorf("data: put subscription: %w", err)
	}
	if sub.Channel != ChannelWeChat {
		var exists bool
		if err := s.w.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM channels WHERE name = ?)`, sub.Channel).Scan(&exists); err != nil {
			return Subscription{}, fmt.Errorf("data: put subscription: %w", err)
		}
		if !exists {
			return Subscription{}, fmt.Errorf("data: put subscription: channel %q: %w", sub.Channel, ErrNotFound)
		}
	}
	now := botTime(s.now())
	row := s.w.QueryRowContext(ctx, `INSERT INTO subscriptions
		(channel, group_name, kind, spec, tz, weekdays, source, style, enabled, created_at, updated_at,
		 include_words, exclude_words, approve)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (channel, group_name) DO UPDATE SET
			kind = excluded.kind, spec = excluded.spec, tz = excluded.tz,
			weekdays = excluded.weekdays, source = excluded.source, style = excluded.style,
			enabled = excluded.enabled, updated_at = excluded.updated_at,
			include_words = excluded.include_words, exclude_words = excluded.exclude_words,
			approve = excluded.approve
		RETURNING `+subscriptionCols,
		sub.Channel, sub.Group, sub.Kind, sub.Spec, sub.TZ, boolInt(sub.Weekdays), sub.Source, sub.Style, boolInt(sub.Enabled), now, now,
		strings.Join(sub.Include, ","), strings.Join(sub.Exclude, ","), boolInt(sub.Approve))
	out, err := scanSubscription(row)
	if err != nil {
		return Subscription{}, fmt.Errorf("data: put subscription %q: %w", sub.Group, err)
	}
	return out, nil
}

// RemoveSubscription removes the group's subscription; ErrNotFound when
// the group has none. Its ledger rows stay as history (with the group's
// name, no longer linked to a subscription); parts not sent yet are marked
// missed with the error "subscription removed", so nothing sends them
// later. What the group was handed is forgotten: subscribing again starts
// afresh.
func (s *Store) RemoveSubscription(ctx context.Context, group string) error {
	return s.removeSubscription(ctx, ChannelWeChat, group)
}

// RemoveChannelSubscription is RemoveSubscription for the subscription of
// a robot or task channel.
func (s *Store) RemoveChannelSubscription(ctx context.Context, channel string) error {
	return s.removeSubscription(ctx, channel, channel)
}

func (s *Store) removeSubscription(ctx context.Context, channel, group string) error {
	return s.botTx(ctx, "remove subscription", func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM subscriptions WHERE channel = ? AND group_name = ?`, channel, group).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			if channel != ChannelWeChat {
				return fmt.Errorf("channel %q has no subscription: %w", channel, ErrNotFound)
			}
			return fmt.Errorf("group %q has no subscription: %w", group, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'missed', error = 'subscription removed'
			WHERE subscription_id = ? AND state IN ('pending', 'failed', 'awaiting')`, id); err != nil {
			return err
		}
		// The foreign keys unlink the ledger rows and drop delivery_items.
		_, err = tx.ExecContext(ctx, `DELETE FROM subscriptions WHERE id = ?`, id)
		return err
	})
}

// Subscriptions lists every subscription, by group name, then channel.
func (s *Store) Subscriptions(ctx context.Context) ([]Subscription, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+subscriptionCols+` FROM subscriptions ORDER BY group_name, channel`)
	if err != nil {
		return nil, fmt.Errorf("data: subscriptions: %w", err)
	}
	defer rows.Close()
	subs := []Subscription{}
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("data: subscriptions: %w", err)
		}
		subs = append(subs, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: subscriptions: %w", err)
	}
	return subs, nil
}

// Subscription returns the personal account's subscription of group;
// ErrNotFound when it has none.
func (s *Store) Subscription(ctx context.Context, group string) (Subscription, error) {
	if hasNUL(group) { // none is stored (checkName)
		return Subscription{}, fmt.Errorf("data: subscription of %q: %w", group, ErrNotFound)
	}
	sub, err := scanSubscription(s.r.QueryRowContext(ctx,
		`SELECT `+subscriptionCols+` FROM subscriptions WHERE channel = 'wechat' AND group_name = ?`, group))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, fmt.Errorf("data: subscription of %q: %w", group, ErrNotFound)
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("data: subscription of %q: %w", group, err)
	}
	return sub, nil
}

// RenameGroup follows a group rename seen by the transport, in one
// transaction: the subscription and its ledger rows take the new name
// (pending parts are then sent to the group under its new name). A group
// without a subscription needs nothing and gets nil. When new already has a
// subscription the error wraps ErrExists and nothing changes: two bound
// groups cannot share a name, and merging schedules is an admin's call.
func (s *Store) RenameGroup(ctx context.Context, old, new string) error {
	if err := checkName("new group name", new); err != nil {
		return fmt.Errorf("data: rename group %q: %w", old, err)
	}
	if err := checkNUL("group name", old); err != nil {
		return fmt.Errorf("data: rename group %q: %w", old, err)
	}
	if old == new {
		return nil
	}
	return s.botTx(ctx, fmt.Sprintf("rename group %q to %q", old, new), func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM subscriptions WHERE channel = 'wechat' AND group_name = ?`, old).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		var taken bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM subscriptions WHERE channel = 'wechat' AND group_name = ?)`, new).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return fmt.Errorf("group %q already has a subscription: %w", new, ErrExists)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET group_name = ?, updated_at = ? WHERE id = ?`,
			new, botTime(s.now()), id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE deliveries SET group_name = ? WHERE subscription_id = ?`, new, id)
		return err
	})
}

// splitWords reads a comma-separated word list; "" is nil.
func splitWords(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
