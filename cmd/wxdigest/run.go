package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/wechat"
	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
	"github.com/wxdigest/wxdigest/bot/wecom"
	"github.com/wxdigest/wxdigest/bot/wecom/wecomtest"
	"github.com/wxdigest/wxdigest/card"
	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/model"
	"github.com/wxdigest/wxdigest/source"
)

// Lease and refresh timing of a running bot.
const (
	leaseName     = "bot"
	leaseTTL      = 45 * time.Second // renewed every third of it
	refreshEvery  = 30 * time.Second // follow channel changes, prune expired claims and sessions
	metaWeChatUin = "wechat.uin"
	// replyMaxAge: a reply a dead run left unsent still goes out when the
	// next run starts within this; later it would only puzzle.
	replyMaxAge = 5 * time.Minute
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
	store    store
	tr       bot.Transport // the personal account; nil with --no-wechat
	sender   *bot.Pacer    // its queue; nil with --no-wechat
	channels []*runChannel // the WeCom channels that started
	queues   *bot.Queues
	sched    *bot.Scheduler
	router   *bot.Router // nil with --no-wechat: no chat to read
	log      *slog.Logger
	errc     chan error
	wg       sync.WaitGroup
	holder   string
	acct     account
	ttl      time.Duration
	now      func() time.Time
	missing  map[string]bool // channels added while running, logged once
	via      string          // the channel alerts go through
}

// runChannel is a WeCom channel as `run` started it.
type runChannel struct {
	name, kind string
	tr         bot.Transport
	pacer      *bot.Pacer
	robot      *wecom.RobotChannel // kind wecom-robot
	task       *wecom.TaskChannel  // kind wecom-task
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
	// channels are the WeCom channels to start beside the personal
	// account; allowPrivate lets their URLs be http or private.
	channels     []data.Channel
	allowPrivate bool
	// alertChannel names where alerts go ("" : the personal account's
	// file helper, when there is one).
	alertChannel string
	alertAfter   time.Duration // default bot.DefaultAlertAfter
	taskPoll     time.Duration // default bot.DefaultTaskPoll
	// cards draws image cards; nil: subscriptions asking for images get text.
	cards bot.CardRenderer
	now   func() time.Time
	// account is the personal account this process runs; the zero value
	// is the store's one default account.
	account account
	// onStandby is told when another process runs the account and this
	// one waits to take over (holder, and when its lease ends).
	onStandby func(holder string, until time.Time)
	// console is the web console, counting sends and commands for its
	// metrics; nil: none.
	console *console
}

// onSend is the SenderConfig.OnSend of the named channel: the console's
// metrics, when it runs.
func (o botOptions) onSend(channel string) func(bot.SendEvent) {
	if o.console == nil {
		return nil
	}
	return o.console.onSend(channel)
}

// account names the personal account a `run` serves, before it logs in:
// several accounts may share a store, one process each; a second process
// for an account waits as its standby.
type account struct {
	// Key identifies it: "" for the store's default account, the name
	// given with --account, or the fake or private server's URL.
	Key string
	// Name is --account's value, "" without it.
	Name string
}

// accountFor is the account a run serves: --account, else one per WeChat
// server (a fake, or a private server, is one account), else the default.
func accountFor(name, server string) account {
	switch {
	case name != "":
		return account{Key: name, Name: name}
	case server != "":
		return account{Key: "server " + server}
	}
	return account{}
}

// lease is the account's lease name; the default account keeps the name
// stores had when one process served them.
func (a account) lease() string {
	if a.Key == "" {
		return leaseName
	}
	return "wechat:" + a.Key
}

// binding is the account as it records its bound groups.
func (a account) binding() string {
	if a.Key == "" {
		return "default"
	}
	return a.Key
}

// uinMeta is the meta key keeping the account's Uin.
func (a account) uinMeta() string {
	if a.Key == "" {
		return metaWeChatUin
	}
	return metaWeChatUin + ":" + a.Key
}

// outbox is the channel name its kept replies are filed under.
func (a account) outbox() string {
	if a.Key == "" {
		return data.ChannelWeChat
	}
	return data.ChannelWeChat + ":" + a.Key
}

// sessionSuffix tells the hot-login files of accounts apart.
func (a account) sessionSuffix() string {
	if a.Key == "" {
		return ""
	}
	return "." + strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '-' || r == '.' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, a.Key)
}

