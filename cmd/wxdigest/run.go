package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/wechat"
	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/source"
)

// Lease and refresh timing of a running bot.
const (
	leaseName     = "bot"
	leaseTTL      = 45 * time.Second // renewed every third of it
	refreshEvery  = 30 * time.Second // re-read subscriptions changed by the CLI
	metaWeChatUin = "wechat.uin"
)

// pacing holds the sender's flags.
type pacing struct {
	minGap, jitter, rateLimitPause, grace time.Duration
	perMinute, perDay                     int
}

func pacingFlags(fs *flag.FlagSet, p *pacing) {
	fs.DurationVar(&p.minGap, "min-gap", bot.DefaultMinGap, "least time between two messages")
	fs.DurationVar(&p.jitter, "jitter", bot.DefaultJitter, "random extra time between two messages, up to this")
	fs.DurationVar(&p.rateLimitPause, "rate-limit-pause", bot.DefaultRateLimitPause, "first pause after WeChat says 'too often' (1205); doubles each time")
	fs.DurationVar(&p.grace, "grace", bot.DefaultGrace, "how late a slot may still be sent after a restart")
	fs.IntVar(&p.perMinute, "per-minute", bot.DefaultPerMinute, "most messages in any minute")
	fs.IntVar(&p.perDay, "per-day", bot.DefaultPerDay, "most messages in one day")
}

// botRuntime is a running bot: the transport, the paced sender, the
// dispatcher and the router over one store.
type botRuntime struct {
	store  *data.Store
	tr     bot.Transport
	sender *bot.Pacer
	sched  *bot.Scheduler
	router *bot.Router
	log    *slog.Logger
	errc   chan error
	wg     sync.WaitGroup
	holder string
	ttl    time.Duration
}

// botOptions is what differs between `run` and `demo`.
type botOptions struct {
	cfg       config
	pacing    pacing
	transport bot.Transport
	// onLogin is told the login state whenever it changes.
	onLogin func(bot.LoginState)
	// leaseTTL is how long the lease outlives a killed process; default
	// leaseTTL (tests shorten it with WXDIGEST_LEASE_TTL).
	leaseTTL time.Duration
	// web fetches the sources' feeds and pages and forwarded articles;
	// nil: no source is polled and forwards keep only their cards.
	web *source.Client
}

// startBot takes the store's lease (so a second process neither logs in nor
// sends), then starts every part of the bot. It returns when they run; Wait
// returns when ctx is done or a part fails for good.
func startBot(ctx context.Context, st *data.Store, o botOptions, log *slog.Logger) (*botRuntime, error) {
	holder := leaseHolder()
	ttl := o.leaseTTL
	if ttl <= 0 {
		ttl = leaseTTL
	}
	ok, current, err := st.AcquireLease(ctx, leaseName, holder, ttl)
	if err != nil {
		return nil, fmt.Errorf("lease: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("another wxdigest (%s) is running on this store; it alone logs in and sends — stop it first, or use another --db", current)
	}
	rt := &botRuntime{store: st, tr: o.transport, log: log, errc: make(chan error, 8), holder: holder, ttl: ttl}
	cfg := o.cfg
	// The flags default to the sender's defaults, so a 0 typed there means
	// none, which the sender spells as a negative value (its 0 is "default").
	none := func(d time.Duration) time.Duration {
		if d == 0 {
			return -1
		}
		return d
	}
	rt.sender = bot.NewSender(bot.SenderConfig{
		Transport:      o.transport,
		Ledger:         st,
		MinGap:         none(o.pacing.minGap),
		Jitter:         none(o.pacing.jitter),
		RateLimitPause: o.pacing.rateLimitPause,
		PerMinute:      o.pacing.perMinute,
		PerDay:         o.pacing.perDay,
		Zone:           cfg.loc,
		Logger:         log,
		// State() is a cheap read; checking often lets queued messages go
		// out soon after a re-login.
		LoginPoll: time.Second,
	})
	// The router is built after the dispatcher it uses; OnShown reaches it
	// through this variable, set before anything runs.
	var router *bot.Router
	rt.sched, err = bot.NewDispatcher(bot.DispatcherConfig{
		Store:      st,
		Outbox:     rt.sender,
		Logger:     log,
		Zone:       cfg.loc,
		Budget:     cfg.Budget,
		LeadBudget: cfg.LeadBudget,
		Grace:      o.pacing.grace,
		OnShown:    func(chat bot.Target, ids []int64) { router.Shown(chat, ids) },
	})
	if err != nil {
		_ = st.ReleaseLease(context.Background(), leaseName, holder)
		return nil, err
	}
	rcfg := bot.RouterConfig{
		Store:      st,
		Outbox:     rt.sender,
		Dispatcher: rt.sched,
		State:      o.transport.State,
		Logger:     log,
		Zone:       cfg.loc,
		Budget:     cfg.Budget,
		LeadBudget: cfg.LeadBudget,
	}
	var poller *source.Poller
	if o.web != nil {
		// Chat forwards go through the same client as the poller, so
		// --allow-private (off by default) governs both.
		rcfg.FetchArticle = o.web.FetchArticle
		if poller, err = source.NewPoller(source.PollerConfig{Store: st, Client: o.web, Zone: cfg.loc, Logger: log}); err != nil {
			_ = st.ReleaseLease(context.Background(), leaseName, holder)
			return nil, err
		}
	}
	router = bot.NewRouter(rcfg)
	rt.router = router
	if err := rt.bindGroups(ctx); err != nil {
		log.Warn("bind groups", "err", err)
	}

	// Messages are handled on one goroutine: the transport's callback only
	// queues, as it must return quickly.
	inbox := make(chan bot.Message, 256)
	handle := func(m bot.Message) {
		select {
		case inbox <- m:
		default:
			log.Warn("inbox full, message dropped", "id", m.ID, "chat", m.Chat.Name)
		}
	}
	rt.goRun(ctx, "transport", func(ctx context.Context) error { return o.transport.Run(ctx, handle) })
	rt.goRun(ctx, "sender", rt.sender.Run)
	rt.goRun(ctx, "dispatcher", rt.sched.Run)
	if poller != nil {
		rt.goRun(ctx, "sources", poller.Run)
	}
	rt.goRun(ctx, "router", func(ctx context.Context) error {
		for {
			select {
			case <-ctx.Done():
				return nil
			case m := <-inbox:
				if reply, ok := echo(m); ok {
					rt.sender.Reply(m.Chat, reply)
					continue
				}
				router.Handle(ctx, m)
			}
		}
	})
	rt.goRun(ctx, "housekeeping", func(ctx context.Context) error { return rt.housekeeping(ctx, o.onLogin) })
	return rt, nil
}

func (rt *botRuntime) goRun(ctx context.Context, name string, f func(context.Context) error) {
	rt.wg.Add(1)
	go func() {
		defer rt.wg.Done()
		if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
			rt.errc <- fmt.Errorf("%s: %w", name, err)
		}
	}()
}

