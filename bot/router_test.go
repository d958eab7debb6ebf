package bot

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Shanghai on machines without zone data

	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
)

// -update rewrites golden files. Another test file of the package may
// declare the same flag; register it only when nobody did.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata/")
	}
}

func rtUpdating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// The people of the tests. Roles are granted to the remarks 王主任 (admin)
// and 李干事 (staff).
var (
	rtResident = Sender{Nick: "张阿姨"}
	rtStaff    = Sender{Remark: "李干事", Nick: "小李"}
	rtAdmin    = Sender{Remark: "王主任", Nick: "老王"}
	rtSelf     = Sender{Self: true, Nick: "中原区新闻"}
	// rtSpoof took the admin's remark as nickname; no remark: not a friend.
	rtSpoof = Sender{Nick: "王主任"}

	rtGroup = Target{Kind: ChatGroup, Name: "中原区居民群"}
)

const rtDay = "2023-02-13" // the sample page's issue date, a Monday

// rtEnv is a router over a real store holding the sample page.
type rtEnv struct {
	t     *testing.T
	db    *data.Store
	store *rtStore
	out   *rtOutbox
	disp  *rtDispatcher
	clock *rtClock
	zone  *time.Location
	r     *Router
	ids   []int64 // the sample articles' ids, in page order
	state LoginState
}

type rtOption func(*RouterConfig)

func newRTEnv(t *testing.T, opts ...rtOption) *rtEnv {
	t.Helper()
	ctx := context.Background()
	zone, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	e := &rtEnv{t: t, out: &rtOutbox{}, disp: &rtDispatcher{}, zone: zone,
		clock: &rtClock{t: time.Date(2023, 2, 13, 10, 0, 0, 0, zone)}}
	e.db, err = data.Open(ctx, filepath.Join(t.TempDir(), "bot.db"), data.Options{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.db.Close() })
	arts, err := digest.ParsePage(digest.SamplePage)
	if err != nil {
		t.Fatal(err)
	}
	for i := range arts {
		arts[i].Source, arts[i].Date = "中原区报", rtDay
	}
	res, err := e.db.ImportArticles(ctx, arts)
	if err != nil {
		t.Fatal(err)
	}
	e.ids = res.IDs
	for remark, role := range map[string]data.Role{"王主任": data.RoleAdmin, "李干事": data.RoleStaff} {
		if err := e.db.GrantRole(ctx, remark, role, "cli"); err != nil {
			t.Fatal(err)
		}
	}
	e.store = &rtStore{Store: e.db}
	e.state = LoginState{LoggedIn: true, Self: "中原区新闻", Since: e.clock.Now().Add(-time.Hour), Logins: 1}
	cfg := RouterConfig{
		Store: e.store, Outbox: e.out, Dispatcher: e.disp, State: func() LoginState { return e.state },
		Now: e.clock.Now, Zone: zone,
	}
	for _, o := range opts {
		o(&cfg)
	}
	e.r = NewRouter(cfg)
	return e
}

// say delivers text from sender in chat and returns the replies.
func (e *rtEnv) say(chat Target, from Sender, text string) []rtSent {
	e.t.Helper()
	e.r.Handle(context.Background(), Message{ID: "m", Chat: chat, From: from, Text: text, Time: e.clock.Now()})
	return e.out.take()
}

// one expects exactly one reply, to chat, and returns its text.
func (e *rtEnv) one(chat Target, from Sender, text string) string {
	e.t.Helper()
	got := e.say(chat, from, text)
	if len(got) != 1 {
		e.t.Fatalf("%q from %+v: want 1 reply, got %d: %+v", text, from, len(got), got)
	}
	if got[0].To != chat {
		e.t.Fatalf("%q: reply went to %+v, want %+v", text, got[0].To, chat)
	}
	return got[0].text()
}

