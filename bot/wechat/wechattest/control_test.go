package wechattest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eatmoreapple/openwechat"

	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
)

// call does one control request and decodes the JSON answer.
func call(t *testing.T, e *env, method, path, body string) (int, map[string]any, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), method, e.url+path, strings.NewReader(body))
	must(t, err)
	resp, err := (&http.Client{Transport: e.tr}).Do(req)
	must(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	must(t, err)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m, raw
}

func TestControlAPIShapes(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	ok := func(method, path, body string) {
		t.Helper()
		code, m, raw := call(t, e, method, path, body)
		if code != 200 || m["ok"] != true {
			t.Fatalf("%s %s %s: %d %s", method, path, body, code, raw)
		}
	}
	fail := func(method, path, body string, want int) {
		t.Helper()
		code, m, raw := call(t, e, method, path, body)
		if code != want || m["ok"] != false || m["error"] == "" {
			t.Errorf("%s %s %s: %d %s, want %d with ok:false and an error", method, path, body, code, raw, want)
		}
	}
	ok("POST", "/_fake/friends", `{"nick":"王主任","remark":"王主任"}`)
	ok("POST", "/_fake/groups", `{"name":"幸福里业主群","saved":true,"members":[{"friend":"王主任"},{"id":"li","nick":"李阿姨"},{"id":"x1","nick":"王主任"}]}`)
	fail("POST", "/_fake/groups", `{"name":"坏群","members":[{"friend":"没这人"}]}`, 404)
	fail("POST", "/_fake/groups", `{"name":"坏群","members":[{"id":"z"}]}`, 400)
	fail("POST", "/_fake/friends", `{"nick":""}`, 400)
	fail("POST", "/_fake/friends", `{"nick":"a","typo":1}`, 400)
	fail("POST", "/_fake/friends", `not json`, 400)
	fail("GET", "/_fake/friends", ``, 405)
	fail("POST", "/_fake/nothing", `{}`, 404)
	fail("POST", "/_fake/messages", `{"group":"幸福里业主群","from":"li","text":"早"}`, 409) // nobody logged in
	fail("POST", "/_fake/faults", `{"kick":1101}`, 409)
	fail("POST", "/_fake/rename", `{"group":"没有的群","to":"x"}`, 404)
	fail("POST", "/_fake/save", `{"group":"没有的群"}`, 404)
	ok("POST", "/_fake/groups", `{"name":"未保存群","id":"wbc","members":[{"id":"li","nick":"李阿姨"}]}`)
	ok("POST", "/_fake/save", `{"group":"wbc"}`)
	ok("POST", "/_fake/save", `{"group":"未保存群","saved":false}`)

	code, st, raw := call(t, e, "GET", "/_fake/status", "")
	if code != 200 || st["logged_in"] != false || st["logins"] != float64(0) || st["self"] != "wxdigest" {
		t.Errorf("status before login: %s", raw)
	}
	if _, _, raw := call(t, e, "GET", "/_fake/sent", ""); strings.TrimSpace(string(raw)) != "[]" {
		t.Errorf("sent before any send: %s", raw)
	}

	// The bot logs in by itself (auto-confirm) and echoes ping -> pong.
	b := e.newBot(t)
	b.MessageHandler = func(m *openwechat.Message) {
		if m.IsText() && strings.HasSuffix(m.Content, "ping") {
			_, _ = m.ReplyText("pong")
		}
	}
	e.login(t, b)
	_, st, raw = call(t, e, "GET", "/_fake/status", "")
	if st["logged_in"] != true || st["logins"] != float64(1) || st["self"] != "wxdigest" {
		t.Errorf("status after login: %s", raw)
	}
	fail("POST", "/_fake/messages", `{"group":"幸福里业主群","from":"nobody","text":"早"}`, 404)
	fail("POST", "/_fake/messages", `{"group":"幸福里业主群","friend":"王主任","text":"早"}`, 400)
	fail("POST", "/_fake/messages", `{"friend":"王主任"}`, 400)
	code, m, raw := call(t, e, "POST", "/_fake/messages", `{"group":"幸福里业主群","from":"li","text":"ping"}`)
	if code != 200 || m["ok"] != true || m["msg_id"] == "" {
		t.Fatalf("post: %d %s", code, raw)
	}
	ok("POST", "/_fake/messages", `{"friend":"王主任","text":"ping"}`)
	ok("POST", "/_fake/messages", `{"self":true,"to":"filehelper","text":"备忘"}`)
	ok("POST", "/_fake/messages", `{"friend":"王主任","article":{"title":"标题","desc":"导语","url":"http://mp.weixin.qq.com/s/x"}}`)
	if _, err := e.srv.WaitSent(ctxT(t), 2); err != nil {
		t.Fatal(err)
	}
	_, _, raw = call(t, e, "GET", "/_fake/sent", "")
	var sent []map[string]any
	must(t, json.Unmarshal(raw, &sent))
	var got []string
	for _, s := range sent {
		got = append(got, s["kind"].(string)+":"+s["to"].(string)+":"+s["text"].(string))
		if _, err := time.Parse(time.RFC3339Nano, s["time"].(string)); err != nil {
			t.Errorf("time %v: %v", s["time"], err)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"friend:王主任:pong", "group:幸福里业主群:pong"}) {
		t.Errorf("sent %s", raw)
	}

	ok("POST", "/_fake/faults", `{"send_ret":1205,"times":2}`)
	if f := e.srv.Faults(); f.SendRet != 1205 || f.Times != 2 {
		t.Errorf("faults %+v", f)
	}
	ok("POST", "/_fake/faults", `{"duplicate":true,"slow_ms":5}`)
	if f := e.srv.Faults(); f.SendRet != 1205 || !f.Duplicate || f.SlowResponses != 5*time.Millisecond {
		t.Errorf("partial update lost settings: %+v", f)
	}
	_, fj, _ := call(t, e, "GET", "/_fake/faults", "")
	if fj["send_ret"] != float64(1205) || fj["slow_ms"] != float64(5) {
		t.Errorf("GET faults %v", fj)
	}
	ok("POST", "/_fake/faults", `{"send_ret":0,"duplicate":false,"slow_ms":0}`)
	ok("POST", "/_fake/rename", `{"group":"幸福里业主群","to":"幸福里业主一群"}`)
	code, _, raw = call(t, e, "GET", "/_fake/requests", "")
	if code != 200 || !bytes.Contains(raw, []byte(`"path":"/cgi-bin/mmwebwx-bin/synccheck"`)) {
		t.Errorf("requests: %d %.200s", code, raw)
	}
	ok("POST", "/_fake/faults", `{"kick":1101}`)
	if err := waitErr(t, block(b)); retOf(err) != 1101 {
		t.Errorf("kick via the control API: %v", err)
	}
	ok("POST", "/_fake/faults", `{"login_ret":1203}`)
	if err := e.newBot(t).Login(); err == nil || !strings.Contains(err.Error(), "不能登录") {
		t.Errorf("login with login_ret 1203: %v", err)
	}
}

