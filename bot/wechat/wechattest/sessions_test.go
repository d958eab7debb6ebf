package wechattest_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eatmoreapple/openwechat"

	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
)

func TestPrivateMessageRemarkAndSpoofedNick(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	b := e.newBot(t)
	ch := collect(b, func(m *openwechat.Message) string {
		if m.IsSendByFriend() {
			return "好的"
		}
		return ""
	})
	e.login(t, b)

	_, err := e.srv.PostFriendMessage("王主任", "发布今日摘要")
	must(t, err)
	s := next(t, ch)
	if s.group || s.sender == nil || s.sender.NickName != "王主任" || s.sender.RemarkName != "admin:王主任" || !s.isFriend {
		t.Fatalf("private message: group %v sender %v (remark %q)", s.group, s.sender, s.remark)
	}
	if s.msg.Content != "发布今日摘要" {
		t.Errorf("Content %q", s.msg.Content)
	}
	sent, err := e.srv.WaitSent(ctxT(t), 1)
	must(t, err)
	if sent[0].Kind != wechattest.KindFriend || sent[0].To != "王主任" || sent[0].Text != "好的" {
		t.Errorf("reply %+v", sent[0])
	}

	// The friend in the group has the friend's UserName, so the remark is
	// reachable; the plain member x1 who took the same nick is no friend.
	_, err = e.srv.PostGroupMessage("幸福里业主群", "王主任", "真的")
	must(t, err)
	real := next(t, ch)
	_, err = e.srv.PostGroupMessage("幸福里业主群", "x1", "假的")
	must(t, err)
	fake := next(t, ch)
	if real.inGroup == nil || fake.inGroup == nil {
		t.Fatalf("senders %v / %v (%v / %v)", real.inGroup, fake.inGroup, real.inGroupErr, fake.inGroupErr)
	}
	if real.inGroup.NickName != "王主任" || fake.inGroup.NickName != "王主任" {
		t.Errorf("nicks %q %q: both should look like 王主任", real.inGroup.NickName, fake.inGroup.NickName)
	}
	if !real.isFriend || real.remark != "admin:王主任" {
		t.Errorf("friend in group: friend %v remark %q", real.isFriend, real.remark)
	}
	if fake.isFriend || fake.inGroup.UserName == real.inGroup.UserName {
		t.Errorf("spoofer resolved to a friend (%v) or shares the UserName %q", fake.isFriend, fake.inGroup.UserName)
	}
}

func TestKickThenReloginWithNewUserNames(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	b1 := e.newBot(t)
	logout := make(chan struct{}, 2)
	b1.LogoutCallBack = func(*openwechat.Bot) { logout <- struct{}{} }
	e.login(t, b1)
	self1, err := b1.GetCurrentUser()
	must(t, err)
	gs1, err := self1.Groups()
	must(t, err)
	fs1, err := self1.Friends()
	must(t, err)
	group1, friend1 := gs1[0].UserName, fs1.SearchByNickName(1, "王主任").First().UserName
	done := block(b1)

	must(t, e.srv.Kick(1101))
	err = waitErr(t, done)
	if retOf(err) != 1101 {
		t.Fatalf("Block() = %v, want Ret 1101", err)
	}
	select {
	case <-logout:
	case <-ctxT(t).Done():
		t.Error("LogoutCallBack not called")
	}
	if st := e.srv.Status(); st.LoggedIn {
		t.Errorf("status after kick %+v", st)
	}
	if _, err := e.srv.PostGroupMessage("幸福里业主群", "li", "没人收"); !errors.Is(err, wechattest.ErrNotLoggedIn) {
		t.Errorf("post while logged out: %v", err)
	}

	// A Bot is single-use: a new one logs in with new UserNames for everyone.
	b2 := e.newBot(t)
	e.login(t, b2)
	self2, err := b2.GetCurrentUser()
	must(t, err)
	gs2, err := self2.Groups()
	must(t, err)
	fs2, err := self2.Friends()
	must(t, err)
	f2 := fs2.SearchByNickName(1, "王主任").First()
	if self2.UserName == self1.UserName || gs2[0].UserName == group1 || f2.UserName == friend1 {
		t.Errorf("UserNames reused across logins: self %v group %v friend %v",
			self2.UserName == self1.UserName, gs2[0].UserName == group1, f2.UserName == friend1)
	}
	if self2.Uin != self1.Uin || self2.NickName != self1.NickName || gs2[0].NickName != "幸福里业主群" || f2.RemarkName != "admin:王主任" {
		t.Errorf("stable fields changed: uin %d/%d nick %q group %q remark %q", self1.Uin, self2.Uin, self2.NickName, gs2[0].NickName, f2.RemarkName)
	}

	// Sending to the re-bound group works; the stale UserName is refused.
	_, err = self2.SendTextToGroup(gs2[0], "重新上线")
	must(t, err)
	_, err = self2.SendTextToGroup(&openwechat.Group{User: &openwechat.User{UserName: group1}}, "旧的")
	if retOf(err) != 1 {
		t.Errorf("send to the previous session's UserName: %v, want Ret 1", err)
	}
	sent := e.srv.Sent()
	if len(sent) != 1 || sent[0].To != "幸福里业主群" || sent[0].Text != "重新上线" {
		t.Errorf("sent %+v", sent)
	}
	if st := e.srv.Status(); !st.LoggedIn || st.Logins != 2 {
		t.Errorf("status %+v", st)
	}
}