// Wait blocks until ctx is done or a part of the bot fails for good, stops
// everything and releases the lease.
func (rt *botRuntime) Wait(ctx context.Context, cancel context.CancelFunc) error {
	var err error
	select {
	case <-ctx.Done():
	case err = <-rt.errc:
	}
	cancel()
	rt.wg.Wait()
	if rerr := rt.store.ReleaseLease(context.Background(), leaseName, rt.holder); rerr != nil {
		rt.log.Warn("release lease", "err", rerr)
	}
	return err
}

// bindGroups tells the transport the subscribed groups to find at login.
func (rt *botRuntime) bindGroups(ctx context.Context) error {
	subs, err := rt.store.Subscriptions(ctx)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(subs))
	for _, s := range subs {
		names = append(names, s.Group)
	}
	rt.tr.BindGroups(names)
	return nil
}

// housekeeping renews the lease, notices login changes (remembering the
// account's Uin) and picks up subscriptions changed from the CLI.
func (rt *botRuntime) housekeeping(ctx context.Context, onLogin func(bot.LoginState)) error {
	renew := time.NewTicker(rt.ttl / 3)
	defer renew.Stop()
	refresh := time.NewTicker(refreshEvery)
	defer refresh.Stop()
	state := time.NewTicker(250 * time.Millisecond)
	defer state.Stop()
	online := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-renew.C:
			ok, current, err := rt.store.AcquireLease(ctx, leaseName, rt.holder, rt.ttl)
			if err != nil {
				rt.log.Warn("renew lease", "err", err)
				continue
			}
			if !ok {
				return fmt.Errorf("lost the store's lease to %s; stopping so only one bot sends", current)
			}
		case <-refresh.C:
			if err := rt.sched.Reload(ctx); err != nil {
				rt.log.Warn("reload subscriptions", "err", err)
			}
			if err := rt.bindGroups(ctx); err != nil {
				rt.log.Warn("bind groups", "err", err)
			}
		case <-state.C:
			s := rt.tr.State()
			if s.LoggedIn == online {
				continue
			}
			online = s.LoggedIn
			if online && s.Uin != 0 {
				if err := rt.store.SetMeta(ctx, metaWeChatUin, strconv.FormatInt(s.Uin, 10)); err != nil {
					rt.log.Warn("remember account", "err", err)
				}
			}
			if onLogin != nil {
				onLogin(s)
			}
		}
	}
}