func (e *rtEnv) auditLog() []data.AuditEntry {
	e.t.Helper()
	log, err := e.db.AuditLog(context.Background(), 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return log
}

func (e *rtEnv) subscribe(group, spec string) {
	e.t.Helper()
	if _, err := e.db.PutSubscription(context.Background(), data.Subscription{
		Group: group, Kind: data.ScheduleAt, Spec: spec, TZ: "Asia/Shanghai", Enabled: true,
	}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *rtEnv) subs() []data.Subscription {
	e.t.Helper()
	s, err := e.db.Subscriptions(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func privateOf(from Sender) Target {
	t, _ := privateTarget(from)
	return t
}

// TestRouterCommandRoles runs every command as every kind of sender: the
// allowed ones do their thing, the others get 权限 and change nothing.
func TestRouterCommandRoles(t *testing.T) {
	senders := []struct {
		name string
		from Sender
		role Role
	}{
		{"resident", rtResident, RoleResident},
		{"spoofed admin nick", rtSpoof, RoleResident},
		{"staff friend", rtStaff, RoleStaff},
		{"admin friend", rtAdmin, RoleAdmin},
		{"self", rtSelf, RoleAdmin},
	}
	cmds := []struct {
		text  string
		role  Role
		check func(t *testing.T, e *rtEnv, from Sender, got []rtSent)
	}{
		{"帮助", RoleResident, func(t *testing.T, e *rtEnv, from Sender, got []rtSent) {
			rtWantReply(t, got, rtGroup, "今日新闻")
		}},
		{"今日新闻", RoleResident, func(t *testing.T, e *rtEnv, from Sender, got []rtSent) {
			rtWantReply(t, got, rtGroup, "【中原区报】2023年2月13日 星期一", "详情")
		}},
		{"详情 2", RoleResident, func(t *testing.T, e *rtEnv, from Sender, got []rtSent) {
			rtWantReply(t, got, rtGroup, "新时代好少年")
		}},
		{"搜索 好少年", RoleResident, func(t *testing.T, e *rtEnv, from Sender, got []rtSent) {
			rtWantReply(t, got, rtGroup, "2023年2月13日", "新时代好少年")
		}},
		{"预览", RoleStaff, func(t *testing.T, e *rtEnv, from Sender, got []rtSent) {
			if len(got) != 2 || got[0].To != privateOf(from) || !strings.Contains(got[0].text(), "【中原区报】") {
				t.Fatalf("preview: want the digest privately then a note, got %+v", got)
			}
			rtWantReply(t, got[1:], rtGroup, "私信")
		}},
		{"推送", RoleStaff, func(t *testing.T, e *rtEnv, from Sender, got []rtSent) {
			if p, _ := e.disp.counts(); p != 1 {
				t.Fatalf("push: %d PushNow calls, want 1", p)
			}
			rtWantAudit(t, e, auditWho(from), "push", "group=中原区居民群")
		}},
		{"状态", RoleStaff, func(t *testing.T, e *rtEnv, from Sender, got []rtSent) {
			rtWantReply(t, got, rtGroup, "登录：在线", "发送队列")
		}},
		{"订阅 08:00", RoleAdmin, func(t *testing.T, e *rtEnv, from Sender, got []rtSent) {
			rtWantReply(t, got, rtGroup, "已订阅", "每天 08:00", "下次 2月14日 08:00")
			rtWantAudit(t, e, auditWho(from), "subscribe", "group=中原区居民群")
			if _, r := e.disp.counts(); r != 1 {
				t.Fatalf("subscribe: %d reloads, want 1", r)
			}
		}},
		{"退订", RoleAdmin, func(t *testing.T, e *rtEnv, from Sender, got []rtSent) {
			rtWantReply(t, got, rtGroup, "已退订")
			rtWantAudit(t, e, auditWho(from), "unsubscribe", "group=中原区居民群")
		}},
		{"订阅列表", RoleAdmin, func(t *testing.T, e *rtEnv, from Sender, got []rtSent) {
			rtWantReply(t, got, rtGroup, "中原区居民群：每天 18:00", "下次 2月13日 18:00")
		}},
	}
	for _, c := range cmds {
		for _, s := range senders {
			t.Run(c.text+"/"+s.name, func(t *testing.T) {
				t.Parallel()
				e := newRTEnv(t)
				e.subscribe(rtGroup.Name, "18:00") // so 推送 and 退订 have something to act on
				before := e.subs()
				got := e.say(rtGroup, s.from, c.text)
				if s.role >= c.role {
					c.check(t, e, s.from, got)
					return
				}
				rtWantReply(t, got, rtGroup, "权限")
				if p, r := e.disp.counts(); p != 0 || r != 0 {
					t.Errorf("refused command reached the dispatcher: %d pushes, %d reloads", p, r)
				}
				if log := e.auditLog(); len(log) != 0 {
					t.Errorf("refused command was audited: %+v", log)
				}
				if after := e.subs(); len(after) != len(before) || after[0].Spec != before[0].Spec {
					t.Errorf("refused command changed subscriptions: %+v → %+v", before, after)
				}
			})
		}
	}
}

// rtWantReply expects one reply to chat holding every want.
func rtWantReply(t *testing.T, got []rtSent, chat Target, want ...string) {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("want 1 reply, got %d: %+v", len(got), got)
	}
	if got[0].To != chat {
		t.Fatalf("reply went to %+v, want %+v", got[0].To, chat)
	}
	for _, w := range want {
		if !strings.Contains(got[0].text(), w) {
			t.Fatalf("reply lacks %q:\n%s", w, got[0].text())
		}
	}
}

// rtWantAudit expects the newest audit entry to be action by who.
func rtWantAudit(t *testing.T, e *rtEnv, who, action, detail string) {
	t.Helper()
	log := e.auditLog()
	if len(log) == 0 {
		t.Fatalf("no audit entry, want %s by %s", action, who)
	}
	got := log[0]
	if got.Who != who || got.Action != action || !strings.Contains(got.Detail, detail) || !got.At.Equal(e.clock.Now()) {
		t.Fatalf("audit = %+v, want who %q action %q detail ~%q at %v", got, who, action, detail, e.clock.Now())
	}
}

// TestRouterRecognition: which texts are commands, by alias, form and
// mention; everything else stays silent.
func TestRouterRecognition(t *testing.T) {
	cases := []struct {
		name    string
		text    string
		mention bool
		want    string // substring of the one reply; "" = no reply at all
	}{
		{"chinese word", "今日新闻", false, "【中原区报】"},
		{"short word", "新闻", false, "【中原区报】"},
		{"english alias", "/today", false, "【中原区报】"},
		{"english alias upper case", "/TODAY", false, "【中原区报】"},
		{"slash chinese", "/新闻", false, "【中原区报】"},
		{"full-width slash and letters", "／ｔｏｄａｙ", false, "【中原区报】"},
		{"after mention", "今日新闻", true, "【中原区报】"},
		{"surrounding full-width space", "\u3000今日新闻\u3000", false, "【中原区报】"},
		{"trailing punctuation", "今日新闻！", false, "【中原区报】"},
		{"trailing question mark", "帮助？", false, "可以发送以下命令"},
		{"help alias", "/help", false, "可以发送以下命令"},
		{"more with space", "详情 1", false, "开门红"},
		{"more attached", "详情1", false, "开门红"},
		{"more full-width digit", "详情 ２", false, "新时代好少年"},
		{"more chinese numeral", "详情 三", false, "区领导调研企业复工情况"},
		{"more 第N条", "详情 第2条", false, "新时代好少年"},
		{"more alias", "/more 2", false, "新时代好少年"},
		{"search alias", "/search 好少年", false, "新时代好少年"},
		{"today with date", "今日新闻 2023-02-13", false, "【中原区报】"},
		{"today attached date", "新闻2月13日", false, "【中原区报】"},
		{"unknown slash", "/xyz", false, "帮助"},
		{"mention last", "今日新闻 @中原区新闻", true, "【中原区报】"},
		{"mention last, wechat space", "详情 2\u2005@中原区新闻", true, "新时代好少年"},
		{"mention without command", "你好", true, "帮助"},
		{"mention alone", "", true, "帮助"},

		{"contains the word", "我看了今日新闻很好", false, ""},
		{"starts with the word", "新闻联播开始了", false, ""},
		{"word then chat", "今日新闻不错", false, ""},
		{"no-arg command with text", "帮助 我们一下", false, ""},
		{"no-arg command attached text", "状态不错", false, ""},
		{"search needs a space", "搜索一下", false, ""},
		{"subscription account", "订阅号", false, ""},
		{"wechat emoticon", "/::)", false, ""},
		{"bare slash", "/", false, ""},
		{"plain chat", "大家好", false, ""},
		{"empty", "", false, ""},
		{"long text", strings.Repeat("今日新闻", 40), false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newRTEnv(t)
			e.r.Handle(context.Background(), Message{Chat: rtGroup, From: rtResident, Text: c.text, Mention: c.mention})
			got := e.out.take()
			if c.want == "" {
				if len(got) != 0 {
					t.Fatalf("%q: want silence, got %+v", c.text, got)
				}
				return
			}
			rtWantReply(t, got, rtGroup, c.want)
		})
	}
}

// TestRouterArticleCardIgnored: a forwarded article whose title is a
// command word is not a command (an admin's card is kept as an article,
// see forward_test.go, and confirmed privately).
func TestRouterArticleCardIgnored(t *testing.T) {
	e := newRTEnv(t)
	e.r.Handle(context.Background(), Message{Chat: rtGroup, From: rtAdmin, Text: "今日新闻",
		Article: &ArticleCard{Title: "今日新闻", URL: "http://127.0.0.1/a"}})
	for _, s := range e.out.take() {
		if s.To == rtGroup || strings.Contains(s.text(), "【中原区报】") {
			t.Fatalf("article card answered as a command: %+v", s)
		}
	}
}

func TestRouterTodayDates(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		{"iso date", "今日新闻 2023-02-13", []string{"【中原区报】2023年2月13日 星期一"}},
		{"chinese date", "今日新闻 2023年2月13日", []string{"【中原区报】2023年2月13日"}},
		{"month day", "新闻 2月13日", []string{"【中原区报】2023年2月13日"}},
		{"slash date", "/today 2023/2/13", []string{"【中原区报】2023年2月13日"}},
		{"yesterday empty", "今日新闻 昨天", []string{"2023年2月12日 暂无新闻", "新闻 2月11日"}},
		{"empty day", "今日新闻 2023-03-01", []string{"2023年3月1日 暂无新闻"}},
		{"bad date", "今日新闻 明年", []string{"看不懂日期“明年”", "2023-02-13"}},
		{"impossible date", "今日新闻 2023-02-30", []string{"看不懂日期"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newRTEnv(t)
			rtWantReply(t, e.say(rtGroup, rtResident, c.text), rtGroup, c.want...)
		})
	}
	t.Run("today in Shanghai while UTC is still yesterday", func(t *testing.T) {
		e := newRTEnv(t)
		e.clock.t = time.Date(2023, 2, 12, 16, 30, 0, 0, time.UTC) // 00:30 on the 13th in Shanghai
		rtWantReply(t, e.say(rtGroup, rtResident, "今日新闻"), rtGroup, "2023年2月13日 星期一")
	})
	t.Run("all parts of a long digest, items numbered", func(t *testing.T) {
		e := newRTEnv(t, func(c *RouterConfig) { c.Budget = 200 })
		got := e.say(rtGroup, rtResident, "今日新闻")
		if len(got) != 1 || len(got[0].Parts) < 2 {
			t.Fatalf("want one reply of several parts, got %+v", got)
		}
		for i, p := range got[0].Parts {
			if n := len([]rune(p)); n > 200 {
				t.Errorf("part %d has %d runes, budget 200", i+1, n)
			}
		}
		if !strings.Contains(got[0].text(), "5.") {
			t.Errorf("item 5 missing:\n%s", got[0].text())
		}
	})
}

func TestRouterMoreFlow(t *testing.T) {
	t.Run("falls back to today's numbering", func(t *testing.T) {
		e := newRTEnv(t)
		got := e.say(rtGroup, rtResident, "详情 4")
		rtWantReply(t, got, rtGroup, "人才住房保障")
	})
	t.Run("uses the digest last shown here", func(t *testing.T) {
		e := newRTEnv(t)
		e.r.Shown(rtGroup, []int64{e.ids[4], e.ids[0]})
		rtWantReply(t, e.say(rtGroup, rtResident, "详情 1"), rtGroup, "研发费用入统")
		rtWantReply(t, e.say(rtGroup, rtResident, "详情 3"), rtGroup, "没有第 3 条，共 2 条", "“详情 2”")
		// Another chat keeps today's numbering.
		other := Target{Kind: ChatGroup, Name: "别的群"}
		rtWantReply(t, e.say(other, rtResident, "详情 1"), other, "开门红")
	})
	t.Run("a search has its own numbering: 详情 搜N", func(t *testing.T) {
		e := newRTEnv(t)
		rtWantReply(t, e.say(rtGroup, rtResident, "详情 搜1"), rtGroup, "还没有搜索过")
		e.say(rtGroup, rtResident, "今日新闻")
		e.say(rtGroup, rtResident, "搜索 研发费用")
		rtWantReply(t, e.say(rtGroup, rtResident, "详情 搜1"), rtGroup, "研发费用入统")
		rtWantReply(t, e.say(rtGroup, rtResident, "详情搜1"), rtGroup, "研发费用入统")
		rtWantReply(t, e.say(rtGroup, rtResident, "详情 搜2"), rtGroup, "没有搜索结果第 2 条，共 1 条")
		// 详情 N still means the digest the group was shown.
		rtWantReply(t, e.say(rtGroup, Sender{Nick: "赵大爷"}, "详情 1"), rtGroup, "开门红")
	})
	t.Run("full text split into parts", func(t *testing.T) {
		e := newRTEnv(t, func(c *RouterConfig) { c.Budget = 300 })
		got := e.say(rtGroup, rtResident, "详情 1")
		if len(got) != 1 || len(got[0].Parts) < 3 {
			t.Fatalf("want one reply of several parts, got %+v", got)
		}
		if !strings.Contains(got[0].Parts[0], "（1/") {
			t.Errorf("first part has no part marker: %q", got[0].Parts[0])
		}
	})
	cases := []struct {
		name, text, want string
	}{
		{"out of range", "详情 9", "没有第 9 条，共 5 条"},
		{"zero", "详情 0", "没有第 0 条"},
		{"no number", "详情", "请写上序号"},
		{"not a number", "详情 abc", "序号要写数字"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newRTEnv(t)
			rtWantReply(t, e.say(rtGroup, rtResident, c.text), rtGroup, c.want)
		})
	}
	t.Run("no digest today", func(t *testing.T) {
		e := newRTEnv(t)
		e.clock.Advance(48 * time.Hour)
		rtWantReply(t, e.say(rtGroup, rtResident, "详情 1"), rtGroup, "今天还没有新闻", "新闻 昨天")
	})
	t.Run("article deleted since", func(t *testing.T) {
		e := newRTEnv(t)
		e.r.Shown(rtGroup, []int64{e.ids[0]})
		if err := e.db.DeleteArticle(context.Background(), e.ids[0]); err != nil {
			t.Fatal(err)
		}
		rtWantReply(t, e.say(rtGroup, rtResident, "详情 1"), rtGroup, "已经删除")
	})
	t.Run("store error", func(t *testing.T) {
		e := newRTEnv(t)
		e.store.article = func(context.Context, int64) (digest.Article, error) { return digest.Article{}, errors.New("disk") }
		rtWantReply(t, e.say(rtGroup, rtResident, "详情 1"), rtGroup, "稍后再试")
	})
	t.Run("shown empty forgets", func(t *testing.T) {
		e := newRTEnv(t)
		e.r.Shown(rtGroup, []int64{e.ids[4]})
		e.r.Shown(rtGroup, nil)
		rtWantReply(t, e.say(rtGroup, rtResident, "详情 1"), rtGroup, "开门红")
	})
}

