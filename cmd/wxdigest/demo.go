package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/wechat"
	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
	"github.com/wxdigest/wxdigest/bot/wecom/wecomtest"
	"github.com/wxdigest/wxdigest/card"
	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
	"github.com/wxdigest/wxdigest/web"
)

// The demo's cast: a group with residents, one staff friend and one admin
// friend, plus a resident who borrowed the admin's nickname (roles follow
// the owner's remark, so the impostor gets no rights).
const (
	demoGroup  = "幸福里业主群"
	demoRobot  = "和谐家园群" // a WeCom group reached through a group robot
	demoSource = "中原区新闻"
	demoStaff  = "王主任"
	demoAdmin  = "赵书记"
	// demoConsoleUser is the web console's admin in the demo.
	demoConsoleUser = "admin"
)

type demoSpeaker struct {
	name   string // shown in the chat
	member string // member id or friend nick in the fake server
	friend bool   // a friend of the bot account (may chat privately)
	self   bool   // the bot account itself, typing in 文件传输助手
}

var demoCast = []demoSpeaker{
	{name: "李阿姨", member: "li"},
	{name: "张大爷", member: "zhang"},
	{name: "小陈", member: "chen"},
	{name: demoStaff, member: demoStaff, friend: true},
	{name: demoAdmin, member: demoAdmin, friend: true},
	{name: demoAdmin + "(冒名)", member: "fake"},
	{name: "我", self: true},
}

