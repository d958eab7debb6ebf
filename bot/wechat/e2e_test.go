package wechat

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
)

// These tests run the real openwechat code against the fake server in
// wechattest, on loopback.

func TestScanLoginAndState(t *testing.T) {
	e := newEnv(t, wechattest.Options{SelfNick: "街道小助手", SelfUin: 4242})
	qr := &syncBuf{}
	tr := e.transport(t, func(c *Config) { c.QR = qr })
	if st := tr.State(); st.LoggedIn || st.Logins != 0 {
		t.Fatalf("state before Run = %+v", st)
	}
	r := start(t, tr)
	st := r.loggedIn(t, 1)
	if st.Self != "街道小助手" || st.Uin != 4242 || st.Since.IsZero() || st.Logins != 1 || st.LastErr != "" {
		t.Errorf("state = %+v", st)
	}
	reqs := e.srv.Requests()
	js := reqsTo(reqs, "/jslogin")
	if len(js) != 1 || !strings.Contains(js[0].Query.Get("redirect_uri"), "mod=desktop") {
		t.Errorf("jslogin requests %+v: want one, in Desktop mode", js)
	}
	out := qr.String()
	if !strings.Contains(out, "▀") && !strings.Contains(out, "▄") {
		t.Errorf("no QR code drawn:\n%s", out)
	}
	if !strings.Contains(out, "https://login.weixin.qq.com/qrcode/") {
		t.Errorf("QR image URL not shown:\n%s", out)
	}
	if !strings.Contains(e.log.String(), `qr_image="https://login.weixin.qq.com/qrcode/`) {
		t.Error("QR image URL not logged")
	}
	if !strings.Contains(e.log.String(), `qr_content="https://login.weixin.qq.com/l/`) {
		t.Error("QR content not logged")
	}
	// The session is saved, readable by the owner only.
	fi, err := os.Stat(e.storage())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("storage mode %v, want 0600", fi.Mode().Perm())
	}
	if err := r.stop(t); err != nil {
		t.Errorf("Run = %v after cancel, want nil", err)
	}
	if st := tr.State(); st.LoggedIn {
		t.Errorf("still logged in after Run returned: %+v", st)
	}
}

