package web

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/card"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeStore keeps everything the console reads and changes in memory.
// Function fields, when set, replace a method's behaviour.
type fakeStore struct {
	now func() time.Time

	mu         sync.Mutex
	articles   map[int64]digest.Article
	order      []int64
	withdrawn  map[int64]bool
	subs       []model.Subscription
	deliveries []model.Delivery
	grants     []model.Grant
	audit      []model.AuditEntry
	users      map[string]model.User
	sessions   map[string]model.Session
	tokens     map[string]model.APIToken
	approvals  map[string]model.Approval
	sources    []model.Source
	channels   map[string]string // states, by channel name
	chans      map[string]model.Channel
	login      LoginInfo
	retried    []int64
	// handed is what each subscription was already sent: previews leave
	// those articles out, as the ledger makes the bot do.
	handed map[int64]map[int64]bool

	PingFn        func(ctx context.Context) error
	ArticlesFn    func(ctx context.Context, date string) ([]digest.Article, error)
	RetryFn       func(ctx context.Context, id int64) error
	DeliveryCount func(ctx context.Context) (map[string]int, error)
}

func newFakeStore(now func() time.Time) *fakeStore {
	return &fakeStore{now: now, articles: map[int64]digest.Article{}, withdrawn: map[int64]bool{},
		users: map[string]model.User{}, sessions: map[string]model.Session{}, tokens: map[string]model.APIToken{},
		approvals: map[string]model.Approval{}, channels: map[string]string{model.ChannelWeChat: ChannelUp},
		chans:  map[string]model.Channel{},
		handed: map[int64]map[int64]bool{}}
}

// dispatch is the dispatcher writing a slot of sub to the ledger as
// parts (one row each, in state) and handing the articles to it.
func (f *fakeStore) dispatch(sub int64, slot time.Time, pv Preview, state, errText string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.handed[sub] == nil {
		f.handed[sub] = map[int64]bool{}
	}
	for _, id := range pv.IDs {
		f.handed[sub][id] = true
	}
	var target model.Subscription
	for _, s := range f.subs {
		if s.ID == sub {
			target = s
		}
	}
	for i, p := range pv.Parts {
		d := model.Delivery{ID: int64(len(f.deliveries) + 1), SubscriptionID: sub, Channel: target.Channel, Group: target.Group,
			Slot: slot, Part: i + 1, Parts: len(pv.Parts), Kind: pv.Kinds[i], Text: p, State: state, Error: errText}
		switch state {
		case model.DeliverySent:
			d.Attempts, d.SentAt = 1, slot.Add(time.Second)
		case model.DeliveryFailed:
			d.Attempts = 2
		}
		f.deliveries = append(f.deliveries, d)
	}
}

// Articles

func (f *fakeStore) ImportArticles(_ context.Context, arts []digest.Article) (model.ImportResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var res model.ImportResult
	for _, a := range arts {
		if a.Title == "" || a.Date == "" {
			return model.ImportResult{}, fmt.Errorf("fake: %w: title and date", model.ErrInvalid)
		}
		var id int64
		for _, o := range f.order {
			if x := f.articles[o]; x.Title == a.Title && x.Body == a.Body && x.Date == a.Date {
				id = o
			}
		}
		if id != 0 {
			res.Existing++
		} else {
			id = int64(len(f.order) + 1)
			a.ID = id
			f.articles[id] = a
			f.order = append(f.order, id)
			res.New++
		}
		res.IDs = append(res.IDs, id)
	}
	return res, nil
}

func (f *fakeStore) ArticlesByDate(ctx context.Context, date string) ([]digest.Article, error) {
	if f.ArticlesFn != nil {
		return f.ArticlesFn(ctx, date)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []digest.Article
	for _, id := range f.order {
		if a := f.articles[id]; a.Date == date && !f.withdrawn[id] {
			out = append(out, a)
		}
	}
	return out, nil
}

func (f *fakeStore) Article(_ context.Context, id int64) (digest.Article, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.articles[id]
	if !ok {
		return digest.Article{}, model.ErrNotFound
	}
	if f.withdrawn[id] {
		return digest.Article{}, model.ErrWithdrawn
	}
	return a, nil
}

func (f *fakeStore) CorrectArticle(_ context.Context, a digest.Article) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.articles[a.ID]; !ok || f.withdrawn[a.ID] {
		return model.ErrNotFound
	}
	f.articles[a.ID] = a
	return nil
}

