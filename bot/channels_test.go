package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/bottest"
	"github.com/wxdigest/wxdigest/card"
	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
)

// chTransport is a channel transport for tests: the in-memory transport
// plus pictures and, when tasks is set, customer-group tasks.
type chTransport struct {
	*bottest.Transport
	mu        sync.Mutex
	images    []card.Card // the cards drawn for the images sent, in order
	tasks     bool
	nextID    int
	sendImage func(to bot.Target, png []byte) error // optional failure hook
}

func (c *chTransport) SendImage(_ context.Context, to bot.Target, png []byte) error {
	if c.sendImage != nil {
		if err := c.sendImage(to, png); err != nil {
			return err
		}
	}
	cd, err := card.Parse(string(png)) // chCards "draws" a card as its JSON
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.images = append(c.images, cd)
	c.mu.Unlock()
	return nil
}

func (c *chTransport) Images() []card.Card {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]card.Card(nil), c.images...)
}

// chTaskTransport also turns ledger parts into tasks.
type chTaskTransport struct{ *chTransport }

func (c chTaskTransport) SendTask(ctx context.Context, to bot.Target, text string) (string, error) {
	if err := c.Send(ctx, to, text); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextID++
	return fmt.Sprintf("msg%d", c.nextID), nil
}

// chCards draws a card as its own JSON, so the test can read it back.
type chCards struct{ calls int }

func (r *chCards) Render(c card.Card) ([]byte, error) { r.calls++; return []byte(c.Marshal()), nil }

// A robot's queue never sends more than 20 messages in any 60 s window,
// whatever is queued, and loses nothing.
func TestRobotQueueTwentyPerMinute(t *testing.T) {
	e := scNewEnv(t, time.Date(2026, 12, 6, 8, 0, 0, 0, scShanghai(t)), scOpts{sender: func(c *bot.SenderConfig) {
		c.MinGap, c.Jitter, c.PerMinute, c.PerDay = -1, -1, 20, -1
		c.Name, c.NoNotices = "企业微信群机器人「幸福里」", true
	}})
	e.start(false)
	const n = 95
	for i := range n {
		e.pacer.Reply(scGroup("幸福里"), fmt.Sprintf("第%d条", i))
	}
	e.drain(time.Hour)
	calls := e.tr.Calls()
	if len(calls) != n {
		t.Fatalf("%d sends, want %d", len(calls), n)
	}
	for i := range calls {
		j := i
		for j < len(calls) && calls[j].At.Sub(calls[i].At) < time.Minute {
			j++
		}
		if j-i > 20 {
			t.Fatalf("%d sends in the 60 s from %s", j-i, calls[i].At)
		}
		if calls[i].Text != fmt.Sprintf("第%d条", i) {
			t.Fatalf("send %d = %q, order lost", i, calls[i].Text)
		}
	}
	if got := calls[n-1].At.Sub(calls[0].At); got < 4*time.Minute {
		t.Fatalf("95 sends took %s, want at least 4 minutes at 20 a minute", got)
	}
}