func TestIncomingIdentity(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	tr := e.transport(t, nil)
	tr.BindGroups([]string{"幸福里业主群"})
	r := start(t, tr)
	r.loggedIn(t, 1)
	grp := bot.Target{Kind: bot.ChatGroup, Name: "幸福里业主群"}

	t.Run("group message from a remarked friend", func(t *testing.T) {
		id := mustPost(t)(e.srv.PostGroupMessage("xfl", "王主任", "今日新闻"))
		m := r.next(t)
		want := bot.Message{ID: id, Chat: grp, From: bot.Sender{Remark: "王主任(管理员)", Nick: "王主任"}, Text: "今日新闻", Time: m.Time}
		if !strings.HasPrefix(m.Chat.ID, "@@") {
			t.Errorf("chat id %q is not the group's UserName", m.Chat.ID)
		}
		want.Chat.ID = m.Chat.ID
		if m != want {
			t.Errorf("got %+v\nwant %+v", m, want)
		}
		if time.Since(m.Time) > time.Minute || m.Time.After(time.Now().Add(time.Second)) {
			t.Errorf("time %v is not the message's creation time", m.Time)
		}
	})
	t.Run("spoofed nickname is not the friend", func(t *testing.T) {
		mustPost(t)(e.srv.PostGroupMessage("xfl", "x1", "发布通知"))
		m := r.next(t)
		if m.From.Remark != "" || m.From.Self || m.From.Nick != "王主任" || m.Chat.Key() != grp {
			t.Errorf("spoofer got %+v", m)
		}
	})
	t.Run("plain member", func(t *testing.T) {
		mustPost(t)(e.srv.PostGroupMessage("xfl", "li", "你好"))
		m := r.next(t)
		if m.From != (bot.Sender{Nick: "李阿姨"}) || m.Text != "你好" {
			t.Errorf("plain member got %+v", m)
		}
	})
	t.Run("private message from a remarked friend", func(t *testing.T) {
		mustPost(t)(e.srv.PostFriendMessage("王主任", "推送"))
		m := r.next(t)
		want := bot.Sender{Remark: "王主任(管理员)", Nick: "王主任"}
		if m.Chat.Key() != (bot.Target{Kind: bot.ChatFriend, Name: "王主任(管理员)"}) || m.From != want || m.Text != "推送" {
			t.Errorf("private got %+v", m)
		}
	})
	t.Run("private message from a friend without remark", func(t *testing.T) {
		mustPost(t)(e.srv.PostFriendMessage("张三", "hi"))
		m := r.next(t)
		if m.Chat.Key() != (bot.Target{Kind: bot.ChatFriend, Name: "张三"}) || m.From != (bot.Sender{Nick: "张三"}) {
			t.Errorf("got %+v", m)
		}
	})
	t.Run("self message in file helper", func(t *testing.T) {
		mustPost(t)(e.srv.PostSelfMessage("filehelper", "状态"))
		m := r.next(t)
		if m.Chat.Key() != (bot.Target{Kind: bot.ChatSelf}) || !m.From.Self || m.Text != "状态" {
			t.Errorf("self got %+v", m)
		}
	})
	t.Run("self message in the group", func(t *testing.T) {
		mustPost(t)(e.srv.Post(wechattest.Post{Self: true, To: "xfl", Text: "大家好"}))
		m := r.next(t)
		if m.Chat.Key() != grp || !m.From.Self || m.Text != "大家好" || m.Mention {
			t.Errorf("self in group got %+v", m)
		}
	})
	for _, tt := range []struct{ name, text, want string }{
		{"mention by group nickname", "@小助手\u2005今日新闻", "今日新闻"},
		{"mention by nickname", "@wxdigest 搜索 樱花", "搜索 樱花"},
		{"mention at the end", "第3条 @小助手", "第3条"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mustPost(t)(e.srv.PostGroupMessage("xfl", "li", tt.text))
			m := r.next(t)
			if m.Text != tt.want || !m.Mention {
				t.Errorf("got text %q mention %v, want %q true", m.Text, m.Mention, tt.want)
			}
		})
	}
	t.Run("mention of someone else", func(t *testing.T) {
		mustPost(t)(e.srv.PostGroupMessage("xfl", "王主任", "@李阿姨\u2005收到"))
		m := r.next(t)
		if m.Mention || m.Text != "@李阿姨\u2005收到" {
			t.Errorf("got %+v", m)
		}
	})
	t.Run("forwarded article", func(t *testing.T) {
		a := wechattest.Article{Title: "中原区召开会议", Desc: "本报讯 3月14日…", URL: "https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1"}
		mustPost(t)(e.srv.Post(wechattest.Post{Friend: "王主任", Article: &a}))
		m := r.next(t)
		if m.Article == nil || *m.Article != (bot.ArticleCard{Title: a.Title, Desc: a.Desc, URL: a.URL}) || m.From.Remark != "王主任(管理员)" {
			t.Errorf("article got %+v (card %+v)", m, m.Article)
		}
	})
	t.Run("message from an unsaved group", func(t *testing.T) {
		mustPost(t)(e.srv.PostGroupMessage("wbc", "张三", "有人吗"))
		m := r.next(t)
		if m.Chat.Key() != (bot.Target{Kind: bot.ChatGroup, Name: "未保存群"}) || m.From.Nick != "张三" {
			t.Errorf("got %+v", m)
		}
	})
}