// startBot takes the account's lease (a second process for the account
// waits as its standby: it neither logs in nor sends until the lease is
// its own), then starts every part of the bot. It returns when they run;
// Wait returns when ctx is done or a part fails for good.
func startBot(ctx context.Context, st store, o botOptions, log *slog.Logger) (*botRuntime, error) {
	holder := leaseHolder()
	ttl := o.leaseTTL
	if ttl <= 0 {
		ttl = leaseTTL
	}
	if o.transport != nil {
		if err := waitLease(ctx, st, o, holder, ttl, log); err != nil {
			return nil, err
		}
	}
	rt := &botRuntime{store: st, tr: o.transport, log: log, errc: make(chan error, 8), holder: holder, ttl: ttl,
		acct: o.account, now: o.now, missing: make(map[string]bool)}
	if rt.now == nil {
		rt.now = time.Now
	}
	release := func() { rt.release() }
	cfg := o.cfg
	// The flags default to the sender's defaults, so a 0 typed there means
	// none, which the sender spells as a negative value (its 0 is "default").
	none := func(d time.Duration) time.Duration {
		if d == 0 {
			return -1
		}
		return d
	}
	queues := map[string]*bot.Pacer{}
	if o.transport != nil {
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
			Cards:          o.cards,
			OnGiveUp:       rt.giveUp("个人微信"),
			Replies:        st,
			Channel:        o.account.outbox(),
			// State() is a cheap read; checking often lets queued messages go
			// out soon after a re-login.
			LoginPoll: time.Second,
			Claim: func(ctx context.Context, id int64) (bool, error) {
				return st.ClaimDelivery(ctx, id, model.Claim{Holder: holder, Account: rt.accountLabel(), TTL: ttl, BoundAs: o.account.binding()})
			},
			OnSend: o.onSend(data.ChannelWeChat),
		})
		queues[data.ChannelWeChat] = rt.sender
	}
	kinds := map[string]string{}
	for _, c := range o.channels {
		kinds[c.Name] = c.Kind
		if !c.Enabled {
			continue
		}
		rc, err := startChannel(c, st, o, log, rt.giveUp(kindZH(c.Kind)+"「"+c.Name+"」"), holder, ttl)
		if err != nil {
			// One channel that cannot start never holds up the others: its
			// parts stay pending, and admins see why in the log and in
			// `channel list`.
			log.Error("channel not started", "channel", c.Name, "err", err)
			_ = st.SetChannelError(ctx, c.Name, err.Error(), rt.now())
			continue
		}
		rt.channels = append(rt.channels, rc)
		queues[c.Name] = rc.pacer
		log.Info("channel started", "channel", c.Name, "kind", c.Kind)
	}
	// Replies a previous run kept but did not send (it died): fresh ones
	// go out, stale ones are dropped with a log line.
	for name, p := range queues {
		if _, _, err := p.Restore(ctx, replyMaxAge); err != nil {
			log.Warn("restore replies", "channel", name, "err", err)
		}
	}
	adminSend, via, err := rt.alertRoute(o.alertChannel)
	if err != nil {
		release()
		return nil, err
	}
	rt.via = via
	rt.queues = bot.NewQueues(queues, adminSend, log)
	// The router is built after the dispatcher it uses; OnShown reaches it
	// through this variable, set before anything runs.
	var router *bot.Router
	rt.sched, err = bot.NewDispatcher(bot.DispatcherConfig{
		Store:      st,
		Outbox:     rt.queues,
		Logger:     log,
		Zone:       cfg.loc,
		Budget:     cfg.Budget,
		LeadBudget: cfg.LeadBudget,
		Grace:      o.pacing.grace,
		OnShown: func(chat bot.Target, ids []int64) {
			if router != nil {
				router.Shown(chat, ids)
			}
		},
		Formats:   func(channel string) bot.Format { return channelFormat(kinds[channel], o.cards != nil) },
		Holder:    holder,
		Approvals: st,
		// A claimant on this host that died (kill -9) left its claims:
		// they are ended at the next catch-up, not waited out.
		HolderGone: func(h string) bool { gone, _ := holderGone(h); return gone },
	})
	if err != nil {
		release()
		return nil, err
	}
	var poller *source.Poller
	if o.web != nil {
		pc := source.PollerConfig{Store: st, Client: o.web, Zone: cfg.loc, Logger: log,
			// Of several processes on one store, one fetches each due
			// source: the one holding its lease, kept while it polls it.
			Claim: func(ctx context.Context, name string) bool {
				ok, _, err := st.AcquireLease(ctx, "source:"+name, holder, sourceClaimTTL)
				if err != nil {
					log.Warn("claim a source; fetching it", "source", name, "err", err)
					return true
				}
				return ok
			}}
		if o.console != nil {
			pc.OnFetchError = o.console.metrics.FetchFailed
		}
		if poller, err = source.NewPoller(pc); err != nil {
			release()
			return nil, err
		}
	}
	var inbox chan bot.Message
	if o.transport != nil {
		rcfg := bot.RouterConfig{
			Store:      st,
			Outbox:     rt.sender,
			Dispatcher: rt.sched,
			State:      o.transport.State,
			Logger:     log,
			Zone:       cfg.loc,
			Budget:     cfg.Budget,
			LeadBudget: cfg.LeadBudget,
			Channels:   rt.watched,
			Approvals:  st,
			// Two accounts in one group both see a resident's command:
			// the first to claim the message answers it.
			Claim: func(ctx context.Context, m bot.Message) bool {
				ok, _, err := st.AcquireLease(ctx, messageClaim(m), holder, messageClaimTTL)
				if err != nil {
					log.Warn("claim a message; answering it", "chat", m.Chat.Name, "err", err)
					return true
				}
				return ok
			},
		}
		if o.web != nil {
			// Chat forwards go through the same client as the poller, so
			// --allow-private (off by default) governs both.
			rcfg.FetchArticle = o.web.FetchArticle
		}
		if o.console != nil {
			rcfg.OnCommand = o.console.metrics.CommandDone
		}
		router = bot.NewRouter(rcfg)
		rt.router = router
		if err := rt.bindGroups(ctx); err != nil {
			log.Warn("bind groups", "err", err)
		}
		// Messages are handled on one goroutine: the transport's callback
		// only queues, as it must return quickly.
		inbox = make(chan bot.Message, 256)
		handle := func(m bot.Message) {
			select {
			case inbox <- m:
			default:
				log.Warn("inbox full, message dropped", "id", m.ID, "chat", m.Chat.Name)
			}
		}
		rt.goRun(ctx, "transport", func(ctx context.Context) error { return o.transport.Run(ctx, handle) })
		rt.goRun(ctx, "sender", rt.sender.Run)
	}
	watched := []bot.WatchedChannel{}
	if o.transport != nil {
		watched = append(watched, bot.WatchedChannel{Name: data.ChannelWeChat, Kind: bot.KindWeChat, Transport: o.transport, Queue: rt.sender})
	}
	for _, rc := range rt.channels {
		rt.goRun(ctx, "channel "+rc.name, func(ctx context.Context) error { return rc.tr.Run(ctx, nil) })
		rt.goRun(ctx, "sender "+rc.name, rc.pacer.Run)
		if rc.task != nil {
			w := bot.NewTaskWatcher(bot.TaskWatcherConfig{Channel: rc.name, Checker: rc.task, Ledger: st, Poll: o.taskPoll,
				Grace: o.pacing.grace, Zone: cfg.loc, Logger: log, Report: func(text string) { rt.queues.Reply(bot.Target{}, text) }})
			rt.goRun(ctx, "tasks "+rc.name, w.Run)
		}
	}
	watched = append(watched, rt.watched()...)
	alerter := bot.NewAlerter(bot.AlerterConfig{
		Channels: watched,
		Send:     func(text string) { rt.queues.Reply(bot.Target{}, text) },
		Via:      via,
		After:    o.alertAfter,
		Poll:     min(bot.DefaultAlertPoll, max(o.alertAfter/4, 100*time.Millisecond)),
		Zone:     cfg.loc,
		Logger:   log,
		OnChange: func(channel, errText string) {
			if channel == data.ChannelWeChat {
				return
			}
			if err := st.SetChannelError(context.WithoutCancel(ctx), channel, errText, rt.now()); err != nil {
				log.Warn("record channel state", "channel", channel, "err", err)
			}
		},
	})
	rt.goRun(ctx, "alerts", alerter.Run)
	rt.goRun(ctx, "dispatcher", rt.sched.Run)
	if poller != nil {
		rt.goRun(ctx, "sources", poller.Run)
	}
	if router != nil {
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
	}
	rt.goRun(ctx, "housekeeping", func(ctx context.Context) error { return rt.housekeeping(ctx, o.onLogin) })
	if o.console != nil {
		all := watched
		o.console.attach(ctx, rt.sched, func() []bot.WatchedChannel { return all }, rt.rebind)
	}
	return rt, nil
}

