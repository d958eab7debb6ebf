package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eatmoreapple/openwechat"

	"github.com/wxdigest/wxdigest/bot"
)

func TestStripMention(t *testing.T) {
	tests := []struct {
		name, text string
		names      []string
		want       string
		mention    bool
	}{
		{"leading with U+2005", "@小助手\u2005今日新闻", []string{"小助手"}, "今日新闻", true},
		{"leading with space", "@小助手 今日新闻", []string{"小助手"}, "今日新闻", true},
		{"mention last", "今日新闻 @小助手", []string{"小助手"}, "今日新闻", true},
		{"only the mention", "@小助手", []string{"小助手"}, "", true},
		{"display name preferred when longer", "@小助手bot\u2005ping", []string{"小助手", "小助手bot"}, "ping", true},
		{"prefix of a longer name is no mention", "@小助手bot\u2005ping", []string{"小助手"}, "@小助手bot\u2005ping", false},
		{"someone else", "@李阿姨\u2005你好", []string{"小助手"}, "@李阿姨\u2005你好", false},
		{"other mention first", "@李阿姨\u2005@小助手\u2005ping", []string{"小助手"}, "@李阿姨\u2005ping", true},
		{"no names", "@小助手 ping", nil, "@小助手 ping", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, m := stripMention(tt.text, tt.names...)
			if got != tt.want || m != tt.mention {
				t.Errorf("stripMention(%q, %q) = %q, %v; want %q, %v", tt.text, tt.names, got, m, tt.want, tt.mention)
			}
		})
	}
}

func TestGroupSender(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"@abc123:<br/>hello", "@abc123"},
		{"@abc123:<br/>cmd:<br/>x", "@abc123"},
		{"hello", ""},
		{":<br/>hello", ""},
		{"abc:<br/>hello", ""},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			if got := groupSender(tt.raw); got != tt.want {
				t.Errorf("groupSender(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestParseArticle(t *testing.T) {
	const card = `<?xml version="1.0"?><msg><appmsg appid="" sdkver="0"><title>区里召开会议</title><des>本报讯 近日…</des>` +
		`<type>5</type><url>https://mp.weixin.qq.com/s?__biz=x&amp;mid=1</url></appmsg><fromusername>gh_x</fromusername></msg>`
	got, err := parseArticle(card)
	if err != nil {
		t.Fatal(err)
	}
	want := bot.ArticleCard{Title: "区里召开会议", Desc: "本报讯 近日…", URL: "https://mp.weixin.qq.com/s?__biz=x&mid=1"}
	if *got != want {
		t.Errorf("parseArticle = %+v, want %+v", *got, want)
	}
	for _, bad := range []string{"", "not xml", "<msg><appmsg><title>t</title></appmsg></msg>", "<msg><appmsg>"} {
		if _, err := parseArticle(bad); err == nil {
			t.Errorf("parseArticle(%q): no error", bad)
		}
	}
}

func FuzzParseArticle(f *testing.F) {
	f.Add(`<msg><appmsg><title>t</title><des>d</des><url>http://x</url><type>5</type></appmsg></msg>`)
	f.Add("<msg><appmsg><title>")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseArticle(s)
		if err == nil && c.URL == "" {
			t.Fatalf("card without url from %q", s)
		}
	})
}

func FuzzStripMention(f *testing.F) {
	f.Add("@小助手\u2005ping", "小助手")
	f.Add("ping @bot", "bot")
	f.Fuzz(func(t *testing.T, text, name string) {
		got, m := stripMention(text, name)
		if !m && got != text {
			t.Fatalf("changed text without a mention: %q -> %q", text, got)
		}
		if m && len(got) >= len(text) {
			t.Fatalf("mention found but nothing removed: %q -> %q", text, got)
		}
	})
}

func TestBackoff(t *testing.T) {
	var got []time.Duration
	for n := 1; n <= 6; n++ {
		got = append(got, backoff(time.Second, 10*time.Second, n))
	}
	want := []time.Duration{1, 2, 4, 8, 10, 10}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("backoff = %v, want %v s", got, want)
		}
	}
}