func TestSend(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	tr := e.transport(t, nil)
	ctx := ctxT(t)
	if err := tr.Send(ctx, bot.Target{Kind: bot.ChatSelf}, "x"); !errors.Is(err, bot.ErrLoggedOut) {
		t.Fatalf("Send before login = %v, want ErrLoggedOut", err)
	}
	tr.BindGroups([]string{"幸福里业主群"})
	r := start(t, tr)
	r.loggedIn(t, 1)
	sends := []struct {
		to       bot.Target
		text     string
		wantTo   string
		wantKind string
	}{
		{bot.Target{Kind: bot.ChatGroup, Name: "幸福里业主群"}, "2025年3月1日 星期六\n1. 标题", "幸福里业主群", wechattest.KindGroup},
		{bot.Target{Kind: bot.ChatFriend, Name: "王主任(管理员)"}, "已推送", "王主任", wechattest.KindFriend},
		{bot.Target{Kind: bot.ChatFriend, Name: "张三"}, "你好 <b>&amp;", "张三", wechattest.KindFriend},
		{bot.Target{Kind: bot.ChatSelf}, "pong", "filehelper", wechattest.KindSelf},
	}
	for _, s := range sends {
		if err := tr.Send(ctx, s.to, s.text); err != nil {
			t.Fatalf("Send(%+v): %v", s.to, err)
		}
	}
	got, err := e.srv.WaitSent(ctx, len(sends))
	must(t, err)
	ids := map[string]bool{}
	for i, s := range sends {
		g := got[i]
		if g.To != s.wantTo || g.Kind != s.wantKind || g.Text != s.text {
			t.Errorf("sent[%d] = %+v, want to %s (%s) %q", i, g, s.wantTo, s.wantKind, s.text)
		}
		if ids[g.ClientMsgID] {
			t.Errorf("ClientMsgId %s reused", g.ClientMsgID)
		}
		ids[g.ClientMsgID] = true
	}
	for _, tt := range []struct {
		to   bot.Target
		want error
	}{
		{bot.Target{Kind: bot.ChatGroup, Name: "不存在的群"}, bot.ErrNoSuchChat},
		{bot.Target{Kind: bot.ChatGroup, Name: "未保存群"}, bot.ErrNoSuchChat},
		{bot.Target{Kind: bot.ChatFriend, Name: "李阿姨"}, bot.ErrNoSuchChat},
		// A friend with a remark is addressed by it, not by the nickname.
		{bot.Target{Kind: bot.ChatFriend, Name: "王主任"}, bot.ErrNoSuchChat},
	} {
		if err := tr.Send(ctx, tt.to, "x"); !errors.Is(err, tt.want) {
			t.Errorf("Send(%+v) = %v, want %v", tt.to, err, tt.want)
		}
	}
	if n := len(e.srv.Sent()); n != len(sends) {
		t.Errorf("fake recorded %d sends, want %d", n, len(sends))
	}
}

func TestRateLimitedIsSurfacedNotRetried(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	tr := e.transport(t, nil)
	tr.BindGroups([]string{"幸福里业主群"})
	r := start(t, tr)
	r.loggedIn(t, 1)
	ctx := ctxT(t)
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.SendRet, f.Times = 1205, 2 }))
	grp := bot.Target{Kind: bot.ChatGroup, Name: "幸福里业主群"}
	for i := range 2 {
		err := tr.Send(ctx, grp, "摘要")
		if !errors.Is(err, bot.ErrRateLimited) || !strings.Contains(err.Error(), "1205") {
			t.Fatalf("send %d = %v, want ErrRateLimited mentioning 1205", i, err)
		}
	}
	if n := len(reqsTo(e.srv.Requests(), "/webwxsendmsg")); n != 2 {
		t.Fatalf("fake saw %d sendmsg for 2 sends", n)
	}
	must(t, tr.Send(ctx, grp, "摘要"))
	if n := len(reqsTo(e.srv.Requests(), "/webwxsendmsg")); n != 3 {
		t.Errorf("fake saw %d sendmsg for 3 sends", n)
	}
	if st := tr.State(); !st.LoggedIn {
		t.Errorf("rate limit ended the session: %+v", st)
	}
	// 1101 on send means the session is gone.
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.SendRet, f.Times = 1101, 1 }))
	if err := tr.Send(ctx, grp, "x"); !errors.Is(err, bot.ErrLoggedOut) {
		t.Errorf("send on 1101 = %v, want ErrLoggedOut", err)
	}
}

func TestKickReloginWithNewUserNames(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	tr := e.transport(t, nil)
	tr.BindGroups([]string{"幸福里业主群"})
	r := start(t, tr)
	r.loggedIn(t, 1)
	ctx := ctxT(t)
	grp := bot.Target{Kind: bot.ChatGroup, Name: "幸福里业主群"}
	must(t, tr.Send(ctx, grp, "第一次"))
	first, err := e.srv.WaitSent(ctx, 1)
	must(t, err)
	self1 := e.srv.Status().UserName

	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.Kick = 1101 }))
	st := r.loggedIn(t, 2)
	if st.Logins != 2 {
		t.Errorf("logins = %d", st.Logins)
	}
	if self2 := e.srv.Status().UserName; self2 == self1 || self2 == "" {
		t.Errorf("self UserName %q after re-login, was %q", self2, self1)
	}
	must(t, tr.Send(ctx, grp, "第二次"))
	sent, err := e.srv.WaitSent(ctx, 2)
	must(t, err)
	if sent[1].To != "幸福里业主群" || sent[1].ToUserName == first[0].ToUserName {
		t.Errorf("after re-login sent to %s (%s), before to %s", sent[1].To, sent[1].ToUserName, first[0].ToUserName)
	}
	// Identity still works with the new UserNames.
	mustPost(t)(e.srv.PostGroupMessage("xfl", "王主任", "在吗"))
	if m := r.next(t); m.From.Remark != "王主任(管理员)" || m.Chat.Key() != grp {
		t.Errorf("after re-login got %+v", m)
	}
	// The kick was a logout: the second login was push, not hot (whose
	// stored session is dead).
	if n := len(reqsTo(e.srv.Requests(), "/webwxpushloginurl")); n != 1 {
		t.Errorf("push logins = %d, want 1", n)
	}
	if !strings.Contains(e.log.String(), "1101") {
		t.Error("kick reason not logged")
	}
}