// channelFormat is how a channel of kind ("" for the personal account)
// takes a digest: WeCom counts bytes; images only where the channel can
// send them and a font draws them.
func channelFormat(kind string, images bool) bot.Format {
	switch kind {
	case data.ChannelWeComRobot:
		return bot.Format{Bytes: wecom.TextMaxBytes, Images: images}
	case data.ChannelWeComTask:
		return bot.Format{Bytes: wecom.TemplateTextMaxBytes}
	}
	return bot.Format{Images: images}
}

// watched lists the WeCom channels for 状态.
func (rt *botRuntime) watched() []bot.WatchedChannel {
	out := make([]bot.WatchedChannel, 0, len(rt.channels))
	for _, rc := range rt.channels {
		kind := bot.KindWeComBot
		if rc.task != nil {
			kind = bot.KindWeComTask
		}
		out = append(out, bot.WatchedChannel{Name: rc.name, Kind: kind, Transport: rc.tr, Queue: rc.pacer})
	}
	return out
}

// startChannel builds a WeCom channel and its own paced queue: a robot
// takes 20 messages a minute (WeCom's limit, so a pause on 45009 is rare);
// its pauses and failures reach admins through the alerter, never the
// residents' group.
func startChannel(c data.Channel, st store, o botOptions, log *slog.Logger, giveUp func(bot.Target, error), holder string, ttl time.Duration) (*runChannel, error) {
	rc := &runChannel{name: c.Name, kind: c.Kind}
	allow := o.allowPrivate
	var name, hint string
	switch c.Kind {
	case data.ChannelWeComRobot:
		r, err := wecom.NewRobotChannel(c.Name, wecom.RobotConfig{URL: c.URL, AllowPrivate: allow, Logger: log}, o.now)
		if err != nil {
			return nil, fmt.Errorf("%w (pass --allow-private to run for a robot on a private address)", err)
		}
		rc.tr, rc.robot = r, r
		name, hint = "企业微信群机器人「"+c.Name+"」", "群机器人每分钟最多发 20 条，请减少推送的条数或次数。"
	case data.ChannelWeComTask:
		t, err := wecom.NewTaskChannel(c.Name, wecom.CorpConfig{API: c.URL, CorpID: c.CorpID, Secret: c.Secret, AllowPrivate: allow, Now: o.now, Logger: log}, c.Sender, c.ChatIDs)
		if err != nil {
			return nil, fmt.Errorf("%w (pass --allow-private to run for an API on a private address)", err)
		}
		rc.tr, rc.task = t, t
		name, hint = "企业微信客户群群发「"+c.Name+"」", "请稍后再试。"
	default:
		return nil, fmt.Errorf("unknown channel kind %q", c.Kind)
	}
	rc.pacer = bot.NewSender(bot.SenderConfig{
		Transport: rc.tr,
		Ledger:    st,
		MinGap:    -1,
		Jitter:    -1,
		PerMinute: 20,
		PerDay:    -1,
		// WeCom's window is a minute: never pause longer to begin with.
		RateLimitPause: min(o.pacing.rateLimitPause, time.Minute),
		MaxPause:       30 * time.Minute,
		Zone:           o.cfg.loc,
		Logger:         log.With("channel", c.Name),
		Name:           name,
		PauseHint:      hint,
		NoNotices:      true,
		Cards:          o.cards,
		LoginPoll:      time.Second,
		OnGiveUp:       giveUp,
		Replies:        st,
		Channel:        c.Name,
		Claim: func(ctx context.Context, id int64) (bool, error) {
			return st.ClaimDelivery(ctx, id, model.Claim{Holder: holder, Account: c.Name, TTL: ttl})
		},
		OnSend: o.onSend(c.Name),
	})
	return rc, nil
}