// cmdDemo runs the whole bot offline: a throwaway store holding the bundled
// sample page for today, the fake WeChat server with a demo group, the real
// bot logged in through openwechat, the group subscribed a few seconds
// ahead, and a prompt to chat as a resident, staff or admin.
func cmdDemo(ctx context.Context, a *app, cfg config, args []string) error {
	fs := newFlags(a, "demo")
	firstIn := fs.Duration("first-in", 8*time.Second, "how soon the first scheduled digest arrives")
	p := pacing{grace: bot.DefaultGrace}
	fs.DurationVar(&p.minGap, "min-gap", 700*time.Millisecond, "least time between two messages")
	fs.DurationVar(&p.jitter, "jitter", 600*time.Millisecond, "random extra time between two messages")
	p.rateLimitPause, p.perMinute, p.perDay = 30*time.Second, 60, 2000
	httpAddr := fs.String("http", "127.0.0.1:0", "address of the demo's web console (a free loopback port by default); off: none")
	if err := parseNoArgs(fs, args, &cfg, nil); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "wxdigest-demo-")
	if err != nil {
		return fmt.Errorf("demo: temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	cfg.DB = filepath.Join(dir, "demo.db")
	out := &syncWriter{w: a.stdout}
	view := &demoView{out: out, echo: !isTerminal(a.stdin)}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	// The store: today's paper, roles, and a subscription a few seconds ahead.
	st, err := data.Open(ctx, cfg.DB, data.Options{Logger: quiet, Now: a.now})
	if err != nil {
		return err
	}
	defer st.Close()
	arts, err := digest.ParsePage(digest.SamplePage)
	if err != nil {
		return fmt.Errorf("demo: sample page: %w", err)
	}
	day := a.today(cfg)
	for i := range arts {
		arts[i].Source, arts[i].Date = demoSource, day
	}
	res, err := st.ImportArticles(ctx, arts)
	if err != nil {
		return err
	}
	m := bot.Manager{Store: st, Now: a.now}
	if err := m.GrantRole(ctx, "demo", demoStaff, data.RoleStaff); err != nil {
		return err
	}
	if err := m.GrantRole(ctx, "demo", demoAdmin, data.RoleAdmin); err != nil {
		return err
	}

	// The fake WeChat, with the demo group saved to contacts.
	srv := wechattest.New(wechattest.Options{Logger: quiet, Now: a.now, SelfNick: "wxdigest"})
	url := srv.StartTest()
	defer srv.Close()
	for _, nick := range []string{demoStaff, demoAdmin} {
		if err := srv.AddFriend(nick, nick); err != nil {
			return err
		}
	}
	members := []wechattest.Member{}
	for _, s := range demoCast {
		switch {
		case s.self:
		case s.friend:
			members = append(members, wechattest.Member{Friend: s.member})
		case s.member == "fake":
			members = append(members, wechattest.Member{ID: s.member, Nick: demoAdmin})
		default:
			members = append(members, wechattest.Member{ID: s.member, Nick: s.name})
		}
	}
	if err := srv.AddGroup(wechattest.Group{Name: demoGroup, Saved: true, Members: members}); err != nil {
		return err
	}

	// The fake WeCom, with a robot in the second group, subscribed to the
	// same slot beside the WeChat group: the image card when a CJK font is
	// installed, and the text.
	wc := wecomtest.New(wecomtest.Config{Now: a.now, Logger: quiet})
	wcURL, stopWeCom, err := serveLoopback("127.0.0.1:0", wc.Handler())
	if err != nil {
		return err
	}
	defer stopWeCom()
	wc.AddRobot("demo-robot-key", demoRobot)
	robot, err := st.AddChannel(ctx, data.Channel{Name: demoRobot, Kind: data.ChannelWeComRobot,
		URL: wcURL + "/cgi-bin/webhook/send?key=demo-robot-key", AllowPrivate: true, Enabled: true})
	if err != nil {
		return err
	}
	cards, _ := card.Load("")
	style := data.StyleText
	if cards != nil {
		style = data.StyleBoth
	}
	// Both groups subscribed a few seconds ahead, timed after the set-up
	// above: a firing that falls before a subscription is made is not its
	// to catch up, so a slow start must not eat the first one.
	first := a.now().In(cfg.loc).Add(*firstIn)
	spec := fmt.Sprintf("%d %d %d * * *", first.Second(), first.Minute(), first.Hour())
	for _, sub := range []data.Subscription{
		{Group: demoGroup, Kind: data.ScheduleCron, TZ: cfg.Zone, Spec: spec},
		{Channel: robot.Name, Kind: data.ScheduleCron, TZ: cfg.Zone, Style: style, Spec: spec},
	} {
		if _, err := m.Subscribe(ctx, "demo", sub); err != nil {
			return err
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tr, err := wechat.New(wechat.Config{ServerURL: url, Logger: quiet, Now: a.now})
	if err != nil {
		return err
	}
	loggedIn := make(chan struct{})
	var once bool
	var renderer bot.CardRenderer
	if cards != nil {
		renderer = cards
	}
	// The web console, with an admin whose password is made up now.
	password, _ := web.NewToken()
	password = password[:16]
	hash, err := web.HashPassword(password)
	if err != nil {
		return err
	}
	if _, err := st.AddUser(ctx, model.User{Name: demoConsoleUser, Role: model.RoleAdmin, PasswordHash: hash}); err != nil {
		return err
	}
	con, err := startConsole(ctx, st, consoleOptions{addr: *httpAddr, explicit: true, cfg: cfg, cards: renderer, tr: tr, now: a.now,
		formats: func(channel string) bot.Format {
			if channel == robot.Name {
				return channelFormat(data.ChannelWeComRobot, renderer != nil)
			}
			return channelFormat("", renderer != nil)
		}}, quiet)
	if err != nil {
		return err
	}
	defer con.Close()
	rt, err := startBot(ctx, st, botOptions{cfg: cfg, pacing: p, transport: tr, channels: []data.Channel{robot}, console: con,
		allowPrivate: true, cards: renderer, now: a.now, onLogin: func(s bot.LoginState) {
			if s.LoggedIn && !once {
				once = true
				close(loggedIn)
			}
		}}, quiet)
	if err != nil {
		return err
	}
	select {
	case <-loggedIn:
	case <-time.After(30 * time.Second):
		cancel()
		_ = rt.Wait(ctx, cancel)
		return fmt.Errorf("demo: the bot did not log in to the fake WeChat server")
	case <-ctx.Done():
		return rt.Wait(ctx, cancel)
	}

	fmt.Fprintf(out, "wxdigest 演示：离线运行，真实的机器人通过 openwechat 登录到本机模拟的微信。\n")
	fmt.Fprintf(out, "已导入样例版面 %d 篇（%s，%s）。微信群“%s”和企业微信群“%s”（群机器人）已订阅，约 %d 秒后收到第一次定时推送。\n",
		res.New, demoSource, day, demoGroup, demoRobot, int(firstIn.Round(time.Second)/time.Second))
	if u := con.URL(); u != "" {
		fmt.Fprintf(out, "网页控制台：%s（用户名 %s，密码 %s）\n", u, demoConsoleUser, password)
	}
	fmt.Fprintf(out, "试试：今日新闻 · 详情 1 · 搜索 项目 · 帮助；换人说话：:as 王主任（工作人员）、:as 赵书记（管理员）、:as 赵书记(冒名)、:as 我（机器人账号）；:private 私聊 / :group 回群里；Ctrl-D 结束。\n\n")

	// Print what the robot posts in the WeCom group. The fake has no change
	// signal; a short poll is fine for a person watching.
	robotDone := make(chan struct{})
	go func() {
		defer close(robotDone)
		seen := 0
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			sent := wc.Sent()
			for ; seen < len(sent); seen++ {
				s := sent[seen]
				text := s.Content
				if s.MsgType == "image" {
					text = fmt.Sprintf("［图片：今日早报图，%d 字节］", s.Bytes)
				}
				view.say("企业微信·"+demoRobot, "群机器人", text)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()

	// Print what the bot sends, as it would appear in the chat.
	printed := make(chan struct{})
	go func() {
		defer close(printed)
		seen := 0
		for {
			sent := srv.Sent()
			for ; seen < len(sent); seen++ {
				s := sent[seen]
				where := s.To
				if s.Kind == wechattest.KindFriend {
					where = "私聊 " + s.To
				} else if s.Kind == wechattest.KindSelf {
					where = "文件传输助手"
				}
				view.say(where, "wxdigest", s.Text)
			}
			select {
			case <-ctx.Done():
				return
			case <-srv.Changed():
			}
		}
	}()

	err = demoPrompt(ctx, a.stdin, view, srv)
	// Let the last answers go out before ending: wait until the chat has
	// been quiet for a moment with nothing queued, at most a few seconds.
	quietSince, lastSent := time.Now(), len(srv.Sent())
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline) && ctx.Err() == nil; {
		if n := len(srv.Sent()); n != lastSent || rt.sender.Stats().Queued > 0 || srv.Status().Pending > 0 {
			quietSince, lastSent = time.Now(), n
		} else if time.Since(quietSince) > 1500*time.Millisecond {
			break
		}
		select {
		case <-srv.Changed():
		case <-time.After(100 * time.Millisecond):
		}
	}
	cancel()
	<-printed
	<-robotDone
	if werr := rt.Wait(ctx, cancel); werr != nil && err == nil {
		err = werr
	}
	fmt.Fprintln(out, "演示结束。")
	return err
}

// demoView prints the chat. On a terminal the prompt is shown again after
// the bot speaks; when input is piped, what each speaker says is echoed so
// the transcript reads like the chat.
type demoView struct {
	out    io.Writer
	echo   bool
	mu     sync.Mutex
	prompt string
}

func (v *demoView) say(where, who, text string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	fmt.Fprintf(v.out, "\n[%s] %s：%s\n", where, who, strings.ReplaceAll(text, "\n", "\n    "))
	if !v.echo {
		fmt.Fprint(v.out, v.prompt)
	}
}

func (v *demoView) setPrompt(p string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.prompt = p
	if !v.echo {
		fmt.Fprint(v.out, p)
	}
}

func (v *demoView) printf(format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	fmt.Fprintf(v.out, format, args...)
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// demoPrompt reads lines as the current speaker says them, until EOF.
func demoPrompt(ctx context.Context, in io.Reader, view *demoView, srv *wechattest.Server) error {
	speaker, private := demoCast[0], false
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	where := func() string {
		switch {
		case speaker.self:
			return "文件传输助手"
		case private:
			return "私聊 " + speaker.name
		}
		return demoGroup
	}
	for {
		view.setPrompt(fmt.Sprintf("%s@%s> ", speaker.name, where()))
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case line, ok = <-lines:
		}
		if !ok {
			view.printf("\n")
			return nil
		}
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, ":as"):
			name := strings.TrimSpace(strings.TrimPrefix(line, ":as"))
			found := false
			for _, s := range demoCast {
				if s.name == name {
					speaker, found = s, true
				}
			}
			if !found {
				names := []string{}
				for _, s := range demoCast {
					names = append(names, s.name)
				}
				view.printf("没有这个人。可选：%s\n", strings.Join(names, "、"))
			}
			if !speaker.friend {
				private = false
			}
		case line == ":private":
			if !speaker.friend {
				view.printf("%s 不是机器人的好友，只能在群里说话。\n", speaker.name)
			} else {
				private = true
			}
		case line == ":group":
			private = false
		case line == ":help":
			view.printf(":as 名字 换人说话 · :private 私聊机器人 · :group 回到群里 · Ctrl-D 结束\n")
		default:
			if view.echo {
				view.printf("\n[%s] %s：%s\n", where(), speaker.name, line)
			}
			var err error
			switch {
			case speaker.self:
				_, err = srv.PostSelfMessage("filehelper", line)
			case private:
				_, err = srv.PostFriendMessage(speaker.member, line)
			default:
				_, err = srv.PostGroupMessage(demoGroup, speaker.member, line)
			}
			if err != nil {
				view.printf("（发送失败：%v）\n", err)
			}
		}
	}
}
