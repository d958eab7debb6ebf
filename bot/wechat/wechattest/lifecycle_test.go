package wechattest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/eatmoreapple/openwechat"

	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
)

// waitGoroutines waits (with a deadline) until at most n goroutines run.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want <= %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

func TestNoGoroutineLeakAfterClose(t *testing.T) {
	base := runtime.NumGoroutine()
	func() {
		srv := wechattest.New(wechattest.Options{HoldPoll: 20 * time.Second})
		url := srv.StartTest()
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		must(t, srv.AddFriend("王主任", "王主任"))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		b := openwechat.DefaultBot(openwechat.Desktop, openwechat.WithContextOption(ctx))
		b.UUIDCallback, b.SyncCheckCallback, b.ScanCallBack, b.LoginCallBack = func(string) {}, nil, nil, nil
		b.Caller.Client.HTTPClient().Transport = redirect{host: strings.TrimPrefix(url, "http://"), bot: "1", base: tr}
		got := make(chan string, 1)
		b.MessageHandler = func(m *openwechat.Message) {
			if m.IsText() {
				got <- m.Content
			}
		}
		must(t, b.Login())
		_, err := srv.PostFriendMessage("王主任", "hi")
		must(t, err)
		select {
		case <-got:
		case <-time.After(10 * time.Second):
			t.Fatal("no message")
		}
		// Wait until the bot is in a synccheck sent after its last
		// webwxsync: held for up to 20 s, unless Close releases it.
		if _, err := srv.WaitRequests(ctxT(t), func(rs []wechattest.RequestRecord) bool {
			last := rs[len(rs)-1]
			return strings.HasSuffix(last.Path, "/synccheck") && len(reqsTo(rs, "/webwxsync")) > 0
		}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		srv.Close()
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Close took %v with a held poll", d)
		}
		// The released poll answered 1101: the bot exits by itself.
		select {
		case <-b.Context().Done():
		case <-time.After(10 * time.Second):
			t.Fatal("bot still running after Close")
		}
		if retOf(b.CrashReason()) != 1101 {
			t.Errorf("bot after Close: %v", b.CrashReason())
		}
		srv.Close() // idempotent
	}()
	waitGoroutines(t, base)
}

func TestSyncCheckIsHeld(t *testing.T) {
	hold := 50 * time.Millisecond
	e := newEnv(t, wechattest.Options{HoldPoll: hold})
	b := e.newBot(t)
	e.login(t, b)
	// Nothing to deliver after the login notify: each poll is held for
	// the full HoldPoll, so five polls take at least 3 holds after the
	// first delivery.
	rs, err := e.srv.WaitRequests(ctxT(t), func(rs []wechattest.RequestRecord) bool { return len(reqsTo(rs, "/synccheck")) >= 6 })
	must(t, err)
	sc := reqsTo(rs, "/synccheck")
	if gap := sc[5].Time.Sub(sc[2].Time); gap < 3*hold {
		t.Errorf("3 idle polls in %v, want >= %v (held, not spinning)", gap, 3*hold)
	}
}

func TestStartRefusesNonLoopback(t *testing.T) {
	srv := wechattest.New(wechattest.Options{})
	defer srv.Close()
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "nonsense"} {
		if _, err := srv.Start(addr); err == nil {
			t.Errorf("Start(%q) accepted", addr)
		}
	}
	u, err := srv.Start("127.0.0.1:0")
	must(t, err)
	if !strings.HasPrefix(u, "http://127.0.0.1:") || srv.URL() != u {
		t.Errorf("url %q / %q", u, srv.URL())
	}
	if _, err := srv.Start("127.0.0.1:0"); err == nil {
		t.Error("second Start accepted")
	}
}