func TestHotLoginFromStorage(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	// No cookie healing on webwxsync: only the workaround gets cookies to
	// webpush after a hot login, and strict mode answers 1102 without them.
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.StrictCookies, f.NoCookieReissue = true, true }))
	tr1 := e.transport(t, nil)
	r1 := start(t, tr1)
	r1.loggedIn(t, 1)
	must(t, r1.stop(t))
	fi, err := os.Stat(e.storage())
	must(t, err)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("storage mode %v", fi.Mode().Perm())
	}
	before := len(e.srv.Requests())

	tr2 := e.transport(t, nil)
	tr2.BindGroups([]string{"幸福里业主群"})
	r2 := start(t, tr2)
	r2.loggedIn(t, 1)
	after := e.srv.Requests()[before:]
	if n := len(reqsTo(after, "/jslogin")) + len(reqsTo(after, "/webwxpushloginurl")); n != 0 {
		t.Errorf("restart did a scan or push login (%d requests), want hot", n)
	}
	// The first synccheck after the hot login carries the session cookies.
	var sc []wechattest.RequestRecord
	waitFor(t, "a synccheck after hot login", func() bool {
		sc = reqsTo(e.srv.Requests()[before:], "/synccheck")
		return len(sc) > 0
	})
	if sc[0].Cookies["wxsid"] == "" || sc[0].Cookies["wxuin"] == "" {
		t.Errorf("first synccheck after hot login has cookies %v", sc[0].Cookies)
	}
	// The session works: receive and send.
	mustPost(t)(e.srv.PostGroupMessage("xfl", "li", "早上好"))
	if m := r2.next(t); m.Text != "早上好" {
		t.Errorf("got %+v", m)
	}
	must(t, tr2.Send(ctxT(t), bot.Target{Kind: bot.ChatGroup, Name: "幸福里业主群"}, "早"))
	if st := tr2.State(); !st.LoggedIn || st.LastErr != "" {
		t.Errorf("state after hot login = %+v", st)
	}
	// The stored jar was not wiped by dumps of the restored (domain-less) jar.
	d, err := (&storageFile{path: e.storage()}).readDoc()
	must(t, err)
	if cs := d.jar()["https://wx2.qq.com"]; len(cs) == 0 {
		t.Error("stored jar lost its cookies")
	}
}

func TestHotLoginExpiredFallsBack(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	tr1 := e.transport(t, nil)
	r1 := start(t, tr1)
	r1.loggedIn(t, 1)
	must(t, r1.stop(t))
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.Expire = true }))
	tr2 := e.transport(t, nil)
	r2 := start(t, tr2)
	st := r2.loggedIn(t, 1)
	if st.Self != "wxdigest" {
		t.Errorf("state %+v", st)
	}
	if n := len(reqsTo(e.srv.Requests(), "/webwxinit")); n < 3 {
		t.Errorf("webwxinit %d times, want scan, failed hot, then push or scan", n)
	}
}

