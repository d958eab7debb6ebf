package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/model"
)

// After 审核通过 the slot goes out at once; 摘要预览 then says how the
// sending went, not that the (now empty) digest differs from what was
// approved.
func TestApprovalAfterSending(t *testing.T) {
	for _, tc := range []struct {
		name, state, errText string
		want                 []string
	}{
		{"sent", model.DeliverySent, "", []string{"已审核", "已发送", "由 staff（控制台）", "发出", "这一天的内容已经发出"}},
		{"queued", model.DeliveryPending, "", []string{"已审核", "正在发送", "已发 0/"}},
		{"failed", model.DeliveryFailed, "网络不通", []string{"已审核", "发送失败", "网络不通", "到发送记录重发"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			c := e.as("staff")
			if r := c.post("/approvals", url.Values{"subscription": {"101"}, "slot": {"2023-02-13T01:00:00Z"}}); r.Code != http.StatusSeeOther {
				t.Fatalf("approve: %d %s", r.Code, r.Body)
			}
			// The slot fires and the dispatcher writes it to the ledger.
			e.clock.Advance(2*time.Hour + time.Second)
			sub, _, _ := e.srv.findSubscription(t.Context(), "101")
			pv, err := e.dg.Preview(t.Context(), sub, e.srv.today())
			if err != nil || len(pv.Parts) == 0 {
				t.Fatalf("preview: %v %d parts", err, len(pv.Parts))
			}
			e.st.dispatch(101, mustTime(t, "2023-02-13T01:00:00Z"), pv, tc.state, tc.errText)
			r := c.do("GET", "/preview?date="+testDay, nil, "")
			page := r.Body.String()
			box := page[strings.Index(page, "<h2>审核群"):]
			box = box[:strings.Index(box, "</section>")]
			for _, w := range tc.want {
				if !strings.Contains(box, w) {
					t.Errorf("approval box lacks %q:\n%s", w, box)
				}
			}
			for _, u := range []string{"待审核", "需要重新审核", "定时推送会跳过", "审核通过</button>"} {
				if strings.Contains(box, u) {
					t.Errorf("approval box says %q:\n%s", u, box)
				}
			}
			// 发送记录 shows the slot's rows, with who approved it.
			d := c.do("GET", "/deliveries", nil, "").Body.String()
			if !strings.Contains(d, "审核群") || !strings.Contains(d, "由 staff（控制台）") || strings.Contains(d, "等待审核") {
				t.Errorf("发送记录:\n%s", d)
			}
		})
	}
}

