package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/wechat"
	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
)

// cmdRun logs the bot account in and keeps it online until interrupted.
func cmdRun(ctx context.Context, a *app, cfg config, args []string) error {
	fs := newFlags(a, "run")
	storeFlags(fs, &cfg)
	server := fs.String("wechat-server", a.getenv("WXDIGEST_WECHAT_SERVER"), "WeChat web server to use instead of the real one, e.g. a fake on loopback (env WXDIGEST_WECHAT_SERVER)")
	session := fs.String("session", "", "hot-login session file (default: the store path + .session)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if err := cfg.finish(); err != nil {
		return usageError{err.Error()}
	}
	if *session == "" {
		*session = cfg.DB + ".session"
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

	tr, err := wechat.New(wechat.Config{
		ServerURL:   *server,
		StoragePath: *session,
		QR:          a.stdout,
		Logger:      log,
		Now:         a.now,
	})
	if err != nil {
		return err
	}

	// Replies are sent from the goroutine below, never from the handler:
	// the transport delivers messages from its own goroutine and expects
	// handle to return quickly.
	replies := make(chan bot.Message, 64)
	handle := func(m bot.Message) {
		log.Info("message", "chat", string(m.Chat.Kind), "name", m.Chat.Name,
			"self", m.From.Self, "remark", m.From.Remark, "text", m.Text)
		select {
		case replies <- m:
		default:
			log.Warn("reply queue full, message dropped", "id", m.ID)
		}
	}
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx, handle) }()

	online := false
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("wechat: %w", err)
			}
			return nil
		case m := <-replies:
			if reply, ok := echo(m); ok {
				if err := tr.Send(ctx, m.Chat, reply); err != nil {
					log.Warn("reply failed", "err", err)
				}
			}
		case <-tick.C:
			s := tr.State()
			if s.LoggedIn != online {
				online = s.LoggedIn
				if online {
					fmt.Fprintf(a.stdout, "已登录：%s（在线）\n", s.Self)
				} else {
					fmt.Fprintln(a.stdout, "已离线，正在重新登录…")
				}
			}
		}
	}
}

// echo answers the liveness check: "ping" from the bot account itself gets
// "pong". Chat commands proper are the bot package's.
func echo(m bot.Message) (string, bool) {
	if m.From.Self && strings.EqualFold(strings.TrimSpace(m.Text), "ping") {
		return "pong", true
	}
	return "", false
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
