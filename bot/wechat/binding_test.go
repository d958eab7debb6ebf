package wechat

import (
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
)

// problemAbout reports whether a binding problem names the group.
func problemAbout(st bot.LoginState, name string) bool {
	for _, p := range st.Problems {
		if strings.Contains(p, "「"+name+"」") {
			return true
		}
	}
	return false
}

// A subscribed group missing or unsaved at login stops being a problem as
// soon as it is bound: once saved to contacts or joined (the contacts are
// read again while a group is missing), or once it speaks.
func TestBindingProblemClearsWhenBound(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	must(t, e.srv.AddGroup(wechattest.Group{ID: "talk", Name: "说话群", Members: []wechattest.Member{{ID: "li", Nick: "李阿姨"}}}))
	tr := e.transport(t, func(c *Config) { c.ContactRefresh = 50 * time.Millisecond })
	wanted := []string{"幸福里业主群", "未保存群", "后建群", "说话群"}
	tr.BindGroups(wanted)
	r := start(t, tr)
	st := r.loggedIn(t, 1)
	for _, name := range wanted[1:] {
		if !problemAbout(st, name) {
			t.Fatalf("problems at login %q do not name %s", st.Problems, name)
		}
	}
	ctx := ctxT(t)

	t.Run("saved to contacts", func(t *testing.T) {
		must(t, e.srv.SaveGroup("wbc", true))
		waitState(t, tr, func(s bot.LoginState) bool { return !problemAbout(s, "未保存群") })
		must(t, tr.Send(ctx, bot.Target{Kind: bot.ChatGroup, Name: "未保存群"}, "已保存"))
	})
	t.Run("joined after login", func(t *testing.T) {
		must(t, e.srv.AddGroup(wechattest.Group{ID: "late", Name: "后建群", Saved: true, Members: []wechattest.Member{{ID: "li", Nick: "李阿姨"}}}))
		waitState(t, tr, func(s bot.LoginState) bool { return !problemAbout(s, "后建群") })
		must(t, tr.Send(ctx, bot.Target{Kind: bot.ChatGroup, Name: "后建群"}, "新群"))
	})
	t.Run("speaks", func(t *testing.T) {
		if !problemAbout(tr.State(), "说话群") {
			t.Fatal("an unsaved group that has not spoken was bound by a contact re-read")
		}
		mustPost(t)(e.srv.PostGroupMessage("talk", "li", "今日新闻"))
		if m := r.next(t); m.Chat.Key() != (bot.Target{Kind: bot.ChatGroup, Name: "说话群"}) {
			t.Fatalf("got %+v", m)
		}
		// Bound before the message was handed over.
		if st := tr.State(); len(st.Problems) != 0 {
			t.Errorf("problems after the last group spoke: %q", st.Problems)
		}
	})
	sent, err := e.srv.WaitSent(ctx, 2)
	must(t, err)
	if sent[0].To != "未保存群" || sent[1].To != "后建群" {
		t.Errorf("sent %+v", sent)
	}
	log := e.log.String()
	for _, name := range wanted[1:] {
		if n := strings.Count(log, `msg="wechat: group bound" group=`+name); n != 1 {
			t.Errorf("%d \"group bound\" lines for %s, want 1", n, name)
		}
		if n := strings.Count(log, "problem=群「"+name+"」"); n != 1 {
			t.Errorf("the problem of %s logged %d times, want once", name, n)
		}
	}
}

// Speaking alone binds a group: no contact re-read is needed.
func TestSpeakingBindsWithoutContactRefresh(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	tr := e.transport(t, nil) // ContactRefresh: the 10 min default
	tr.BindGroups([]string{"未保存群"})
	r := start(t, tr)
	if st := r.loggedIn(t, 1); !problemAbout(st, "未保存群") {
		t.Fatalf("problems %q", st.Problems)
	}
	mustPost(t)(e.srv.PostGroupMessage("wbc", "li", "在吗"))
	r.next(t)
	if st := tr.State(); len(st.Problems) != 0 {
		t.Errorf("problems after the group spoke: %q", st.Problems)
	}
	must(t, tr.Send(ctxT(t), bot.Target{Kind: bot.ChatGroup, Name: "未保存群"}, "在"))
}

// The QR code's content is on offer while a scan is awaited (the console
// draws it), and gone once logged in; the subscribed groups' bindings are
// reported by name.
func TestQRAndGroupBindings(t *testing.T) {
	e := newEnv(t, wechattest.Options{ManualConfirm: true})
	e.seed(t)
	tr := e.transport(t, nil)
	tr.BindGroups([]string{"幸福里业主群", "没有这个群"})
	if got := tr.GroupBindings(); got != nil {
		t.Errorf("bindings before login: %v", got)
	}
	r := start(t, tr)
	ctx := ctxT(t)
	for {
		if qr, at := tr.QR(); strings.HasPrefix(qr, "https://login.weixin.qq.com/l/") && !at.IsZero() {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("no QR content while the login waits for a scan")
		case <-time.After(5 * time.Millisecond):
		}
	}
	e.srv.Confirm()
	r.loggedIn(t, 1)
	if qr, _ := tr.QR(); qr != "" {
		t.Errorf("QR %q still offered after login", qr)
	}
	got := tr.GroupBindings()
	if got["幸福里业主群"] != BindingBound || got["没有这个群"] != BindingMissing || len(got) != 2 {
		t.Errorf("bindings %v", got)
	}
}
