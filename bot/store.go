package bot

import (
	"context"
	"time"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

// Articles is the slice of the store that reads news.
type Articles interface {
	ArticlesByDate(ctx context.Context, date string) ([]digest.Article, error)
	Article(ctx context.Context, id int64) (digest.Article, error) // model.ErrNotFound
	Search(ctx context.Context, query string, limit int) ([]model.Hit, error)
}

// ArticleEditor is the slice of the store that corrects or withdraws an
// article before it goes out.
type ArticleEditor interface {
	Article(ctx context.Context, id int64) (digest.Article, error) // model.ErrNotFound, model.ErrWithdrawn
	// CorrectArticle stores a staff correction; the article keeps the
	// fingerprint of its printed text, so a re-import does not bring the
	// uncorrected version back.
	CorrectArticle(ctx context.Context, a digest.Article) error     // model.ErrNotFound
	WithdrawArticle(ctx context.Context, id int64, by string) error // model.ErrNotFound, model.ErrWithdrawn
}

// Roles is the slice of the store that keeps who may do what.
type Roles interface {
	GrantRole(ctx context.Context, remark string, role model.Role, by string) error
	RevokeRole(ctx context.Context, remark string) error           // model.ErrNotFound
	RoleOf(ctx context.Context, remark string) (model.Role, error) // model.ErrNotFound: a resident
	Roles(ctx context.Context) ([]model.Grant, error)
}

// Subscriptions is the slice of the store that keeps schedules.
type Subscriptions interface {
	// PutSubscription inserts or replaces the group's subscription
	// (unique on Group) and returns it with ID, Created and Updated set.
	PutSubscription(ctx context.Context, s model.Subscription) (model.Subscription, error)
	RemoveSubscription(ctx context.Context, group string) error // model.ErrNotFound
	// RemoveChannelSubscription removes a robot or task channel's
	// subscription (model.ErrNotFound).
	RemoveChannelSubscription(ctx context.Context, channel string) error
	Subscriptions(ctx context.Context) ([]model.Subscription, error)
	// RenameGroup follows a group rename seen by the transport.
	RenameGroup(ctx context.Context, old, new string) error
}

// Ledger is the slice of the store that records deliveries.
type Ledger interface {
	// RecordSlot writes a slot's parts as pending deliveries, and marks
	// articleIDs as handed to the subscription's group, in one
	// transaction. It is idempotent: when the slot is already recorded it
	// changes nothing and returns created == false. With no parts it
	// records the slot as skipped (one row, Part 0).
	RecordSlot(ctx context.Context, subID int64, slot time.Time, parts []string, articleIDs []int64) (created bool, err error)
	// Delivered reports which of articleIDs the subscription's group has
	// already been handed (in any slot that was not missed).
	Delivered(ctx context.Context, subID int64, articleIDs []int64) (map[int64]bool, error)
	// Unsent lists pending and failed deliveries, oldest slot first, then
	// subscription, then part.
	Unsent(ctx context.Context) ([]model.Delivery, error)
	MarkSent(ctx context.Context, id int64, at time.Time) error
	MarkFailed(ctx context.Context, id int64, errText string) error // attempts+1
	// MarkSlotMissed marks every unsent part of a slot missed, and
	// releases its articles so a later slot may carry them.
	MarkSlotMissed(ctx context.Context, subID int64, slot time.Time) error
	Deliveries(ctx context.Context, since time.Time) ([]model.Delivery, error)
	// MarkShown records items a subscription's group saw on demand, so
	// later slots and pushes carry only what is new to it.
	MarkShown(ctx context.Context, subID int64, at time.Time, articleIDs []int64) error
	LastSlot(ctx context.Context, subID int64) (time.Time, error) // model.ErrNotFound
}

// Audit is the slice of the store that keeps the audit log.
type Audit interface {
	Audit(ctx context.Context, e model.AuditEntry) error
}

// Lease is the slice of the store that keeps two bot processes from
// running on one store.
type Lease interface {
	// AcquireLease takes or renews the named lease for holder until
	// now+ttl. When another holder's lease has not expired it returns
	// ok == false and that holder.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (ok bool, current string, err error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Meta keeps small facts such as the bot account's Uin.
type Meta interface {
	Meta(ctx context.Context, key string) (string, error) // model.ErrNotFound
	SetMeta(ctx context.Context, key, value string) error
}

// Store is everything the bot needs from storage; *data.Store satisfies it.
type Store interface {
	Articles
	ArticleEditor
	Roles
	Subscriptions
	Ledger
	Audit
	Lease
	Meta
}
