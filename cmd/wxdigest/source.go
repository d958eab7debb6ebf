package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/source"
)

// minQuietEvery: polling more often than this is allowed (tests, a feed
// the operator owns) but rarely needed, so `source add` says so.
const minQuietEvery = 5 * time.Minute

// allowPrivateFlag binds --allow-private, shared by import, source fetch
// and run.
func allowPrivateFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("allow-private", false, "allow fetching loopback and private-network addresses (never needed for public sites)")
}

// sourceClient is the web client of a command: the same safety settings
// for the CLI, the poller and chat forwards. WXDIGEST_HOST_GAP
// (undocumented) shortens the per-host spacing for tests.
func (a *app) sourceClient(allowPrivate bool, log *slog.Logger) (*source.Client, error) {
	cfg := source.Config{AllowPrivate: allowPrivate, Logger: log}
	if v := a.getenv("WXDIGEST_HOST_GAP"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, usagef("WXDIGEST_HOST_GAP=%q: want a duration such as 1s", v)
		}
		cfg.HostGap = d
		if d == 0 {
			cfg.HostGap = -1 // the client's 0 means its default
		}
	}
	return source.New(cfg), nil
}

// explainFetchError adds what to do to errors an operator can fix.
func explainFetchError(err error) error {
	if errors.Is(err, source.ErrBlockedAddress) {
		return fmt.Errorf("%w (loopback and private addresses are refused; pass --allow-private to fetch them)", err)
	}
	return err
}

// isWebURL reports an http(s) argument of import.
func isWebURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// checkWebURL refuses a URL the client would not fetch, as bad usage.
func checkWebURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("url %q: want an http:// or https:// address", raw)
	}
	return nil
}

func cmdSource(ctx context.Context, a *app, cfg config, args []string) error {
	verb, args, err := subcommand(args, "add", "list", "remove", "fetch", "enable", "disable")
	if err != nil {
		return err
	}
	fs := newFlags(a, "source "+verb)
	storeFlags(fs, &cfg)
	name := fs.String("name", "", "source name; also the source of the articles it brings")
	rawURL := fs.String("url", "", "feed or page address (http or https)")
	every := fs.Duration("every", source.DefaultEvery, "how often to poll")
	kind := fs.String("kind", data.SourceFeed, "feed (RSS/Atom) or page (one web page)")
	format := fs.String("format", "text", "output format of list: text or json")
	allowPrivate := allowPrivateFlag(fs)
	if err := parseNoArgs(fs, args, &cfg, format); err != nil {
		return err
	}
	*name = strings.TrimSpace(*name)
	if (verb == "add" || verb == "remove" || verb == "enable" || verb == "disable") && *name == "" {
		return usagef("--name is required")
	}
	var src data.Source
	if verb == "add" {
		*rawURL = strings.TrimSpace(*rawURL)
		if *rawURL == "" {
			return usagef("--url is required")
		}
		if err := checkWebURL(*rawURL); err != nil {
			return err
		}
		if *kind != data.SourceFeed && *kind != data.SourcePage {
			return usagef("kind %q: want feed or page", *kind)
		}
		if *every < time.Second {
			return usagef("every %s: want at least 1s, e.g. 30m", *every)
		}
		src = data.Source{Name: *name, Kind: *kind, URL: *rawURL, Every: every.Truncate(time.Second), Enabled: true}
	}

	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	switch verb {
	case "add":
		saved, err := st.AddSource(ctx, src)
		if errors.Is(err, data.ErrExists) {
			return fmt.Errorf("source %q already exists; remove it first to change it", src.Name)
		}
		if err != nil {
			return err
		}
		if saved.Every < minQuietEvery {
			fmt.Fprintf(a.stderr, "wxdigest source add: note: polling every %s is more often than most sites need\n", shortDuration(saved.Every))
		}
		fmt.Fprintf(a.stdout, "已添加来源：%s（%s，每 %s）%s\n", saved.Name, saved.Kind, shortDuration(saved.Every), saved.URL)
	case "remove":
		if err := st.RemoveSource(ctx, *name); err != nil {
			if errors.Is(err, data.ErrNotFound) {
				return fmt.Errorf("no source named %q (see wxdigest source list)", *name)
			}
			return err
		}
		fmt.Fprintf(a.stdout, "已删除来源：%s（已收录的文章保留）\n", *name)
	case "enable", "disable":
		if err := st.EnableSource(ctx, *name, verb == "enable"); err != nil {
			if errors.Is(err, data.ErrNotFound) {
				return fmt.Errorf("no source named %q (see wxdigest source list)", *name)
			}
			return err
		}
		state := "启用"
		if verb == "disable" {
			state = "停用"
		}
		fmt.Fprintf(a.stdout, "已%s来源：%s\n", state, *name)
	case "list":
		srcs, err := st.Sources(ctx)
		if err != nil {
			return err
		}
		return writeSources(a, srcs, *format, cfg.loc)
	case "fetch":
		return a.fetchSources(ctx, st, cfg, *name, *allowPrivate)
	}
	return nil
}