func TestRouterSearch(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		{"hit", "搜索 好少年", []string{"搜索“好少年”找到 1 条", "1. 2023年2月13日 中原区2022年度“新时代好少年”颁奖典礼举行", "详情 搜1"}},
		{"several terms", "搜索 中原区 培训", []string{"研发费用入统业务培训会"}},
		{"nothing", "搜索 樱花", []string{"没有找到与“樱花”有关的新闻"}},
		{"empty keyword", "搜索", []string{"请在“搜索”后写上关键词", "搜索 樱花"}},
		{"too long", "搜索 " + strings.Repeat("长", 31), []string{"关键词太长"}},
		{"more than shown", "搜索 中原区", []string{"最新 5 条", "5. "}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newRTEnv(t)
			if c.name == "more than shown" {
				rtImportMore(t, e, 3)
			}
			rtWantReply(t, e.say(rtGroup, rtResident, c.text), rtGroup, c.want...)
		})
	}
	t.Run("store error", func(t *testing.T) {
		e := newRTEnv(t)
		e.store.search = func(context.Context, string, int) ([]data.Hit, error) { return nil, errors.New("fts") }
		rtWantReply(t, e.say(rtGroup, rtResident, "搜索 好少年"), rtGroup, "稍后再试")
	})
}

// rtImportMore adds n small articles mentioning 中原区 on earlier days.
func rtImportMore(t *testing.T, e *rtEnv, n int) {
	t.Helper()
	var arts []digest.Article
	for i := range n {
		day := time.Date(2023, 2, 1+i, 0, 0, 0, 0, time.UTC).Format(dayLayout)
		arts = append(arts, digest.Article{Source: "中原区报", Date: day, Title: "中原区简讯" + day,
			Lead: "中原区今天有新闻。", Body: "中原区今天有新闻。" + day})
	}
	if _, err := e.db.ImportArticles(context.Background(), arts); err != nil {
		t.Fatal(err)
	}
}

