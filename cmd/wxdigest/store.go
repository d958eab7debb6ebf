package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
	"github.com/wxdigest/wxdigest/pgstore"
	"github.com/wxdigest/wxdigest/source"
)

// store is what the commands need of a store. *data.Store (SQLite, a file
// path in --db) and *pgstore.Store (PostgreSQL, a postgres:// URL) are
// stores; a command that needs one of them in particular says so (backup
// is SQLite's; reindex works on both, each store rebuilding its own index).
type store interface {
	bot.Store
	bot.ForwardStore
	bot.ReplyStore
	bot.AwaitLedger
	bot.TaskLedger
	source.PollStore

	ImportArticles(ctx context.Context, arts []digest.Article) (model.ImportResult, error)
	Dates(ctx context.Context) ([]string, error)
	DeleteArticle(ctx context.Context, id int64) error
	RecordSlots(ctx context.Context, recs []model.SlotRecord) ([]bool, error)
	Subscription(ctx context.Context, group string) (model.Subscription, error)
	AddChannel(ctx context.Context, c model.Channel) (model.Channel, error)
	UpdateChannel(ctx context.Context, c model.Channel) (model.Channel, error)
	Channels(ctx context.Context) ([]model.Channel, error)
	Channel(ctx context.Context, name string) (model.Channel, error)
	RemoveChannel(ctx context.Context, name string) error
	SetChannelError(ctx context.Context, name, errText string, at time.Time) error
	AddSource(ctx context.Context, src model.Source) (model.Source, error)
	Sources(ctx context.Context) ([]model.Source, error)
	Source(ctx context.Context, name string) (model.Source, error)
	RemoveSource(ctx context.Context, name string) error
	EnableSource(ctx context.Context, name string, enabled bool) error
	Lease(ctx context.Context, name string) (string, time.Time, error)
	TakeLease(ctx context.Context, name, holder, from string, ttl time.Duration) (bool, error)
	PruneLeases(ctx context.Context, prefix string) (int64, error)
	ClaimDelivery(ctx context.Context, id int64, c model.Claim) (bool, error)
	ReleaseClaims(ctx context.Context, holder string) error
	BindAccount(ctx context.Context, account string, groups []string, ttl time.Duration) error
	AccountGroups(ctx context.Context) (map[string][]string, error)

	// The web console's: users, sessions, API tokens, approvals, and the
	// figures it shows.
	AddUser(ctx context.Context, u model.User) (model.User, error)
	User(ctx context.Context, name string) (model.User, error)
	Users(ctx context.Context) ([]model.User, error)
	UpdateUser(ctx context.Context, u model.User) (model.User, error)
	RemoveUser(ctx context.Context, name string) error
	CreateSession(ctx context.Context, s model.Session) error
	Session(ctx context.Context, id string) (model.Session, error)
	DeleteSession(ctx context.Context, id string) error
	DeleteUserSessions(ctx context.Context, user string) error
	PruneSessions(ctx context.Context) (int64, error)
	AddToken(ctx context.Context, t model.APIToken) (model.APIToken, error)
	TokenByHash(ctx context.Context, hash string) (model.APIToken, error)
	Tokens(ctx context.Context) ([]model.APIToken, error)
	RevokeToken(ctx context.Context, name string) error
	Approval(ctx context.Context, subID int64, slot time.Time) (model.Approval, error)
	PutApproval(ctx context.Context, a model.Approval) (model.Approval, error)
	Approvals(ctx context.Context, since time.Time) ([]model.Approval, error)
	RetryDelivery(ctx context.Context, id int64) error
	DeliveryCounts(ctx context.Context) (map[string]int, error)
	ArticleCount(ctx context.Context) (int, error)
	AuditEntries(ctx context.Context, f model.AuditFilter) ([]model.AuditEntry, error)
	Close() error
}

var (
	_ store = (*data.Store)(nil)
	_ store = (*pgstore.Store)(nil)
)

// isPostgres says whether --db names a PostgreSQL server.
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// sqliteOnly is the store as SQLite, for the commands only it has.
func sqliteOnly(st store, what string) (*data.Store, error) {
	if s, ok := st.(*data.Store); ok {
		return s, nil
	}
	return nil, fmt.Errorf("%s works on a SQLite store; for PostgreSQL use its own tools (pg_dump)", what)
}