func TestDuplicateGroupNames(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	must(t, e.srv.AddGroup(wechattest.Group{ID: "a", Name: "同名群", Saved: true, Members: []wechattest.Member{{ID: "p", Nick: "P"}}}))
	must(t, e.srv.AddGroup(wechattest.Group{ID: "b", Name: "同名群", Saved: true, Members: []wechattest.Member{{ID: "q", Nick: "Q"}}}))
	if err := e.srv.AddGroup(wechattest.Group{ID: "a", Name: "x"}); err == nil {
		t.Error("duplicate id accepted")
	}
	b := e.newBot(t)
	ch := collect(b, nil)
	e.login(t, b)
	self, err := b.GetCurrentUser()
	must(t, err)
	gs, err := self.Groups()
	must(t, err)
	if len(gs) != 2 || gs[0].NickName != "同名群" || gs[1].NickName != "同名群" || gs[0].UserName == gs[1].UserName {
		t.Fatalf("groups %v", gs)
	}
	if _, err := e.srv.PostGroupMessage("同名群", "p", "x"); err == nil {
		t.Error("ambiguous name accepted")
	}
	_, err = e.srv.PostGroupMessage("b", "q", "来自b")
	must(t, err)
	if s := next(t, ch); s.inGroup == nil || s.inGroup.NickName != "Q" {
		t.Errorf("message by group id: %v %v", s.inGroup, s.inGroupErr)
	}
}

func TestContactPaging(t *testing.T) {
	e := newEnv(t, wechattest.Options{ContactPageSize: 2})
	for _, n := range []string{"甲", "乙", "丙", "丁", "戊"} {
		must(t, e.srv.AddFriend(n, "备注"+n))
	}
	b := e.newBot(t)
	e.login(t, b)
	self, err := b.GetCurrentUser()
	must(t, err)
	fs, err := self.Friends()
	must(t, err)
	if fs.Count() != 5 {
		t.Errorf("%d friends over pages", fs.Count())
	}
	if n := len(reqsTo(e.srv.Requests(), "/webwxgetcontact")); n != 4 {
		t.Errorf("%d getcontact pages, want 4 (7 contacts incl. filehelper and weixin, 2 per page)", n)
	}
}
