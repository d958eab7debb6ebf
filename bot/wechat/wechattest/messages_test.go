package wechattest_test

import (
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eatmoreapple/openwechat"

	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
)

// TestSyncInvariants checks the raw webwxsync answers openwechat got:
// SyncKey always present with Count == len(List), advancing on every
// answer, and string MsgIds.
func TestSyncInvariants(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	b := e.newBot(t)
	ch := collect(b, nil)
	e.login(t, b)
	for _, text := range []string{"一", "二", "三"} {
		_, err := e.srv.PostGroupMessage("幸福里业主群", "li", text)
		must(t, err)
		next(t, ch)
	}
	bodies := e.tap.get("webwxsync")
	if len(bodies) < 2 {
		t.Fatalf("%d webwxsync answers", len(bodies))
	}
	var prev []byte
	msgs := 0
	for i, body := range bodies {
		var raw struct {
			SyncKey *struct {
				Count int
				List  []struct{ Key, Val int64 }
			}
			AddMsgList []map[string]json.RawMessage
		}
		must(t, json.Unmarshal(body, &raw))
		if raw.SyncKey == nil || raw.SyncKey.Count == 0 || raw.SyncKey.Count != len(raw.SyncKey.List) {
			t.Fatalf("answer %d SyncKey %+v", i, raw.SyncKey)
		}
		key, _ := json.Marshal(raw.SyncKey)
		if string(key) == string(prev) {
			t.Errorf("answer %d did not advance the SyncKey: %s", i, key)
		}
		prev = key
		for _, m := range raw.AddMsgList {
			msgs++
			for _, f := range []string{"MsgId", "FileSize"} {
				if !strings.HasPrefix(string(m[f]), `"`) {
					t.Errorf("%s is not a JSON string: %s", f, m[f])
				}
			}
			if strings.HasPrefix(string(m["NewMsgId"]), `"`) || strings.HasPrefix(string(m["CreateTime"]), `"`) {
				t.Errorf("NewMsgId/CreateTime must be numbers: %s %s", m["NewMsgId"], m["CreateTime"])
			}
		}
	}
	if msgs < 3 {
		t.Errorf("%d messages in the answers", msgs)
	}
	// Group content is "<member UserName>:<br/><escaped text>".
	if !strings.Contains(string(bodies[len(bodies)-1]), `:<br/>三"`) {
		t.Errorf("last answer without the @member:<br/> prefix: %s", bodies[len(bodies)-1])
	}
	for _, body := range e.tap.get("webwxsendmsg") {
		t.Errorf("unexpected send %s", body)
	}
}

func TestDuplicatesAndEchoes(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	b := e.newBot(t)
	ch := collect(b, nil)
	e.login(t, b)

	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.Duplicate = true }))
	id, err := e.srv.PostFriendMessage("王主任", "一次")
	must(t, err)
	a, c := next(t, ch), next(t, ch)
	if a.msg.MsgId != id || c.msg.MsgId != id || a.msg.NewMsgId != c.msg.NewMsgId {
		t.Errorf("duplicate: %q %q, want %q twice", a.msg.MsgId, c.msg.MsgId, id)
	}

	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.Duplicate, f.EchoSends = false, true }))
	self, err := b.GetCurrentUser()
	must(t, err)
	gs, err := self.Groups()
	must(t, err)
	sm, err := self.SendTextToGroup(gs[0], "摘要\n第二行")
	must(t, err)
	echo := next(t, ch)
	if !echo.self || echo.msg.MsgId != sm.MsgId || echo.msg.ToUserName != gs[0].UserName || echo.msg.Content != "摘要\n第二行" {
		t.Errorf("echo: self %v id %q (sent %q) to %q content %q", echo.self, echo.msg.MsgId, sm.MsgId, echo.msg.ToUserName, echo.msg.Content)
	}

	// The owner typing on the phone: from self, no prefix.
	_, err = e.srv.PostSelfMessage("filehelper", "备忘")
	must(t, err)
	own := next(t, ch)
	if !own.self || own.msg.ToUserName != "filehelper" || own.msg.Content != "备忘" {
		t.Errorf("self message %+v", own.msg)
	}
}

func TestArticleCards(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	b := e.newBot(t)
	ch := collect(b, nil)
	e.login(t, b)
	art := &wechattest.Article{Title: "中原区召开 <会议> & 部署", Desc: "导语：会议强调……", URL: "http://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1"}

	_, err := e.srv.Post(wechattest.Post{Friend: "王主任", Article: art})
	must(t, err)
	s := next(t, ch)
	if !s.article || s.text || s.media == nil {
		t.Fatalf("friend article: IsArticle %v IsText %v media %v (content %q)", s.article, s.text, s.media, s.msg.Content)
	}
	if s.media.AppMsg.Title != art.Title || s.media.AppMsg.Des != art.Desc || s.media.AppMsg.URL != art.URL || !s.media.IsArticle() {
		t.Errorf("MediaData %+v", s.media.AppMsg)
	}
	if s.msg.Url != art.URL || s.msg.FileName != art.Title || s.remark != "admin:王主任" {
		t.Errorf("Url %q FileName %q remark %q", s.msg.Url, s.msg.FileName, s.remark)
	}

	_, err = e.srv.Post(wechattest.Post{Group: "幸福里业主群", From: "li", Article: art})
	must(t, err)
	s = next(t, ch)
	if !s.article || s.media == nil || s.media.AppMsg.URL != art.URL || s.inGroup == nil || s.inGroup.NickName != "李阿姨" {
		t.Errorf("group article: article %v media %v sender %v %v", s.article, s.media, s.inGroup, s.inGroupErr)
	}
}