func TestDuplicatesAndEchoesDropped(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	tr := e.transport(t, nil)
	tr.BindGroups([]string{"幸福里业主群"})
	r := start(t, tr)
	r.loggedIn(t, 1)
	ctx := ctxT(t)
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.Duplicate, f.EchoSends = true, true }))
	grp := bot.Target{Kind: bot.ChatGroup, Name: "幸福里业主群"}

	id := mustPost(t)(e.srv.PostGroupMessage("xfl", "li", "一"))
	must(t, tr.Send(ctx, grp, "今日摘要"))
	must(t, tr.Send(ctx, bot.Target{Kind: bot.ChatSelf}, "pong"))
	// The owner typing the same text later, from the phone, still counts.
	marker := mustPost(t)(e.srv.PostGroupMessage("xfl", "li", "二"))
	// Delivery is in order: had a duplicate or an echo got through, it
	// would arrive before the marker.
	if m := r.next(t); m.ID != id {
		t.Fatalf("first = %+v", m)
	}
	if m := r.next(t); m.ID != marker {
		t.Fatalf("after the first message got %+v, want the marker", m)
	}
	if n := len(reqsTo(e.srv.Requests(), "/webwxsync")); n == 0 {
		t.Fatal("no sync")
	}
	// A self message with the text just sent (an echo without the MsgID)
	// is dropped too, once.
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.Duplicate, f.EchoSends = false, false }))
	must(t, tr.Send(ctx, grp, "第二条摘要"))
	mustPost(t)(e.srv.Post(wechattest.Post{Self: true, To: "xfl", Text: "第二条摘要"}))
	marker = mustPost(t)(e.srv.PostGroupMessage("xfl", "li", "三"))
	if m := r.next(t); m.ID != marker {
		t.Fatalf("got %+v, want the marker", m)
	}
	again := mustPost(t)(e.srv.Post(wechattest.Post{Self: true, To: "xfl", Text: "第二条摘要"}))
	if m := r.next(t); m.ID != again || !m.From.Self {
		t.Fatalf("the owner's own message was taken for an echo: got %+v", m)
	}
}

func TestDedupeSurvivesRestart(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	tr1 := e.transport(t, nil)
	r1 := start(t, tr1)
	r1.loggedIn(t, 1)
	// Keep the session as stored now: a hot login from it replays what
	// comes after (its SyncKey is older).
	snap, err := os.ReadFile(e.storage())
	must(t, err)
	id := mustPost(t)(e.srv.PostFriendMessage("王主任", "第一条"))
	if m := r1.next(t); m.ID != id {
		t.Fatalf("got %+v", m)
	}
	must(t, r1.stop(t))
	restore := func() { must(t, os.WriteFile(e.storage(), snap, 0o600)) }

	// Same dedupe file: the replayed message is dropped.
	restore()
	tr2 := e.transport(t, nil)
	r2 := start(t, tr2)
	r2.loggedIn(t, 1)
	id2 := mustPost(t)(e.srv.PostFriendMessage("王主任", "第二条"))
	if m := r2.next(t); m.ID != id2 {
		t.Fatalf("after restart got %+v first, want the new message", m)
	}
	must(t, r2.stop(t))

	// Control: with a fresh dedupe file the replay does arrive.
	restore()
	tr3 := e.transport(t, func(c *Config) { c.DedupePath = e.storage() + ".other" })
	r3 := start(t, tr3)
	r3.loggedIn(t, 1)
	if m := r3.next(t); m.ID != id {
		t.Fatalf("fresh dedupe got %+v first, want the replayed %s", m, id)
	}
}

