package web

import (
	"context"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/card"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

// Articles is the slice of the store that keeps the day's items. The
// stores already have these methods.
type Articles interface {
	// ImportArticles stores articles (Source and Date set), deduped by
	// content, in one transaction.
	ImportArticles(ctx context.Context, arts []digest.Article) (model.ImportResult, error)
	ArticlesByDate(ctx context.Context, date string) ([]digest.Article, error)
	// Article, CorrectArticle and WithdrawArticle as bot.ArticleEditor.
	bot.ArticleEditor
}

// Digests renders what subscriptions send. SlotDigests implements it over
// a store.
type Digests interface {
	// Preview is what a slot of sub would send on the civil date day: the
	// parts in its channel's format and its style (bot.SlotPreview).
	Preview(ctx context.Context, sub model.Subscription, day time.Time) (Preview, error)
	// CardPNG draws one image card; ErrNoImages when no CJK font is
	// loaded.
	CardPNG(ctx context.Context, c card.Card) ([]byte, error)
}

// Preview is a slot's digest as it would go out.
type Preview struct {
	Parts []string // text, or a card's JSON for an image part
	Kinds []string // model.PartText or model.PartImage, one per part
	IDs   []int64  // the articles it carries; none: the slot is skipped
	// Limit is the size of one text part: UTF-8 bytes when Bytes, else
	// characters (runes).
	Limit  int
	Bytes  bool
	Images bool // the channel sends image cards
}

// Subscriptions is the slice of the store that keeps schedules (the bot's
// slice, which bot.Manager changes).
type Subscriptions interface {
	bot.Subscriptions
}

// Deliveries is the ledger as the console reads it.
type Deliveries interface {
	// Deliveries lists the ledger rows of slots from since on.
	Deliveries(ctx context.Context, since time.Time) ([]model.Delivery, error)
	// RetryDelivery sends a failed part again (model.ErrNotFound; an
	// error wrapping model.ErrInvalid when it is not failed).
	RetryDelivery(ctx context.Context, id int64) error
}

// Pusher is the running dispatcher (*bot.Scheduler has these methods).
type Pusher interface {
	// PushNow fires a slot now for each named group, every enabled
	// subscription when groups is nil; the results are the ledger's.
	PushNow(ctx context.Context, groups []string) ([]bot.PushResult, error)
	// Reload re-reads subscriptions after they changed.
	Reload(ctx context.Context) error
}

// Sources is the slice of the store that keeps sources.
type Sources interface {
	Sources(ctx context.Context) ([]model.Source, error)
	EnableSource(ctx context.Context, name string, enabled bool) error // model.ErrNotFound
}

// Roles is the slice of the store that keeps chat roles.
type Roles interface {
	bot.Roles
}

// Audit is the audit log.
type Audit interface {
	Audit(ctx context.Context, e model.AuditEntry) error
	// AuditEntries lists entries matching f, newest first.
	AuditEntries(ctx context.Context, f model.AuditFilter) ([]model.AuditEntry, error)
}

// Login reports the personal WeChat account's login.
type Login interface {
	LoginInfo(ctx context.Context) (LoginInfo, error)
}

// LoginInfo is the bot account's state, and the QR code when a scan is
// needed.
type LoginInfo struct {
	bot.LoginState
	// QR is what the login QR code encodes (https://login.weixin.qq.com/l/…)
	// while a scan is needed; "" otherwise. The console draws it.
	QR   string
	QRAt time.Time // when this code was issued
	// Groups is each subscribed group's binding at the last login:
	// BindingBound, BindingMissing or BindingAmbiguous. nil: unknown.
	Groups map[string]string
}

// Binding states of a subscribed group.
const (
	BindingBound     = "bound"
	BindingMissing   = "missing"
	BindingAmbiguous = "ambiguous"
)

// Users keeps console accounts and their sessions.
type Users interface {
	User(ctx context.Context, name string) (model.User, error) // model.ErrNotFound
	// Users lists the console users by name.
	Users(ctx context.Context) ([]model.User, error)
	// AddUser adds a user (model.ErrExists when the name is taken,
	// model.ErrInvalid when a field is not acceptable).
	AddUser(ctx context.Context, u model.User) (model.User, error)
	// UpdateUser sets the role, password hash and disabled flag of the
	// user called u.Name (model.ErrNotFound); it ends no sessions.
	UpdateUser(ctx context.Context, u model.User) (model.User, error)
	// RemoveUser removes a user and its sessions (model.ErrNotFound).
	RemoveUser(ctx context.Context, name string) error
	CreateSession(ctx context.Context, s model.Session) error
	Session(ctx context.Context, id string) (model.Session, error) // model.ErrNotFound
	DeleteSession(ctx context.Context, id string) error
	// DeleteUserSessions ends every session of a user.
	DeleteUserSessions(ctx context.Context, user string) error
}

// Channels reads the configured WeCom channels, so a subscription names
// one that exists and asks for what it can send.
type Channels interface {
	Channel(ctx context.Context, name string) (model.Channel, error) // model.ErrNotFound
}

// Tokens looks up API bearer tokens.
type Tokens interface {
	// TokenByHash finds a token by the hex SHA-256 of its text
	// (model.ErrNotFound), revoked ones included.
	TokenByHash(ctx context.Context, hash string) (model.APIToken, error)
}

// Approvals keeps the 审核 of slots.
type Approvals interface {
	Approval(ctx context.Context, subID int64, slot time.Time) (model.Approval, error) // model.ErrNotFound
	// PutApproval inserts or replaces the approval of (SubscriptionID,
	// Slot) and returns it as stored.
	PutApproval(ctx context.Context, a model.Approval) (model.Approval, error)
	// Approvals lists the approvals of slots from since on, oldest first.
	Approvals(ctx context.Context, since time.Time) ([]model.Approval, error)
}

// Health says whether the process can do its work.
type Health interface {
	// Ping checks that the store answers.
	Ping(ctx context.Context) error
	// ChannelStates gives each running channel's state: ChannelUp,
	// ChannelDown or ChannelPaused. No secrets, no error texts.
	ChannelStates(ctx context.Context) map[string]string
}

// Channel states in /healthz and wxdigest_login_state.
const (
	ChannelUp     = "up"
	ChannelDown   = "down"   // logged out, refused, its key rejected
	ChannelPaused = "paused" // rate-limited, waiting
)