// fetchSources is `source fetch`: every feed and page source (or the named
// one) once, now, printing what was new.
func (a *app) fetchSources(ctx context.Context, st store, cfg config, name string, allowPrivate bool) error {
	var names []string
	if name != "" {
		if _, err := st.Source(ctx, name); err != nil {
			if errors.Is(err, data.ErrNotFound) {
				return fmt.Errorf("no source named %q (see wxdigest source list)", name)
			}
			return err
		}
		names = []string{name}
	} else {
		srcs, err := st.Sources(ctx)
		if err != nil {
			return err
		}
		for _, s := range srcs {
			if s.Kind == data.SourceFeed || s.Kind == data.SourcePage {
				names = append(names, s.Name)
			}
		}
		if len(names) == 0 {
			fmt.Fprintln(a.stdout, "还没有来源。用 wxdigest source add --name 名称 --url 地址 添加。")
			return nil
		}
	}
	log := cfg.logger(a.stderr)
	client, err := a.sourceClient(allowPrivate, log)
	if err != nil {
		return err
	}
	p, err := source.NewPoller(source.PollerConfig{Store: st, Client: client, Zone: cfg.loc, Logger: log,
		Clock: appClock{a.now}})
	if err != nil {
		return err
	}
	bar := a.newProgress(len(names))
	var failed []error
	for _, n := range names {
		bar.start(n)
		res, err := p.FetchNow(ctx, n)
		bar.done(n)
		if err != nil {
			err = explainFetchError(err)
			failed = append(failed, err)
			if len(names) > 1 {
				// One source alone: its error is the command's, said once.
				fmt.Fprintf(a.stdout, "来源 %s：failed: %s\n", n, oneLine(userError(err.Error())))
			}
			continue
		}
		note := ""
		if res.NotModified {
			note = " (not modified)"
		}
		fmt.Fprintf(a.stdout, "来源 %s：%d new, %d already stored%s\n", n, res.New, res.Existing, note)
		for _, t := range res.Items {
			fmt.Fprintf(a.stdout, "  %s\n", t)
		}
	}
	bar.finish()
	switch {
	case len(failed) == 1 && len(names) == 1:
		return failed[0]
	case len(failed) > 0:
		return fmt.Errorf("%d of %d sources failed (see above; the errors are kept in wxdigest source list)", len(failed), len(names))
	}
	return nil
}

// appClock is the app's clock as the poller's: FetchNow only reads Now.
type appClock struct{ now func() time.Time }

func (c appClock) Now() time.Time { return c.now() }

func (c appClock) NewTimer(d time.Duration) source.Timer { return timerOf{time.NewTimer(d)} }

type timerOf struct{ t *time.Timer }

func (t timerOf) C() <-chan time.Time { return t.t.C }
func (t timerOf) Stop() bool          { return t.t.Stop() }