func TestHistoryBeforeSessionDropped(t *testing.T) {
	var offset atomic.Int64 // of the server's clock
	e := newEnv(t, wechattest.Options{Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	e.seed(t)
	tr1 := e.transport(t, nil)
	r1 := start(t, tr1)
	r1.loggedIn(t, 1)
	must(t, r1.stop(t))
	// While the bot is down (the server session lives on) an old message
	// waits; the hot login fetches it but it predates the session.
	offset.Store(int64(-10 * time.Minute))
	old := mustPost(t)(e.srv.PostFriendMessage("王主任", "旧消息"))
	offset.Store(0)
	tr2 := e.transport(t, nil)
	r2 := start(t, tr2)
	r2.loggedIn(t, 1)
	fresh := mustPost(t)(e.srv.PostFriendMessage("王主任", "新消息"))
	if m := r2.next(t); m.ID != fresh {
		t.Fatalf("got %+v, want the fresh message", m)
	}
	if !strings.Contains(e.log.String(), "replayed history dropped") || !strings.Contains(e.log.String(), old) {
		t.Error("the old message was not seen and dropped")
	}
}

func TestBindingProblems(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	must(t, e.srv.AddGroup(wechattest.Group{ID: "a1", Name: "同名群", Saved: true, Members: []wechattest.Member{{ID: "li", Nick: "李阿姨"}}}))
	must(t, e.srv.AddGroup(wechattest.Group{ID: "a2", Name: "同名群", Saved: true, Members: []wechattest.Member{{ID: "x1", Nick: "王主任"}}}))
	tr := e.transport(t, nil)
	tr.BindGroups([]string{"幸福里业主群", "同名群", "未保存群", "不存在群"})
	r := start(t, tr)
	st := r.loggedIn(t, 1)
	if len(st.Problems) != 3 {
		t.Fatalf("problems = %q, want 3", st.Problems)
	}
	for i, want := range []string{"同名群", "未保存群", "不存在群"} {
		if !strings.Contains(st.Problems[i], want) {
			t.Errorf("problem %d = %q, want it about %s", i, st.Problems[i], want)
		}
	}
	ctx := ctxT(t)
	if err := tr.Send(ctx, bot.Target{Kind: bot.ChatGroup, Name: "同名群"}, "x"); !errors.Is(err, bot.ErrAmbiguous) {
		t.Errorf("send to ambiguous = %v", err)
	}
	if err := tr.Send(ctx, bot.Target{Kind: bot.ChatGroup, Name: "不存在群"}, "x"); !errors.Is(err, bot.ErrNoSuchChat) {
		t.Errorf("send to missing = %v", err)
	}
	must(t, tr.Send(ctx, bot.Target{Kind: bot.ChatGroup, Name: "幸福里业主群"}, "x"))
	if n := len(e.srv.Sent()); n != 1 {
		t.Errorf("fake recorded %d sends, want 1", n)
	}
	// Rebinding takes effect at once.
	tr.BindGroups([]string{"幸福里业主群"})
	if st := tr.State(); len(st.Problems) != 0 {
		t.Errorf("problems after rebind = %q", st.Problems)
	}
}

func TestRenameFollowsBinding(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	renamed := make(chan [2]string, 4)
	tr := e.transport(t, func(c *Config) {
		c.OnRename = func(old, new string) { renamed <- [2]string{old, new} }
	})
	tr.BindGroups([]string{"幸福里业主群"})
	r := start(t, tr)
	r.loggedIn(t, 1)
	must(t, e.srv.Rename("xfl", "幸福里业主一群"))
	select {
	case got := <-renamed:
		if got != [2]string{"幸福里业主群", "幸福里业主一群"} {
			t.Errorf("OnRename%v", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no OnRename")
	}
	ctx := ctxT(t)
	must(t, tr.Send(ctx, bot.Target{Kind: bot.ChatGroup, Name: "幸福里业主一群"}, "新群名"))
	if err := tr.Send(ctx, bot.Target{Kind: bot.ChatGroup, Name: "幸福里业主群"}, "x"); !errors.Is(err, bot.ErrNoSuchChat) {
		t.Errorf("old name = %v, want ErrNoSuchChat", err)
	}
	sent, err := e.srv.WaitSent(ctx, 1)
	must(t, err)
	if sent[0].To != "幸福里业主一群" {
		t.Errorf("sent to %q", sent[0].To)
	}
	mustPost(t)(e.srv.PostGroupMessage("xfl", "li", "改名了"))
	if m := r.next(t); m.Chat.Name != "幸福里业主一群" {
		t.Errorf("message chat %+v", m.Chat)
	}
	if st := tr.State(); len(st.Problems) != 0 {
		t.Errorf("problems %q", st.Problems)
	}
	select {
	case got := <-renamed:
		t.Errorf("second OnRename%v for one rename", got)
	default:
	}
}

func TestLoginRefused(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.LoginRet = 1203 }))
	base := runtime.NumGoroutine()
	tr := e.transport(t, nil)
	r := start(t, tr)
	err := r.wait(t)
	if !errors.Is(err, bot.ErrLoginRefused) || !strings.Contains(err.Error(), "1203") {
		t.Fatalf("Run = %v, want ErrLoginRefused with 1203", err)
	}
	st := tr.State()
	if st.LoggedIn || !strings.Contains(st.LastErr, "login refused") {
		t.Errorf("state %+v", st)
	}
	if n := len(reqsTo(e.srv.Requests(), "/webwxnewloginpage")); n != 1 {
		t.Errorf("login tried %d times; a refusal must stop", n)
	}
	// No zombie Bot left behind: no sync loop, no goroutines.
	if n := len(reqsTo(e.srv.Requests(), "/synccheck")); n != 0 {
		t.Errorf("%d synccheck after a refused login", n)
	}
	settleGoroutines(t, base)
}

func TestZombieLoginIsRetried(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	// statusnotify fails after webwxinit: openwechat's Login errors with
	// the Bot still "alive". The supervisor must drop it and log in anew.
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.StatusNotifyRet = 1101 }))
	tr := e.transport(t, nil)
	r := start(t, tr)
	st := r.loggedIn(t, 1)
	if st.Logins != 1 {
		t.Errorf("state %+v", st)
	}
	if n := len(reqsTo(e.srv.Requests(), "/jslogin")); n != 2 {
		t.Errorf("jslogin %d times, want 2 (one failed attempt, one good)", n)
	}
	must(t, tr.Send(ctxT(t), bot.Target{Kind: bot.ChatSelf}, "ok"))
}

