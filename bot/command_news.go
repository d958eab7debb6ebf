package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

// dayLayout is how the store keys issue dates.
const dayLayout = "2006-01-02"

// dateUsage is the Chinese hint for a date argument.
const dateUsage = "日期可以这样写：2023-02-13、2月13日、昨天"

// rtDateZH writes a civil date for chat: "2023年2月13日".
func rtDateZH(t time.Time) string {
	return strconv.Itoa(t.Year()) + "年" + rtMonthDay(t)
}

// rtIsDay accepts a date written right after 新闻 / 今日新闻 / 预览.
func rtIsDay(s string) bool {
	// Any fixed "today" works as the reference: only validity matters.
	_, ok := rtParseDay(s, time.Date(2000, 6, 15, 0, 0, 0, 0, time.UTC))
	return ok && s != ""
}

// dayDigest composes and renders one day's digest the way it is pushed.
// ids are the items' article ids in digest order.
func (r *Router) dayDigest(ctx context.Context, day time.Time) (parts []string, ids []int64, err error) {
	parts, ids, _, err = r.dayDigestUpTo(ctx, day, 0)
	return parts, ids, err
}

// onDemandMaxItems caps a digest asked for in chat: a day a bulk import
// filled with thousands of items must not become thousands of messages
// that hold everyone else's replies behind them.
const onDemandMaxItems = 40

// dayDigestUpTo is dayDigest of at most max items (0: all); total is how
// many the day has.
func (r *Router) dayDigestUpTo(ctx context.Context, day time.Time, max int) (parts []string, ids []int64, total int, err error) {
	arts, err := r.store.ArticlesByDate(ctx, day.Format(dayLayout))
	if err != nil {
		return nil, nil, 0, err
	}
	total = len(arts)
	if max > 0 && len(arts) > max {
		arts = arts[:max]
	}
	d := ComposeDay(arts, day, r.leadBudget)
	ids = make([]int64, len(d.Items))
	for i, it := range d.Items {
		ids[i] = it.Article.ID
	}
	return digest.Render(d, r.budget), ids, total, nil
}

// todayCmd: 今日新闻 新闻 /today [日期].
type todayCmd struct{}

func (todayCmd) info() commandInfo {
	return commandInfo{words: []string{"今日新闻", "新闻"}, alias: "today", args: "[日期]",
		help: "当天的新闻摘要", role: RoleResident, takesArgs: true, attached: rtIsDay}
}

func (todayCmd) run(ctx context.Context, c *call) {
	day, ok := rtParseDay(c.args, c.today())
	if !ok {
		c.reply("看不懂日期“" + rtCut(c.args, 20) + "”。" + dateUsage + "，如“今日新闻 昨天”")
		return
	}
	parts, ids, total, err := c.r.dayDigestUpTo(ctx, day, onDemandMaxItems)
	if err != nil {
		c.r.log.Error("today: read articles", "day", day.Format(dayLayout), "err", err)
		c.reply("暂时查不到新闻，请稍后再试")
		return
	}
	if len(ids) == 0 {
		prev := day.AddDate(0, 0, -1)
		c.reply(parts[0] + "\n可发送“新闻 " + rtMonthDay(prev) + "”查看前一天")
		return
	}
	if c.role == RoleResident {
		switch c.r.digests.take(rtChatKey(c.m.Chat)+"|"+day.Format(dayLayout), c.now) {
		case rateNotice:
			what := "今日新闻"
			if !day.Equal(c.today()) {
				what = rtMonthDay(day) + "的新闻"
			}
			c.reply(what + "刚刚发过，请向上翻看")
			return
		case rateSilent:
			return
		}
	}
	if total > len(ids) {
		parts = append(parts, "当天共 "+strconv.Itoa(total)+" 条，这里列出前 "+strconv.Itoa(len(ids))+" 条。发送“搜索 关键词”可以查找其余的新闻。")
	}
	c.reply(parts...)
	c.r.Shown(c.m.Chat, ids)
	if day.Equal(c.today()) {
		c.r.markShown(ctx, c.m.Chat, ids, c.now)
	}
}

// markShown tells the ledger that a subscribed group just saw today's
// items on demand, so its next slot (and 推送) carries only what is new.
func (r *Router) markShown(ctx context.Context, chat Target, ids []int64, now time.Time) {
	if chat.Kind != ChatGroup || len(ids) == 0 {
		return
	}
	subs, err := r.store.Subscriptions(ctx)
	if err != nil {
		r.log.Warn("router: mark shown: subscriptions", "err", err)
		return
	}
	for _, s := range subs {
		if s.Group != chat.Name || !isWeChat(s.Channel) {
			continue
		}
		if err := r.store.MarkShown(ctx, s.ID, now, ids); err != nil {
			r.log.Warn("router: mark shown", "group", chat.Name, "err", err)
		}
	}
}

// moreCmd: 详情 N /more N.
type moreCmd struct{}

func (moreCmd) info() commandInfo {
	return commandInfo{words: []string{"详情", "全文"}, alias: "more", args: "N",
		help: "第 N 条新闻的全文", role: RoleResident, takesArgs: true,
		attached: func(s string) bool { _, _, ok := rtMoreArg(s); return ok }}
}

// rtMoreArg reads the argument of 详情: "3" (item 3 of the digest last
// shown here) or "搜3" (hit 3 of the last search here).
func rtMoreArg(s string) (n int, search, ok bool) {
	if rest, found := strings.CutPrefix(s, "搜"); found {
		n, ok = rtItemNumber(strings.TrimSpace(rest))
		return n, true, ok
	}
	n, ok = rtItemNumber(s)
	return n, false, ok
}

