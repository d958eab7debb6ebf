package wechat

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
)

// replier answers every incoming message through a bot.Pacer, the way the
// bot replies to a command: to m.Chat.
func replier(t *testing.T, tr *Transport) (*runner, *bot.Pacer) {
	t.Helper()
	p := bot.NewSender(bot.SenderConfig{Transport: tr, MinGap: -1, Jitter: -1, PerMinute: -1, PerDay: -1})
	ctx, cancel := context.WithCancel(context.Background())
	pdone := make(chan error, 1)
	go func() { pdone <- p.Run(ctx) }()
	r := &runner{tr: tr, cancel: cancel, done: make(chan error, 1), msgs: make(chan bot.Message, 256)}
	go func() {
		r.done <- tr.Run(ctx, func(m bot.Message) {
			p.Reply(m.Chat, "收到："+m.Text)
			r.msgs <- m
		})
	}()
	t.Cleanup(func() {
		r.stop(t)
		select {
		case <-pdone:
		case <-time.After(10 * time.Second):
			t.Error("Pacer.Run did not return within 10s of cancel")
		}
	})
	return r, p
}

// A friend whose nickname is the admin's remark (备注) writes privately:
// the reply goes to that friend's own chat, never to the admin, and the
// admin's own private message is still answered in the admin's chat.
func TestReplyReachesTheChatItCameFrom(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	const remark = "王主任(管理员)"            // the admin's remark; the admin's nick is 王主任
	must(t, e.srv.AddFriend(remark, "")) // the impostor, no remark of its own
	tr := e.transport(t, nil)
	r, _ := replier(t, tr)
	r.loggedIn(t, 1)
	ctx := ctxT(t)
	name := bot.Target{Kind: bot.ChatFriend, Name: remark}

	mustPost(t)(e.srv.PostFriendMessage(remark, "推送"))
	imp := r.next(t)
	if imp.Chat.Key() != name || imp.Chat.ID == "" || imp.From.Remark != "" {
		t.Fatalf("impostor's message: chat %+v from %+v", imp.Chat, imp.From)
	}
	sent, err := e.srv.WaitSent(ctx, 1)
	must(t, err)
	if sent[0].To != remark || sent[0].ToUserName != imp.Chat.ID || sent[0].Text != "收到：推送" {
		t.Fatalf("reply to the impostor went to %s (%s): %q", sent[0].To, sent[0].ToUserName, sent[0].Text)
	}

	mustPost(t)(e.srv.PostFriendMessage("王主任", "状态"))
	adm := r.next(t)
	if adm.Chat.Key() != name || adm.Chat.ID == imp.Chat.ID || adm.From.Remark != remark {
		t.Fatalf("admin's message: chat %+v from %+v (impostor's chat %+v)", adm.Chat, adm.From, imp.Chat)
	}
	sent, err = e.srv.WaitSent(ctx, 2)
	must(t, err)
	if sent[1].To != "王主任" || sent[1].ToUserName != adm.Chat.ID || sent[1].Text != "收到：状态" {
		t.Fatalf("reply to the admin went to %s (%s): %q", sent[1].To, sent[1].ToUserName, sent[1].Text)
	}

	// A picture follows the same rule.
	must(t, tr.SendImage(ctx, imp.Chat, noisePNG(t, 8, 8, 1)))
	sent, err = e.srv.WaitSent(ctx, 3)
	must(t, err)
	if sent[2].To != remark || sent[2].Media != wechattest.MediaImage {
		t.Errorf("image for the impostor went to %s (%s)", sent[2].To, sent[2].Media)
	}
	// A target made from the name alone still means the remark: the admin.
	must(t, tr.Send(ctx, name, "按名字"))
	sent, err = e.srv.WaitSent(ctx, 4)
	must(t, err)
	if sent[3].To != "王主任" {
		t.Errorf("a name-only target went to %s, want the admin", sent[3].To)
	}
	for _, s := range sent {
		if s.To == "王主任" && s.Text == "收到：推送" {
			t.Errorf("the admin got the impostor's reply: %+v", s)
		}
	}
}

// After a re-login every UserName is new. A target whose ID is stale falls
// back to its name — for a friend only when the name is the owner's remark;
// one known only by its nickname is refused rather than guessed.
func TestStaleChatIDAfterRelogin(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	const remark = "王主任(管理员)"
	must(t, e.srv.AddFriend(remark, ""))
	tr := e.transport(t, nil)
	tr.BindGroups([]string{"幸福里业主群"})
	r := start(t, tr)
	r.loggedIn(t, 1)
	ctx := ctxT(t)

	mustPost(t)(e.srv.PostFriendMessage(remark, "一"))
	imp := r.next(t)
	mustPost(t)(e.srv.PostFriendMessage("王主任", "二"))
	adm := r.next(t)
	mustPost(t)(e.srv.PostFriendMessage("张三", "三"))
	nick := r.next(t)
	mustPost(t)(e.srv.PostGroupMessage("xfl", "li", "四"))
	grp := r.next(t)

	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.Kick = 1101 }))
	r.loggedIn(t, 2)

	for _, old := range []bot.Message{imp, nick} {
		if err := tr.Send(ctx, old.Chat, "x"); !errors.Is(err, bot.ErrNoSuchChat) {
			t.Errorf("Send to %+v after re-login = %v, want ErrNoSuchChat", old.Chat, err)
		}
	}
	must(t, tr.Send(ctx, adm.Chat, "给管理员"))
	must(t, tr.Send(ctx, grp.Chat, "给群"))
	sent, err := e.srv.WaitSent(ctx, 2)
	must(t, err)
	if sent[0].To != "王主任" || sent[0].ToUserName == adm.Chat.ID {
		t.Errorf("admin's old target went to %s (%s; old id %s)", sent[0].To, sent[0].ToUserName, adm.Chat.ID)
	}
	if sent[1].To != "幸福里业主群" || sent[1].ToUserName == grp.Chat.ID {
		t.Errorf("group's old target went to %s (%s; old id %s)", sent[1].To, sent[1].ToUserName, grp.Chat.ID)
	}
	if n := len(e.srv.Sent()); n != 2 {
		t.Errorf("fake recorded %d sends, want 2", n)
	}
	// The same chats speaking again are answered at their new ids.
	mustPost(t)(e.srv.PostFriendMessage(remark, "五"))
	if m := r.next(t); m.Chat.ID == imp.Chat.ID {
		t.Errorf("impostor's chat id %s did not change at re-login", m.Chat.ID)
	} else {
		must(t, tr.Send(ctx, m.Chat, "给冒充者"))
		sent, err := e.srv.WaitSent(ctx, 3)
		must(t, err)
		if sent[2].To != remark {
			t.Errorf("reply went to %s", sent[2].To)
		}
	}
}