func TestRouterPreview(t *testing.T) {
	t.Run("self gets it in the file helper", func(t *testing.T) {
		e := newRTEnv(t)
		got := e.say(rtGroup, rtSelf, "预览 2023-02-13")
		if len(got) != 2 || got[0].To != (Target{Kind: ChatSelf}) {
			t.Fatalf("want preview to the file helper and a note, got %+v", got)
		}
		// 详情 N in the file helper reads the preview's numbering.
		rtWantReply(t, e.say(Target{Kind: ChatSelf}, rtSelf, "详情 2"), Target{Kind: ChatSelf}, "新时代好少年")
	})
	t.Run("private chat: no extra note", func(t *testing.T) {
		e := newRTEnv(t)
		me := privateOf(rtStaff)
		got := e.say(me, rtStaff, "预览")
		if len(got) != 1 || got[0].To != me {
			t.Fatalf("want only the preview, privately, got %+v", got)
		}
		parts := digest.Render(ComposeDay(rtArticles(t, e), time.Date(2023, 2, 13, 0, 0, 0, 0, e.zone), 0), 0)
		if got[0].text() != strings.Join(parts, "\n") {
			t.Fatalf("preview differs from the digest as pushed:\n%s\n---\n%s", got[0].text(), strings.Join(parts, "\n"))
		}
	})
	t.Run("bad date", func(t *testing.T) {
		e := newRTEnv(t)
		rtWantReply(t, e.say(rtGroup, rtStaff, "预览 后天吧"), rtGroup, "看不懂日期")
	})
}

