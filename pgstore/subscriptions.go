package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/wxdigest/wxdigest/model"
)

const subscriptionCols = `id, channel, group_name, kind, spec, tz, weekdays, source, style, enabled,
	include_words, exclude_words, created_at, updated_at, approve`

func scanSubscription(sc scanner) (model.Subscription, error) {
	var sub model.Subscription
	if err := sc.Scan(&sub.ID, &sub.Channel, &sub.Group, &sub.Kind, &sub.Spec, &sub.TZ, &sub.Weekdays, &sub.Source,
		&sub.Style, &sub.Enabled, &sub.Include, &sub.Exclude, &sub.Created, &sub.Updated, &sub.Approve); err != nil {
		return model.Subscription{}, err
	}
	sub.Include, sub.Exclude = unlist(sub.Include), unlist(sub.Exclude)
	sub.Created, sub.Updated = sub.Created.UTC(), sub.Updated.UTC()
	return sub, nil
}

func checkSubscription(sub model.Subscription) error {
	if err := checkName("group", sub.Group); err != nil {
		return err
	}
	if sub.Kind != model.ScheduleAt && sub.Kind != model.ScheduleCron {
		return fmt.Errorf("unknown schedule kind %q, want %q or %q: %w", sub.Kind, model.ScheduleAt, model.ScheduleCron, model.ErrInvalid)
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
			return fmt.Errorf("bad filter word %q: %w", w, model.ErrInvalid)
		}
		if err := checkNUL("filter word", w); err != nil {
			return err
		}
	}
	switch sub.Style {
	case "", model.StyleText, model.StyleImage, model.StyleBoth:
	default:
		return fmt.Errorf("unknown style %q, want %q, %q or %q: %w", sub.Style, model.StyleText, model.StyleImage, model.StyleBoth, model.ErrInvalid)
	}
	return nil
}

// normSubscription fills the defaults of the channel and style.
func normSubscription(sub model.Subscription) model.Subscription {
	if sub.Channel == "" {
		sub.Channel = model.ChannelWeChat
	}
	if sub.Style == "" {
		sub.Style = model.StyleText
	}
	if sub.Channel != model.ChannelWeChat {
		// A robot or task channel is the whole target.
		sub.Group = sub.Channel
	}
	return sub
}

// PutSubscription inserts or replaces the subscription of sub's channel
// and group (sub.ID, Created and Updated are ignored) and returns it with
// ID, Created and Updated set. Replacing keeps the ID and Created, so the
// ledger's memory of what the group already received carries over to the
// new schedule. A subscription through a configured channel needs that
// channel (ErrNotFound); the channel row is share-locked meanwhile, so a
// concurrent RemoveChannel either sees this subscription or makes this
// call fail. The schedule itself is not parsed here: that is the bot's job.
func (s *Store) PutSubscription(ctx context.Context, sub model.Subscription) (model.Subscription, error) {
	sub = normSubscription(sub)
	if err := checkSubscription(sub); err != nil {
		return model.Subscription{}, fmt.Errorf("pgstore: put subscription: %w", err)
	}
	var out model.Subscription
	err := s.tx(ctx, fmt.Sprintf("put subscription %q", sub.Group), func(tx pgx.Tx) error {
		if sub.Channel != model.ChannelWeChat {
			var one int
			err := tx.QueryRow(ctx, `SELECT 1 FROM channels WHERE name = $1 FOR SHARE`, sub.Channel).Scan(&one)
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("channel %q: %w", sub.Channel, model.ErrNotFound)
			}
			if err != nil {
				return err
			}
		}
		now := ts(s.now())
		var err error
		out, err = scanSubscription(tx.QueryRow(ctx, `INSERT INTO subscriptions
			(channel, group_name, kind, spec, tz, weekdays, source, style, enabled, include_words, exclude_words,
			 created_at, updated_at, approve)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)
			ON CONFLICT (channel, group_name) DO UPDATE SET
				kind = excluded.kind, spec = excluded.spec, tz = excluded.tz,
				weekdays = excluded.weekdays, source = excluded.source, style = excluded.style,
				enabled = excluded.enabled, updated_at = excluded.updated_at,
				include_words = excluded.include_words, exclude_words = excluded.exclude_words,
				approve = excluded.approve
			RETURNING `+subscriptionCols,
			sub.Channel, sub.Group, sub.Kind, sub.Spec, sub.TZ, sub.Weekdays, sub.Source, sub.Style, sub.Enabled,
			list(sub.Include), list(sub.Exclude), now, sub.Approve))
		return err
	})
	if err != nil {
		return model.Subscription{}, err
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
	return s.removeSubscription(ctx, model.ChannelWeChat, group)
}

