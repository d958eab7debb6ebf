package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
)

// Staff correct a lead, a title or a byline of an item they saw, and
// withdraw one; residents cannot; each change is audited and read back
// everywhere (digest, 详情, search).
func TestRouterEditAndWithdraw(t *testing.T) {
	ctx := context.Background()
	e := newRTEnv(t)
	// The staff member sees today's digest in the group: items 1..5.
	e.say(rtGroup, rtStaff, "今日新闻")

	const lead = "2月11日，中原区举行第二次项目观摩活动暨一季度“开门红”工作推进会。"
	rtWantReply(t, e.say(rtGroup, rtStaff, "修改 1 导语 "+lead), rtGroup, "已修改第 1 条的导语", lead)
	a, err := e.db.Article(ctx, e.ids[0])
	if err != nil || a.Lead != lead {
		t.Fatalf("stored lead %q, %v; want it exactly as typed (full-width comma kept)", a.Lead, err)
	}
	rtWantAudit(t, e, "李干事", "article.edit", "lead:")
	// A lead longer than other commands may be.
	long := strings.Repeat("中原区持续优化营商环境，", 12) + "成效明显。"
	rtWantReply(t, e.say(rtGroup, rtStaff, "修改 1 导语 "+long), rtGroup, "已修改第 1 条的导语")
	if a, _ := e.db.Article(ctx, e.ids[0]); a.Lead != long {
		t.Fatalf("long lead stored as %q", a.Lead)
	}
	e.say(rtGroup, rtStaff, "修改 1 导语 "+lead)

	rtWantReply(t, e.say(rtGroup, rtStaff, "/edit 2 标题：中原区新时代好少年颁奖"), rtGroup, "已修改第 2 条的标题", "中原区新时代好少年颁奖")
	if hits, _ := e.db.Search(ctx, "好少年颁奖", 5); len(hits) != 1 || hits[0].Article.ID != e.ids[1] {
		t.Fatalf("search does not follow the edit: %+v", hits)
	}
	rtWantReply(t, e.say(rtGroup, rtStaff, "修改 3 署名 记者 王磊"), rtGroup, "署名", "记者 王磊")
	rtWantReply(t, e.say(rtGroup, rtStaff, "修改 3 署名 无"), rtGroup, "（无）")
	if a, _ := e.db.Article(ctx, e.ids[2]); a.Byline != "" {
		t.Fatalf("byline not cleared: %q", a.Byline)
	}
	// The digest carries the corrections.
	rtWantReply(t, e.say(rtGroup, rtStaff, "今日新闻"), rtGroup, lead, "中原区新时代好少年颁奖")

	for _, c := range []struct{ text, want string }{
		{"修改", "请这样写"},
		{"修改 一 导语", "请写上新的内容"},
		{"修改 x 导语 新的", "序号要写数字"},
		{"修改 2 正文 新的", "只能改"},
		{"修改 9 导语 新的", "没有第 9 条"},
		{"修改 2 标题 " + strings.Repeat("长", 101), "太长"},
		{"撤下", "请写上序号"},
		{"撤下 九十", "没有第 90 条"},
	} {
		t.Run(c.text, func(t *testing.T) {
			rtWantReply(t, e.say(rtGroup, rtStaff, c.text), rtGroup, c.want)
		})
	}

	// Withdraw item 4: gone from the digest, 详情 and search.
	title := func(i int) string { a, _ := e.db.Article(ctx, e.ids[i]); return a.Title }(3)
	rtWantReply(t, e.say(rtGroup, rtStaff, "撤下4"), rtGroup, "已撤下第 4 条《"+title)
	rtWantAudit(t, e, "李干事", "article.withdraw", "id=")
	if _, err := e.db.Article(ctx, e.ids[3]); !errors.Is(err, data.ErrWithdrawn) {
		t.Fatalf("after 撤下: %v", err)
	}
	// The group's list still numbers as it was shown: 4 is the withdrawn one.
	rtWantReply(t, e.say(rtGroup, rtResident, "详情 4"), rtGroup, "撤下")
	rtWantReply(t, e.say(rtGroup, rtStaff, "撤下 4"), rtGroup, "已经撤下了")
	got := e.say(rtGroup, rtStaff, "今日新闻")
	if len(got) != 1 || strings.Contains(got[0].text(), title) || !strings.Contains(got[0].text(), "4. ") {
		t.Fatalf("the digest after 撤下:\n%s", got[0].text())
	}

	// Residents cannot.
	if got := e.say(rtGroup, rtResident, "撤下 1"); len(got) == 1 && strings.Contains(got[0].text(), "已撤下") {
		t.Fatal("a resident withdrew an item")
	}
	if _, err := e.db.Article(ctx, e.ids[0]); err != nil {
		t.Fatalf("item 1 after a resident's 撤下: %v", err)
	}
}