func (f *fakeStore) WithdrawArticle(_ context.Context, id int64, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.articles[id]; !ok {
		return model.ErrNotFound
	}
	if f.withdrawn[id] {
		return model.ErrWithdrawn
	}
	f.withdrawn[id] = true
	return nil
}

// Subscriptions

func (f *fakeStore) PutSubscription(_ context.Context, s model.Subscription) (model.Subscription, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	for i, o := range f.subs {
		if o.Group == s.Group && o.Channel == s.Channel {
			s.ID, s.Created, s.Updated = o.ID, o.Created, now
			f.subs[i] = s
			return s, nil
		}
	}
	s.ID = int64(len(f.subs) + 100)
	s.Created, s.Updated = now, now
	f.subs = append(f.subs, s)
	return s, nil
}

func (f *fakeStore) remove(match func(model.Subscription) bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, o := range f.subs {
		if match(o) {
			f.subs = append(f.subs[:i], f.subs[i+1:]...)
			return nil
		}
	}
	return model.ErrNotFound
}

func (f *fakeStore) RemoveSubscription(_ context.Context, group string) error {
	return f.remove(func(s model.Subscription) bool {
		return s.Group == group && (s.Channel == "" || s.Channel == model.ChannelWeChat)
	})
}

func (f *fakeStore) RemoveChannelSubscription(_ context.Context, channel string) error {
	return f.remove(func(s model.Subscription) bool { return s.Channel == channel })
}

func (f *fakeStore) Subscriptions(context.Context) ([]model.Subscription, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]model.Subscription(nil), f.subs...), nil
}

func (f *fakeStore) RenameGroup(context.Context, string, string) error { return nil }

// Deliveries

func (f *fakeStore) Deliveries(_ context.Context, since time.Time) ([]model.Delivery, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Delivery
	for _, d := range f.deliveries {
		if !d.Slot.Before(since) {
			out = append(out, d)
		}
	}
	return out, nil
}

func (f *fakeStore) RetryDelivery(ctx context.Context, id int64) error {
	if f.RetryFn != nil {
		return f.RetryFn(ctx, id)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, d := range f.deliveries {
		if d.ID == id {
			if d.State != model.DeliveryFailed {
				return fmt.Errorf("fake: %w: not failed", model.ErrInvalid)
			}
			f.deliveries[i].State = model.DeliveryPending
			f.retried = append(f.retried, id)
			return nil
		}
	}
	return model.ErrNotFound
}

func (f *fakeStore) DeliveryCounts(ctx context.Context) (map[string]int, error) {
	if f.DeliveryCount != nil {
		return f.DeliveryCount(ctx)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for _, d := range f.deliveries {
		out[d.State]++
	}
	return out, nil
}

func (f *fakeStore) ArticleCount(context.Context) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.articles) - len(f.withdrawn), nil
}

// Sources

func (f *fakeStore) Sources(context.Context) ([]model.Source, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]model.Source(nil), f.sources...), nil
}

func (f *fakeStore) EnableSource(_ context.Context, name string, on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.sources {
		if f.sources[i].Name == name {
			f.sources[i].Enabled = on
			return nil
		}
	}
	return model.ErrNotFound
}

// Roles

func (f *fakeStore) GrantRole(_ context.Context, remark string, role model.Role, by string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.grants = append(f.grants, model.Grant{Remark: remark, Role: role, GrantedBy: by, GrantedAt: f.now()})
	return nil
}

func (f *fakeStore) RevokeRole(_ context.Context, remark string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, g := range f.grants {
		if g.Remark == remark {
			f.grants = append(f.grants[:i], f.grants[i+1:]...)
			return nil
		}
	}
	return model.ErrNotFound
}