// RemoveChannelSubscription is RemoveSubscription for the subscription of
// a robot or task channel.
func (s *Store) RemoveChannelSubscription(ctx context.Context, channel string) error {
	return s.removeSubscription(ctx, channel, channel)
}

func (s *Store) removeSubscription(ctx context.Context, channel, group string) error {
	if hasNUL(channel) || hasNUL(group) {
		return fmt.Errorf("pgstore: remove subscription %q: %w", group, model.ErrNotFound)
	}
	return s.tx(ctx, "remove subscription", func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM subscriptions WHERE channel = $1 AND group_name = $2 FOR UPDATE`,
			channel, group).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			if channel != model.ChannelWeChat {
				return fmt.Errorf("channel %q has no subscription: %w", channel, model.ErrNotFound)
			}
			return fmt.Errorf("group %q has no subscription: %w", group, model.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE deliveries SET state = 'missed', error = 'subscription removed'
			WHERE subscription_id = $1 AND state IN ('pending', 'failed', 'awaiting')`, id); err != nil {
			return err
		}
		// The foreign keys unlink the ledger rows and drop delivery_items.
		_, err = tx.Exec(ctx, `DELETE FROM subscriptions WHERE id = $1`, id)
		return err
	})
}

// Subscriptions lists every subscription, by group name, then channel.
func (s *Store) Subscriptions(ctx context.Context) ([]model.Subscription, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+subscriptionCols+` FROM subscriptions ORDER BY group_name, channel`)
	subs, err := collect(rows, err, scanSubscription)
	if err != nil {
		return nil, fmt.Errorf("pgstore: subscriptions: %w", err)
	}
	return subs, nil
}

// Subscription returns the personal account's subscription of group;
// ErrNotFound when it has none.
func (s *Store) Subscription(ctx context.Context, group string) (model.Subscription, error) {
	if hasNUL(group) { // none is stored (checkName)
		return model.Subscription{}, fmt.Errorf("pgstore: subscription of %q: %w", group, model.ErrNotFound)
	}
	sub, err := scanSubscription(s.pool.QueryRow(ctx,
		`SELECT `+subscriptionCols+` FROM subscriptions WHERE channel = 'wechat' AND group_name = $1`, group))
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Subscription{}, fmt.Errorf("pgstore: subscription of %q: %w", group, model.ErrNotFound)
	}
	if err != nil {
		return model.Subscription{}, fmt.Errorf("pgstore: subscription of %q: %w", group, err)
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
		return fmt.Errorf("pgstore: rename group %q: %w", old, err)
	}
	if err := checkNUL("group name", old); err != nil {
		return fmt.Errorf("pgstore: rename group %q: %w", old, err)
	}
	if old == new {
		return nil
	}
	return s.tx(ctx, fmt.Sprintf("rename group %q to %q", old, new), func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM subscriptions WHERE channel = 'wechat' AND group_name = $1 FOR UPDATE`,
			old).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM subscriptions WHERE channel = 'wechat' AND group_name = $1)`,
			new).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return fmt.Errorf("group %q already has a subscription: %w", new, model.ErrExists)
		}
		_, err = tx.Exec(ctx, `UPDATE subscriptions SET group_name = $1, updated_at = $2 WHERE id = $3`, new, ts(s.now()), id)
		if uniqueViolation(err) { // a concurrent subscription of new
			return fmt.Errorf("group %q already has a subscription: %w", new, model.ErrExists)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE deliveries SET group_name = $1 WHERE subscription_id = $2`, new, id)
		return err
	})
}