func TestRename(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	b := e.newBot(t)
	var fresh []string
	b.MessageHandler = func(m *openwechat.Message) {
		if m.IsRenameGroup() {
			gs, _ := m.Owner().Groups(true)
			for _, g := range gs {
				fresh = append(fresh, g.NickName)
			}
			_, _ = m.ReplyText("新群名已记录")
		}
	}
	e.login(t, b)
	must(t, e.srv.Rename("幸福里业主群", "幸福里业主一群"))
	sent, err := e.srv.WaitSent(ctxT(t), 1)
	must(t, err)
	if sent[0].To != "幸福里业主一群" || sent[0].GroupID != "g3" {
		t.Errorf("reply after rename went to %q (%s)", sent[0].To, sent[0].GroupID)
	}
	if len(fresh) != 1 || fresh[0] != "幸福里业主一群" {
		t.Errorf("Groups(true) after the rename notice: %v", fresh)
	}
	var mod bool
	for _, body := range e.tap.get("webwxsync") {
		mod = mod || strings.Contains(string(body), `"ModContactCount":1`) && strings.Contains(string(body), "幸福里业主一群")
	}
	if !mod {
		t.Error("no ModContactList entry for the renamed group")
	}
	if err := e.srv.Rename("幸福里业主群", "x"); err == nil {
		t.Error("the old name still addresses the group")
	}
}

func TestSendFaults(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	b := e.newBot(t)
	e.login(t, b)
	self, err := b.GetCurrentUser()
	must(t, err)
	gs, err := self.Groups()
	must(t, err)

	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.SendRet, f.Times = 1205, 2 }))
	var rets []int
	for range 3 {
		_, err := self.SendTextToGroup(gs[0], "摘要")
		rets = append(rets, retOf(err))
	}
	if rets[0] != 1205 || rets[1] != 1205 || rets[2] != 0 {
		t.Errorf("send rets %v, want [1205 1205 0]", rets)
	}
	if n := len(reqsTo(e.srv.Requests(), "/webwxsendmsg")); n != 3 {
		t.Errorf("%d sendmsg requests, want 3", n)
	}
	if sent := e.srv.Sent(); len(sent) != 1 {
		t.Errorf("refused sends recorded: %+v", sent)
	}
	if f := e.srv.Faults(); f.SendRet != 0 || f.Times != 0 {
		t.Errorf("faults left %+v", f)
	}

	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.SendRet = 1101 }))
	if _, err := self.SendTextToGroup(gs[0], "x"); retOf(err) != 1101 {
		t.Errorf("send_ret 1101: %v", err)
	}
	// A send to one's own UserName is 1204; to filehelper is kind self.
	if _, err := self.SendTextToFriend(&openwechat.Friend{User: self.User}, "x"); retOf(err) != 1204 {
		t.Errorf("send to self: %v", err)
	}
	_, err = self.FileHelper().SendText("给自己")
	must(t, err)
	sent := e.srv.Sent()
	if last := sent[len(sent)-1]; last.Kind != wechattest.KindSelf || last.To != "filehelper" {
		t.Errorf("filehelper send %+v", last)
	}
}

func TestPacingIsRecorded(t *testing.T) {
	base := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	var calls atomic.Int64
	e := newEnv(t, wechattest.Options{Now: func() time.Time { return base.Add(time.Duration(calls.Add(1)) * time.Second) }})
	e.seed(t)
	b := e.newBot(t)
	e.login(t, b)
	self, err := b.GetCurrentUser()
	must(t, err)
	fs, err := self.Friends()
	must(t, err)
	for range 2 {
		_, err := self.SendTextToFriend(fs.SearchByNickName(1, "王主任").First(), "第N条")
		must(t, err)
	}
	sent := e.srv.Sent()
	if len(sent) != 2 || !sent[1].Time.After(sent[0].Time) || sent[0].Time.Before(base) {
		t.Errorf("send times %v", sent)
	}
}

func TestLogout(t *testing.T) {
	for _, tc := range []struct {
		name    string
		json    bool
		wantErr bool
		crash   func(error) bool
	}{
		// The real server redirects; openwechat cannot decode that, Logout
		// fails and the bot dies on the next synccheck (1101) instead.
		{"301", false, true, func(err error) bool { return retOf(err) == 1101 }},
		{"json", true, false, func(err error) bool { return err == openwechat.ErrUserLogout }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, wechattest.Options{})
			must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.LogoutJSON = tc.json }))
			b := e.newBot(t)
			// Logout from the sync goroutine (as a command handler would):
			// from elsewhere, openwechat's Exit races with that goroutine.
			res := make(chan error, 1)
			b.MessageHandler = func(m *openwechat.Message) {
				if m.IsSendBySelf() && m.Content == "退出" {
					res <- m.Bot().Logout()
				}
			}
			e.login(t, b)
			done := block(b)
			_, err := e.srv.PostSelfMessage("filehelper", "退出")
			must(t, err)
			if err := waitErr(t, res); (err != nil) != tc.wantErr {
				t.Errorf("Logout() = %v", err)
			}
			if err := waitErr(t, done); !tc.crash(err) {
				t.Errorf("bot ended with %v", err)
			}
			if e.srv.Status().LoggedIn {
				t.Error("still logged in")
			}
			if n := len(reqsTo(e.srv.Requests(), "/webwxlogout")); n != 1 {
				t.Errorf("%d logout requests", n)
			}
		})
	}
}