func TestMapErr(t *testing.T) {
	netErr := errors.Join(openwechat.NetworkErr, errors.New("dial tcp: refused"))
	tests := []struct {
		err  error
		is   error
		code string
	}{
		{openwechat.Ret(1205), bot.ErrRateLimited, "1205"},
		{fmt.Errorf("x: %w", openwechat.Ret(1101)), bot.ErrLoggedOut, "1101"},
		{openwechat.Ret(1100), bot.ErrLoggedOut, "1100"},
		{openwechat.Ret(1102), bot.ErrLoggedOut, "1102"},
		{openwechat.Ret(1203), bot.ErrLoginRefused, "1203"},
		{netErr, bot.ErrNetwork, "refused"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			got := mapErr("wechat: send", tt.err)
			if !errors.Is(got, tt.is) || !strings.Contains(got.Error(), tt.code) || !strings.HasPrefix(got.Error(), "wechat: send: ") {
				t.Errorf("mapErr(%v) = %q; want it to wrap %v and mention %s", tt.err, got, tt.is, tt.code)
			}
		})
	}
	var ret openwechat.Ret
	if !errors.As(mapErr("op", openwechat.Ret(1205)), &ret) || ret != 1205 {
		t.Error("the Ret is not kept in the chain")
	}
	if got := mapErr("op", openwechat.Ret(-1)); errors.Is(got, bot.ErrLoggedOut) || errors.Is(got, bot.ErrRateLimited) {
		t.Errorf("mapErr(-1) = %v: classified", got)
	}
}

func TestFileDedupeSurvivesRestartAndStaysBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seen")
	d, err := NewFileDedupe(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		seen, err := d.Seen(fmt.Sprint("id", i))
		if err != nil || seen {
			t.Fatalf("Seen(id%d) = %v, %v on first sight", i, seen, err)
		}
	}
	if seen, _ := d.Seen("id9"); !seen {
		t.Fatal("id9 not remembered")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if n := strings.Count(string(b), "\n"); n > 6 {
		t.Errorf("file holds %d ids, want at most twice the bound", n)
	}
	d2, err := NewFileDedupe(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"id7", "id8", "id9"} {
		if seen, _ := d2.Seen(id); !seen {
			t.Errorf("after restart %s is new", id)
		}
	}
	if seen, _ := d2.Seen("id0"); seen {
		t.Error("id0 should have been evicted")
	}
	if _, err := d2.Seen("a\nb"); err == nil {
		t.Error("id with newline accepted")
	}
}

func TestStorageCookieWorkaround(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hot.json")
	doc := map[string]any{
		"Jar": map[string][]*http.Cookie{
			"https://wx2.qq.com": {{Name: "wxsid", Value: "S"}, {Name: "wxuin", Value: "42"}},
			// webpush already has a fresher wxsid: kept.
			"https://webpush.wx2.qq.com": {{Name: "wxsid", Value: "S2"}},
		},
		"WechatDomain": "wx2.qq.com",
		"LoginInfo":    map[string]any{"WxUin": 42},
	}
	b, _ := json.Marshal(doc)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	sf := &storageFile{path: path}
	data, _, err := sf.load()
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("storage mode %v not tightened to 0600", fi.Mode().Perm())
	}
	jar := storageDoc{}
	if err := json.Unmarshal(data, &jar); err != nil {
		t.Fatal(err)
	}
	j := jar.jar()
	names := func(cs []*http.Cookie) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.Name+"="+c.Value)
		}
		return strings.Join(s, ",")
	}
	if got := names(j["https://webpush.wx2.qq.com"]); got != "wxsid=S2,wxuin=42" {
		t.Errorf("webpush cookies = %s", got)
	}
	if got := names(j["https://file.wx2.qq.com"]); got != "wxsid=S,wxuin=42" {
		t.Errorf("file cookies = %s", got)
	}
	if sf.storedUin() != 42 {
		t.Errorf("storedUin = %d", sf.storedUin())
	}

	// A dump with an empty jar (as after a hot login) keeps the cookies.
	empty, _ := json.Marshal(map[string]any{"Jar": map[string]any{}, "WechatDomain": "wx2.qq.com", "UUID": "u2"})
	bs := &botStorage{file: sf}
	if _, err := bs.Write(empty); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(b) {
		t.Error("a dump before accept reached the file")
	}
	if err := bs.accept(); err != nil {
		t.Fatal(err)
	}
	d, err := sf.readDoc()
	if err != nil {
		t.Fatal(err)
	}
	if got := names(d.jar()["https://wx2.qq.com"]); got != "wxsid=S,wxuin=42" {
		t.Errorf("after empty dump, main cookies = %q", got)
	}
	var uuid string
	_ = json.Unmarshal(d["UUID"], &uuid)
	if uuid != "u2" {
		t.Errorf("UUID = %q, the new dump was not written", uuid)
	}
	// New values win over old ones.
	fresh, _ := json.Marshal(map[string]any{"Jar": map[string][]*http.Cookie{"https://wx2.qq.com": {{Name: "wxsid", Value: "NEW"}}}, "WechatDomain": "wx2.qq.com"})
	if _, err := bs.Write(fresh); err != nil {
		t.Fatal(err)
	}
	d, _ = sf.readDoc()
	if got := names(d.jar()["https://wx2.qq.com"]); got != "wxsid=NEW,wxuin=42" {
		t.Errorf("after fresh dump, main cookies = %q", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("storage mode after write %v", fi.Mode().Perm())
	}

	missing := &botStorage{file: &storageFile{path: filepath.Join(dir, "none.json")}}
	if _, err := missing.Read(make([]byte, 10)); !errors.Is(err, openwechat.ErrInvalidStorage) {
		t.Errorf("missing storage Read err = %v", err)
	}
}