func writeSources(a *app, srcs []data.Source, format string, loc *time.Location) error {
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	if format == "json" {
		type row struct {
			Name      string `json:"name"`
			Kind      string `json:"kind"`
			URL       string `json:"url"`
			Every     string `json:"every"`
			Enabled   bool   `json:"enabled"`
			LastFetch string `json:"last_fetch"`
			LastError string `json:"last_error"`
			Failures  int    `json:"failures"`
			NextFetch string `json:"next_fetch"`
		}
		out := []row{}
		for _, s := range srcs {
			out = append(out, row{s.Name, s.Kind, s.URL, shortDuration(s.Every), s.Enabled,
				stamp(s.LastFetch), s.LastError, s.Failures, stamp(s.NextFetch)})
		}
		return writeJSON(a.stdout, out)
	}
	if len(srcs) == 0 {
		fmt.Fprintln(a.stdout, "还没有来源。用 wxdigest source add --name 名称 --url 地址 添加。")
		return nil
	}
	local := func(t time.Time, none string) string {
		if t.IsZero() {
			return none
		}
		return t.In(loc).Format("2006-01-02 15:04 MST")
	}
	for _, s := range srcs {
		state := "启用"
		if !s.Enabled {
			state = "停用"
		}
		fmt.Fprintf(a.stdout, "%s\t%s\t每 %s\t%s\t上次 %s\t下次 %s\t%s\n", s.Name, s.Kind, shortDuration(s.Every), state,
			local(s.LastFetch, "—"), local(s.NextFetch, "现在"), s.URL)
		if s.LastError != "" {
			fmt.Fprintf(a.stdout, "\t连续失败 %d 次：%s\n", s.Failures, s.LastError)
		}
	}
	return nil
}

// shortDuration writes 30m, 1h, 1h30m, 45s instead of 30m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// fetchWebArticle is `import URL`: one web article, of day, from source
// (when source is "": the site's name as the page gives it — og:site_name,
// the title's suffix — else fallback, never a host name).
func fetchWebArticle(ctx context.Context, c *source.Client, raw, src, fallback, day string) (data.Fetched, error) {
	if err := checkWebURL(raw); err != nil {
		return data.Fetched{}, err
	}
	art, err := c.FetchArticle(ctx, raw)
	if err != nil {
		return data.Fetched{}, explainFetchError(err)
	}
	if src == "" {
		src = source.SourceName(art.Source, fallback)
	}
	art.ID, art.Source, art.Date = 0, src, day
	if art.URL == "" {
		art.URL = raw
	}
	if strings.TrimSpace(art.Title) == "" {
		return data.Fetched{}, fmt.Errorf("%s: the page has no title: %w", raw, source.ErrNotArticle)
	}
	return data.Fetched{Article: art}, nil
}

// progress shows how far a run over several inputs is: a bar redrawn in
// place on a terminal, plain lines otherwise (logs, pipes, tests).
type progress struct {
	w     io.Writer
	tty   bool
	total int
	n     int
	drawn bool // a bar line is on screen
}

func (a *app) newProgress(total int) *progress {
	return &progress{w: a.stderr, tty: writesToTerminal(a.stderr), total: total}
}

// writesToTerminal reports whether w is a terminal (only an *os.File can
// be).
func writesToTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

const barCells = 20

// bar draws "[####----------------] 3/8 name".
func (p *progress) bar(name string) string {
	filled := 0
	if p.total > 0 {
		filled = p.n * barCells / p.total
	}
	return "[" + strings.Repeat("#", filled) + strings.Repeat("-", barCells-filled) + "] " +
		fmt.Sprintf("%d/%d %s", p.n, p.total, name)
}

// start says an item is under way (the bar only: plain output says each
// item once, when done).
func (p *progress) start(name string) {
	if p.tty && p.total > 1 {
		p.draw(p.bar(name + " …"))
	}
}

// done counts an item.
func (p *progress) done(name string) {
	p.n++
	switch {
	case p.total <= 1:
	case p.tty:
		p.draw(p.bar(name))
	default:
		fmt.Fprintf(p.w, "%d/%d %s\n", p.n, p.total, name)
	}
}

// draw replaces the bar line: carriage return, erase to the end of the
// line (wide characters make counting cells unreliable), the new bar.
func (p *progress) draw(line string) {
	fmt.Fprint(p.w, "\r\x1b[K"+line)
	p.drawn = true
}

// finish ends the bar's line.
func (p *progress) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

// webArticles fetches the URL arguments of import, with progress.
func (a *app) webArticles(ctx context.Context, c *source.Client, urls []string, src, fallback, day string, bar *progress) ([]data.Fetched, error) {
	var out []data.Fetched
	for _, u := range urls {
		bar.start(u)
		f, err := fetchWebArticle(ctx, c, u, src, fallback, day)
		if err != nil {
			return nil, err
		}
		bar.done(u)
		out = append(out, f)
	}
	return out, nil
}
