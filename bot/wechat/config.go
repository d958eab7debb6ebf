package wechat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"
)

// ErrWrongAccount is returned by Run when a login succeeded with an account
// other than the expected one (and Config.AllowOtherAccount is false). The
// other account is logged out again and the storage file is left untouched.
var ErrWrongAccount = errors.New("wrong wechat account")

// Config configures a Transport. Only ServerURL, StoragePath and the
// callbacks matter for production; the rest have working defaults.
type Config struct {
	// ServerURL is "" for the real WeChat. Otherwise every request, whatever
	// https host openwechat addresses, goes to this plain-http server (e.g.
	// the fake in wechattest) through RedirectTransport.
	ServerURL string

	// StoragePath is the hot-login storage file (cookies and session keys,
	// written with mode 0600). "" disables hot and push login: every login
	// is a scan login.
	StoragePath string

	// Dedupe remembers incoming message ids across restarts. When nil, a
	// FileDedupe at DedupePath is used; DedupePath "" defaults to
	// StoragePath+".seen", or to memory only when StoragePath is "" too.
	Dedupe     Dedupe
	DedupePath string
	DedupeSize int // ids kept; default 10000

	// ExpectUin is the bot account's Uin (the only id stable across
	// logins). 0 means: the Uin in the storage file if there is one, else
	// whichever account logs in first; later logins must match it.
	ExpectUin         int64
	AllowOtherAccount bool

	// QR receives the login QR code rendered for a terminal; nil shows none
	// (the image URL is always logged).
	QR     io.Writer
	Logger *slog.Logger
	Now    func() time.Time

	// Re-login backoff: the first retry waits ReloginMin, doubling per
	// consecutive failure up to ReloginMax; at most MaxLoginsPerHour login
	// attempts start in any hour.
	ReloginMin       time.Duration // default 10s
	ReloginMax       time.Duration // default 15m
	MaxLoginsPerHour int           // default 10

	// Sync-loop backoff after a failed synccheck/webwxsync, and how many
	// consecutive failures end the session (then the supervisor re-logs in).
	SyncRetryMin time.Duration // default 1s
	SyncRetryMax time.Duration // default 1m
	SyncMaxFails int           // default 10

	// ContactRefresh: while a wanted group is missing or not saved to
	// contacts, the contacts are read again this often (and soon after
	// WeChat reports a group the bot does not know), so the group is bound
	// as soon as it is saved or joined.
	ContactRefresh time.Duration // default 10m

	// ReplaySlack: incoming messages created more than this before the
	// session began are history replayed after a hot login and are dropped.
	ReplaySlack time.Duration // default 1m

	// OnRename is called (from the goroutine that delivers messages) when a
	// bound group is renamed while logged in; the binding follows the new
	// name. old and new are group names.
	OnRename func(old, new string)

	// HTTPTransport is the base RoundTripper; nil uses a clone of
	// http.DefaultTransport.
	HTTPTransport http.RoundTripper
}

func (c *Config) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.DedupeSize <= 0 {
		c.DedupeSize = 10000
	}
	if c.ReloginMin <= 0 {
		c.ReloginMin = 10 * time.Second
	}
	if c.ReloginMax < c.ReloginMin {
		c.ReloginMax = max(15*time.Minute, c.ReloginMin)
	}
	if c.MaxLoginsPerHour <= 0 {
		c.MaxLoginsPerHour = 10
	}
	if c.SyncRetryMin <= 0 {
		c.SyncRetryMin = time.Second
	}
	if c.SyncRetryMax < c.SyncRetryMin {
		c.SyncRetryMax = max(time.Minute, c.SyncRetryMin)
	}
	if c.SyncMaxFails <= 0 {
		c.SyncMaxFails = 10
	}
	if c.ContactRefresh <= 0 {
		c.ContactRefresh = 10 * time.Minute
	}
	if c.ReplaySlack <= 0 {
		c.ReplaySlack = time.Minute
	}
}

// New checks cfg and builds a Transport; nothing touches the network until
// Run.
func New(cfg Config) (*Transport, error) {
	cfg.setDefaults()
	base := cfg.HTTPTransport
	var closeIdle func()
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	if c, ok := base.(interface{ CloseIdleConnections() }); ok {
		closeIdle = c.CloseIdleConnections
	}
	if cfg.ServerURL != "" {
		rt, err := RedirectTransport(cfg.ServerURL, base)
		if err != nil {
			return nil, err
		}
		base = rt
	}
	t := &Transport{
		cfg:       cfg,
		log:       cfg.Logger,
		base:      base,
		closeIdle: closeIdle,
		sleep:     sleepCtx,
		bindings:  map[string]binding{},
	}
	if cfg.StoragePath != "" {
		t.store = &storageFile{path: cfg.StoragePath}
	}
	t.dedupe = cfg.Dedupe
	if t.dedupe == nil {
		path := cfg.DedupePath
		if path == "" && cfg.StoragePath != "" {
			path = cfg.StoragePath + ".seen"
		}
		if path == "" {
			t.dedupe = NewMemoryDedupe(cfg.DedupeSize)
		} else {
			d, err := NewFileDedupe(filepath.Clean(path), cfg.DedupeSize)
			if err != nil {
				return nil, fmt.Errorf("wechat: %w", err)
			}
			t.dedupe = d
		}
	}
	return t, nil
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// backoff is min·2^(n-1), capped at max (n ≥ 1).
func backoff(minD, maxD time.Duration, n int) time.Duration {
	d := minD
	for i := 1; i < n && d < maxD; i++ {
		d *= 2
	}
	return min(d, maxD)
}