// giveUp tells admins about a message a channel's sender gave up on. A
// message to admins themselves is only logged, so a failing alert route
// cannot feed itself.
func (rt *botRuntime) giveUp(name string) func(bot.Target, error) {
	return func(to bot.Target, err error) {
		if to.Kind == bot.ChatSelf || rt.queues == nil || to.Name == rt.via {
			return
		}
		rt.queues.Reply(bot.Target{}, fmt.Sprintf("【wxdigest 告警】%s有一条发往“%s”的消息发不出去，已放弃：%s", name, to.Name, oneLine(err.Error())))
	}
}

// alertRoute decides where alerts and reports for admins go: the named
// channel (the personal account's file helper for "wechat", a robot's
// group), or by default the file helper when the personal account runs;
// with neither, the log alone. via is the channel it uses.
func (rt *botRuntime) alertRoute(name string) (send func(parts ...string), via string, err error) {
	switch {
	case name == "" && rt.sender == nil:
		rt.log.Warn("alerts go to the log only: no personal WeChat and no --alert-channel")
		return nil, "", nil
	case name == "" || name == data.ChannelWeChat:
		if rt.sender == nil {
			return nil, "", usagef("--alert-channel %s: personal WeChat is off (--no-wechat)", name)
		}
		return func(parts ...string) { rt.sender.Reply(bot.Target{Kind: bot.ChatSelf}, parts...) }, data.ChannelWeChat, nil
	}
	for _, rc := range rt.channels {
		if rc.name != name {
			continue
		}
		if rc.robot == nil {
			return nil, "", usagef("--alert-channel %s: a customer-group task channel cannot carry alerts (a person must confirm each task); use a robot channel or wechat", name)
		}
		return func(parts ...string) { rc.pacer.Reply(bot.Target{Kind: bot.ChatGroup, Name: rc.name}, parts...) }, rc.name, nil
	}
	return nil, "", fmt.Errorf("--alert-channel %s: no such running channel (see wxdigest channel list; it must be enabled and start)", name)
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
	rt.release()
	return err
}

