package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/card"
	"github.com/wxdigest/wxdigest/model"
	"github.com/wxdigest/wxdigest/web"
)

// defaultHTTP is where `run` serves the console unless told otherwise.
const defaultHTTP = "127.0.0.1:8080"

// console is the web console, the JSON API, /healthz and /metrics of a
// running bot. It serves from before the bot logs in (an admin may need
// the QR code), so what the bot adds later is reached through setters.
type console struct {
	st      store
	log     *slog.Logger
	metrics *web.Metrics
	tr      bot.Transport // the personal account; nil with --no-wechat

	mu      sync.Mutex
	sched   *bot.Scheduler
	watched func() []bot.WatchedChannel
	rebind  func(ctx context.Context) // binds the subscribed groups again

	srv *http.Server
	ln  net.Listener
}

// consoleOptions is what the console is built from.
type consoleOptions struct {
	addr     string // host:port, "" or "off" for none
	explicit bool   // addr was asked for, not the default
	cfg      config
	cards    bot.CardRenderer
	formats  func(channel string) bot.Format
	tr       bot.Transport
	now      func() time.Time
}

// startConsole listens on o.addr and serves the console. An address in
// use that nobody asked for (the default, with another wxdigest on this
// host) is logged and skipped; an address asked for must work.
func startConsole(ctx context.Context, st store, o consoleOptions, log *slog.Logger) (*console, error) {
	c := &console{st: st, log: log, tr: o.tr}
	c.metrics = web.NewMetrics(web.MetricsConfig{Ledger: st, Articles: st, Channels: c, Logger: log, GoRuntime: true})
	if o.addr == "" || o.addr == "off" {
		return c, nil
	}
	var cards *card.Renderer
	if r, ok := o.cards.(*card.Renderer); ok {
		cards = r
	}
	cfg := web.Config{
		Logger:        log,
		Now:           o.now,
		Zone:          o.cfg.loc,
		Budget:        o.cfg.Budget,
		LeadBudget:    o.cfg.LeadBudget,
		Source:        o.cfg.Source,
		Articles:      st,
		Digests:       web.SlotDigests{Store: st, Formats: o.formats, Budget: o.cfg.Budget, LeadBudget: o.cfg.LeadBudget, Cards: cards},
		Subscriptions: st,
		Deliveries:    consoleLedger{c},
		Roles:         st,
		Audit:         st,
		Users:         st,
		Tokens:        st,
		Approvals:     st,
		Health:        c,
		Channels:      st,
		Pusher:        consolePusher{c},
		Sources:       st,
		Metrics:       c.metrics,
	}
	if o.tr != nil {
		cfg.Login = c
	}
	h, err := web.New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		if !o.explicit && errors.Is(err, syscall.EADDRINUSE) {
			log.Warn("web console not started: its address is in use; pass --http ADDR to serve it elsewhere", "addr", o.addr)
			return c, nil
		}
		return nil, fmt.Errorf("--http %s: %w", o.addr, err)
	}
	c.ln = ln
	c.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := c.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("web console stopped", "err", err)
		}
	}()
	log.Info("web console", "url", "http://"+ln.Addr().String()+"/")
	return c, nil
}

// URL is where the console answers; "" when it does not run.
func (c *console) URL() string {
	if c == nil || c.ln == nil {
		return ""
	}
	return "http://" + c.ln.Addr().String() + "/"
}

// attach gives the console the running bot's dispatcher and channels.
func (c *console) attach(ctx context.Context, sched *bot.Scheduler, watched func() []bot.WatchedChannel, rebind func(context.Context)) {
	for _, w := range watched() {
		c.metrics.InitChannel(w.Name)
	}
	c.metrics.InitCommands(bot.CommandNames())
	if srcs, err := c.st.Sources(ctx); err == nil {
		for _, s := range srcs {
			c.metrics.InitSource(s.Name)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sched, c.watched, c.rebind = sched, watched, rebind
}

// Close stops serving, letting requests in flight finish for a moment.
func (c *console) Close() {
	if c == nil || c.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = c.srv.Shutdown(ctx)
}

// Ping checks that the store answers.
func (c *console) Ping(ctx context.Context) error {
	_, err := c.st.Dates(ctx)
	return err
}

// ChannelStates is each running channel's state, by its name.
func (c *console) ChannelStates(ctx context.Context) map[string]string {
	c.mu.Lock()
	watched := c.watched
	c.mu.Unlock()
	out := map[string]string{}
	if watched == nil {
		if c.tr != nil {
			out[model.ChannelWeChat] = web.ChannelDown // not started yet (a standby, or logging in)
		}
		return out
	}
	for _, w := range watched() {
		state := web.ChannelUp
		if !w.Transport.State().LoggedIn {
			state = web.ChannelDown
		}
		if w.Queue != nil && w.Queue.Stats().PausedUntil.After(time.Now()) {
			state = web.ChannelPaused
		}
		out[w.Name] = state
	}
	return out
}

// LoginInfo is the personal account's login: its state, the QR code
// while a scan is awaited, and each subscribed group's binding.
func (c *console) LoginInfo(ctx context.Context) (web.LoginInfo, error) {
	info := web.LoginInfo{LoginState: c.tr.State()}
	if q, ok := c.tr.(interface {
		QR() (string, time.Time)
		GroupBindings() map[string]string
	}); ok {
		info.QR, info.QRAt = q.QR()
		info.Groups = q.GroupBindings()
	}
	return info, nil
}

// onSend counts a send of the named channel.
func (c *console) onSend(channel string) func(bot.SendEvent) {
	return func(ev bot.SendEvent) {
		switch {
		case ev.Reason != "":
			c.metrics.SendFailed(channel, ev.Reason)
		case ev.Ledger:
			c.metrics.SentMessage(channel)
		default:
			c.metrics.SentReply(channel)
		}
	}
}

// consolePusher is the dispatcher once the bot runs.
type consolePusher struct{ c *console }

var errNotRunning = errors.New("the bot is not sending yet (it waits for its account's lease or its first login)")

func (p consolePusher) PushNow(ctx context.Context, groups []string) ([]bot.PushResult, error) {
	p.c.mu.Lock()
	s := p.c.sched
	p.c.mu.Unlock()
	if s == nil {
		return nil, errNotRunning
	}
	return s.PushNow(ctx, groups)
}

func (p consolePusher) Reload(ctx context.Context) error {
	p.c.mu.Lock()
	s, rebind := p.c.sched, p.c.rebind
	p.c.mu.Unlock()
	if s == nil {
		return nil // it reads everything when it starts
	}
	if rebind != nil {
		// A group subscribed from the console shows its binding at once.
		rebind(ctx)
	}
	return s.Reload(ctx)
}

// consoleLedger is the ledger as the console reads it; a retried part is
// queued again at once.
type consoleLedger struct{ c *console }

func (l consoleLedger) Deliveries(ctx context.Context, since time.Time) ([]model.Delivery, error) {
	return l.c.st.Deliveries(ctx, since)
}

func (l consoleLedger) RetryDelivery(ctx context.Context, id int64) error {
	if err := l.c.st.RetryDelivery(ctx, id); err != nil {
		return err
	}
	return consolePusher(l).Reload(ctx)
}

// firstNonEmpty is the first of vs that is not "".
func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
