package storetest

import (
	"context"
	"time"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

// Search bounds every store keeps, the same numbers as the SQLite store's
// (data's test asserts they agree).
const (
	// SnippetRunes bounds model.Hit.Snippet, ellipses included.
	SnippetRunes = 60
	// DefaultSearchLimit applies when Search gets limit <= 0.
	DefaultSearchLimit = 20
	// MaxSearchLimit caps Search's limit.
	MaxSearchLimit = 200
	// MaxQueryRunes bounds a query; a longer one is model.ErrInvalid.
	MaxQueryRunes = 200
)

// ArticleStore keeps articles: imports that dedupe by content, days in page
// order, staff corrections and withdrawals, and search.
type ArticleStore interface {
	ImportArticles(ctx context.Context, arts []digest.Article) (model.ImportResult, error)
	ArticlesByDate(ctx context.Context, date string) ([]digest.Article, error)
	Article(ctx context.Context, id int64) (digest.Article, error) // ErrNotFound, ErrWithdrawn
	Dates(ctx context.Context) ([]string, error)
	UpdateArticle(ctx context.Context, a digest.Article) error  // ErrNotFound, ErrInvalid, ErrDuplicate
	CorrectArticle(ctx context.Context, a digest.Article) error // keeps the printed text's fingerprint
	WithdrawArticle(ctx context.Context, id int64, by string) error
	DeleteArticle(ctx context.Context, id int64) error
	Search(ctx context.Context, query string, limit int) ([]model.Hit, error)
}

// SourceStore keeps the sources that bring articles by themselves and
// their fetch state, and stores what they bring.
type SourceStore interface {
	AddSource(ctx context.Context, src model.Source) (model.Source, error) // ErrExists, ErrInvalid
	Sources(ctx context.Context) ([]model.Source, error)
	Source(ctx context.Context, name string) (model.Source, error) // ErrNotFound
	RemoveSource(ctx context.Context, name string) error           // ErrNotFound
	EnableSource(ctx context.Context, name string, enabled bool) error
	RecordFetch(ctx context.Context, name string, o model.FetchOutcome) (model.Source, error)
	ImportFetched(ctx context.Context, items []model.Fetched) (model.FetchedResult, error)
}

// SubscriptionStore keeps the groups' schedules.
type SubscriptionStore interface {
	PutSubscription(ctx context.Context, sub model.Subscription) (model.Subscription, error)
	Subscription(ctx context.Context, group string) (model.Subscription, error) // ErrNotFound
	Subscriptions(ctx context.Context) ([]model.Subscription, error)
	RemoveSubscription(ctx context.Context, group string) error          // ErrNotFound
	RemoveChannelSubscription(ctx context.Context, channel string) error // ErrNotFound
	RenameGroup(ctx context.Context, old, new string) error              // ErrExists, ErrInvalid
}

// ChannelStore keeps the configured channels besides the personal account.
type ChannelStore interface {
	AddChannel(ctx context.Context, c model.Channel) (model.Channel, error) // ErrExists, ErrInvalid
	Channels(ctx context.Context) ([]model.Channel, error)
	Channel(ctx context.Context, name string) (model.Channel, error)           // ErrNotFound
	UpdateChannel(ctx context.Context, c model.Channel) (model.Channel, error) // ErrNotFound
	RemoveChannel(ctx context.Context, name string) error                      // ErrNotFound, ErrInUse
	SetChannelError(ctx context.Context, name, errText string, at time.Time) error
}

// LedgerStore is the delivery ledger: slots written before anything is
// sent, their parts' states, and what each group was handed.
type LedgerStore interface {
	RecordSlot(ctx context.Context, subID int64, slot time.Time, parts []string, articleIDs []int64) (created bool, err error)
	RecordSlots(ctx context.Context, recs []model.SlotRecord) (created []bool, err error)
	Delivered(ctx context.Context, subID int64, articleIDs []int64) (map[int64]bool, error)
	Unsent(ctx context.Context) ([]model.Delivery, error)
	Deliveries(ctx context.Context, since time.Time) ([]model.Delivery, error)
	MarkSent(ctx context.Context, id int64, at time.Time) error
	MarkFailed(ctx context.Context, id int64, errText string) error
	MarkAwaiting(ctx context.Context, id int64, remoteID string) error
	Awaiting(ctx context.Context) ([]model.Delivery, error)
	MarkSlotMissed(ctx context.Context, subID int64, slot time.Time) error
	LastSlot(ctx context.Context, subID int64) (time.Time, error) // ErrNotFound
	MarkShown(ctx context.Context, subID int64, at time.Time, articleIDs []int64) error
}

// RoleStore keeps who may do what, by a friend's RemarkName.
type RoleStore interface {
	GrantRole(ctx context.Context, remark string, role model.Role, by string) error
	RevokeRole(ctx context.Context, remark string) error           // ErrNotFound
	RoleOf(ctx context.Context, remark string) (model.Role, error) // ErrNotFound: a resident
	Roles(ctx context.Context) ([]model.Grant, error)
}

// AuditStore keeps the audit log. AuditLog is how the log is read back
// (and how this suite checks what Audit wrote); AuditEntries is how the
// console searches it (newest first; Limit <= 0 is DefaultAuditLimit,
// capped at MaxAuditLimit).
type AuditStore interface {
	Audit(ctx context.Context, e model.AuditEntry) error
	AuditLog(ctx context.Context, limit int) ([]model.AuditEntry, error)
	AuditEntries(ctx context.Context, f model.AuditFilter) ([]model.AuditEntry, error)
}

// LeaseStore keeps the lease that lets one bot process run on a store.
type LeaseStore interface {
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (ok bool, current string, err error)
	ReleaseLease(ctx context.Context, name, holder string) error
	Lease(ctx context.Context, name string) (holder string, until time.Time, err error) // ErrNotFound
	TakeLease(ctx context.Context, name, holder, from string, ttl time.Duration) (ok bool, err error)
	// PruneLeases deletes expired leases named with prefix; ErrInvalid for "".
	PruneLeases(ctx context.Context, prefix string) (int64, error)
}

// MetaStore keeps small facts such as the account's Uin.
type MetaStore interface {
	Meta(ctx context.Context, key string) (string, error) // ErrNotFound
	SetMeta(ctx context.Context, key, value string) error
}

// OutboxStore keeps replies until they are sent.
type OutboxStore interface {
	QueueReply(ctx context.Context, r model.QueuedReply) (int64, error)
	DoneReply(ctx context.Context, id int64) error
	QueuedReplies(ctx context.Context, channel string) ([]model.QueuedReply, error)
}

// Store is every method the product (bot, source and cmd/wxdigest) calls
// on a store, in model's types. Opening, closing, backups and rebuilding a
// search index belong to each implementation and are not part of it.
type Store interface {
	ArticleStore
	SourceStore
	SubscriptionStore
	ChannelStore
	LedgerStore
	RoleStore
	AuditStore
	LeaseStore
	MetaStore
	OutboxStore
	ClaimStore
	ConsoleStore
}