func rtArticles(t *testing.T, e *rtEnv) []digest.Article {
	t.Helper()
	arts, err := e.db.ArticlesByDate(context.Background(), rtDay)
	if err != nil {
		t.Fatal(err)
	}
	return arts
}

func TestRouterPush(t *testing.T) {
	t.Run("this group: the digest is the answer", func(t *testing.T) {
		e := newRTEnv(t)
		e.subscribe(rtGroup.Name, "08:00")
		if got := e.say(rtGroup, rtStaff, "推送"); len(got) != 0 {
			t.Fatalf("want no extra reply when the digest went out, got %+v", got)
		}
		if len(e.disp.pushes) != 1 || len(e.disp.pushes[0]) != 1 || e.disp.pushes[0][0] != rtGroup.Name {
			t.Fatalf("PushNow calls = %v", e.disp.pushes)
		}
		rtWantAudit(t, e, "李干事", "push", "group=中原区居民群 groups=1 items=1 failed=0")
	})
	t.Run("this group: nothing new", func(t *testing.T) {
		e := newRTEnv(t)
		e.subscribe(rtGroup.Name, "08:00")
		e.disp.pushNow = func(_ context.Context, g []string) ([]PushResult, error) {
			return []PushResult{{Group: g[0]}}, nil
		}
		rtWantReply(t, e.say(rtGroup, rtStaff, "推送"), rtGroup, "没有新内容")
	})
	t.Run("this group: not subscribed", func(t *testing.T) {
		e := newRTEnv(t)
		rtWantReply(t, e.say(rtGroup, rtStaff, "推送"), rtGroup, "还没有订阅")
		if p, _ := e.disp.counts(); p != 0 {
			t.Fatal("pushed an unsubscribed group")
		}
	})
	t.Run("all groups: summary", func(t *testing.T) {
		e := newRTEnv(t)
		e.disp.pushNow = func(_ context.Context, g []string) ([]PushResult, error) {
			if g != nil {
				t.Errorf("推送 全部 named groups %v, want nil", g)
			}
			return []PushResult{{Group: "甲群", Items: 3, Parts: 1}, {Group: "乙群"}, {Group: "丙群", Err: errors.New("boom")}}, nil
		}
		me := privateOf(rtAdmin)
		rtWantReply(t, e.say(me, rtAdmin, "推送 全部"), me,
			"1 个群有新内容，1 个群没有新内容，1 个群失败", "甲群：3 条", "乙群：没有新内容", "丙群：失败")
		rtWantAudit(t, e, "王主任", "push", "all groups=3 items=3 failed=1")
	})
	t.Run("english alias all", func(t *testing.T) {
		e := newRTEnv(t)
		e.say(rtGroup, rtSelf, "/push all")
		if len(e.disp.pushes) != 1 || e.disp.pushes[0] != nil {
			t.Fatalf("PushNow calls = %v", e.disp.pushes)
		}
		rtWantAudit(t, e, "self", "push", "all")
	})
	t.Run("push error is audited and reported", func(t *testing.T) {
		e := newRTEnv(t)
		e.disp.pushNow = func(context.Context, []string) ([]PushResult, error) { return nil, errors.New("ledger down") }
		rtWantReply(t, e.say(rtGroup, rtStaff, "推送 全部"), rtGroup, "推送失败")
		rtWantAudit(t, e, "李干事", "push", "err=ledger down")
	})
	t.Run("private chat without 全部", func(t *testing.T) {
		e := newRTEnv(t)
		me := privateOf(rtStaff)
		rtWantReply(t, e.say(me, rtStaff, "推送"), me, "推送 全部")
	})
	t.Run("bad argument", func(t *testing.T) {
		e := newRTEnv(t)
		rtWantReply(t, e.say(rtGroup, rtStaff, "推送 隔壁群"), rtGroup, "推送 全部")
		if p, _ := e.disp.counts(); p != 0 {
			t.Fatal("pushed on a bad argument")
		}
	})
	t.Run("no dispatcher", func(t *testing.T) {
		e := newRTEnv(t, func(c *RouterConfig) { c.Dispatcher = nil })
		rtWantReply(t, e.say(rtGroup, rtStaff, "推送 全部"), rtGroup, "没有启动")
	})
}