// release hands on what this process held: its claims on unsent parts,
// its account's group bindings and lease, so another process may take
// them at once.
func (rt *botRuntime) release() {
	ctx := context.Background()
	if err := rt.store.ReleaseClaims(ctx, rt.holder); err != nil {
		rt.log.Warn("release claims", "err", err)
	}
	if rt.tr == nil {
		return
	}
	if err := rt.store.BindAccount(ctx, rt.acct.binding(), nil, 0); err != nil {
		rt.log.Warn("release group bindings", "err", err)
	}
	if err := rt.store.ReleaseLease(ctx, rt.acct.lease(), rt.holder); err != nil {
		rt.log.Warn("release lease", "err", err)
	}
}

// sourceClaimTTL is how long a process keeps a source it polls: past a
// fetch, so that another does not fetch it at the same time.
const sourceClaimTTL = 5 * time.Minute

// Claims on chat messages are leases named messageClaimPrefix and a
// digest of the message, kept long enough for every account to see it.
const (
	messageClaimPrefix = "msg:"
	messageClaimTTL    = 10 * time.Minute
)

// messageClaim names a group message the same way for every account in
// the group: its chat, sender, text and time as WeChat stamped it (the
// message ids differ between accounts).
func messageClaim(m bot.Message) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d", m.Chat.Name, m.From.Nick, m.Text, m.Time.Unix())
	return messageClaimPrefix + hex.EncodeToString(h.Sum(nil)[:16])
}

// accountLabel names the personal account in the ledger: --account's
// name, else the account's nickname.
func (rt *botRuntime) accountLabel() string {
	if rt.acct.Name != "" {
		return rt.acct.Name
	}
	if s := rt.tr.State(); s.Self != "" {
		return s.Self
	}
	return rt.acct.binding()
}

// rebind binds the subscribed groups again and records what the account
// reaches.
func (rt *botRuntime) rebind(ctx context.Context) {
	if rt.tr == nil {
		return
	}
	if err := rt.bindGroups(ctx); err != nil {
		rt.log.Warn("bind groups", "err", err)
	}
	rt.recordBindings(ctx)
}

// recordBindings tells the store which groups the account reaches now,
// so other accounts leave those groups' parts to it only where it is in
// them; alive for the lease's term, renewed with it.
func (rt *botRuntime) recordBindings(ctx context.Context) {
	if rt.tr == nil {
		return
	}
	s := rt.tr.State()
	if !s.LoggedIn || s.Bound == nil {
		return
	}
	if err := rt.store.BindAccount(ctx, rt.acct.binding(), s.Bound, rt.ttl); err != nil {
		rt.log.Warn("record group bindings", "err", err)
	}
}

