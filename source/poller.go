package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/wxdigest/wxdigest/model"
)

// PollStore is the slice of the store the poller reads and writes;
// *data.Store has it.
type PollStore interface {
	Sources(ctx context.Context) ([]model.Source, error)
	Source(ctx context.Context, name string) (model.Source, error) // model.ErrNotFound
	RecordFetch(ctx context.Context, name string, o model.FetchOutcome) (model.Source, error)
	ImportFetched(ctx context.Context, items []model.Fetched) (model.FetchedResult, error)
}

// Clock is the poller's time source, so tests drive polling without
// waiting. It has the shape of bot.Clock (this package does not import
// the bot).
type Clock interface {
	Now() time.Time
	// NewTimer fires once after d (at once when d ≤ 0); Stop releases it.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer of a Clock.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

type systemClock struct{}

func (systemClock) Now() time.Time                 { return time.Now() }
func (systemClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

type systemTimer struct{ t *time.Timer }

func (s systemTimer) C() <-chan time.Time { return s.t.C }
func (s systemTimer) Stop() bool          { return s.t.Stop() }

// Poller defaults.
const (
	DefaultEvery  = 30 * time.Minute // a source's interval when none is given
	MaxBackoff    = 24 * time.Hour   // the longest wait after failures (unless Every is longer)
	DefaultRescan = 30 * time.Second // how often the source list is re-read
)

// PollerConfig configures NewPoller. Store and Client are required.
type PollerConfig struct {
	Store  PollStore
	Client *Client
	Clock  Clock          // default: the machine's clock
	Zone   *time.Location // issue dates; default Asia/Shanghai (UTC+8 without zone data)
	Logger *slog.Logger   // default: discard
	// Rescan is the longest Run sleeps before re-reading the sources, so
	// sources added or removed from the CLI are noticed; default
	// DefaultRescan.
	Rescan time.Duration
	// OnFetchError is told the name of a source whose fetch failed (for
	// metrics); nil: nobody is.
	OnFetchError func(source string)
	// Claim is asked before a due source is fetched, when several
	// processes poll one store: false means another is fetching it (it
	// will record when the source is due next). nil: every due source is
	// this poller's.
	Claim func(ctx context.Context, source string) bool
}

// Poller fetches sources when they are due and stores what is new. Run
// and FetchNow may be called from different goroutines; fetches of one
// Poller run one at a time.
type Poller struct {
	store  PollStore
	client *Client
	clock  Clock
	zone   *time.Location
	log    *slog.Logger
	rescan time.Duration
	onErr  func(source string)
	claim  func(ctx context.Context, source string) bool
	mu     sync.Mutex // one fetch at a time
}

// NewPoller checks cfg and fills in defaults.
func NewPoller(cfg PollerConfig) (*Poller, error) {
	if cfg.Store == nil || cfg.Client == nil {
		return nil, errors.New("source: new poller: Store and Client are required")
	}
	p := &Poller{store: cfg.Store, client: cfg.Client, clock: cfg.Clock, zone: cfg.Zone, log: cfg.Logger, rescan: cfg.Rescan, onErr: cfg.OnFetchError, claim: cfg.Claim}
	if p.clock == nil {
		p.clock = systemClock{}
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.zone == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			loc = time.FixedZone("CST", 8*3600) // no DST in China since 1991
		}
		p.zone = loc
	}
	if p.rescan <= 0 {
		p.rescan = DefaultRescan
	}
	return p, nil
}

// claimRetry is how soon a source another process is fetching is looked
// at again.
const claimRetry = time.Minute

// Result is what one fetch of a source brought.
type Result struct {
	New, Existing int
	// Items are the titles of the new articles, in feed order.
	Items []string
	// NotModified: the feed answered 304 to the conditional GET.
	NotModified bool
}

// polled reports whether the poller fetches sources of this kind
// (forwarded 公众号 articles arrive through chat instead).
func polled(src model.Source) bool {
	return src.Kind == model.SourceFeed || src.Kind == model.SourcePage
}

// Run polls every enabled source whenever it is due, until ctx is done;
// then it returns nil. Failures are recorded on the source (and retried
// with backoff), never returned: one broken feed must not stop the rest.
func (p *Poller) Run(ctx context.Context) error {
	for {
		wait := p.pollDue(ctx)
		if ctx.Err() != nil {
			return nil
		}
		t := p.clock.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C():
		}
	}
}

