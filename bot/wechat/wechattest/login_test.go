package wechattest_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/eatmoreapple/openwechat"

	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
)

func TestScanLoginDesktop(t *testing.T) {
	e := newEnv(t, wechattest.Options{SelfNick: "新闻小助手", SelfUin: 123456789})
	e.seed(t)
	b := e.newBot(t)
	var scanned bool
	var uuid string
	b.UUIDCallback = func(u string) { uuid = u }
	b.ScanCallBack = func(openwechat.CheckLoginResponse) { scanned = true }
	e.login(t, b)

	if !scanned || uuid == "" {
		t.Errorf("scan callback %v, uuid %q: want the 201 step and a uuid", scanned, uuid)
	}
	if got := string(b.Caller.Client.Domain); got != "wx2.qq.com" {
		t.Errorf("Domain = %q, want wx2.qq.com (the redirect_uri host)", got)
	}
	self, err := b.GetCurrentUser()
	must(t, err)
	if self.NickName != "新闻小助手" || self.Uin != 123456789 || !strings.HasPrefix(self.UserName, "@") || strings.HasPrefix(self.UserName, "@@") {
		t.Errorf("self = %q uin %d user %q", self.NickName, self.Uin, self.UserName)
	}

	rs := e.srv.Requests()
	js := reqsTo(rs, "/jslogin")
	if len(js) != 1 {
		t.Fatalf("%d jslogin requests", len(js))
	}
	ru, err := url.Parse(js[0].Query.Get("redirect_uri"))
	must(t, err)
	if ru.Query().Get("mod") != "desktop" || js[0].Host != "login.wx.qq.com" {
		t.Errorf("jslogin redirect_uri %q on %s: want mod=desktop on login.wx.qq.com", ru, js[0].Host)
	}
	polls := reqsTo(rs, "/cgi-bin/mmwebwx-bin/login")
	if len(polls) != 2 || polls[0].Query.Get("uuid") != uuid || polls[0].Query.Get("tip") != "0" {
		t.Errorf("login polls = %d (uuid %q tip %q), want 2 (201, 200) for %q", len(polls), polls[0].Query.Get("uuid"), polls[0].Query.Get("tip"), uuid)
	}
	nl := reqsTo(rs, "/webwxnewloginpage")
	if len(nl) != 1 {
		t.Fatalf("%d webwxnewloginpage requests", len(nl))
	}
	if nl[0].Host != "wx2.qq.com" || nl[0].Query.Get("version") != "v2" || nl[0].Header.Get("extspam") == "" || nl[0].Header.Get("client-version") != "2.0.0" {
		t.Errorf("newloginpage host %s version %q extspam %d bytes client-version %q",
			nl[0].Host, nl[0].Query.Get("version"), len(nl[0].Header.Get("extspam")), nl[0].Header.Get("client-version"))
	}
	// The login cookies (set with Domain=wx2.qq.com / .qq.com, Secure) come
	// back on webwxinit, i.e. the jar accepted them for the original host.
	in := reqsTo(rs, "/webwxinit")
	if len(in) != 1 {
		t.Fatalf("%d webwxinit", len(in))
	}
	for _, c := range []string{"wxuin", "wxsid", "webwx_data_ticket", "webwx_auth_ticket"} {
		if in[0].Cookies[c] == "" {
			t.Errorf("webwxinit without cookie %s: %v", c, in[0].Cookies)
		}
	}
	if in[0].Cookies["wxuin"] != "123456789" {
		t.Errorf("wxuin cookie %q", in[0].Cookies["wxuin"])
	}
	// statusnotify carries the pass_ticket escaped once more (%25).
	sn := reqsTo(rs, "/webwxstatusnotify")
	if len(sn) != 1 || !strings.Contains(sn[0].Body, `"Code":3`) {
		t.Fatalf("statusnotify: %+v", sn)
	}

	// synccheck reaches webpush.<domain> with the session cookies.
	sc, err := e.srv.WaitRequest(ctxT(t), func(r wechattest.RequestRecord) bool { return strings.HasSuffix(r.Path, "/synccheck") })
	must(t, err)
	if sc.Host != "webpush.wx2.qq.com" || sc.Cookies["wxsid"] == "" || sc.Query.Get("synckey") == "" {
		t.Errorf("synccheck host %s cookies %v synckey %q", sc.Host, sc.Cookies, sc.Query.Get("synckey"))
	}
	st := e.srv.Status()
	if !st.LoggedIn || st.Logins != 1 || st.Self != "新闻小助手" || st.UserName != self.UserName {
		t.Errorf("status %+v", st)
	}
}