func TestOtherAccountRefused(t *testing.T) {
	e := newEnv(t, wechattest.Options{SelfUin: 555})
	tr := e.transport(t, func(c *Config) { c.ExpectUin = 111 })
	r := start(t, tr)
	err := r.wait(t)
	if !errors.Is(err, ErrWrongAccount) || !strings.Contains(err.Error(), "555") {
		t.Fatalf("Run = %v, want ErrWrongAccount naming uin 555", err)
	}
	if _, err := os.Stat(e.storage()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the other account's session was stored (stat err %v)", err)
	}
	if n := len(reqsTo(e.srv.Requests(), "/webwxlogout")); n != 1 {
		t.Errorf("other account logged out %d times, want 1", n)
	}
	if st := tr.State(); st.LoggedIn {
		t.Errorf("state %+v", st)
	}

	t.Run("allowed", func(t *testing.T) {
		tr := e.transport(t, func(c *Config) { c.ExpectUin, c.AllowOtherAccount = 111, true })
		r := start(t, tr)
		if st := r.loggedIn(t, 1); st.Uin != 555 {
			t.Errorf("state %+v", st)
		}
	})
}

func TestHandlerPanicRecovered(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	tr := e.transport(t, nil)
	got := make(chan bot.Message, 4)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- tr.Run(ctx, func(m bot.Message) {
			if m.Text == "boom" {
				panic("handler bug")
			}
			got <- m
		})
	}()
	defer func() { cancel(); <-done }()
	waitState(t, tr, func(s bot.LoginState) bool { return s.LoggedIn })
	mustPost(t)(e.srv.PostFriendMessage("王主任", "boom"))
	mustPost(t)(e.srv.PostFriendMessage("王主任", "after"))
	select {
	case m := <-got:
		if m.Text != "after" {
			t.Errorf("got %+v", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("delivery stopped after a panic")
	}
	if !strings.Contains(e.log.String(), "handler bug") {
		t.Error("panic not logged")
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	base := runtime.NumGoroutine()
	tr := e.transport(t, nil)
	tr.BindGroups([]string{"幸福里业主群"})
	r := start(t, tr)
	r.loggedIn(t, 1)
	mustPost(t)(e.srv.PostGroupMessage("xfl", "li", "@小助手 今日"))
	r.next(t)
	must(t, tr.Send(ctxT(t), bot.Target{Kind: bot.ChatGroup, Name: "幸福里业主群"}, "x"))
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.Kick = 1102 }))
	r.loggedIn(t, 2)
	must(t, r.stop(t))
	settleGoroutines(t, base)
}

func TestBackoffAndHourlyCap(t *testing.T) {
	// WeChat answers, but every login fails: each attempt is a login.
	clk := &fakeClock{now: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)}
	ctx, cancel := context.WithCancel(context.Background())
	tr, err := New(Config{
		ServerURL: "http://wx.invalid", Now: clk.Now, HTTPTransport: unavailable{},
		ReloginMin: time.Second, ReloginMax: 4 * time.Second, MaxLoginsPerHour: 4,
	})
	must(t, err)
	tr.sleep = func(ctx context.Context, d time.Duration) error {
		if len(clk.waits) == 6 {
			cancel()
		}
		return clk.Sleep(ctx, d)
	}
	if err := tr.Run(ctx, nil); err != nil {
		t.Fatalf("Run = %v", err)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second,
		time.Hour - 11*time.Second, 4 * time.Second}
	if !slices.Equal(clk.waits, want) {
		t.Fatalf("waits = %v, want %v", clk.waits, want)
	}
	if st := tr.State(); st.LastErr == "" || strings.Contains(st.LastErr, "network error") {
		t.Errorf("LastErr = %q", st.LastErr)
	}

	t.Run("unreachable attempts are not logins", func(t *testing.T) {
		// Nothing listens: no attempt reaches WeChat, so none counts
		// against the hourly cap; the backoff still applies.
		clk := &fakeClock{now: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)}
		ctx, cancel := context.WithCancel(context.Background())
		tr, err := New(Config{
			ServerURL: "http://127.0.0.1:1", Now: clk.Now,
			ReloginMin: time.Second, ReloginMax: 4 * time.Second, MaxLoginsPerHour: 4,
		})
		must(t, err)
		tr.sleep = func(ctx context.Context, d time.Duration) error {
			if len(clk.waits) == 6 {
				cancel()
			}
			return clk.Sleep(ctx, d)
		}
		if err := tr.Run(ctx, nil); err != nil {
			t.Fatalf("Run = %v", err)
		}
		want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}
		if !slices.Equal(clk.waits, want) {
			t.Fatalf("waits = %v, want %v", clk.waits, want)
		}
		if st := tr.State(); !strings.Contains(st.LastErr, "network error") {
			t.Errorf("LastErr = %q", st.LastErr)
		}
	})
}