func (f *fakeStore) RoleOf(_ context.Context, remark string) (model.Role, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, g := range f.grants {
		if g.Remark == remark {
			return g.Role, nil
		}
	}
	return "", model.ErrNotFound
}

func (f *fakeStore) Roles(context.Context) ([]model.Grant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]model.Grant(nil), f.grants...), nil
}

// Audit

func (f *fakeStore) Audit(_ context.Context, e model.AuditEntry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	e.ID = int64(len(f.audit) + 1)
	f.audit = append(f.audit, e)
	return nil
}

func (f *fakeStore) AuditEntries(_ context.Context, flt model.AuditFilter) ([]model.AuditEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.AuditEntry
	for i := len(f.audit) - 1; i >= 0; i-- {
		if flt.Match(f.audit[i]) {
			out = append(out, f.audit[i])
		}
	}
	if flt.Limit > 0 && len(out) > flt.Limit {
		out = out[:flt.Limit]
	}
	return out, nil
}

func (f *fakeStore) audited(action string) []model.AuditEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.AuditEntry
	for _, e := range f.audit {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// Users and tokens

func (f *fakeStore) User(_ context.Context, name string) (model.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[name]
	if !ok {
		return model.User{}, model.ErrNotFound
	}
	return u, nil
}

func (f *fakeStore) Users(context.Context) ([]model.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []model.User{}
	for _, u := range f.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (f *fakeStore) AddUser(_ context.Context, u model.User) (model.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u.Name == "" || u.PasswordHash == "" || strings.ContainsRune(u.Name, 0) {
		return model.User{}, fmt.Errorf("fake: add user: %w", model.ErrInvalid)
	}
	if _, ok := f.users[u.Name]; ok {
		return model.User{}, fmt.Errorf("fake: add user: %w", model.ErrExists)
	}
	u.ID = int64(len(f.users) + 1)
	u.Created, u.Updated = f.now(), f.now()
	f.users[u.Name] = u
	return u, nil
}

func (f *fakeStore) UpdateUser(_ context.Context, u model.User) (model.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	old, ok := f.users[u.Name]
	if !ok {
		return model.User{}, model.ErrNotFound
	}
	old.Role, old.PasswordHash, old.Disabled, old.Updated = u.Role, u.PasswordHash, u.Disabled, f.now()
	f.users[u.Name] = old
	return old, nil
}

func (f *fakeStore) RemoveUser(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.users[name]; !ok {
		return model.ErrNotFound
	}
	delete(f.users, name)
	for id, s := range f.sessions {
		if s.User == name {
			delete(f.sessions, id)
		}
	}
	return nil
}

func (f *fakeStore) DeleteUserSessions(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, s := range f.sessions {
		if s.User == name {
			delete(f.sessions, id)
		}
	}
	return nil
}

// sessionsOf counts a user's sessions.
func (f *fakeStore) sessionsOf(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.sessions {
		if s.User == name {
			n++
		}
	}
	return n
}

func (f *fakeStore) CreateSession(_ context.Context, s model.Session) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sessions[s.ID] = s
	return nil
}

func (f *fakeStore) Session(_ context.Context, id string) (model.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[id]
	if !ok {
		return model.Session{}, model.ErrNotFound
	}
	return s, nil
}

func (f *fakeStore) DeleteSession(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.sessions[id]; !ok {
		return model.ErrNotFound
	}
	delete(f.sessions, id)
	return nil
}

func (f *fakeStore) TokenByHash(_ context.Context, hash string) (model.APIToken, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tokens[hash]
	if !ok {
		return model.APIToken{}, model.ErrNotFound
	}
	return t, nil
}

// Channels

func (f *fakeStore) Channel(_ context.Context, name string) (model.Channel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.chans[name]
	if !ok {
		return model.Channel{}, fmt.Errorf("fake: channel %q: %w", name, model.ErrNotFound)
	}
	return c, nil
}

// Approvals

func approvalKey(subID int64, slot time.Time) string {
	return fmt.Sprintf("%d|%s", subID, slot.UTC().Format(time.RFC3339Nano))
}

func (f *fakeStore) Approval(_ context.Context, subID int64, slot time.Time) (model.Approval, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.approvals[approvalKey(subID, slot)]
	if !ok {
		return model.Approval{}, model.ErrNotFound
	}
	return a, nil
}

func (f *fakeStore) PutApproval(_ context.Context, a model.Approval) (model.Approval, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a.ID = int64(len(f.approvals) + 1)
	f.approvals[approvalKey(a.SubscriptionID, a.Slot)] = a
	return a, nil
}

func (f *fakeStore) Approvals(_ context.Context, since time.Time) ([]model.Approval, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Approval
	for _, a := range f.approvals {
		if !a.Slot.Before(since) {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Slot.Before(out[j].Slot) })
	return out, nil
}

// Health and login

func (f *fakeStore) Ping(ctx context.Context) error {
	if f.PingFn != nil {
		return f.PingFn(ctx)
	}
	return nil
}

func (f *fakeStore) ChannelStates(context.Context) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]string{}
	for k, v := range f.channels {
		out[k] = v
	}
	return out
}