// raw speaks to a WeChat host directly (no openwechat) through the fake.
func raw(t *testing.T, e *env, method, host, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), method, e.url+path, strings.NewReader(body))
	must(t, err)
	req.Host = host
	resp, err := (&http.Client{Transport: e.tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return resp.StatusCode, string(b)
}

func TestProtocolEdges(t *testing.T) {
	e := newEnv(t, wechattest.Options{HoldPoll: 10 * time.Millisecond})
	e.seed(t)
	const bad = `{"BaseRequest":{"Uin":"1","Sid":"nope","Skey":"x","DeviceID":"e1"},"SyncKey":{"Count":0,"List":[]}}`
	tests := []struct {
		name, method, host, path, body string
		want                           []string
	}{
		{"sync without session still has SyncKey", "POST", "wx2.qq.com", "/cgi-bin/mmwebwx-bin/webwxsync", bad, []string{`"Ret":1101`, `"SyncKey":{"Count":0,"List":[]}`}},
		{"init with a dead Sid", "POST", "wx2.qq.com", "/cgi-bin/mmwebwx-bin/webwxinit", bad, []string{`"Ret":1101`}},
		{"send without session", "POST", "wx2.qq.com", "/cgi-bin/mmwebwx-bin/webwxsendmsg", bad, []string{`"Ret":1101`, `"MsgID":""`}},
		{"synccheck for an unknown session", "GET", "webpush.wx2.qq.com", "/cgi-bin/mmwebwx-bin/synccheck?sid=x&uin=1&skey=y&synckey=1_1", "", []string{`window.synccheck={retcode:"1101",selector:"0"}`}},
		{"login poll for an unknown uuid", "GET", "login.wx.qq.com", "/cgi-bin/mmwebwx-bin/login?uuid=zz&tip=0", "", []string{"window.code=400;"}},
		{"jslogin", "GET", "login.wx.qq.com", "/jslogin?appid=wx782c26e4c19acffb&fun=new&lang=zh_CN&redirect_uri=https%3A%2F%2Fwx.qq.com%2Fcgi-bin%2Fmmwebwx-bin%2Fwebwxnewloginpage%3Fmod%3Ddesktop", "", []string{`window.QRLogin.code = 200; window.QRLogin.uuid = "`, `";`}},
		{"ticket that was never issued", "GET", "wx2.qq.com", "/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=t@qrticket_0&uuid=u&version=v2", "", []string{"<ret>-14</ret>"}},
		{"unknown endpoint is JSON, not 5xx", "GET", "wx2.qq.com", "/cgi-bin/mmwebwx-bin/webwxnothing", "", []string{`"Ret":1`}},
		{"wrong host for synccheck", "GET", "wx2.qq.com", "/cgi-bin/mmwebwx-bin/synccheck", "", []string{`"Ret":1`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := raw(t, e, tc.method, tc.host, tc.path, tc.body)
			if code >= 500 {
				t.Errorf("status %d", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body %q lacks %q", body, w)
				}
			}
		})
	}
}

// TestBatchGetContactOrder asks for several contacts in one request and
// checks the answer keeps the request order, one entry per item.
func TestBatchGetContactOrder(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	b := e.newBot(t)
	e.login(t, b)
	self, err := b.GetCurrentUser()
	must(t, err)
	ms, err := self.Members()
	must(t, err)
	var want []string
	var ask openwechat.Members
	for _, m := range ms {
		if strings.HasPrefix(m.UserName, "@") {
			ask = append(ask, m)
			want = append(want, m.UserName)
		}
	}
	ask = append(openwechat.Members{{UserName: "@stale"}}, ask...)
	want = append([]string{"@stale"}, want...)
	got, err := b.Caller.WebWxBatchGetContact(b.Context(), ask, b.Storage.Request)
	must(t, err)
	if len(got) != len(want) {
		t.Fatalf("%d contacts for %d asked", len(got), len(want))
	}
	for i := range got {
		if got[i].UserName != want[i] {
			t.Errorf("entry %d = %q, want %q", i, got[i].UserName, want[i])
		}
		if got[i].IsGroup() && len(got[i].MemberList) != 4 {
			t.Errorf("group %q with %d members, want self + 3", got[i].NickName, len(got[i].MemberList))
		}
	}
	// Raw check of the group entry's member shape.
	for _, body := range e.tap.get("webwxbatchgetcontact") {
		var r struct {
			ContactList []struct {
				UserName   string
				MemberList []struct {
					UserName, NickName, DisplayName string
					Uin                             int64
				}
			}
		}
		must(t, json.Unmarshal(body, &r))
		for _, c := range r.ContactList {
			if strings.HasPrefix(c.UserName, "@@") && len(c.MemberList) > 0 {
				if c.MemberList[0].UserName != self.UserName || c.MemberList[0].DisplayName != "小助手" || c.MemberList[1].Uin != 0 {
					t.Errorf("members %+v", c.MemberList)
				}
			}
		}
	}
}