// A digest that still waits and differs from what was approved is
// "changed"; once sent, new articles are for the next slot.
func TestApprovalChangedOnlyWhileWaiting(t *testing.T) {
	e := newEnv(t)
	c := e.as("staff")
	if r := c.post("/approvals", url.Values{"subscription": {"101"}, "slot": {"2023-02-13T01:00:00Z"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("approve: %d", r.Code)
	}
	if r := e.bearer(e.staffToken).json("PATCH", "/api/articles/1", `{"lead":"改过的导语，需要重新审核。"}`); r.Code != http.StatusOK {
		t.Fatalf("edit: %d", r.Code)
	}
	if p := c.do("GET", "/preview?date="+testDay, nil, "").Body.String(); !strings.Contains(p, "需要重新审核") {
		t.Error("an edit after approval while the slot waits is not shown as changed")
	}
}

// Without subscriptions 摘要预览 shows the day's digest as `wxdigest
// digest` renders it, and its image cards when a font is loaded.
func TestPreviewWithoutSubscriptions(t *testing.T) {
	e := newEnv(t)
	e.st.subs = nil
	c := e.as("staff")
	page := c.do("GET", "/preview?date="+testDay, nil, "").Body.String()
	arts, _ := e.st.ArticlesByDate(t.Context(), testDay)
	for _, w := range []string{"还没有群或渠道订阅", "wxdigest digest", "第 1/1 条消息", `src="/preview/card.png?date=2023-02-13&amp;part=1"`, arts[0].Title} {
		if !strings.Contains(page, w) {
			t.Errorf("preview without subscriptions lacks %q:\n%s", w, page)
		}
	}
	if strings.Contains(page, "还没有订阅。没有订阅就没有") {
		t.Error("still only says there is no subscription")
	}
	r := c.do("GET", "/preview/card.png?date="+testDay+"&part=1", nil, "")
	if r.Code != http.StatusOK || !bytes.HasPrefix(r.Body.Bytes(), []byte("\x89PNG")) {
		t.Errorf("the day's card: %d", r.Code)
	}
	if r := c.do("GET", "/preview/card.png?date="+testDay+"&part=9", nil, ""); r.Code != http.StatusNotFound {
		t.Errorf("a card the day does not have: %d", r.Code)
	}
	// Without a font: no card, and a word why.
	e2 := newEnv(t, func(cfg *Config) { cfg.Digests = fakeDigests{st: cfg.Articles.(*fakeStore), NoFont: true} })
	e2.st.subs = nil
	page = e2.as("staff").do("GET", "/preview?date="+testDay, nil, "").Body.String()
	if strings.Contains(page, "card.png") || !strings.Contains(page, "没有中文字体") {
		t.Errorf("preview without a font:\n%s", page)
	}
	// A day without articles.
	page = c.do("GET", "/preview?date=2023-02-01", nil, "").Body.String()
	if !strings.Contains(page, "这一天还没有稿件") {
		t.Errorf("an empty day:\n%s", page)
	}
}

// 发送记录: a slot held for approval is a slot of its own, 等待审核 with a
// link to approve it; one approved ahead of time is not held.
func TestDeliveriesHeldSlot(t *testing.T) {
	e := newEnv(t)
	e.clock.Advance(2*time.Hour + time.Minute) // 09:01: the 09:00 slot fired
	slot := mustTime(t, "2023-02-13T01:00:00Z")
	if _, err := e.st.PutApproval(t.Context(), model.Approval{SubscriptionID: 101, Slot: slot, State: model.ApprovalPending, Text: "x", TextHash: "h"}); err != nil {
		t.Fatal(err)
	}
	c := e.as("staff")
	page := c.do("GET", "/deliveries", nil, "").Body.String()
	i := strings.Index(page, "<h2>2023-02-13 09:00 · 审核群</h2>")
	if i < 0 {
		t.Fatalf("no slot of its own for the held slot:\n%s", page)
	}
	held := page[i:]
	held = held[:strings.Index(held, "</section>")]
	for _, w := range []string{"等待审核", `href="/preview?date=2023-02-13"`, "看摘要并审核"} {
		if !strings.Contains(held, w) {
			t.Errorf("held slot lacks %q:\n%s", w, held)
		}
	}
	// Newest first: the held slot comes before yesterday's.
	if j := strings.Index(page, "2023-02-12 08:00 · 和谐家园群"); j < i {
		t.Errorf("slots out of order")
	}
	// Approved: about to go out, no longer held.
	if r := c.post("/approvals", url.Values{"subscription": {"101"}, "slot": {"2023-02-13T01:00:00Z"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", r.Code, r.Body)
	}
	page = c.do("GET", "/deliveries", nil, "").Body.String()
	if strings.Contains(page, "等待审核") || !strings.Contains(page, "已审核，即将发送") {
		t.Errorf("after approval:\n%s", page)
	}
}

func TestDeliveriesRows(t *testing.T) {
	e := newEnv(t)
	page := e.as("staff").do("GET", "/deliveries?since=2023-02-01", nil, "").Body.String()
	if strings.Contains(page, "尝试 0") || !strings.Contains(page, "尝试 3 次") || !strings.Contains(page, "网络不通 &lt;script&gt;") {
		t.Errorf("attempts and errors:\n%s", page)
	}
	if strings.Count(page, `class="tablewrap"`) < 2 {
		t.Error("tables are not in scrolling wrappers")
	}
}

func TestAuditInChinese(t *testing.T) {
	e := newEnv(t)
	at := mustTime(t, "2023-02-13T01:00:00Z")
	for _, en := range []model.AuditEntry{
		{At: at, Who: "web:王晓", Action: "approve", Detail: "group=幸福里业主群 slot=2023-02-13T01:00:00Z parts=2 hash=0123456789abcdef"},
		{At: at, Who: "token:脚本", Action: "article.edit", Detail: "id=5 kicker,body"},
		{At: at, Who: "cli", Action: "subscribe", Detail: "group=幸福里业主群 cron 51 18 11 * * * tz=Asia/Shanghai style=both weekdays"},
		{At: at, Who: "王主任", Action: "role.grant", Detail: "remark=李四 role=staff"},
	} {
		if err := e.st.Audit(t.Context(), en); err != nil {
			t.Fatal(err)
		}
	}
	c := e.as("admin")
	page := c.do("GET", "/audit", nil, "").Body.String()
	for _, w := range []string{
		`title="approve">审核通过<`, `title="web:王晓">王晓（控制台）<`, "时段：2023-02-13 09:00:00", "消息：2 条",
		`title="token:脚本">脚本（API 令牌）<`, "修改稿件", "改了：引题、正文",
		"服务器命令行", "保存订阅", "时间：工作日 11:18:51", "样式：图片&#43;文字",
		"王主任（微信）", "授予角色", "角色：工作人员", "如 审核通过",
	} {
		if !strings.Contains(page, w) {
			t.Errorf("审计日志 lacks %q", w)
		}
	}
	for _, u := range []string{">approve<", ">web:王晓<", "2023-02-13T01:00:00Z<", "subscribe 或 role."} {
		if strings.Contains(page, u) {
			t.Errorf("审计日志 shows %q", u)
		}
	}
	// The filter takes Chinese names and bare names.
	page = c.do("GET", "/audit?action="+url.QueryEscape("审核通过")+"&who="+url.QueryEscape("王晓"), nil, "").Body.String()
	if !strings.Contains(page, "时段：") || strings.Contains(page, "授予角色<") {
		t.Errorf("filter by Chinese names:\n%s", page)
	}
}

func TestSubscriptionsPage(t *testing.T) {
	e := newEnv(t)
	c := e.as("admin")
	page := c.do("GET", "/subscriptions", nil, "").Body.String()
	for _, w := range []string{"每天 08:00", "每天 07:30", "高级（cron 表达式）", `href="/subscriptions?edit=101#form"`} {
		if !strings.Contains(page, w) {
			t.Errorf("订阅 lacks %q", w)
		}
	}
	for _, u := range []string{"Asia/Shanghai</span>", "cron 30 7", "或 cron <"} {
		if strings.Contains(page, u) {
			t.Errorf("订阅 shows %q", u)
		}
	}
	// Edit pre-fills the form.
	page = c.do("GET", "/subscriptions?edit=101", nil, "").Body.String()
	for _, w := range []string{"修改订阅：审核群", `name="group" value="审核群"`, `name="at" value="09:00"`, `name="approve" value="1" checked`, `<option value="both" selected>`} {
		if !strings.Contains(page, w) {
			t.Errorf("edit form lacks %q", w)
		}
	}
	page = c.do("GET", "/subscriptions?edit=102", nil, "").Body.String()
	if !strings.Contains(page, `name="channel" value="区政府机器人"`) || !strings.Contains(page, `name="cron" value="30 7 * * *"`) {
		t.Error("edit form of a channel's cron subscription")
	}
}

func TestScheduleAndLabels(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	for _, tc := range []struct {
		sub  model.Subscription
		want string
	}{
		{model.Subscription{Kind: model.ScheduleCron, Spec: "51 18 11 * * *", TZ: "Asia/Shanghai"}, "每天 11:18:51"},
		{model.Subscription{Kind: model.ScheduleCron, Spec: "0 8,18 * * 1-5"}, "周一至周五 08:00、18:00"},
		{model.Subscription{Kind: model.ScheduleCron, Spec: "0 8 * * *", Weekdays: true}, "工作日 08:00"},
		{model.Subscription{Kind: model.ScheduleCron, Spec: "0 8 1 * *"}, "自定义时间（cron 表达式 0 8 1 * *）"},
		{model.Subscription{Kind: model.ScheduleAt, Spec: "08:00,18:00", TZ: "America/New_York"}, "每天 08:00、18:00（时区 America/New_York）"},
	} {
		if got := describeSchedule(tc.sub, sh); got != tc.want {
			t.Errorf("describeSchedule(%q) = %q, want %q", tc.sub.Spec, got, tc.want)
		}
	}
	if got := channelName(model.ChannelWeChat); got != "个人微信" {
		t.Errorf("channelName(wechat) = %q", got)
	}
	if got := actionCode("角色（全部）"); got != "role." {
		t.Errorf("actionCode = %q", got)
	}
	if got := trimPage("\n  \n\u3000\n　　第一行\n第二行\n\n"); got != "　　第一行\n第二行" {
		t.Errorf("trimPage = %q", got)
	}
}

// 今日稿件 keeps the source the page was imported as, sizes the lead's
// box to its text and keeps 撤下 apart from 保存修改.
func TestArticlesKeepSource(t *testing.T) {
	e := newEnv(t)
	c := e.as("staff")
	form := url.Values{"date": {"2023-02-20"}, "source": {"中原区新闻"}, "keep": {"0"},
		"title": {"标题"}, "lead": {strings.Repeat("很长的导语，", 30) + "。"}, "body": {"正文。"}}
	r := c.post("/articles/import", form)
	loc := r.Header().Get("Location")
	if r.Code != http.StatusSeeOther || !strings.Contains(loc, "source="+url.QueryEscape("中原区新闻")) {
		t.Fatalf("import: %d %q", r.Code, loc)
	}
	page := c.do("GET", loc, nil, "").Body.String()
	if !strings.Contains(page, `name="source" value="中原区新闻" required`) {
		t.Error("the import form lost the source")
	}
	if !strings.Contains(page, `name="lead" rows="6"`) || !strings.Contains(page, `class="confirm withdraw"`) {
		t.Errorf("lead box or withdraw form:\n%s", page)
	}
	arts, _ := e.st.ArticlesByDate(t.Context(), "2023-02-20")
	r = c.post("/articles/"+itoa(arts[0].ID)+"/edit", url.Values{"source": {"中原区新闻"}, "title": {"新标题"}, "lead": {arts[0].Lead}, "body": {"正文。"}})
	if !strings.Contains(r.Header().Get("Location"), "source=") {
		t.Errorf("edit redirect %q", r.Header().Get("Location"))
	}
	// A paste's leading blank lines are not shown.
	r = c.post("/articles/parse", url.Values{"date": {"2023-02-20"}, "source": {"本报"}, "text": {"\n\n  \n" + digestSample()}})
	if strings.Contains(r.Body.String(), "<pre class=\"original\">\n") {
		t.Error("the text pane starts with blank lines")
	}
}
