package storetest

import (
	"context"
	"time"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

// lacking stands in for the slices of Store a partial store does not have
// (see partial). The group runners only call the slices their interface
// names, so reaching one of these methods is a bug in this package: each
// panics saying which method the suite called.
type lacking struct{}

// lacking has every method of Store, so it can stand in for any slice.
var _ Store = lacking{}

func lack(method string) string {
	return "storetest: the suite called " + method + ", which the store under test lacks and the group's interface does not name"
}

func (lacking) ImportArticles(ctx context.Context, arts []digest.Article) (model.ImportResult, error) {
	panic(lack("ImportArticles"))
}
func (lacking) ArticlesByDate(ctx context.Context, date string) ([]digest.Article, error) {
	panic(lack("ArticlesByDate"))
}
func (lacking) Article(ctx context.Context, id int64) (digest.Article, error) { panic(lack("Article")) }
func (lacking) Dates(ctx context.Context) ([]string, error)                   { panic(lack("Dates")) }
func (lacking) UpdateArticle(ctx context.Context, a digest.Article) error {
	panic(lack("UpdateArticle"))
}
func (lacking) CorrectArticle(ctx context.Context, a digest.Article) error {
	panic(lack("CorrectArticle"))
}
func (lacking) WithdrawArticle(ctx context.Context, id int64, by string) error {
	panic(lack("WithdrawArticle"))
}
func (lacking) DeleteArticle(ctx context.Context, id int64) error { panic(lack("DeleteArticle")) }
func (lacking) Search(ctx context.Context, query string, limit int) ([]model.Hit, error) {
	panic(lack("Search"))
}
func (lacking) AddSource(ctx context.Context, src model.Source) (model.Source, error) {
	panic(lack("AddSource"))
}
func (lacking) Sources(ctx context.Context) ([]model.Source, error)           { panic(lack("Sources")) }
func (lacking) Source(ctx context.Context, name string) (model.Source, error) { panic(lack("Source")) }
func (lacking) RemoveSource(ctx context.Context, name string) error           { panic(lack("RemoveSource")) }
func (lacking) EnableSource(ctx context.Context, name string, enabled bool) error {
	panic(lack("EnableSource"))
}
func (lacking) RecordFetch(ctx context.Context, name string, o model.FetchOutcome) (model.Source, error) {
	panic(lack("RecordFetch"))
}
func (lacking) ImportFetched(ctx context.Context, items []model.Fetched) (model.FetchedResult, error) {
	panic(lack("ImportFetched"))
}
func (lacking) PutSubscription(ctx context.Context, sub model.Subscription) (model.Subscription, error) {
	panic(lack("PutSubscription"))
}
func (lacking) Subscription(ctx context.Context, group string) (model.Subscription, error) {
	panic(lack("Subscription"))
}
func (lacking) Subscriptions(ctx context.Context) ([]model.Subscription, error) {
	panic(lack("Subscriptions"))
}
func (lacking) RemoveSubscription(ctx context.Context, group string) error {
	panic(lack("RemoveSubscription"))
}
func (lacking) RemoveChannelSubscription(ctx context.Context, channel string) error {
	panic(lack("RemoveChannelSubscription"))
}
func (lacking) RenameGroup(ctx context.Context, old, new string) error { panic(lack("RenameGroup")) }
func (lacking) AddChannel(ctx context.Context, c model.Channel) (model.Channel, error) {
	panic(lack("AddChannel"))
}
func (lacking) Channels(ctx context.Context) ([]model.Channel, error) { panic(lack("Channels")) }
func (lacking) Channel(ctx context.Context, name string) (model.Channel, error) {
	panic(lack("Channel"))
}
func (lacking) UpdateChannel(ctx context.Context, c model.Channel) (model.Channel, error) {
	panic(lack("UpdateChannel"))
}
func (lacking) RemoveChannel(ctx context.Context, name string) error { panic(lack("RemoveChannel")) }
func (lacking) SetChannelError(ctx context.Context, name, errText string, at time.Time) error {
	panic(lack("SetChannelError"))
}
func (lacking) RecordSlot(ctx context.Context, subID int64, slot time.Time, parts []string, articleIDs []int64) (created bool, err error) {
	panic(lack("RecordSlot"))
}
func (lacking) RecordSlots(ctx context.Context, recs []model.SlotRecord) (created []bool, err error) {
	panic(lack("RecordSlots"))
}
func (lacking) Delivered(ctx context.Context, subID int64, articleIDs []int64) (map[int64]bool, error) {
	panic(lack("Delivered"))
}
func (lacking) Unsent(ctx context.Context) ([]model.Delivery, error) { panic(lack("Unsent")) }
func (lacking) Deliveries(ctx context.Context, since time.Time) ([]model.Delivery, error) {
	panic(lack("Deliveries"))
}
func (lacking) MarkSent(ctx context.Context, id int64, at time.Time) error { panic(lack("MarkSent")) }
func (lacking) MarkFailed(ctx context.Context, id int64, errText string) error {
	panic(lack("MarkFailed"))
}
func (lacking) MarkAwaiting(ctx context.Context, id int64, remoteID string) error {
	panic(lack("MarkAwaiting"))
}
func (lacking) Awaiting(ctx context.Context) ([]model.Delivery, error) { panic(lack("Awaiting")) }
func (lacking) MarkSlotMissed(ctx context.Context, subID int64, slot time.Time) error {
	panic(lack("MarkSlotMissed"))
}
func (lacking) LastSlot(ctx context.Context, subID int64) (time.Time, error) { panic(lack("LastSlot")) }
func (lacking) MarkShown(ctx context.Context, subID int64, at time.Time, articleIDs []int64) error {
	panic(lack("MarkShown"))
}
func (lacking) GrantRole(ctx context.Context, remark string, role model.Role, by string) error {
	panic(lack("GrantRole"))
}
func (lacking) RevokeRole(ctx context.Context, remark string) error           { panic(lack("RevokeRole")) }
func (lacking) RoleOf(ctx context.Context, remark string) (model.Role, error) { panic(lack("RoleOf")) }
func (lacking) Roles(ctx context.Context) ([]model.Grant, error)              { panic(lack("Roles")) }
func (lacking) Audit(ctx context.Context, e model.AuditEntry) error           { panic(lack("Audit")) }
func (lacking) AuditLog(ctx context.Context, limit int) ([]model.AuditEntry, error) {
	panic(lack("AuditLog"))
}
func (lacking) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (ok bool, current string, err error) {
	panic(lack("AcquireLease"))
}
func (lacking) ReleaseLease(ctx context.Context, name, holder string) error {
	panic(lack("ReleaseLease"))
}
func (lacking) Lease(ctx context.Context, name string) (holder string, until time.Time, err error) {
	panic(lack("Lease"))
}
func (lacking) TakeLease(ctx context.Context, name, holder, from string, ttl time.Duration) (ok bool, err error) {
	panic(lack("TakeLease"))
}
func (lacking) Meta(ctx context.Context, key string) (string, error) { panic(lack("Meta")) }
func (lacking) SetMeta(ctx context.Context, key, value string) error { panic(lack("SetMeta")) }
func (lacking) QueueReply(ctx context.Context, r model.QueuedReply) (int64, error) {
	panic(lack("QueueReply"))
}
func (lacking) DoneReply(ctx context.Context, id int64) error { panic(lack("DoneReply")) }
func (lacking) QueuedReplies(ctx context.Context, channel string) ([]model.QueuedReply, error) {
	panic(lack("QueuedReplies"))
}

func (lacking) ClaimDelivery(ctx context.Context, id int64, c model.Claim) (bool, error) {
	panic(lack("ClaimDelivery"))
}
func (lacking) ReleaseClaims(ctx context.Context, holder string) error { panic(lack("ReleaseClaims")) }
func (lacking) BindAccount(ctx context.Context, account string, groups []string, ttl time.Duration) error {
	panic(lack("BindAccount"))
}
func (lacking) AccountGroups(ctx context.Context) (map[string][]string, error) {
	panic(lack("AccountGroups"))
}
func (lacking) PruneLeases(ctx context.Context, prefix string) (int64, error) {
	panic(lack("PruneLeases"))
}

func (lacking) AuditEntries(ctx context.Context, f model.AuditFilter) ([]model.AuditEntry, error) {
	panic(lack("AuditEntries"))
}
func (lacking) AddUser(ctx context.Context, u model.User) (model.User, error) { panic(lack("AddUser")) }
func (lacking) User(ctx context.Context, name string) (model.User, error)     { panic(lack("User")) }
func (lacking) Users(ctx context.Context) ([]model.User, error)               { panic(lack("Users")) }
func (lacking) UpdateUser(ctx context.Context, u model.User) (model.User, error) {
	panic(lack("UpdateUser"))
}
func (lacking) RemoveUser(ctx context.Context, name string) error { panic(lack("RemoveUser")) }
func (lacking) CreateSession(ctx context.Context, s model.Session) error {
	panic(lack("CreateSession"))
}
func (lacking) Session(ctx context.Context, id string) (model.Session, error) {
	panic(lack("Session"))
}
func (lacking) DeleteSession(ctx context.Context, id string) error { panic(lack("DeleteSession")) }
func (lacking) DeleteUserSessions(ctx context.Context, user string) error {
	panic(lack("DeleteUserSessions"))
}
func (lacking) PruneSessions(ctx context.Context) (int64, error) { panic(lack("PruneSessions")) }
func (lacking) AddToken(ctx context.Context, t model.APIToken) (model.APIToken, error) {
	panic(lack("AddToken"))
}
func (lacking) TokenByHash(ctx context.Context, hash string) (model.APIToken, error) {
	panic(lack("TokenByHash"))
}
func (lacking) Tokens(ctx context.Context) ([]model.APIToken, error) { panic(lack("Tokens")) }
func (lacking) RevokeToken(ctx context.Context, name string) error   { panic(lack("RevokeToken")) }
func (lacking) Approval(ctx context.Context, subID int64, slot time.Time) (model.Approval, error) {
	panic(lack("Approval"))
}
func (lacking) PutApproval(ctx context.Context, a model.Approval) (model.Approval, error) {
	panic(lack("PutApproval"))
}
func (lacking) Approvals(ctx context.Context, since time.Time) ([]model.Approval, error) {
	panic(lack("Approvals"))
}
func (lacking) RetryDelivery(ctx context.Context, id int64) error { panic(lack("RetryDelivery")) }
func (lacking) DeliveryCounts(ctx context.Context) (map[string]int, error) {
	panic(lack("DeliveryCounts"))
}
func (lacking) ArticleCount(ctx context.Context) (int, error) { panic(lack("ArticleCount")) }