func TestKickCodes(t *testing.T) {
	for _, code := range []int{1100, 1101, 1102} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			e := newEnv(t, wechattest.Options{})
			b := e.newBot(t)
			e.login(t, b)
			done := block(b)
			must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.Kick = code }))
			if err := waitErr(t, done); retOf(err) != code {
				t.Errorf("Block() = %v, want Ret %d", err, code)
			}
		})
	}
	e := newEnv(t, wechattest.Options{})
	if err := e.srv.Kick(1101); !errors.Is(err, wechattest.ErrNotLoggedIn) {
		t.Errorf("kick with nobody logged in: %v", err)
	}
}

func TestHotLogin(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	b1 := e.newBot(t)
	ch1 := collect(b1, nil)
	store := newStorage(nil)
	// Empty storage: the reload fails and the retry option scans.
	must(t, b1.HotLogin(store, openwechat.NewRetryLoginOption()))
	self1, err := b1.GetCurrentUser()
	must(t, err)
	if !strings.Contains(string(store.Bytes()), `"WechatDomain":"wx2.qq.com"`) {
		t.Fatalf("storage not dumped: %s", store.Bytes())
	}
	snapshot := store.Bytes()

	// Messages delivered to b1 after the snapshot are replayed to a hot
	// login that restores it (the stored SyncKey is older).
	id, err := e.srv.PostGroupMessage("幸福里业主群", "li", "第一条")
	must(t, err)
	if s := next(t, ch1); s.msg.MsgId != id {
		t.Fatalf("b1 got %q", s.msg.MsgId)
	}
	stopBot(t, e, b1)

	b2 := e.newBot(t)
	ch2 := collect(b2, nil)
	must(t, b2.HotLogin(newStorage(snapshot)))
	self2, err := b2.GetCurrentUser()
	must(t, err)
	if self2.UserName != self1.UserName {
		t.Errorf("hot login changed the session: %q -> %q", self1.UserName, self2.UserName)
	}
	if s := next(t, ch2); s.msg.MsgId != id || s.msg.Content != "第一条" {
		t.Errorf("replay: got %q %q, want the message delivered before (%s)", s.msg.MsgId, s.msg.Content, id)
	}
	rs := byBot(e.srv.Requests(), 2)
	if n := len(reqsTo(rs, "/webwxnewloginpage")) + len(reqsTo(rs, "/jslogin")); n != 0 {
		t.Errorf("hot login made %d login requests", n)
	}
	if st := e.srv.Status(); !st.LoggedIn || st.Logins != 2 {
		t.Errorf("status %+v", st)
	}
	// openwechat v1.4.8 loses cookie domains in the dump: the first
	// synccheck after a hot login carries no cookies; webwxsync re-issues
	// them and later ones do.
	sc := reqsTo(rs, "/synccheck")
	if len(sc) == 0 || sc[0].Cookies["wxsid"] != "" {
		t.Fatalf("first hot-login synccheck cookies: %v", sc)
	}
	if _, err := e.srv.WaitRequest(ctxT(t), func(r wechattest.RequestRecord) bool {
		return strings.HasSuffix(r.Path, "/synccheck") && r.Header.Get("X-Test-Bot") == "2" && r.Cookies["wxsid"] == sc[0].Query.Get("sid")
	}); err != nil {
		t.Errorf("no synccheck with re-issued cookies: %v", err)
	}
}

// stopBot ends a bot as a process exit would, by cancelling its context
// (Bot.Exit from this goroutine would race with its sync goroutine).
func stopBot(t *testing.T, e *env, b *openwechat.Bot) {
	t.Helper()
	e.stop[b]()
}

func TestHotLoginExpiredFallsBackToScan(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	b1 := e.newBot(t)
	store := newStorage(nil)
	must(t, b1.HotLogin(store, openwechat.NewRetryLoginOption()))
	self1, err := b1.GetCurrentUser()
	must(t, err)
	done := block(b1)
	must(t, e.srv.Expire())
	if err := waitErr(t, done); retOf(err) != 1101 {
		t.Errorf("live bot after expiry: %v", err)
	}

	b2 := e.newBot(t)
	err = b2.HotLogin(newStorage(store.Bytes()))
	if retOf(err) != 1101 {
		t.Fatalf("hot login on an expired session: %v, want Ret 1101 from webwxinit", err)
	}
	b3 := e.newBot(t)
	must(t, b3.HotLogin(newStorage(store.Bytes()), openwechat.NewRetryLoginOption()))
	self3, err := b3.GetCurrentUser()
	must(t, err)
	if self3.UserName == self1.UserName {
		t.Error("scan fallback kept the old UserName")
	}
	if n := len(reqsTo(e.srv.Requests(), "/jslogin")); n != 2 {
		t.Errorf("%d jslogin, want 2 (first login, fallback)", n)
	}
}