// leaseHolder names this process in the lease row, so a refused second
// process can say who holds the store.
func leaseHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s pid %d (%s)", host, os.Getpid(), hex.EncodeToString(b))
}

// echo answers the liveness check: "ping" from the bot account itself gets
// "pong", so an operator can see the bot is alive from the phone.
func echo(m bot.Message) (string, bool) {
	if m.From.Self && strings.EqualFold(strings.TrimSpace(m.Text), "ping") {
		return "pong", true
	}
	return "", false
}

// cmdRun logs the bot account in and serves the groups until interrupted.
func cmdRun(ctx context.Context, a *app, cfg config, args []string) error {
	fs := newFlags(a, "run")
	storeFlags(fs, &cfg)
	server := fs.String("wechat-server", a.getenv("WXDIGEST_WECHAT_SERVER"), "WeChat web server to use instead of the real one, e.g. a fake on loopback (env WXDIGEST_WECHAT_SERVER)")
	session := fs.String("session", "", "hot-login session file (default: the store path + .session)")
	otherAccount := fs.Bool("allow-other-account", false, "accept a WeChat account other than the one this store knows")
	allowPrivate := allowPrivateFlag(fs)
	fs.IntVar(&cfg.Budget, "budget", cfg.Budget, "characters per message part (env WXDIGEST_BUDGET)")
	var p pacing
	pacingFlags(fs, &p)
	if err := parseNoArgs(fs, args, &cfg, nil); err != nil {
		return err
	}
	if *session == "" {
		*session = cfg.DB + ".session"
	}
	// Undocumented: how long a killed process keeps the store, so tests of
	// a restart need not wait the full leaseTTL.
	ttl := leaseTTL
	if v := a.getenv("WXDIGEST_LEASE_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return usagef("WXDIGEST_LEASE_TTL=%q: want a positive duration such as 45s", v)
		}
		ttl = d
	}
	if cfg.LogLevel == defaultConfig().LogLevel {
		cfg.LogLevel = "info" // a long-running service says what it does
	}
	log := cfg.logger(a.stderr)

	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()

	var uin int64
	if v, err := st.Meta(ctx, metaWeChatUin); err == nil {
		uin, _ = strconv.ParseInt(v, 10, 64)
	} else if !errors.Is(err, data.ErrNotFound) {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tr, err := wechat.New(wechat.Config{
		ServerURL:         *server,
		StoragePath:       *session,
		ExpectUin:         uin,
		AllowOtherAccount: *otherAccount,
		QR:                a.stdout,
		Logger:            log,
		Now:               a.now,
		OnRename: func(old, new string) {
			if err := st.RenameGroup(ctx, old, new); err != nil {
				log.Warn("rename group", "old", old, "new", new, "err", err)
			}
		},
	})
	if err != nil {
		return err
	}
	web, err := a.sourceClient(*allowPrivate, log)
	if err != nil {
		return err
	}
	rt, err := startBot(ctx, st, botOptions{cfg: cfg, pacing: p, transport: tr, leaseTTL: ttl, web: web, onLogin: func(s bot.LoginState) {
		if s.LoggedIn {
			fmt.Fprintf(a.stdout, "已登录：%s（在线）\n", s.Self)
			for _, pr := range s.Problems {
				fmt.Fprintf(a.stdout, "注意：%s\n", pr)
			}
		} else {
			fmt.Fprintln(a.stdout, "已离线，正在重新登录…")
		}
	}}, log)
	if err != nil {
		return err
	}
	return rt.Wait(ctx, cancel)
}

// cmdFakeWeChat serves a fake WeChat web server with its JSON control API on
// loopback, for demos and for tests outside this repository.
func cmdFakeWeChat(ctx context.Context, a *app, cfg config, args []string) error {
	fs := newFlags(a, "fake-wechat")
	listen := fs.String("listen", "127.0.0.1:0", "loopback address to listen on")
	nick := fs.String("self", "wxdigest", "the bot account's nickname")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if cfg.LogLevel == defaultConfig().LogLevel {
		cfg.LogLevel = "info"
	}
	srv := wechattest.New(wechattest.Options{Logger: cfg.logger(a.stderr), Now: a.now, SelfNick: *nick, HoldPoll: 5 * time.Second})
	url, err := srv.Start(*listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *listen, err)
	}
	defer srv.Close()
	fmt.Fprintf(a.stdout, "fake WeChat server on %s (control API under %s/_fake/)\n", url, url)
	<-ctx.Done()
	return nil
}

// syncWriter serialises writes from the bot's goroutines to one terminal.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
