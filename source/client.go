package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Errors returned (wrapped) by the client and the parsers.
var (
	// ErrBlockedAddress: the host resolves to a loopback, private,
	// link-local, CGNAT or unspecified address and Config.AllowPrivate is
	// off.
	ErrBlockedAddress = errors.New("address not allowed")
	// ErrScheme: the URL (or a redirect target) is not http or https.
	ErrScheme = errors.New("only http and https URLs are fetched")
	// ErrTooLarge: the body is larger than Config.MaxBytes.
	ErrTooLarge = errors.New("response body too large")
	// ErrTooManyRedirects: more than Config.MaxRedirects redirects.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrNotArticle: the page holds no article text with a lead sentence,
	// or is not HTML at all.
	ErrNotArticle = errors.New("no article found")
	// ErrNotFeed: the body is not an RSS or Atom feed.
	ErrNotFeed = errors.New("not a feed")
)

// StatusError is a response other than 2xx (or 304 to a conditional GET).
type StatusError struct {
	Code int
	URL  string
	// RetryAfter is the server's Retry-After (429, 503), zero when absent.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d %s from %s", e.Code, http.StatusText(e.Code), e.URL)
}

// Config sets up a Client. Zero fields take the defaults.
type Config struct {
	// AllowPrivate permits loopback, private, link-local, CGNAT and
	// unspecified addresses; by default they are refused so that a chat
	// message cannot make the bot fetch an internal service.
	AllowPrivate bool
	// Timeout bounds one request, body included; default 20s.
	Timeout time.Duration
	// MaxBytes caps a body; a larger one fails with ErrTooLarge rather than
	// being truncated. Default 5 MB.
	MaxBytes int64
	// MaxRedirects is the most redirects followed; default 5, negative for
	// none.
	MaxRedirects int
	// UserAgent names the bot; default DefaultUserAgent.
	UserAgent string
	// HostGap is the least time between the starts of two requests to one
	// host (redirect hops included); default 1s, negative for none.
	HostGap time.Duration
	// Transport is the base transport. An *http.Transport is cloned and its
	// dialer and proxy replaced by the guarded ones; any other RoundTripper
	// is used as given and then does its own dialing (the address policy
	// then applies only to literal IP hosts).
	Transport http.RoundTripper
	// Resolve looks up a host's addresses; default net.DefaultResolver.
	// Tests point names at chosen addresses with it.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	// Permit, when set, lets through an address the policy would refuse
	// (one intranet host an admin trusts; the test server a test redirects
	// from). It is asked only for refused addresses.
	Permit func(netip.AddrPort) bool
	// Now is the clock for host spacing; default time.Now.
	Now func() time.Time
	// Logger receives one debug line per request; default discards.
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultTimeout      = 20 * time.Second
	DefaultMaxBytes     = 5 << 20
	DefaultMaxRedirects = 5
	DefaultUserAgent    = "wxdigest/1.0 (district news digest bot)"
	DefaultHostGap      = time.Second
)

// Client fetches feeds and article pages politely and safely. It is safe for
// concurrent use.
type Client struct {
	cfg   Config
	http  *http.Client
	pacer *pacer
	log   *slog.Logger
}

// New returns a client for cfg.
func New(cfg Config) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	switch {
	case cfg.MaxRedirects == 0:
		cfg.MaxRedirects = DefaultMaxRedirects
	case cfg.MaxRedirects < 0:
		cfg.MaxRedirects = 0
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	switch {
	case cfg.HostGap == 0:
		cfg.HostGap = DefaultHostGap
	case cfg.HostGap < 0:
		cfg.HostGap = 0
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Resolve == nil {
		cfg.Resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	c := &Client{cfg: cfg, pacer: newPacer(cfg.HostGap, cfg.Now), log: cfg.Logger}
	g := &guard{allowPrivate: cfg.AllowPrivate, permit: cfg.Permit, resolve: cfg.Resolve, timeout: cfg.Timeout}
	var base http.RoundTripper
	switch t := cfg.Transport.(type) {
	case nil:
		base = g.transport(http.DefaultTransport.(*http.Transport).Clone())
	case *http.Transport:
		base = g.transport(t.Clone())
	default:
		base = t
	}
	c.http = &http.Client{
		Transport: &politeTransport{base: base, guard: g, ua: cfg.UserAgent, pacer: c.pacer},
		Timeout:   cfg.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > cfg.MaxRedirects {
				return fmt.Errorf("%w (more than %d)", ErrTooManyRedirects, cfg.MaxRedirects)
			}
			return checkScheme(req.URL.Scheme)
		},
	}
	return c
}

// politeTransport checks each hop's scheme and literal address, spaces
// requests per host and names the bot.
type politeTransport struct {
	base  http.RoundTripper
	guard *guard
	ua    string
	pacer *pacer
}

func (t *politeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := checkScheme(req.URL.Scheme); err != nil {
		return nil, err
	}
	if err := t.guard.checkLiteral(req.URL); err != nil {
		return nil, err
	}
	if err := t.pacer.wait(req.Context(), strings.ToLower(req.URL.Hostname())); err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Header.Set("User-Agent", t.ua)
	return t.base.RoundTrip(req)
}

func checkScheme(s string) error {
	switch strings.ToLower(s) {
	case "http", "https":
		return nil
	}
	return fmt.Errorf("%w: %q", ErrScheme, s)
}

// response is a fetched body with what the caller needs of the headers.
type response struct {
	body        []byte
	contentType string
	etag        string
	lastMod     string
	finalURL    string
	notModified bool
}

// get fetches rawURL. Extra headers go on the first request (and are carried
// over redirects by net/http).
func (c *Client) get(ctx context.Context, rawURL string, header http.Header) (response, error) {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return response{}, err
	}
	if err := checkScheme(req.URL.Scheme); err != nil {
		return response{}, err
	}
	if req.URL.Host == "" {
		return response{}, fmt.Errorf("no host in %q", rawURL)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	r := response{
		contentType: resp.Header.Get("Content-Type"),
		etag:        resp.Header.Get("ETag"),
		lastMod:     resp.Header.Get("Last-Modified"),
		finalURL:    resp.Request.URL.String(),
	}
	defer func() {
		c.log.Debug("source: fetched", "url", rawURL, "status", resp.StatusCode, "bytes", len(r.body),
			"took", time.Since(start).Round(time.Millisecond))
	}()
	switch {
	case resp.StatusCode == http.StatusNotModified && (header.Get("If-None-Match") != "" || header.Get("If-Modified-Since") != ""):
		r.notModified = true
		return r, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
		return r, &StatusError{Code: resp.StatusCode, URL: r.finalURL, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), c.cfg.Now())}
	}
	if resp.ContentLength > c.cfg.MaxBytes {
		return r, fmt.Errorf("%w: %d bytes announced, limit %d", ErrTooLarge, resp.ContentLength, c.cfg.MaxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxBytes+1))
	if err != nil {
		return r, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > c.cfg.MaxBytes {
		return r, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, c.cfg.MaxBytes)
	}
	r.body = body
	return r, nil
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