// Control and invisible characters in a search are neither searched for
// nor quoted back into the group; residents are addressed as 您.
func TestRouterSearchQuotesCleanText(t *testing.T) {
	e := newRTEnv(t)
	got := e.say(rtGroup, rtResident, "搜索 不存在\u200d的\u202e词\x07")
	if len(got) != 1 {
		t.Fatalf("replies %+v", got)
	}
	text := got[0].text()
	for _, bad := range []string{"\u200d", "\u202e", "\x07"} {
		if strings.Contains(text, bad) {
			t.Fatalf("reply quotes %q back: %q", bad, text)
		}
	}
	if !strings.Contains(text, "不存在的词") {
		t.Fatalf("reply %q", text)
	}
	got = e.say(rtGroup, rtResident, "推送")
	if len(got) != 1 || !strings.Contains(got[0].text(), "您能用的命令") {
		t.Fatalf("a refused resident: %+v", got)
	}
}

// A day with thousands of items asked for in chat is capped: the first
// items and a pointer to the rest, not thousands of messages.
func TestRouterTodayCapped(t *testing.T) {
	ctx := context.Background()
	e := newRTEnv(t)
	var arts []digest.Article
	for i := range 300 {
		arts = append(arts, digest.Article{Source: "中原区报", Date: "2023-02-14",
			Title: fmt.Sprintf("第%d条新闻的标题", i+1), Lead: fmt.Sprintf("这是第%d条新闻的导语。", i+1), Body: fmt.Sprintf("这是第%d条新闻的导语。", i+1)})
	}
	if _, err := e.db.ImportArticles(ctx, arts); err != nil {
		t.Fatal(err)
	}
	got := e.say(rtGroup, rtResident, "新闻 2023-02-14")
	if len(got) != 1 {
		t.Fatalf("replies %d", len(got))
	}
	all := strings.Join(got[0].Parts, "\n")
	if len(got[0].Parts) > 5 || !strings.Contains(all, "40. 第40条新闻的标题") || strings.Contains(all, "41. ") ||
		!strings.Contains(all, "当天共 300 条，这里列出前 40 条") {
		t.Fatalf("%d parts:\n%s", len(got[0].Parts), all)
	}
	rtWantReply(t, e.say(rtGroup, rtResident, "详情 41"), rtGroup, "共 40 条")
}

// A group that asked 今日新闻 gets only new items at its next slot: what it
// was shown on demand counts as handed to it.
func TestRouterOnDemandCountsAsShown(t *testing.T) {
	ctx := context.Background()
	e := newRTEnv(t)
	sub, err := e.db.PutSubscription(ctx, data.Subscription{Group: rtGroup.Name, Kind: data.ScheduleAt, Spec: "18:00", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	rtWantReply(t, e.say(rtGroup, rtResident, "今日新闻"), rtGroup, "【中原区报】")
	got, err := e.db.Delivered(ctx, sub.ID, e.ids)
	if err != nil || len(got) != len(e.ids) {
		t.Fatalf("Delivered after 今日新闻 = %v, %v; want all %d items", got, err, len(e.ids))
	}
}