func TestGroupsOnlySavedAndUnsavedAfterMessage(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	b := e.newBot(t)
	ch := collect(b, nil)
	e.login(t, b)

	// Before any message: ask for groups from within the sync goroutine's
	// world is not possible, but nothing runs there yet, so this is safe.
	self, err := b.GetCurrentUser()
	must(t, err)
	gs, err := self.Groups()
	must(t, err)
	if len(gs) != 1 || gs[0].NickName != "幸福里业主群" || len(gs[0].MemberList) != 0 {
		t.Fatalf("Groups() = %v: want only the saved group, with an empty MemberList as getcontact gives", gs)
	}
	fs, err := self.Friends()
	must(t, err)
	var names []string
	for _, f := range fs {
		names = append(names, f.NickName+"/"+f.RemarkName)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"张三/", "王主任/admin:王主任"}) {
		t.Errorf("Friends() = %v", names)
	}

	_, err = e.srv.PostGroupMessage("未保存群", "li", "有人吗")
	must(t, err)
	s := next(t, ch)
	if !s.group || s.inGroupErr != nil || s.inGroup.NickName != "李阿姨" || s.msg.Content != "有人吗" {
		t.Fatalf("unsaved group message: group %v sender %v err %v content %q", s.group, s.inGroup, s.inGroupErr, s.msg.Content)
	}
	if !slices.Contains(s.groups, "未保存群") {
		t.Errorf("after its message Groups() = %v, want the unsaved group in it", s.groups)
	}
	if len(reqsTo(e.srv.Requests(), "/webwxbatchgetcontact")) == 0 {
		t.Error("no batchgetcontact for the unsaved group")
	}
}

func TestGroupAtMessageAndReply(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	b := e.newBot(t)
	ch := collect(b, func(m *openwechat.Message) string { return "收到：" + m.Content })
	e.login(t, b)

	id, err := e.srv.PostGroupMessage("幸福里业主群", "li", "@小助手\u2005今日新闻\n第二行 <b>&")
	must(t, err)
	s := next(t, ch)
	if s.msg.MsgId != id || !s.text || !s.group || !s.at {
		t.Fatalf("msg id %q (want %q) text %v group %v at %v", s.msg.MsgId, id, s.text, s.group, s.at)
	}
	if want := "@小助手\u2005今日新闻\n第二行 <b>&"; s.msg.Content != want {
		t.Errorf("Content = %q, want %q (prefix stripped, <br/> and HTML undone)", s.msg.Content, want)
	}
	if s.inGroupErr != nil || s.inGroup.NickName != "李阿姨" || s.inGroup.RemarkName != "" {
		t.Errorf("SenderInGroup = %v, %v", s.inGroup, s.inGroupErr)
	}
	if s.sender == nil || !s.sender.IsGroup() || s.sender.NickName != "幸福里业主群" {
		t.Errorf("Sender = %v", s.sender)
	}
	if s.replyErr != nil {
		t.Fatal(s.replyErr)
	}
	sent, err := e.srv.WaitSent(ctxT(t), 1)
	must(t, err)
	if sent[0].Kind != wechattest.KindGroup || sent[0].To != "幸福里业主群" || !strings.HasPrefix(sent[0].ToUserName, "@@") ||
		sent[0].Text != "收到：@小助手\u2005今日新闻\n第二行 <b>&" || sent[0].MsgID == "" {
		t.Errorf("sent %+v", sent[0])
	}

	// Without the mention, IsAt is false.
	_, err = e.srv.PostGroupMessage("幸福里业主群", "王主任", "大家好")
	must(t, err)
	s = next(t, ch)
	if s.at || s.inGroup == nil || s.inGroup.NickName != "王主任" {
		t.Errorf("plain message: at %v sender %v", s.at, s.inGroup)
	}
}

func TestOtherDomain(t *testing.T) {
	e := newEnv(t, wechattest.Options{Domain: "web2.wechat.com"})
	must(t, e.srv.AddFriend("Alice", "alice"))
	b := e.newBot(t)
	ch := collect(b, nil)
	e.login(t, b)
	if d := string(b.Caller.Client.Domain); d != "web2.wechat.com" {
		t.Errorf("Domain %q", d)
	}
	_, err := e.srv.PostFriendMessage("Alice", "hello")
	must(t, err)
	if s := next(t, ch); s.remark != "alice" {
		t.Errorf("message %q from remark %q", s.msg.Content, s.remark)
	}
	sc := reqsTo(e.srv.Requests(), "/synccheck")
	if len(sc) == 0 || sc[0].Host != "webpush.web2.wechat.com" || sc[0].Cookies["webwx_data_ticket"] == "" {
		t.Errorf("synccheck %+v", sc)
	}
}