func TestRouterStatus(t *testing.T) {
	e := newRTEnv(t)
	now := e.clock.Now()
	e.disp.next = func(n int) []Upcoming {
		if n < 1 {
			t.Errorf("Next(%d)", n)
		}
		return []Upcoming{{Group: "甲群", At: now.Add(8 * time.Hour)}, {Group: "乙群", At: now.Add(22 * time.Hour)}}
	}
	e.out.stats = func() OutboxStats {
		return OutboxStats{Queued: 3, LastSend: now.Add(-90 * time.Second), LastErr: "rate limited", PausedUntil: now.Add(5 * time.Minute), SentToday: 12}
	}
	e.state.Problems = []string{"群“丙群”不存在"}
	e.state.Logins = 2
	rtWantReply(t, e.say(rtGroup, rtStaff, "状态"), rtGroup,
		"登录：在线（中原区新闻），2月13日 09:00 起，已登录 2 次",
		"问题：群“丙群”不存在",
		"· 2月13日 18:00 甲群", "· 2月14日 08:00 乙群",
		"发送队列：3 条待发，今天已发 12 条",
		"上次发送：2月13日 09:58",
		"最近错误：rate limited",
		"暂停到 2月13日 10:05")

	e.state = LoginState{LastErr: "login refused"}
	e.disp.next = nil
	e.out.stats = nil
	rtWantReply(t, e.say(rtGroup, rtStaff, "/status"), rtGroup, "登录：离线", "登录错误：login refused", "下次推送：没有订阅", "上次发送：还没有")
}

func TestRouterSubscribe(t *testing.T) {
	t.Run("forms", func(t *testing.T) {
		cases := []struct {
			text     string
			spec     string
			weekdays bool
			reply    string
		}{
			{"订阅 08:00", "08:00", false, "每天 08:00"},
			{"订阅 18:00,08:00", "08:00,18:00", false, "每天 08:00、18:00"},
			{"订阅 08:00，18:00 工作日", "08:00,18:00", true, "工作日 08:00、18:00"},
			{"订阅 ０８：００、１８：００ 周一至周五", "08:00,18:00", true, "工作日 08:00、18:00"},
			{"订阅8:00", "08:00", false, "每天 08:00"},
			{"/subscribe 7:30 weekdays", "07:30", true, "工作日 07:30"},
		}
		for _, c := range cases {
			t.Run(c.text, func(t *testing.T) {
				t.Parallel()
				e := newRTEnv(t)
				rtWantReply(t, e.say(rtGroup, rtAdmin, c.text), rtGroup, "已订阅", c.reply, "退订")
				s := e.subs()
				if len(s) != 1 || s[0].Group != rtGroup.Name || s[0].Kind != data.ScheduleAt || s[0].Spec != c.spec ||
					s[0].Weekdays != c.weekdays || s[0].TZ != "Asia/Shanghai" || !s[0].Enabled {
					t.Fatalf("stored %+v", s)
				}
			})
		}
	})
	t.Run("cron", func(t *testing.T) {
		e := newRTEnv(t)
		rtWantReply(t, e.say(rtGroup, rtSelf, "订阅 cron 30 7 * * 1-5"), rtGroup, "cron 30 7 * * 1-5", "下次 2月14日 07:30")
		if s := e.subs(); len(s) != 1 || s[0].Kind != data.ScheduleCron || s[0].Spec != "30 7 * * 1-5" {
			t.Fatalf("stored %+v", s)
		}
	})
	t.Run("replaces the group's subscription", func(t *testing.T) {
		e := newRTEnv(t)
		e.say(rtGroup, rtAdmin, "订阅 08:00")
		e.say(rtGroup, rtAdmin, "订阅 09:00")
		if s := e.subs(); len(s) != 1 || s[0].Spec != "09:00" {
			t.Fatalf("stored %+v", s)
		}
		if n := len(e.auditLog()); n != 2 {
			t.Fatalf("%d audit entries, want 2", n)
		}
	})
	bad := []struct{ text, want string }{
		{"订阅", "请写上推送时间"},
		{"订阅 25:00", "看不懂时间“25:00”"},
		{"订阅 8点钟吧", "看不懂时间"},
		{"订阅 cron 61 * * * *", "cron 写法不对"},
		{"订阅 cron 0 0 30 2 *", "永远不会触发"},
	}
	for _, c := range bad {
		t.Run(c.text, func(t *testing.T) {
			t.Parallel()
			e := newRTEnv(t)
			rtWantReply(t, e.say(rtGroup, rtAdmin, c.text), rtGroup, c.want)
			if len(e.subs()) != 0 || len(e.auditLog()) != 0 {
				t.Fatal("bad subscribe changed something")
			}
		})
	}
	t.Run("not in a group", func(t *testing.T) {
		e := newRTEnv(t)
		rtWantReply(t, e.say(Target{Kind: ChatSelf}, rtSelf, "订阅 08:00"), Target{Kind: ChatSelf}, "请在要订阅的群里")
	})
	t.Run("store error", func(t *testing.T) {
		e := newRTEnv(t)
		e.store.putSubscription = func(context.Context, data.Subscription) (data.Subscription, error) {
			return data.Subscription{}, errors.New("disk full")
		}
		rtWantReply(t, e.say(rtGroup, rtAdmin, "订阅 08:00"), rtGroup, "没有保存成功")
		if len(e.auditLog()) != 0 {
			t.Fatal("failed subscribe was audited")
		}
	})
	t.Run("audit failure still confirms", func(t *testing.T) {
		e := newRTEnv(t)
		e.store.audit = func(context.Context, data.AuditEntry) error { return errors.New("audit table gone") }
		rtWantReply(t, e.say(rtGroup, rtAdmin, "订阅 08:00"), rtGroup, "已订阅")
	})
}