// waitLease takes the account's lease, at once from a dead holder on this
// host; while another process holds it, this one waits as its standby,
// saying who holds it, and takes over when that lease ends or is released.
func waitLease(ctx context.Context, st store, o botOptions, holder string, ttl time.Duration, log *slog.Logger) error {
	name := o.account.lease()
	poll := min(max(ttl/4, 100*time.Millisecond), 2*time.Second)
	said := ""
	for {
		ok, current, err := st.AcquireLease(ctx, name, holder, ttl)
		if err != nil {
			return fmt.Errorf("lease: %w", err)
		}
		if ok {
			if said != "" {
				log.Warn("standby taking over the account", "account", o.account.binding(), "previous", said)
			}
			return nil
		}
		// A predecessor on this host that died (kill -9, a crash) cannot
		// release its lease: take it at once rather than wait it out.
		if gone, why := holderGone(current); gone {
			took, err := st.TakeLease(ctx, name, holder, current, ttl)
			if err != nil {
				return fmt.Errorf("lease: %w", err)
			}
			if took {
				log.Warn("took over the store from a wxdigest that is no longer running", "account", o.account.binding(), "previous", current, "why", why)
				return nil
			}
			continue
		}
		if current != said {
			var until time.Time
			if h, exp, err := st.Lease(ctx, name); err == nil {
				current, until = h, exp
			}
			log.Warn("standby: another wxdigest runs this account; waiting to take over", "account", o.account.binding(),
				"holder", current, "lease_until", until.In(o.cfg.loc).Format("2006-01-02 15:04:05"))
			if o.onStandby != nil {
				o.onStandby(current, until)
			}
			said = current
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// bindGroups tells the transport the subscribed groups to find at login.
func (rt *botRuntime) bindGroups(ctx context.Context) error {
	subs, err := rt.store.Subscriptions(ctx)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(subs))
	for _, s := range subs {
		if s.Channel == data.ChannelWeChat {
			names = append(names, s.Group)
		}
	}
	rt.tr.BindGroups(names)
	return nil
}

// refreshChannels follows `channel add` run while the bot runs: a robot
// given a new URL (its old key revoked) uses it at once; a channel added
// since start is reported once, as it starts with the next run.
func (rt *botRuntime) refreshChannels(ctx context.Context) {
	chs, err := rt.store.Channels(ctx)
	if err != nil {
		rt.log.Warn("reload channels", "err", err)
		return
	}
	running := map[string]*runChannel{}
	for _, rc := range rt.channels {
		running[rc.name] = rc
	}
	for _, c := range chs {
		rc, ok := running[c.Name]
		switch {
		case !ok && c.Enabled && !rt.missing[c.Name]:
			rt.missing[c.Name] = true
			rt.log.Warn("channel added while running; restart wxdigest run to start it", "channel", c.Name)
		case ok && rc.robot != nil && c.Kind == data.ChannelWeComRobot:
			if err := rc.robot.SetURL(c.URL); err != nil {
				rt.log.Warn("channel's new URL refused", "channel", c.Name, "err", err)
			}
		}
	}
}

// housekeeping renews the account's lease and group bindings and picks up
// changed subscriptions and abandoned parts (every third of the lease),
// notices login changes (remembering the account's Uin), and follows
// channel changes and prunes expired claims and sessions (refreshEvery).
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
			if rt.tr != nil {
				ok, current, err := rt.store.AcquireLease(ctx, rt.acct.lease(), rt.holder, rt.ttl)
				if err != nil {
					rt.log.Warn("renew lease", "err", err)
					continue
				}
				if !ok {
					return fmt.Errorf("lost the account's lease to %s; stopping so only one process sends for it", current)
				}
				rt.rebind(ctx)
			}
			// Subscriptions changed by the CLI or the console, and parts
			// another process claimed and left (it died), are picked up
			// here.
			if err := rt.sched.Reload(ctx); err != nil {
				rt.log.Warn("reload subscriptions", "err", err)
			}
		case <-refresh.C:
			if _, err := rt.store.PruneLeases(ctx, messageClaimPrefix); err != nil {
				rt.log.Warn("prune message claims", "err", err)
			}
			if _, err := rt.store.PruneSessions(ctx); err != nil {
				rt.log.Warn("prune console sessions", "err", err)
			}
			rt.refreshChannels(ctx)
		case <-state.C:
			if rt.tr == nil {
				continue
			}
			s := rt.tr.State()
			if s.LoggedIn == online {
				continue
			}
			online = s.LoggedIn
			if online && s.Uin != 0 {
				if err := rt.store.SetMeta(ctx, rt.acct.uinMeta(), strconv.FormatInt(s.Uin, 10)); err != nil {
					rt.log.Warn("remember account", "err", err)
				}
			}
			rt.recordBindings(ctx)
			if onLogin != nil {
				onLogin(s)
			}
		}
	}
}

