package wechattest_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eatmoreapple/openwechat"

	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
)

func TestSpinSelector(t *testing.T) {
	e := newEnv(t, wechattest.Options{HoldPoll: 5 * time.Second})
	e.seed(t)
	b := e.newBot(t)
	var sevens atomic.Int64
	b.SyncCheckCallback = func(r openwechat.SyncCheckResponse) {
		if r.Selector == "7" {
			sevens.Add(1)
		}
	}
	ch := collect(b, nil)
	e.login(t, b)
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.SpinSelector = 7 }))
	// With polls held for 5 s, 20 selector-7 answers only come from the
	// spin knob (each is answered at once and webwxsync brings nothing).
	if _, err := e.srv.WaitRequests(ctxT(t), func(rs []wechattest.RequestRecord) bool { return len(reqsTo(rs, "/webwxsync")) >= 20 }); err != nil {
		t.Fatal(err)
	}
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.SpinSelector = 0 }))
	if sevens.Load() < 10 {
		t.Errorf("%d selector-7 callbacks", sevens.Load())
	}
	_, err := e.srv.PostFriendMessage("王主任", "恢复了吗")
	must(t, err)
	if s := next(t, ch); s.msg.Content != "恢复了吗" {
		t.Errorf("after the spin: %q", s.msg.Content)
	}
}

func TestSlowResponses(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.SlowResponses = 80 * time.Millisecond }))
	start := time.Now()
	code, _ := raw(t, e, "GET", "login.wx.qq.com", "/jslogin?appid=wx782c26e4c19acffb", "")
	if d := time.Since(start); code != 200 || d < 80*time.Millisecond {
		t.Errorf("slow jslogin: %d after %v", code, d)
	}
	// The delay gives way to the client's deadline.
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.SlowResponses = time.Minute }))
	ctx, cancel := context.WithTimeout(ctxT(t), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", e.url+"/jslogin", nil)
	must(t, err)
	req.Host = "login.wx.qq.com"
	if _, err := (&http.Client{Transport: e.tr}).Do(req); err == nil {
		t.Error("a one-minute delay beat a 50 ms deadline")
	}
	// Nor does Close wait for it.
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequest("GET", e.url+"/jslogin", nil)
		req.Host = "login.wx.qq.com"
		if resp, err := (&http.Client{Transport: e.tr}).Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	if _, err := e.srv.WaitRequests(ctxT(t), func(rs []wechattest.RequestRecord) bool { return len(reqsTo(rs, "/jslogin")) >= 3 }); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	e.srv.Close()
	<-done
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close waited %v for a slow response", d)
	}
}

func TestNewJoinerFoundOnSecondBatchGetContact(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	b := e.newBot(t)
	var joinNotices atomic.Int64
	ch := collect(b, nil)
	inner := b.MessageHandler
	b.MessageHandler = func(m *openwechat.Message) {
		if m.IsJoinGroup() {
			joinNotices.Add(1)
			return
		}
		inner(m)
	}
	e.login(t, b)
	_, err := e.srv.PostGroupMessage("幸福里业主群", "li", "先说一句")
	must(t, err)
	next(t, ch) // openwechat now has the group's MemberList cached
	must(t, e.srv.AddMember("幸福里业主群", wechattest.Member{ID: "new", Nick: "新邻居"}))
	if err := e.srv.AddMember("幸福里业主群", wechattest.Member{ID: "new", Nick: "新邻居"}); err == nil {
		t.Error("member added twice")
	}
	_, err = e.srv.PostGroupMessage("幸福里业主群", "new", "大家好，我是新来的")
	must(t, err)
	s := next(t, ch)
	if s.inGroupErr != nil || s.inGroup.NickName != "新邻居" {
		t.Errorf("newcomer: %v %v", s.inGroup, s.inGroupErr)
	}
	if joinNotices.Load() != 1 {
		t.Errorf("%d join notices", joinNotices.Load())
	}
	var n int
	for _, r := range e.srv.Requests() {
		if strings.HasSuffix(r.Path, "/webwxbatchgetcontact") {
			n++
		}
	}
	if n < 2 {
		t.Errorf("%d batchgetcontact requests, want a refresh for the newcomer", n)
	}
}