func TestRouterUnsubscribeAndList(t *testing.T) {
	e := newRTEnv(t)
	other := Target{Kind: ChatGroup, Name: "须水街道群"}
	rtWantReply(t, e.say(rtGroup, rtAdmin, "订阅列表"), rtGroup, "还没有订阅")
	e.say(rtGroup, rtAdmin, "订阅 08:00,18:00 工作日")
	e.say(other, rtAdmin, "订阅 07:00")
	rtWantReply(t, e.say(rtGroup, rtAdmin, "/subs"), rtGroup,
		"共 2 个订阅", "1. 中原区居民群：工作日 08:00、18:00，下次 2月13日 18:00", "2. 须水街道群：每天 07:00，下次 2月14日 07:00")
	rtWantReply(t, e.say(rtGroup, rtAdmin, "退订"), rtGroup, "已退订，本群不再定时收到")
	rtWantReply(t, e.say(rtGroup, rtAdmin, "退订"), rtGroup, "没有订阅")
	me := privateOf(rtAdmin)
	rtWantReply(t, e.say(me, rtAdmin, "退订"), me, "退订 群名")
	rtWantReply(t, e.say(me, rtAdmin, "退订 须水街道群"), me, "已退订“须水街道群”")
	rtWantAudit(t, e, "王主任", "unsubscribe", "group=须水街道群")
	if s := e.subs(); len(s) != 0 {
		t.Fatalf("left %+v", s)
	}
	if _, r := e.disp.counts(); r != 4 {
		t.Fatalf("%d reloads, want 4 (2 subscribes, 2 unsubscribes)", r)
	}
}

func TestRouterRateLimits(t *testing.T) {
	t.Run("per sender: six, one notice, then silence; the window reopens", func(t *testing.T) {
		e := newRTEnv(t)
		for i := range 6 {
			if got := e.say(rtGroup, rtResident, "帮助"); len(got) != 1 {
				t.Fatalf("command %d: %d replies", i+1, len(got))
			}
		}
		rtWantReply(t, e.say(rtGroup, rtResident, "帮助"), rtGroup, "太频繁", "1分钟")
		for range 3 {
			if got := e.say(rtGroup, rtResident, "帮助"); len(got) != 0 {
				t.Fatalf("after the notice: %+v", got)
			}
		}
		// Chat is not counted.
		e.say(rtGroup, rtResident, "大家好")
		// Someone else is not limited.
		rtWantReply(t, e.say(rtGroup, Sender{Nick: "赵大爷"}, "帮助"), rtGroup, "可以发送")
		e.clock.Advance(time.Minute)
		rtWantReply(t, e.say(rtGroup, rtResident, "帮助"), rtGroup, "可以发送")
	})
	t.Run("the notice says when the resident may ask again", func(t *testing.T) {
		e := newRTEnv(t)
		e.say(rtGroup, rtResident, "帮助")
		e.clock.Advance(20 * time.Second)
		for range 5 {
			e.say(rtGroup, rtResident, "帮助")
		}
		rtWantReply(t, e.say(rtGroup, rtResident, "帮助"), rtGroup, "太频繁", "40秒后")
	})
	t.Run("the notice counts against the group's cap", func(t *testing.T) {
		e := newRTEnv(t, func(c *RouterConfig) { c.Limits = Limits{PerChat: 6} })
		for range 6 {
			e.say(rtGroup, rtResident, "帮助")
		}
		// The group's six are spent: no notice for the seventh either.
		if got := e.say(rtGroup, rtResident, "帮助"); len(got) != 0 {
			t.Fatalf("a notice past the group's cap: %+v", got)
		}
	})
	t.Run("staff and admins are not limited", func(t *testing.T) {
		e := newRTEnv(t)
		for _, from := range []Sender{rtStaff, rtAdmin, rtSelf} {
			for i := range 10 {
				if got := e.say(rtGroup, from, "今日新闻"); len(got) != 1 || !strings.Contains(got[0].text(), "【中原区报】") {
					t.Fatalf("%+v command %d: %+v", from, i+1, got)
				}
			}
		}
	})
	t.Run("the spoofed nick is limited like any resident", func(t *testing.T) {
		e := newRTEnv(t)
		for range 6 {
			e.say(rtGroup, rtSpoof, "帮助")
		}
		rtWantReply(t, e.say(rtGroup, rtSpoof, "帮助"), rtGroup, "太频繁")
	})
	t.Run("per group digest: once, one pointer, silence; again later", func(t *testing.T) {
		e := newRTEnv(t)
		rtWantReply(t, e.say(rtGroup, Sender{Nick: "甲"}, "今日新闻"), rtGroup, "【中原区报】")
		e.clock.Advance(time.Minute)
		rtWantReply(t, e.say(rtGroup, Sender{Nick: "乙"}, "今日新闻"), rtGroup, "今日新闻刚刚发过，请向上翻看")
		for _, nick := range []string{"丙", "丁", "戊"} {
			if got := e.say(rtGroup, Sender{Nick: nick}, "新闻"); len(got) != 0 {
				t.Fatalf("%s: %+v", nick, got)
			}
		}
		// Another day's digest and another group are separate.
		rtWantReply(t, e.say(rtGroup, Sender{Nick: "甲"}, "新闻 昨天"), rtGroup, "暂无新闻")
		other := Target{Kind: ChatGroup, Name: "别的群"}
		rtWantReply(t, e.say(other, Sender{Nick: "乙"}, "今日新闻"), other, "【中原区报】")
		// Staff still get it.
		rtWantReply(t, e.say(rtGroup, rtStaff, "今日新闻"), rtGroup, "【中原区报】")
		e.clock.Advance(4 * time.Minute)
		rtWantReply(t, e.say(rtGroup, Sender{Nick: "己"}, "今日新闻"), rtGroup, "【中原区报】")
	})
	t.Run("pointer for another date names it", func(t *testing.T) {
		e := newRTEnv(t)
		e.clock.Advance(24 * time.Hour)
		e.say(rtGroup, Sender{Nick: "甲"}, "新闻 2月13日")
		rtWantReply(t, e.say(rtGroup, Sender{Nick: "乙"}, "新闻 2月13日"), rtGroup, "2月13日的新闻刚刚发过")
	})
	t.Run("per chat: many residents", func(t *testing.T) {
		e := newRTEnv(t, func(c *RouterConfig) { c.Limits = Limits{PerChat: 3} })
		for _, nick := range []string{"甲", "乙", "丙"} {
			rtWantReply(t, e.say(rtGroup, Sender{Nick: nick}, "帮助"), rtGroup, "可以发送")
		}
		rtWantReply(t, e.say(rtGroup, Sender{Nick: "丁"}, "帮助"), rtGroup, "大家发得太快了")
		if got := e.say(rtGroup, Sender{Nick: "戊"}, "帮助"); len(got) != 0 {
			t.Fatalf("after the notice: %+v", got)
		}
	})
	t.Run("limits off", func(t *testing.T) {
		e := newRTEnv(t, func(c *RouterConfig) { c.Limits = Limits{PerSender: -1, PerChat: -1, DigestEvery: -1} })
		for i := range 10 {
			if got := e.say(rtGroup, rtResident, "今日新闻"); len(got) != 1 || !strings.Contains(got[0].text(), "【中原区报】") {
				t.Fatalf("command %d: %+v", i+1, got)
			}
		}
	})
}