// holderPattern reads leaseHolder's "HOST pid N (HEX)".
var holderPattern = regexp.MustCompile(`^(.+) pid (\d+) \([0-9a-f]+\)$`)

// holderGone reports whether a lease holder is a process of this host
// that no longer runs (see processGone); a holder on another host, or one
// whose name it cannot read, counts as alive.
func holderGone(holder string) (bool, string) {
	m := holderPattern.FindStringSubmatch(holder)
	if m == nil {
		return false, ""
	}
	if host, _ := os.Hostname(); m[1] != host {
		return false, ""
	}
	pid, err := strconv.Atoi(m[2])
	if err != nil {
		return false, ""
	}
	return processGone(pid)
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
	session := fs.String("session", "", "hot-login session file (default: the store path + .session, and the account's name for another account)")
	accountName := fs.String("account", a.getenv("WXDIGEST_ACCOUNT"), "the personal WeChat account this process runs, when a store has several (env WXDIGEST_ACCOUNT; default one per --wechat-server); a second run for an account waits as its standby")
	otherAccount := fs.Bool("allow-other-account", false, "accept a WeChat account other than the one this store knows")
	allowPrivate := fs.Bool("allow-private", false, "allow loopback and private-network addresses for sources, forwards and WeCom channels (never needed for public sites or WeCom itself)")
	noWeChat := fs.Bool("no-wechat", false, "no personal-WeChat login at all: deliver through the WeCom channels only")
	alertChannel := fs.String("alert-channel", a.getenv("WXDIGEST_ALERT_CHANNEL"), "channel that tells admins when a channel fails or recovers: wechat (the file helper) or a robot channel's name (env WXDIGEST_ALERT_CHANNEL; default wechat)")
	alertAfter := fs.Duration("alert-after", bot.DefaultAlertAfter, "how long a channel must be down before admins are told")
	taskPoll := fs.Duration("task-poll", bot.DefaultTaskPoll, "how often customer-group tasks are checked for confirmation")
	httpAddr := fs.String("http", firstNonEmpty(a.getenv("WXDIGEST_HTTP"), defaultHTTP), "address of the web console, its JSON API, /healthz and /metrics (env WXDIGEST_HTTP); off: none")
	font := fs.String("font", a.getenv("WXDIGEST_FONT"), "CJK font file for image cards (env WXDIGEST_FONT; default: Noto Sans CJK found on the system)")
	fs.IntVar(&cfg.Budget, "budget", cfg.Budget, "characters per message part (env WXDIGEST_BUDGET)")
	var p pacing
	pacingFlags(fs, &p)
	if err := parseNoArgs(fs, args, &cfg, nil); err != nil {
		return err
	}
	if *alertAfter <= 0 || *taskPoll <= 0 {
		return usagef("--alert-after and --task-poll must be positive")
	}
	acct := accountFor(strings.TrimSpace(*accountName), *server)
	if *session == "" {
		*session = cfg.DB + acct.sessionSuffix() + ".session"
		if isPostgres(cfg.DB) {
			// A server holds the store; the login is this host's.
			*session = "wxdigest" + acct.sessionSuffix() + ".session"
		}
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
	if v, err := st.Meta(ctx, acct.uinMeta()); err == nil {
		uin, _ = strconv.ParseInt(v, 10, 64)
	} else if !errors.Is(err, data.ErrNotFound) {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chs, err := st.Channels(ctx)
	if err != nil {
		return err
	}
	if *noWeChat && len(chs) == 0 {
		return usagef("--no-wechat leaves no channel: add one first (wxdigest channel add)")
	}
	cards, err := loadCards(ctx, st, *font, log)
	if err != nil {
		return err
	}
	var tr bot.Transport
	if !*noWeChat {
		wt, err := wechat.New(wechat.Config{
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
		tr = wt
	}
	web, err := a.sourceClient(*allowPrivate, log)
	if err != nil {
		return err
	}
	kinds := map[string]string{}
	for _, c := range chs {
		kinds[c.Name] = c.Kind
	}
	httpSet := a.getenv("WXDIGEST_HTTP") != ""
	fs.Visit(func(f *flag.Flag) { httpSet = httpSet || f.Name == "http" })
	con, err := startConsole(ctx, st, consoleOptions{addr: *httpAddr, explicit: httpSet, cfg: cfg, cards: cards, tr: tr, now: a.now,
		formats: func(channel string) bot.Format { return channelFormat(kinds[channel], cards != nil) }}, log)
	if err != nil {
		return err
	}
	defer con.Close()
	if u := con.URL(); u != "" {
		fmt.Fprintf(a.stdout, "控制台：%s\n", u)
	}
	rt, err := startBot(ctx, st, botOptions{cfg: cfg, pacing: p, transport: tr, leaseTTL: ttl, web: web, console: con,
		channels: chs, allowPrivate: *allowPrivate, alertChannel: *alertChannel, alertAfter: *alertAfter,
		taskPoll: *taskPoll, cards: cards, now: a.now, account: acct,
		onStandby: func(holder string, until time.Time) {
			fmt.Fprintf(a.stdout, "待命：这个账号由另一个 wxdigest（%s）运行中，租约到 %s；它停止后由本进程接管。\n",
				holder, until.In(cfg.loc).Format("2006-01-02 15:04:05"))
		},
		onLogin: func(s bot.LoginState) {
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
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return nil // stopped while waiting as a standby
		}
		return err
	}
	for _, rc := range rt.channels {
		fmt.Fprintf(a.stdout, "渠道已启动：%s（%s）\n", rc.name, kindZH(rc.kind))
	}
	// After the lease: a refused second run says one line only.
	logCalendarCoverage(log, a.now().In(cfg.loc))
	return rt.Wait(ctx, cancel)
}

// loadCards loads the font for image cards. A font named with --font must
// load; the system's is looked for quietly, and its absence matters only
// when a subscription asks for images (they then get text, and the log
// says which font to install).
func loadCards(ctx context.Context, st store, path string, log *slog.Logger) (bot.CardRenderer, error) {
	r, err := card.Load(path)
	if err == nil {
		log.Debug("image cards", "font", r.FontName())
		return r, nil
	}
	if path != "" {
		return nil, err
	}
	subs, serr := st.Subscriptions(ctx)
	if serr != nil {
		return nil, serr
	}
	for _, s := range subs {
		if s.Style != data.StyleText {
			log.Error("image cards are off; subscriptions asking for them get text", "err", err)
			break
		}
	}
	return nil, nil
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
	// Each --self is an account of its own, its Uin included, so two fakes
	// are two accounts.
	srv := wechattest.New(wechattest.Options{Logger: cfg.logger(a.stderr), Now: a.now, SelfNick: *nick, SelfUin: fakeUin(*nick), HoldPoll: 5 * time.Second})
	url, err := srv.Start(*listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *listen, err)
	}
	defer srv.Close()
	fmt.Fprintf(a.stdout, "fake WeChat server on %s (control API under %s/_fake/)\n", url, url)
	<-ctx.Done()
	return nil
}

// fakeUin is the fake account's Uin for its nickname: the fake's own
// default for the default nickname, else a stable number of the same size.
func fakeUin(nick string) int64 {
	if nick == "wxdigest" {
		return 0 // the fake's default
	}
	h := fnv.New32a()
	h.Write([]byte(nick))
	return 1_000_000_000 + int64(h.Sum32()%1_000_000_000)
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

// cmdFakeWeCom serves a fake WeCom server (group robots, tokens and the
// customer-group task flow) with its JSON control API on loopback, for
// the demo and for tests outside this repository.
func cmdFakeWeCom(ctx context.Context, a *app, cfg config, args []string) error {
	fs := newFlags(a, "fake-wecom")
	listen := fs.String("listen", "127.0.0.1:0", "loopback address to listen on")
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
	srv := wecomtest.New(wecomtest.Config{Now: a.now, Logger: cfg.logger(a.stderr)})
	url, stop, err := serveLoopback(*listen, srv.Handler())
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(a.stdout, "fake WeCom server on %s (control API under %s/_fake/)\n", url, url)
	<-ctx.Done()
	return nil
}

// serveLoopback serves h on addr, which must be a loopback address, and
// returns its URL and a stop function.
func serveLoopback(addr string, h http.Handler) (string, func(), error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", nil, usagef("--listen %q: want HOST:PORT", addr)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", nil, usagef("--listen %q: a fake server listens on loopback only", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	return "http://" + l.Addr().String(), func() { _ = srv.Close() }, nil
}