// unavailable answers every request with a 503: WeChat is reached but
// no login can succeed.
type unavailable struct{}

func (unavailable) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"text/plain"}}, Body: io.NopCloser(strings.NewReader("unavailable")), Request: r,
	}, nil
}

// flaky is a base RoundTripper whose network can be cut.
type flaky struct {
	down atomic.Bool
	base *http.Transport
}

func (f *flaky) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.down.Load() {
		return nil, errors.New("network is unreachable")
	}
	return f.base.RoundTrip(r)
}

func TestNetworkLossReloginsHot(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	net := &flaky{base: &http.Transport{}}
	t.Cleanup(net.base.CloseIdleConnections)
	tr := e.transport(t, func(c *Config) {
		c.HTTPTransport = net
		c.SyncRetryMin, c.SyncMaxFails = time.Second, 3
		c.ReloginMin = 7 * time.Second
	})
	var syncWaits, reloginWaits atomic.Int32
	tr.sleep = func(ctx context.Context, d time.Duration) error {
		switch d {
		case time.Second, 2 * time.Second:
			syncWaits.Add(1)
		case 7 * time.Second:
			// The supervisor backs off after the session died: the
			// network comes back meanwhile.
			reloginWaits.Add(1)
			net.down.Store(false)
		}
		return ctx.Err()
	}
	tr.BindGroups([]string{"幸福里业主群"})
	r := start(t, tr)
	r.loggedIn(t, 1)
	self := e.srv.Status().UserName
	net.down.Store(true)
	r.loggedIn(t, 2)
	if syncWaits.Load() != 2 || reloginWaits.Load() != 1 {
		t.Errorf("sync backoffs %d (want 2, then the 3rd failure ends the session), relogin backoffs %d (want 1)",
			syncWaits.Load(), reloginWaits.Load())
	}
	if e.srv.Status().UserName != self {
		t.Errorf("re-login after network loss was not a hot login of the same session (self %s, was %s)", e.srv.Status().UserName, self)
	}
	if !strings.Contains(e.log.String(), "network error") {
		t.Error("network loss not logged")
	}
	must(t, tr.Send(ctxT(t), bot.Target{Kind: bot.ChatGroup, Name: "幸福里业主群"}, "恢复"))
}

// A group not bound at login — one added after it, or one never saved to
// contacts — can be answered once it has spoken in this session, because
// its message named it exactly.
func TestReplyToGroupThatSpoke(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	tr := e.transport(t, nil)
	r := start(t, tr)
	r.loggedIn(t, 1)
	ctx := ctxT(t)
	must(t, e.srv.AddGroup(wechattest.Group{ID: "new", Name: "新建群", Saved: true, Members: []wechattest.Member{{ID: "li", Nick: "李阿姨"}}}))
	for _, g := range []struct{ id, name string }{{"new", "新建群"}, {"wbc", "未保存群"}} {
		if err := tr.Send(ctx, bot.Target{Kind: bot.ChatGroup, Name: g.name}, "x"); !errors.Is(err, bot.ErrNoSuchChat) {
			t.Fatalf("Send to %s before it spoke = %v, want ErrNoSuchChat", g.name, err)
		}
		mustPost(t)(e.srv.PostGroupMessage(g.id, "li", "今日新闻"))
		if m := r.next(t); m.Chat.Key() != (bot.Target{Kind: bot.ChatGroup, Name: g.name}) {
			t.Fatalf("got %+v", m)
		}
		if err := tr.Send(ctx, bot.Target{Kind: bot.ChatGroup, Name: g.name}, "今日新闻如下"); err != nil {
			t.Fatalf("reply to %s: %v", g.name, err)
		}
	}
	sent := e.srv.Sent()
	if len(sent) != 2 || sent[0].To != "新建群" || sent[1].To != "未保存群" {
		t.Errorf("sent %+v", sent)
	}
}