func TestRouterHelp(t *testing.T) {
	e := newRTEnv(t)
	for _, role := range []Role{RoleResident, RoleStaff, RoleAdmin} {
		t.Run(role.String(), func(t *testing.T) {
			got := e.r.Help(role)
			// Generated from the one list: each command is in the help of
			// exactly the roles allowed to use it.
			for _, c := range e.r.cmds {
				in := c.info()
				line := "\n" + in.words[0] + " "
				if in.alias != "" && strings.Contains(got, line) != (role >= in.role) {
					t.Errorf("help for %s: %q present = %v", role, in.words[0], !(role >= in.role))
				}
				if role >= in.role && in.alias != "" && !strings.Contains(got, "/"+in.alias) {
					t.Errorf("help for %s lacks /%s", role, in.alias)
				}
			}
			rtGolden(t, filepath.Join("testdata", "router", "help_"+role.String()+".golden"), got)
		})
	}
	t.Run("help command answers per sender", func(t *testing.T) {
		if got := e.one(rtGroup, rtSpoof, "帮助"); got != e.r.Help(RoleResident) {
			t.Errorf("spoofed nick got %q", got)
		}
		if got := e.one(rtGroup, rtStaff, "帮助"); got != e.r.Help(RoleStaff) {
			t.Errorf("staff got %q", got)
		}
		if got := e.one(rtGroup, rtSelf, "帮助"); got != e.r.Help(RoleAdmin) {
			t.Errorf("self got %q", got)
		}
	})
}

// rtGolden compares got with a golden file; -update rewrites it.
func rtGolden(t *testing.T, path, got string) {
	t.Helper()
	if rtUpdating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestRouterRoleLookupFailsClosed(t *testing.T) {
	e := newRTEnv(t)
	e.store.roleOf = func(context.Context, string) (data.Role, error) { return "", errors.New("db locked") }
	rtWantReply(t, e.say(rtGroup, rtAdmin, "订阅 08:00"), rtGroup, "权限")
	if len(e.subs()) != 0 {
		t.Fatal("subscribed on a failed role lookup")
	}
	// The bot account itself needs no lookup.
	rtWantReply(t, e.say(rtGroup, rtSelf, "订阅 08:00"), rtGroup, "已订阅")
}

func TestRouterNeverPanics(t *testing.T) {
	e := newRTEnv(t)
	e.store.articlesByDate = func(context.Context, string) ([]digest.Article, error) { panic("boom") }
	e.say(rtGroup, rtResident, "今日新闻") // must return
	e.store.articlesByDate = func(context.Context, string) ([]digest.Article, error) { return nil, errors.New("io") }
	rtWantReply(t, e.say(rtGroup, rtStaff, "今日新闻"), rtGroup, "稍后再试")
}

// TestRouterClaim: of two accounts in a group, only the one whose claim
// wins answers a command; chat that is no command is never claimed, and
// private chats need no claim.
func TestRouterClaim(t *testing.T) {
	cases := []struct {
		name                string
		chat                Target
		text                string
		win, asked, answers bool
	}{
		{"group command, claim won", Target{Kind: ChatGroup, Name: "幸福里"}, "帮助", true, true, true},
		{"group command, claim lost", Target{Kind: ChatGroup, Name: "幸福里"}, "帮助", false, true, false},
		{"group chat, no command", Target{Kind: ChatGroup, Name: "幸福里"}, "今天天气不错", false, false, false},
		{"friend command", Target{Kind: ChatFriend, Name: "李阿姨"}, "帮助", false, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			asked := false
			e := newRTEnv(t, func(cfg *RouterConfig) {
				cfg.Claim = func(ctx context.Context, m Message) bool {
					asked = true
					return c.win
				}
			})
			got := e.say(c.chat, Sender{Nick: "李阿姨"}, c.text)
			if asked != c.asked {
				t.Errorf("claim asked = %v, want %v", asked, c.asked)
			}
			if answered := len(got) > 0; answered != c.answers {
				t.Errorf("answered = %v, want %v (%+v)", answered, c.answers, got)
			}
		})
	}
}