// fakeClock is Now plus a sleep that advances it and records the waits.
type fakeClock struct {
	now   time.Time
	waits []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	return nil
}

func TestWaitCap(t *testing.T) {
	clk := &fakeClock{now: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)}
	tr, err := New(Config{Now: clk.Now, MaxLoginsPerHour: 3})
	if err != nil {
		t.Fatal(err)
	}
	tr.sleep = clk.Sleep
	var attempts []time.Time
	for range 3 {
		if err := tr.waitCap(context.Background(), &attempts); err != nil {
			t.Fatal(err)
		}
		clk.now = clk.now.Add(time.Minute)
	}
	if len(clk.waits) != 0 {
		t.Fatalf("waited %v under the cap", clk.waits)
	}
	if err := tr.waitCap(context.Background(), &attempts); err != nil {
		t.Fatal(err)
	}
	if len(clk.waits) != 1 || clk.waits[0] != 57*time.Minute {
		t.Fatalf("waits = %v, want [57m]", clk.waits)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tr.waitCap(ctx, &attempts); err == nil {
		t.Fatal("waitCap over the cap with a cancelled ctx returned nil")
	}
}

func TestSyncLoopBacksOff(t *testing.T) {
	clk := &fakeClock{now: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)}
	tr, err := New(Config{Now: clk.Now, SyncRetryMin: time.Second, SyncRetryMax: 4 * time.Second, SyncMaxFails: 5})
	if err != nil {
		t.Fatal(err)
	}
	tr.sleep = clk.Sleep
	s := tr.newSession(context.Background(), methodScan)
	defer s.end()

	t.Run("errors", func(t *testing.T) {
		netErr := errors.Join(openwechat.NetworkErr, errors.New("connection reset"))
		for i := range 4 {
			if err := s.onSyncError(netErr); err != nil {
				t.Fatalf("failure %d ended the session: %v", i+1, err)
			}
		}
		if err := s.onSyncError(errors.New("parse sync key failed")); err == nil {
			t.Fatal("the 5th consecutive failure did not end the session")
		}
		want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}
		if fmt.Sprint(clk.waits) != fmt.Sprint(want) {
			t.Errorf("waits = %v, want %v", clk.waits, want)
		}
		// A good synccheck resets the count.
		s.onSyncCheck(openwechat.SyncCheckResponse{RetCode: "0", Selector: "0"})
		clk.waits = nil
		if err := s.onSyncError(netErr); err != nil || fmt.Sprint(clk.waits) != "[1s]" {
			t.Errorf("after a good poll: err %v, waits %v", err, clk.waits)
		}
		clk.waits = nil
		for _, code := range []openwechat.Ret{1100, 1101, 1102} {
			if err := s.onSyncError(code); !errors.Is(err, code) {
				t.Errorf("Ret %d = %v, want the session to end", code, err)
			}
		}
		if len(clk.waits) != 0 {
			t.Errorf("waited %v before ending on a logout", clk.waits)
		}
	})
	t.Run("selector without messages", func(t *testing.T) {
		clk.waits = nil
		for range idleSyncs + 2 {
			s.onSyncCheck(openwechat.SyncCheckResponse{RetCode: "0", Selector: "7"})
		}
		if fmt.Sprint(clk.waits) != "[1s 2s]" {
			t.Errorf("waits = %v, want [1s 2s]", clk.waits)
		}
	})
	t.Run("polls not held", func(t *testing.T) {
		clk.waits = nil
		s.quick = nil
		for range spinPolls {
			s.onSyncCheck(openwechat.SyncCheckResponse{RetCode: "0", Selector: "0"})
		}
		if fmt.Sprint(clk.waits) != "[1s]" {
			t.Errorf("waits = %v, want [1s]", clk.waits)
		}
		// Held polls (one a second or slower) are left alone.
		clk.waits = nil
		for range 3 * spinPolls {
			clk.now = clk.now.Add(time.Second)
			s.onSyncCheck(openwechat.SyncCheckResponse{RetCode: "0", Selector: "0"})
		}
		if len(clk.waits) != 0 {
			t.Errorf("waits = %v for held polls", clk.waits)
		}
	})
	t.Run("shutdown", func(t *testing.T) {
		s.end()
		if err := s.onSyncError(errors.New("context canceled")); err != nil {
			t.Errorf("onSyncError after end = %v, want nil (the loop stops on its own)", err)
		}
	})
}