// pollDue fetches the sources due now and returns how long to sleep
// before the next one is due (at most the rescan interval).
func (p *Poller) pollDue(ctx context.Context) time.Duration {
	srcs, err := p.store.Sources(ctx)
	if err != nil {
		if ctx.Err() == nil {
			p.log.Warn("source: poll: read sources", "err", err)
		}
		return p.rescan
	}
	wait := p.rescan
	for _, src := range srcs {
		if ctx.Err() != nil {
			return 0
		}
		if !src.Enabled || !polled(src) {
			continue
		}
		now := p.clock.Now()
		if !src.NextFetch.IsZero() && src.NextFetch.After(now) {
			wait = min(wait, src.NextFetch.Sub(now))
			continue
		}
		if p.claim != nil {
			if !p.claim(ctx, src.Name) {
				// Another process fetches it; look again soon for when
				// it is due next.
				wait = min(wait, claimRetry)
				continue
			}
			// It may have been fetched since the list was read.
			fresh, err := p.store.Source(ctx, src.Name)
			if err != nil || (!fresh.NextFetch.IsZero() && fresh.NextFetch.After(now)) {
				if err == nil {
					wait = min(wait, fresh.NextFetch.Sub(now))
				}
				continue
			}
			src = fresh
		}
		res, next, err := p.fetch(ctx, src)
		switch {
		case ctx.Err() != nil:
			return 0
		case err != nil:
			p.log.Warn("source: fetch failed", "source", src.Name, "url", src.URL, "err", err, "next", next)
		case res.New > 0:
			p.log.Info("source: new articles", "source", src.Name, "new", res.New, "existing", res.Existing)
		default:
			p.log.Debug("source: nothing new", "source", src.Name, "not_modified", res.NotModified)
		}
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(p.clock.Now()), 0))
		}
	}
	return wait
}

// FetchNow fetches the named source at once, whether or not it is due or
// enabled, stores what is new and records the fetch (so its schedule
// starts again from now). The error is the fetch's, also kept on the
// source; an unknown name wraps model.ErrNotFound.
func (p *Poller) FetchNow(ctx context.Context, name string) (Result, error) {
	src, err := p.store.Source(ctx, name)
	if err != nil {
		return Result{}, fmt.Errorf("source: fetch %q: %w", name, err)
	}
	if !polled(src) {
		return Result{}, fmt.Errorf("source: fetch %q: a %s source is not fetched; its articles arrive through chat", name, src.Kind)
	}
	res, _, err := p.fetch(ctx, src)
	return res, err
}

// fetch polls one source and records the outcome; next is when it is due
// again (zero when even recording failed).
func (p *Poller) fetch(ctx context.Context, src model.Source) (Result, time.Time, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	start := p.clock.Now()
	res, etag, lastMod, err := p.gather(ctx, src, start)
	if ctx.Err() != nil {
		// Shutting down: not the source's fault, so nothing is recorded.
		return res, time.Time{}, ctx.Err()
	}
	out := model.FetchOutcome{At: start, ETag: etag, LastModified: lastMod}
	if err != nil {
		out.Err = oneLine(err.Error())
		out.Next = start.Add(backoff(src.Every, src.Failures+1, retryAfterOf(err)))
		if p.onErr != nil {
			p.onErr(src.Name)
		}
	} else {
		out.Next = start.Add(every(src))
	}
	if _, rerr := p.store.RecordFetch(ctx, src.Name, out); rerr != nil {
		if errors.Is(rerr, model.ErrNotFound) {
			p.log.Info("source: removed while it was fetched", "source", src.Name)
		} else {
			p.log.Warn("source: record fetch", "source", src.Name, "err", rerr)
		}
		if err == nil {
			err = rerr
		}
		return res, time.Time{}, err
	}
	return res, out.Next, err
}