func TestHotLoginStrictCookies(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	b1 := e.newBot(t)
	store := newStorage(nil)
	must(t, b1.HotLogin(store, openwechat.NewRetryLoginOption()))
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.StrictCookies = true }))
	snapshot := store.Bytes()
	stopBot(t, e, b1)

	b2 := e.newBot(t)
	must(t, b2.HotLogin(newStorage(snapshot)))
	if err := waitErr(t, block(b2)); retOf(err) != 1102 {
		t.Errorf("hot login under strict cookies: Block() = %v, want Ret 1102 (cookie-less synccheck)", err)
	}
}

func TestPushLogin(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	b1 := e.newBot(t)
	store := newStorage(nil)
	must(t, b1.PushLogin(store, openwechat.NewRetryLoginOption()))
	self1, err := b1.GetCurrentUser()
	must(t, err)
	snapshot := store.Bytes()
	stopBot(t, e, b1)

	b2 := e.newBot(t)
	var uuidCalled bool
	b2.UUIDCallback = func(string) { uuidCalled = true }
	must(t, b2.PushLogin(newStorage(snapshot)))
	self2, err := b2.GetCurrentUser()
	must(t, err)
	if self2.UserName == self1.UserName || self2.Uin != self1.Uin {
		t.Errorf("push login: user %q -> %q, uin %d -> %d: want a new session of the same account", self1.UserName, self2.UserName, self1.Uin, self2.Uin)
	}
	if uuidCalled {
		t.Error("push login showed a QR")
	}
	rs := byBot(e.srv.Requests(), 2)
	pl := reqsTo(rs, "/webwxpushloginurl")
	if len(pl) != 1 || pl[0].Query.Get("mod") != "desktop" || pl[0].Query.Get("uin") != "2911000001" || pl[0].Cookies["wxuin"] == "" {
		t.Fatalf("pushloginurl %+v", pl)
	}
	polls := reqsTo(rs, "/cgi-bin/mmwebwx-bin/login")
	if len(polls) == 0 || polls[0].Query.Get("tip") != "1" {
		t.Errorf("push login polls %+v: want tip=1 first", polls)
	}
	if len(reqsTo(rs, "/webwxnewloginpage")) != 1 {
		t.Error("push login did not redeem a ticket")
	}

	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.PushRet = 1 }))
	b3 := e.newBot(t)
	if err := b3.PushLogin(newStorage(snapshot)); err == nil {
		t.Error("push login with push_ret 1 succeeded")
	}
}

func TestLoginRefused1203(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.LoginRet = 1203 }))
	b := e.newBot(t)
	err := b.Login()
	if err == nil || !strings.Contains(err.Error(), "不能登录网页微信") {
		t.Fatalf("Login() = %v, want the 1203 message", err)
	}
	if b.Alive() || e.srv.Status().LoggedIn {
		t.Error("refused login left a live session")
	}
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.LoginRet = 0 }))
	e.login(t, e.newBot(t))
}

func TestManualConfirm(t *testing.T) {
	e := newEnv(t, wechattest.Options{ManualConfirm: true})
	b := e.newBot(t)
	res := make(chan error, 1)
	go func() { res <- b.Login() }()
	// Unconfirmed polls are held and answer 408; confirming ends the wait.
	if _, err := e.srv.WaitRequest(ctxT(t), func(r wechattest.RequestRecord) bool {
		return strings.HasSuffix(r.Path, "/mmwebwx-bin/login")
	}); err != nil {
		t.Fatal(err)
	}
	for e.srv.Confirm() == 0 {
		<-e.srv.Changed()
	}
	if err := waitErr(t, res); err != nil {
		t.Fatal(err)
	}
	if !e.srv.Status().LoggedIn {
		t.Error("not logged in after confirm")
	}
}

func TestQRExpired(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.QRExpired = true }))
	if err := e.newBot(t).Login(); !errors.Is(err, openwechat.ErrLoginTimeout) {
		t.Errorf("Login() = %v, want ErrLoginTimeout", err)
	}
}

func TestStatusNotifyZombie(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.StatusNotifyRet = 1101 }))
	b := e.newBot(t)
	if err := b.Login(); retOf(err) != 1101 {
		t.Fatalf("Login() = %v, want Ret 1101 from statusnotify", err)
	}
	if !b.Alive() {
		t.Error("openwechat's zombie case not reproduced: Alive() is false")
	}
}

func TestLoginWaits(t *testing.T) {
	e := newEnv(t, wechattest.Options{HoldPoll: 20 * time.Millisecond})
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.LoginWaits = 2 }))
	e.login(t, e.newBot(t))
	polls := reqsTo(e.srv.Requests(), "/cgi-bin/mmwebwx-bin/login")
	if len(polls) != 4 {
		t.Errorf("%d login polls, want 2 held 408s, then 201 and 200", len(polls))
	}
	if len(polls) == 4 && polls[2].Time.Sub(polls[0].Time) < 2*20*time.Millisecond {
		t.Errorf("408s not held: %v", polls[2].Time.Sub(polls[0].Time))
	}
}