func (f *fakeStore) LoginInfo(context.Context) (LoginInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.login, nil
}

// fakeDigests previews from the fake store's articles: the
// subscription's filter, composed and rendered as the bot does, images as
// card JSON when the style asks for them.
type fakeDigests struct {
	st      *fakeStore
	PNGFn   func(card.Card) ([]byte, error)
	PanicOn string // a group whose preview panics
	NoFont  bool   // cannot draw image cards
}

func (d fakeDigests) CanDrawCards() bool { return !d.NoFont }

func (d fakeDigests) Preview(ctx context.Context, sub model.Subscription, day time.Time) (Preview, error) {
	if d.PanicOn != "" && sub.Group == d.PanicOn {
		panic("preview exploded")
	}
	arts, err := d.st.ArticlesByDate(ctx, day.Format(time.DateOnly))
	if err != nil {
		return Preview{}, err
	}
	arts = bot.FilterArticles(sub, arts)
	d.st.mu.Lock()
	var fresh []digest.Article
	for _, a := range arts {
		if !d.st.handed[sub.ID][a.ID] {
			fresh = append(fresh, a)
		}
	}
	d.st.mu.Unlock()
	arts = fresh
	pv := Preview{Limit: 2000, Images: true}
	if len(arts) == 0 {
		return pv, nil
	}
	dg := bot.ComposeDay(arts, day, 0)
	if sub.Style == model.StyleImage || sub.Style == model.StyleBoth {
		for _, c := range card.FromDigest(dg) {
			pv.Parts = append(pv.Parts, c.Marshal())
			pv.Kinds = append(pv.Kinds, model.PartImage)
		}
	}
	if sub.Style != model.StyleImage {
		for _, p := range digest.Render(dg, 2000) {
			pv.Parts = append(pv.Parts, p)
			pv.Kinds = append(pv.Kinds, model.PartText)
		}
	}
	for _, a := range arts {
		pv.IDs = append(pv.IDs, a.ID)
	}
	return pv, nil
}

func (d fakeDigests) CardPNG(_ context.Context, c card.Card) ([]byte, error) {
	if d.PNGFn != nil {
		return d.PNGFn(c)
	}
	return []byte("\x89PNG\r\n\x1a\n" + strings.Repeat("x", 8)), nil
}

// fakePusher answers pushes with function fields.
type fakePusher struct {
	mu      sync.Mutex
	pushed  [][]string
	reloads int
	PushFn  func(groups []string) ([]bot.PushResult, error)
}

func (p *fakePusher) PushNow(_ context.Context, groups []string) ([]bot.PushResult, error) {
	p.mu.Lock()
	p.pushed = append(p.pushed, groups)
	p.mu.Unlock()
	if p.PushFn != nil {
		return p.PushFn(groups)
	}
	if groups == nil {
		groups = []string{"和谐家园群"}
	}
	var out []bot.PushResult
	for _, g := range groups {
		out = append(out, bot.PushResult{Group: g, Items: 3, Parts: 1})
	}
	return out, nil
}

func (p *fakePusher) Reload(context.Context) error {
	p.mu.Lock()
	p.reloads++
	p.mu.Unlock()
	return nil
}