// A subscription's style decides its parts: image cards first, then the
// text; a channel without images gets text; byte limits split text by
// bytes. Images are drawn once per card for a whole fan-out.
func TestSlotStylesAndFormats(t *testing.T) {
	cards := &chCards{}
	var tr *chTransport
	e := scNewEnv(t, time.Date(2026, 12, 6, 7, 0, 0, 0, scShanghai(t)), scOpts{
		sender: func(c *bot.SenderConfig) {
			tr = &chTransport{Transport: c.Transport.(*bottest.Transport)}
			c.Transport, c.Cards = tr, cards
		},
		formats: func(channel string) bot.Format {
			if channel == data.ChannelWeChat {
				return bot.Format{Images: true}
			}
			return bot.Format{Bytes: digest.MinBytes}
		},
	})
	e.importDay("2026-12-06", "中原区召开经济运行分析会", "辖区新增三处口袋公园", "秋冬季消防安全检查启动")
	for _, g := range []string{"图文群", "图片群"} {
		sub := e.sub(g, "08:00", false)
		sub.Style = map[string]string{"图文群": data.StyleBoth, "图片群": data.StyleImage}[g]
		if _, err := e.store.PutSubscription(e.ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	// A channel counting bytes, asking for images it cannot send.
	if _, err := e.store.AddChannel(e.ctx, data.Channel{Name: "机器人", Kind: data.ChannelWeComRobot, URL: "https://example.com/?key=k", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.PutSubscription(e.ctx, data.Subscription{Channel: "机器人", Kind: data.ScheduleAt, Spec: "08:00",
		TZ: "Asia/Shanghai", Style: data.StyleImage, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	e.subs++
	e.start(true)
	e.runUntil(e.at(2026, 12, 6, 8, 0))
	e.drain(time.Hour)
	robot := e.tr.SentTo(scGroup("机器人"))
	if len(robot) < 2 {
		t.Fatalf("robot parts %q: want the day split at %d bytes", robot, digest.MinBytes)
	}
	for i, p := range robot {
		if len(p) > digest.MinBytes || !strings.Contains(p, fmt.Sprintf("（%d/%d）", i+1, len(robot))) {
			t.Fatalf("robot part %d (%d bytes) = %q", i+1, len(p), p)
		}
	}
	imgs := tr.Images()
	if len(imgs) != 2 {
		t.Fatalf("%d images sent, want one per group", len(imgs))
	}
	for _, c := range imgs {
		if c.Date != "2026-12-06" || len(c.Items) != 3 || c.Items[0].N != 1 || c.Items[0].Title != "中原区召开经济运行分析会" {
			t.Fatalf("card = %+v", c)
		}
	}
	if cards.calls != 1 {
		t.Fatalf("the card was drawn %d times for two groups, want once", cards.calls)
	}
	if got := e.tr.SentTo(scGroup("图文群")); len(got) != 1 || !strings.Contains(got[0], "1. 中原区召开经济运行分析会") {
		t.Fatalf("text to 图文群 = %q", got)
	}
	if got := e.tr.SentTo(scGroup("图片群")); len(got) != 0 {
		t.Fatalf("图片群 asked for the image only, got text %q", got)
	}
	kinds := map[string][]string{}
	for _, d := range e.deliveries() {
		if d.State != data.DeliverySent {
			t.Fatalf("delivery %+v not sent", d)
		}
		kinds[d.Group] = append(kinds[d.Group], d.Kind)
	}
	if fmt.Sprint(kinds["图文群"]) != "[image text]" || fmt.Sprint(kinds["图片群"]) != "[image]" ||
		strings.Contains(fmt.Sprint(kinds["机器人"]), "image") {
		t.Fatalf("part kinds %v", kinds)
	}
}

// rejTransport is a robot whose key can be revoked: sends fail with
// ErrRejected and its state says so, as bot/wecom's robot does.
type rejTransport struct {
	*bottest.Transport
	mu       sync.Mutex
	rejected bool
	tries    int
}

func (r *rejTransport) set(rejected bool) { r.mu.Lock(); r.rejected = rejected; r.mu.Unlock() }

func (r *rejTransport) Tries() int { r.mu.Lock(); defer r.mu.Unlock(); return r.tries }

func (r *rejTransport) Send(ctx context.Context, to bot.Target, text string) error {
	r.mu.Lock()
	rej := r.rejected
	r.tries++
	r.mu.Unlock()
	if rej {
		return fmt.Errorf("robot: 93000 invalid webhook url: %w", bot.ErrRejected)
	}
	return r.Transport.Send(ctx, to, text)
}

func (r *rejTransport) State() bot.LoginState {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rejected && r.tries > 0 {
		return bot.LoginState{LastErr: "93000 invalid webhook url"}
	}
	return bot.LoginState{LoggedIn: true}
}

// A channel whose key is rejected holds its parts pending (no attempt
// counted) until it is fixed, then sends them; nothing is lost.
func TestRejectedChannelHoldsParts(t *testing.T) {
	var rt *rejTransport
	e := scNewEnv(t, time.Date(2026, 12, 6, 7, 0, 0, 0, scShanghai(t)), scOpts{sender: func(c *bot.SenderConfig) {
		rt = &rejTransport{Transport: c.Transport.(*bottest.Transport), rejected: true}
		c.Transport = rt
	}})
	e.importDay("2026-12-06", "中原区召开经济运行分析会")
	e.sub("幸福里", "08:00", false)
	e.start(true)
	e.runUntil(e.at(2026, 12, 6, 8, 5))
	ds := e.deliveries()
	if len(ds) != 1 || ds[0].State != data.DeliveryPending || ds[0].Attempts != 0 || rt.Tries() != 1 {
		t.Fatalf("after a rejection: %+v (%d tries), want the part pending, tried once, no attempt counted", ds, rt.Tries())
	}
	rt.set(false)
	e.drain(time.Hour)
	if ds = e.deliveries(); ds[0].State != data.DeliverySent {
		t.Fatalf("after the fix: %+v", ds)
	}
	if got := e.tr.SentTo(scGroup("幸福里")); len(got) != 1 {
		t.Fatalf("sent %q, want the one part", got)
	}
}

type chChecker struct {
	mu        sync.Mutex
	confirmed map[string]bool
	err       error
}

func (c *chChecker) TaskConfirmed(_ context.Context, id string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.confirmed[id], c.err
}

// A task channel's part becomes a task awaiting confirmation; the watcher
// records it sent once confirmed, or missed (and tells admins) when the
// grace window ends first.
func TestTaskAwaitsConfirmation(t *testing.T) {
	var tr *chTransport
	e := scNewEnv(t, time.Date(2026, 12, 6, 7, 0, 0, 0, scShanghai(t)), scOpts{sender: func(c *bot.SenderConfig) {
		tr = &chTransport{Transport: c.Transport.(*bottest.Transport)}
		c.Transport = chTaskTransport{tr}
	}})
	if _, err := e.store.AddChannel(e.ctx, data.Channel{Name: "客户群", Kind: data.ChannelWeComTask, CorpID: "c", Secret: "s", Sender: "u", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.PutSubscription(e.ctx, data.Subscription{Channel: "客户群", Kind: data.ScheduleAt, Spec: "08:00,20:00", TZ: "Asia/Shanghai", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	e.subs++
	e.importDay("2026-12-06", "中原区召开经济运行分析会")
	e.start(true)
	e.runUntil(e.at(2026, 12, 6, 8, 1))
	e.drain(time.Hour)
	ds := e.deliveries()
	if len(ds) != 1 || ds[0].State != data.DeliveryAwaiting || ds[0].RemoteID != "msg1" || ds[0].Channel != "客户群" {
		t.Fatalf("after sending the task: %+v", ds)
	}
	checker := &chChecker{confirmed: map[string]bool{}}
	var reports []string
	w := bot.NewTaskWatcher(bot.TaskWatcherConfig{Channel: "客户群", Checker: checker, Ledger: e.store, Clock: e.clk,
		Grace: 2 * time.Hour, Zone: e.loc, Report: func(s string) { reports = append(reports, s) }})
	w.Check(e.ctx)
	if ds = e.deliveries(); ds[0].State != data.DeliveryAwaiting {
		t.Fatalf("unconfirmed task changed: %+v", ds)
	}
	checker.mu.Lock()
	checker.confirmed["msg1"] = true
	checker.mu.Unlock()
	w.Check(e.ctx)
	if ds = e.deliveries(); ds[0].State != data.DeliverySent {
		t.Fatalf("confirmed task: %+v", ds)
	}

	// The evening's task is never confirmed.
	e.importDay("2026-12-06", "辖区新增三处口袋公园")
	e.runUntil(e.at(2026, 12, 6, 20, 1))
	e.drain(time.Hour)
	e.runUntil(e.at(2026, 12, 6, 21, 0))
	w.Check(e.ctx)
	if len(reports) != 0 {
		t.Fatalf("reported before the grace ended: %q", reports)
	}
	e.runUntil(e.at(2026, 12, 6, 22, 1))
	w.Check(e.ctx)
	ds = e.deliveries()
	if last := ds[len(ds)-1]; last.State != data.DeliveryMissed || last.RemoteID != "msg2" {
		t.Fatalf("unconfirmed past the grace: %+v", last)
	}
	if len(reports) != 1 || !strings.Contains(reports[0], "客户群") || !strings.Contains(reports[0], "12月6日 20:00") {
		t.Fatalf("reports %q", reports)
	}
}

// The alerter tells admins once a channel has been down for a minute, says
// what to do, and tells them again when it is back; a channel's own
// failures are not sent through itself.
func TestAlerter(t *testing.T) {
	clk := bottest.NewClock(time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC))
	wechat, robot := bottest.NewTransport(), bottest.NewTransport()
	wechat.SetLoggedIn(true)
	robot.SetLoggedIn(true)
	var sent []string
	changes := map[string]string{}
	a := bot.NewAlerter(bot.AlerterConfig{
		Channels: []bot.WatchedChannel{
			{Name: data.ChannelWeChat, Kind: bot.KindWeChat, Transport: wechat},
			{Name: "幸福里", Kind: bot.KindWeComBot, Transport: robot},
		},
		Send:     func(s string) { sent = append(sent, s) },
		Via:      "幸福里",
		OnChange: func(ch, e string) { changes[ch] = e },
		Clock:    clk,
	})
	a.Check()
	wechat.SetLoginState(bot.LoginState{LastErr: "logged out (ret 1101)"})
	a.Check()
	clk.Advance(59 * time.Second)
	a.Check()
	if len(sent) != 0 {
		t.Fatalf("alerted before a minute: %q", sent)
	}
	if changes[data.ChannelWeChat] == "" {
		t.Fatal("the failure was not recorded at once")
	}
	clk.Advance(2 * time.Second)
	a.Check()
	a.Check()
	if len(sent) != 1 || !strings.Contains(sent[0], "重新登录") || !strings.Contains(sent[0], "个人微信") {
		t.Fatalf("alerts %q, want one asking to 重新登录", sent)
	}
	wechat.SetLoggedIn(true)
	clk.Advance(time.Minute)
	a.Check()
	if len(sent) != 2 || !strings.Contains(sent[1], "恢复") || changes[data.ChannelWeChat] != "" {
		t.Fatalf("after recovery: %q, changes %v", sent, changes)
	}
	// A short blip is not worth an alert.
	wechat.SetLoginState(bot.LoginState{LastErr: "x"})
	a.Check()
	clk.Advance(30 * time.Second)
	wechat.SetLoggedIn(true)
	a.Check()
	if len(sent) != 2 {
		t.Fatalf("a 30 s blip alerted: %q", sent)
	}
	// The alert channel itself down: logged and recorded, not sent through it.
	robot.SetLoginState(bot.LoginState{LastErr: "93000 invalid webhook url"})
	a.Check()
	clk.Advance(2 * time.Minute)
	a.Check()
	if len(sent) != 2 || !strings.Contains(changes["幸福里"], "93000") {
		t.Fatalf("the alert channel's own failure: sent %q, changes %v", sent, changes)
	}
}

// Queues hands each row to its channel's queue and keeps rows of a channel
// that is not running out of every queue.
func TestQueuesRouteByChannel(t *testing.T) {
	mk := func() (*bot.Pacer, *bottest.Transport) {
		tr := bottest.NewTransport()
		return bot.NewSender(bot.SenderConfig{Transport: tr, Ledger: nopLedger{}}), tr
	}
	wp, _ := mk()
	rp, _ := mk()
	var admin []string
	q := bot.NewQueues(map[string]*bot.Pacer{data.ChannelWeChat: wp, "幸福里": rp}, func(p ...string) { admin = append(admin, p...) }, nil)
	rows := []data.Delivery{
		{ID: 1, SubscriptionID: 1, Channel: data.ChannelWeChat, Group: "群", Part: 1, Parts: 1, Text: "a", State: data.DeliveryPending},
		{ID: 2, SubscriptionID: 2, Channel: "幸福里", Group: "幸福里", Part: 1, Parts: 1, Text: "b", State: data.DeliveryPending},
		{ID: 3, SubscriptionID: 3, Channel: "已删除", Group: "已删除", Part: 1, Parts: 1, Text: "c", State: data.DeliveryPending},
		{ID: 4, SubscriptionID: 1, Channel: "", Group: "群", Part: 1, Parts: 1, Text: "d", State: data.DeliveryPending},
	}
	if n := q.Deliver(rows...); n != 3 {
		t.Fatalf("queued %d, want 3 (the unknown channel's row stays pending)", n)
	}
	if !wp.Holds(1) || !wp.Holds(4) || wp.Holds(2) || !rp.Holds(2) || rp.Holds(1) || q.Holds(3) {
		t.Fatal("rows in the wrong queues")
	}
	if n := q.Cancel(1); n != 2 || q.Holds(1) {
		t.Fatalf("Cancel(1) = %d", n)
	}
	q.Reply(bot.Target{Kind: bot.ChatSelf}, "报告")
	if len(admin) != 1 || admin[0] != "报告" {
		t.Fatalf("admin got %q", admin)
	}
}

type nopLedger struct{}

func (nopLedger) MarkSent(context.Context, int64, time.Time) error { return nil }
func (nopLedger) MarkFailed(context.Context, int64, string) error  { return nil }

// The pause notice names the channel and its own hint.
func TestPauseNoticeNamesTheChannel(t *testing.T) {
	e := scNewEnv(t, time.Date(2026, 12, 6, 8, 0, 0, 0, scShanghai(t)), scOpts{sender: func(c *bot.SenderConfig) {
		c.Name, c.PauseHint = "企业微信群机器人「幸福里」", "群机器人每分钟最多发 20 条。"
	}})
	e.start(false)
	e.tr.FailNext(fmt.Errorf("robot: 45009: %w", bot.ErrRateLimited))
	e.pacer.Reply(scGroup("幸福里"), "第一条")
	e.drain(time.Hour)
	notes := e.tr.SentTo(scSelf)
	if len(notes) != 1 || !strings.HasPrefix(notes[0], "企业微信群机器人「幸福里」提示发送过于频繁") ||
		!strings.Contains(notes[0], "每分钟最多发 20 条") || strings.Contains(notes[0], "--min-gap") {
		t.Fatalf("notice %q", notes)
	}
	if !errors.Is(fmt.Errorf("x: %w", bot.ErrRateLimited), bot.ErrRateLimited) {
		t.Fatal("unreachable")
	}
}

// A message the channel will never take (a quota spent, over a size
// limit) is given up at once, recorded failed, and reported; others are
// sent on.
func TestUndeliverableGivenUpAtOnce(t *testing.T) {
	var gaveUp []string
	e := scNewEnv(t, time.Date(2026, 12, 6, 7, 0, 0, 0, scShanghai(t)), scOpts{sender: func(c *bot.SenderConfig) {
		c.OnGiveUp = func(to bot.Target, err error) { gaveUp = append(gaveUp, to.Name+": "+err.Error()) }
	}})
	e.importDay("2026-12-06", "中原区召开经济运行分析会")
	e.sub("甲群", "08:00", false)
	e.sub("乙群", "08:00", false)
	e.tr.FailNext(fmt.Errorf("wecom: errcode 41048: quota: %w", bot.ErrUndeliverable))
	e.start(true)
	e.runUntil(e.at(2026, 12, 6, 8, 0))
	e.drain(time.Hour)
	states := map[string]data.Delivery{}
	for _, d := range e.deliveries() {
		states[d.Group] = d
	}
	failed, sent := states["甲群"], states["乙群"]
	if failed.State != data.DeliveryFailed || failed.Attempts != 1 || !strings.Contains(failed.Error, "41048") {
		t.Fatalf("the refused part: %+v, want failed after one attempt", failed)
	}
	if sent.State != data.DeliverySent {
		t.Fatalf("the other group: %+v", sent)
	}
	if len(gaveUp) != 1 || !strings.HasPrefix(gaveUp[0], "甲群: ") {
		t.Fatalf("OnGiveUp calls %q", gaveUp)
	}
	if n := len(e.tr.Calls()); n != 2 {
		t.Fatalf("%d sends, want 2 (no retry of the refused one)", n)
	}
}

// Replies a run kept but did not send (it died) go out at the next start
// when still fresh; stale ones are dropped; sent ones are forgotten.
func TestRepliesSurviveARestart(t *testing.T) {
	start := time.Date(2026, 12, 6, 8, 0, 0, 0, scShanghai(t))
	e := scNewEnv(t, start, scOpts{sender: func(c *bot.SenderConfig) {
		c.Replies, c.Channel = nil, data.ChannelWeChat
	}})
	mk := func() *bot.Pacer {
		return bot.NewSender(bot.SenderConfig{Transport: e.tr, Ledger: e.store, Clock: e.clk, Replies: e.store,
			MinGap: -1, Jitter: -1, Zone: e.loc})
	}
	e.tr.SetLoggedIn(false) // the run that dies never gets to send
	dead := mk()
	dead.Reply(scGroup("幸福里"), "已推送到 3 个群")
	e.clk.Advance(4 * time.Minute)
	dead.Reply(scSelf, "报告")
	e.clk.Advance(2 * time.Minute) // the first is now 6 minutes old
	next := mk()
	queued, dropped, err := next.Restore(context.Background(), 5*time.Minute)
	if err != nil || queued != 1 || dropped != 1 {
		t.Fatalf("Restore = %d queued, %d dropped, %v; want 1, 1", queued, dropped, err)
	}
	e.tr.SetLoggedIn(true)
	e.pacer = next
	e.start(false)
	e.drain(time.Minute)
	if got := e.tr.SentTo(scSelf); len(got) != 1 || got[0] != "报告" {
		t.Fatalf("sent to admins %q", got)
	}
	if got := e.tr.SentTo(scGroup("幸福里")); len(got) != 0 {
		t.Fatalf("a stale reply was sent: %q", got)
	}
	if left, _ := e.store.QueuedReplies(context.Background(), data.ChannelWeChat); len(left) != 0 {
		t.Fatalf("outbox after sending: %+v", left)
	}
}

// A staff member's reply goes ahead of residents' replies already queued.
func TestStaffRepliesGoFirst(t *testing.T) {
	e := scNewEnv(t, time.Date(2026, 12, 6, 8, 0, 0, 0, scShanghai(t)), scOpts{})
	for i := range 5 {
		e.pacer.Reply(scGroup("幸福里"), fmt.Sprintf("居民%d", i))
	}
	e.pacer.ReplyFirst(scGroup("幸福里"), "状态：在线")
	e.start(false)
	e.drain(time.Hour)
	calls := e.tr.Calls()
	if len(calls) != 6 || calls[0].Text != "状态：在线" {
		t.Fatalf("first send %q, want the staff reply ahead of the residents'", calls[0].Text)
	}
}