// rtItemNumber reads the N of 详情 N: "3", "三", "第3条".
func rtItemNumber(s string) (int, bool) {
	s = strings.TrimPrefix(s, "第")
	s = strings.TrimSuffix(strings.TrimSuffix(s, "条"), "个")
	n, ok := rtAtoi(s)
	return n, ok
}

func (moreCmd) run(ctx context.Context, c *call) {
	if c.args == "" {
		c.reply("请写上序号，如“详情 1”")
		return
	}
	n, search, ok := rtMoreArg(c.args)
	if !ok {
		c.reply("序号要写数字，如“详情 1”；搜索结果写“详情 搜1”")
		return
	}
	var id int64
	if search {
		ids, _ := c.r.searchedIDs(c.m.Chat)
		switch {
		case len(ids) == 0:
			c.reply("这里还没有搜索过。发送“搜索 关键词”，再用“详情 搜1”打开结果")
			return
		case n < 1 || n > len(ids):
			c.reply("没有搜索结果第 " + strconv.Itoa(n) + " 条，共 " + strconv.Itoa(len(ids)) + " 条，请发送“详情 搜1”到“详情 搜" + strconv.Itoa(len(ids)) + "”")
			return
		}
		id = ids[n-1]
	} else if id, ok = c.itemID(ctx, n, "详情"); !ok {
		return
	}
	a, err := c.r.store.Article(ctx, id)
	switch {
	case errors.Is(err, model.ErrWithdrawn):
		c.reply("这条新闻已经撤下了，发送“今日新闻”看看最新的")
		return
	case errors.Is(err, model.ErrNotFound):
		c.reply("这条新闻已经删除了，发送“今日新闻”看看最新的")
		return
	case err != nil:
		c.r.log.Error("more: read article", "id", id, "err", err)
		c.reply("暂时取不到全文，请稍后再试")
		return
	}
	c.reply(digest.RenderArticle(a, c.r.budget)...)
}

// itemID is the article that item n means in this chat: of the list last
// shown here (a digest, a preview, a search), else of today's digest as
// 今日新闻 numbers it. When there is none it replies why (word is the
// command, for the hint) and returns ok == false.
func (c *call) itemID(ctx context.Context, n int, word string) (int64, bool) {
	ids, shown := c.r.shownIDs(c.m.Chat)
	if !shown {
		// Nothing shown here yet: number today's digest as 今日新闻 would.
		_, todayIDs, err := c.r.dayDigest(ctx, c.today())
		if err != nil {
			c.r.log.Error("router: read today", "err", err)
			c.reply("暂时查不到新闻，请稍后再试")
			return 0, false
		}
		ids = todayIDs
	}
	switch {
	case len(ids) == 0:
		c.reply("今天还没有新闻。发送“新闻 昨天”查看昨天的新闻")
		return 0, false
	case n < 1 || n > len(ids):
		c.reply("没有第 " + strconv.Itoa(n) + " 条，共 " + strconv.Itoa(len(ids)) + " 条，请发送“" + word + " 1”到“" + word + " " + strconv.Itoa(len(ids)) + "”")
		return 0, false
	}
	return ids[n-1], true
}

// searchCmd: 搜索 关键词 /search.
type searchCmd struct{}

const (
	searchShow   = 5  // results listed
	searchMaxKey = 30 // runes in a keyword
	searchSnip   = 40 // runes of snippet per result
)

func (searchCmd) info() commandInfo {
	return commandInfo{words: []string{"搜索", "查找"}, alias: "search", args: "关键词",
		help: "搜索往期新闻", role: RoleResident, takesArgs: true}
}

func (searchCmd) run(ctx context.Context, c *call) {
	// Control and invisible format characters (zero-width joiners,
	// direction overrides) are neither searched for nor quoted back.
	kw := strings.TrimSpace(rtPrintable(c.args))
	switch {
	case kw == "":
		c.reply("请在“搜索”后写上关键词，如“搜索 樱花”")
		return
	case utf8.RuneCountInString(kw) > searchMaxKey:
		c.reply("关键词太长了，请少于 " + strconv.Itoa(searchMaxKey) + " 个字")
		return
	}
	hits, err := c.r.store.Search(ctx, kw, searchShow+1)
	if err != nil {
		attrs := []any{"query", kw, "err", err}
		if errors.Is(err, model.ErrIndexDamaged) {
			attrs = append(attrs, "fix", "wxdigest reindex")
		}
		c.r.log.Error("search", attrs...)
		c.reply("搜索暂时出错了，请稍后再试")
		return
	}
	if len(hits) == 0 {
		c.reply("没有找到与“" + kw + "”有关的新闻，换个关键词试试")
		return
	}
	head := "搜索“" + kw + "”找到 " + strconv.Itoa(len(hits)) + " 条："
	if len(hits) > searchShow {
		hits = hits[:searchShow]
		head = "搜索“" + kw + "”，最新 " + strconv.Itoa(searchShow) + " 条（加关键词可缩小范围）："
	}
	lines := []string{head}
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.Article.ID
		when := h.Article.Date
		if t, err := time.Parse(dayLayout, h.Article.Date); err == nil {
			when = rtDateZH(t)
		}
		title := h.Article.Title
		if title == "" {
			title = "（无标题）"
		}
		lines = append(lines, strconv.Itoa(i+1)+". "+when+" "+digest.Readable(title))
		if s := strings.TrimSpace(h.Snippet); s != "" && s != title {
			lines = append(lines, "   "+rtCut(digest.Readable(s), searchSnip))
		}
	}
	lines = append(lines, "回复“详情 搜序号”查看全文，如“详情 搜1”")
	c.reply(rtPack(lines, c.r.budget)...)
	c.r.mu.Lock()
	c.r.searched[c.m.Chat.Key()] = ids
	c.r.mu.Unlock()
}
