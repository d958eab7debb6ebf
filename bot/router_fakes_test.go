package bot

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
)

// rtStore is a Store whose methods call the function field when set and
// the embedded Store (usually a real *data.Store) otherwise, so a test
// can break one method and keep the rest real.
type rtStore struct {
	Store

	articlesByDate     func(ctx context.Context, date string) ([]digest.Article, error)
	article            func(ctx context.Context, id int64) (digest.Article, error)
	search             func(ctx context.Context, q string, limit int) ([]data.Hit, error)
	roleOf             func(ctx context.Context, remark string) (data.Role, error)
	putSubscription    func(ctx context.Context, s data.Subscription) (data.Subscription, error)
	removeSubscription func(ctx context.Context, group string) error
	subscriptions      func(ctx context.Context) ([]data.Subscription, error)
	audit              func(ctx context.Context, e data.AuditEntry) error
	correctArticle     func(ctx context.Context, a digest.Article) error
	withdrawArticle    func(ctx context.Context, id int64, by string) error
}

func (s *rtStore) CorrectArticle(ctx context.Context, a digest.Article) error {
	if s.correctArticle != nil {
		return s.correctArticle(ctx, a)
	}
	return s.Store.CorrectArticle(ctx, a)
}

func (s *rtStore) WithdrawArticle(ctx context.Context, id int64, by string) error {
	if s.withdrawArticle != nil {
		return s.withdrawArticle(ctx, id, by)
	}
	return s.Store.WithdrawArticle(ctx, id, by)
}

func (s *rtStore) ArticlesByDate(ctx context.Context, date string) ([]digest.Article, error) {
	if s.articlesByDate != nil {
		return s.articlesByDate(ctx, date)
	}
	return s.Store.ArticlesByDate(ctx, date)
}

func (s *rtStore) Article(ctx context.Context, id int64) (digest.Article, error) {
	if s.article != nil {
		return s.article(ctx, id)
	}
	return s.Store.Article(ctx, id)
}

func (s *rtStore) Search(ctx context.Context, q string, limit int) ([]data.Hit, error) {
	if s.search != nil {
		return s.search(ctx, q, limit)
	}
	return s.Store.Search(ctx, q, limit)
}

func (s *rtStore) RoleOf(ctx context.Context, remark string) (data.Role, error) {
	if s.roleOf != nil {
		return s.roleOf(ctx, remark)
	}
	return s.Store.RoleOf(ctx, remark)
}

func (s *rtStore) PutSubscription(ctx context.Context, sub data.Subscription) (data.Subscription, error) {
	if s.putSubscription != nil {
		return s.putSubscription(ctx, sub)
	}
	return s.Store.PutSubscription(ctx, sub)
}

func (s *rtStore) RemoveSubscription(ctx context.Context, group string) error {
	if s.removeSubscription != nil {
		return s.removeSubscription(ctx, group)
	}
	return s.Store.RemoveSubscription(ctx, group)
}

func (s *rtStore) Subscriptions(ctx context.Context) ([]data.Subscription, error) {
	if s.subscriptions != nil {
		return s.subscriptions(ctx)
	}
	return s.Store.Subscriptions(ctx)
}

func (s *rtStore) Audit(ctx context.Context, e data.AuditEntry) error {
	if s.audit != nil {
		return s.audit(ctx, e)
	}
	return s.Store.Audit(ctx, e)
}

// rtSent is one Reply call.
type rtSent struct {
	To    Target
	Parts []string
}

// text is all parts joined, for matching.
func (s rtSent) text() string { return strings.Join(s.Parts, "\n") }

// rtOutbox records replies instead of sending them.
type rtOutbox struct {
	stats func() OutboxStats

	mu   sync.Mutex
	sent []rtSent
}

func (o *rtOutbox) Reply(to Target, parts ...string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, rtSent{To: to, Parts: append([]string(nil), parts...)})
}

func (o *rtOutbox) Stats() OutboxStats {
	if o.stats != nil {
		return o.stats()
	}
	return OutboxStats{}
}

// take returns what was replied since the last take.
func (o *rtOutbox) take() []rtSent {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.sent
	o.sent = nil
	return s
}

// rtDispatcher records calls and answers through function fields.
type rtDispatcher struct {
	pushNow func(ctx context.Context, groups []string) ([]PushResult, error)
	next    func(n int) []Upcoming
	reload  func(ctx context.Context) error

	mu      sync.Mutex
	pushes  [][]string
	reloads int
}

func (d *rtDispatcher) PushNow(ctx context.Context, groups []string) ([]PushResult, error) {
	d.mu.Lock()
	d.pushes = append(d.pushes, append([]string(nil), groups...))
	d.mu.Unlock()
	if d.pushNow != nil {
		return d.pushNow(ctx, groups)
	}
	var out []PushResult
	for _, g := range groups {
		out = append(out, PushResult{Group: g, Items: 1, Parts: 1})
	}
	return out, nil
}

func (d *rtDispatcher) Next(n int) []Upcoming {
	if d.next != nil {
		return d.next(n)
	}
	return nil
}

func (d *rtDispatcher) Reload(ctx context.Context) error {
	d.mu.Lock()
	d.reloads++
	d.mu.Unlock()
	if d.reload != nil {
		return d.reload(ctx)
	}
	return nil
}

func (d *rtDispatcher) counts() (pushes, reloads int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.pushes), d.reloads
}

// rtClock is a settable clock.
type rtClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *rtClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *rtClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