// gather fetches a source and stores its new articles; the validators
// returned are those to keep (the new ones only once the items are
// stored, so a failed import is fetched again in full).
func (p *Poller) gather(ctx context.Context, src model.Source, now time.Time) (Result, string, string, error) {
	var items []model.Fetched
	etag, lastMod := src.ETag, src.LastModified
	switch src.Kind {
	case model.SourceFeed:
		feed, err := p.client.FetchFeed(ctx, src.URL, src.ETag, src.LastModified)
		if err != nil {
			return Result{}, etag, lastMod, err
		}
		if feed.NotModified {
			return Result{NotModified: true}, feed.ETag, feed.LastModified, nil
		}
		for _, it := range feed.Items {
			if f, ok := p.feedArticle(ctx, src, it, now); ok {
				items = append(items, f)
			}
		}
		if err := ctx.Err(); err != nil {
			return Result{}, src.ETag, src.LastModified, err // teasers cut short: store nothing
		}
		etag, lastMod = feed.ETag, feed.LastModified
	case model.SourcePage:
		a, err := p.client.FetchArticle(ctx, src.URL)
		if err != nil {
			return Result{}, etag, lastMod, err
		}
		if a.URL == "" {
			a.URL = src.URL
		}
		// A page is stored under the name the admin gave its source, as
		// subscriptions filtered by source name it, and feeds are; when
		// that name is a host or an address, under the site's own name.
		name := src.Name
		if !isUsableName(name) {
			name = SourceName(a.Source, src.Name)
		}
		a.ID, a.Source, a.Date = 0, name, now.In(p.zone).Format(time.DateOnly)
		if strings.TrimSpace(a.Title) == "" {
			return Result{}, etag, lastMod, fmt.Errorf("%w: the page has no title", ErrNotArticle)
		}
		items = append(items, model.Fetched{Article: a})
	default:
		return Result{}, etag, lastMod, fmt.Errorf("a %s source is not fetched", src.Kind)
	}
	if len(items) == 0 {
		return Result{}, etag, lastMod, nil
	}
	stored, err := p.store.ImportFetched(ctx, items)
	if err != nil {
		return Result{}, src.ETag, src.LastModified, fmt.Errorf("store: %w", err)
	}
	res := Result{New: stored.New, Existing: stored.Existing}
	for i, added := range stored.Added {
		if added {
			res.Items = append(res.Items, items[i].Article.Title)
		}
	}
	return res, etag, lastMod, nil
}

// feedArticle turns a feed item into an article of its published day;
// a teaser is replaced by its page when the page can be read. ok is false
// for an item the store would refuse (no title).
func (p *Poller) feedArticle(ctx context.Context, src model.Source, it FeedItem, now time.Time) (model.Fetched, bool) {
	a := it.Article
	if it.Teaser && it.Link != "" {
		page, err := p.client.FetchArticle(ctx, it.Link)
		switch {
		case err != nil:
			// The teaser is still worth keeping: its text is usually the
			// lead. It is not fetched again (its GUID is stored).
			p.log.Warn("source: teaser page", "source", src.Name, "url", it.Link, "err", err)
		default:
			if strings.TrimSpace(page.Title) == "" {
				page.Title = a.Title
			}
			a = page
		}
	}
	if strings.TrimSpace(a.Title) == "" {
		p.log.Info("source: item without a title skipped", "source", src.Name, "guid", it.GUID)
		return model.Fetched{}, false
	}
	day := it.Published
	if day.IsZero() {
		day = now
	}
	// A feed's items keep its configured name, teaser pages included: one
	// feed is one source in the digest header and in subscriptions.
	a.ID, a.Source, a.Date = 0, src.Name, day.In(p.zone).Format(time.DateOnly)
	if a.URL == "" {
		a.URL = it.Link
	}
	return model.Fetched{Article: a, GUID: it.GUID}, true
}

func every(src model.Source) time.Duration {
	if src.Every > 0 {
		return src.Every
	}
	return DefaultEvery
}

// backoff is the wait after the failures-th consecutive failure:
// Every × 2^failures, at most MaxBackoff (or Every, if longer), and no
// less than what the server asked for with Retry-After.
func backoff(interval time.Duration, failures int, retryAfter time.Duration) time.Duration {
	if interval <= 0 {
		interval = DefaultEvery
	}
	limit := max(MaxBackoff, interval)
	d := interval
	for i := 0; i < failures && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return min(max(d, retryAfter), limit)
}

func retryAfterOf(err error) time.Duration {
	var se *StatusError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}

// oneLine keeps a stored error on one line, as `source list` shows it.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
