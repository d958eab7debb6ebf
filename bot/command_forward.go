package bot

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/source"
)

// ForwardStore is the slice of the store that keeps forwarded articles.
type ForwardStore interface {
	ImportFetched(ctx context.Context, items []data.Fetched) (data.FetchedResult, error)
}

// forwardSource names forwarded articles whose account is not known: the
// card WeChat delivers does not say which 公众号 published it.
const forwardSource = "公众号"

// forward keeps a 公众号 article card that staff forwarded to the bot
// (privately, or in a group): the page is fetched and stored as an
// article of today, or, when it cannot be fetched, the card's title and
// description. Residents' cards are ignored without a word, so a group
// full of forwards stays quiet. The fetch runs on the router's goroutine,
// bounded by the fetcher's own timeout.
func (r *Router) forward(ctx context.Context, m Message) {
	card := m.Article
	role, err := SenderRole(ctx, r.store, m.From)
	if err != nil {
		r.log.Warn("router: role lookup failed; treating as resident", "remark", m.From.Remark, "err", err)
	}
	if role < RoleStaff {
		return
	}
	// In a group the confirmation goes to the sender alone: residents need
	// not read the bot's bookkeeping.
	to := m.Chat
	if m.Chat.Kind == ChatGroup {
		if t, ok := privateTarget(m.From); ok {
			to = t
		}
	}
	if r.forwards == nil {
		r.log.Error("forward: the store cannot keep forwarded articles")
		r.out.Reply(to, "暂时不能收录文章")
		return
	}
	link := canonicalArticleURL(card.URL)
	title := strings.TrimSpace(card.Title)
	if title == "" || link == "" {
		r.out.Reply(to, "这张文章卡片没有标题或链接，没有收录")
		return
	}
	today := rtDayOf(r.now(), r.zone).Format(dayLayout)

	art, fetchErr := r.fetchForwarded(ctx, link)
	if fetchErr != nil {
		art = cardArticle(card)
	}
	art.ID, art.Source, art.Date, art.URL = 0, forwardSource, today, link
	if strings.TrimSpace(art.Title) == "" {
		art.Title = title
	}
	res, err := r.forwards.ImportFetched(ctx, []data.Fetched{{Article: art}})
	if err != nil {
		r.log.Error("forward: store", "url", link, "err", err)
		r.out.Reply(to, "文章没有收录成功，请稍后再试")
		return
	}
	if !res.Added[0] {
		r.out.Reply(to, "这篇已经收录过了")
		return
	}
	detail := "id " + strconv.FormatInt(res.IDs[0], 10) + " " + art.Title + " " + link
	if fetchErr != nil {
		detail += " (card only: " + fetchErr.Error() + ")"
	}
	if err := r.audit(ctx, auditWho(m.From), "article.forward", detail); err != nil {
		r.log.Error("forward: audit", "id", res.IDs[0], "err", err)
	}
	r.log.Info("router: forwarded article stored", "id", res.IDs[0], "title", art.Title, "who", auditWho(m.From), "fetched", fetchErr == nil)
	if fetchErr != nil {
		r.out.Reply(to, "已收录标题和摘要（原文打不开："+fetchReasonZH(fetchErr)+"）")
		return
	}
	msg := "已收录：" + art.Title
	if n := r.todayPosition(ctx, today, res.IDs[0]); n > 0 {
		msg += "（今日第" + strconv.Itoa(n) + "条）"
	}
	r.out.Reply(to, msg)
}

// errNoFetcher: the router was built without a fetcher.
var errNoFetcher = errors.New("fetching pages is off")

func (r *Router) fetchForwarded(ctx context.Context, link string) (digest.Article, error) {
	if r.fetch == nil {
		return digest.Article{}, errNoFetcher
	}
	art, err := r.fetch(ctx, link)
	if err != nil {
		r.log.Warn("forward: fetch", "url", link, "err", err)
		return digest.Article{}, err
	}
	if strings.TrimSpace(art.Title) == "" && strings.TrimSpace(art.Body) == "" {
		return digest.Article{}, source.ErrNotArticle
	}
	return art, nil
}

// todayPosition is the article's number in today's list (as 今日新闻 and
// 详情 N count), or 0 when it cannot be read.
func (r *Router) todayPosition(ctx context.Context, today string, id int64) int {
	arts, err := r.store.ArticlesByDate(ctx, today)
	if err != nil {
		r.log.Warn("forward: read today's articles", "err", err)
		return 0
	}
	for i, it := range ComposeDay(arts, rtDayOf(r.now(), r.zone), r.leadBudget).Items {
		if it.Article.ID == id {
			return i + 1
		}
	}
	return 0
}

// cardArticle is what a card alone says: its title, and its description
// as the body, with the first sentence as the lead.
func cardArticle(card *ArticleCard) digest.Article {
	desc := strings.TrimSpace(card.Desc)
	return digest.Article{Title: strings.TrimSpace(card.Title), Lead: digest.FirstSentence(desc), Body: desc}
}

// canonicalArticleURL drops what differs between two shares of one
// article: the fragment, and for mp.weixin.qq.com the per-share query
// (scene, chksm, …) beyond the four parameters that name the article.
// A link that is not http(s), or not a clean one, gives "".
func canonicalArticleURL(raw string) string {
	raw = strings.TrimSpace(raw)
	// A real link has no raw spaces or control characters; one that does
	// would not even read back the same.
	if strings.IndexFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Fragment, u.RawFragment = "", ""
	if strings.EqualFold(u.Hostname(), "mp.weixin.qq.com") && u.Path == "/s" {
		q := u.Query()
		if q.Get("__biz") != "" && q.Get("mid") != "" {
			keep := url.Values{}
			for _, k := range []string{"__biz", "mid", "idx", "sn"} {
				if v := q.Get(k); v != "" {
					keep.Set(k, v)
				}
			}
			u.RawQuery = keep.Encode()
		}
	}
	return u.String()
}

// fetchReasonZH says in a few Chinese words why a page could not be read.
func fetchReasonZH(err error) string {
	var se *source.StatusError
	switch {
	case errors.Is(err, errNoFetcher):
		return "没有开启网页抓取"
	case errors.Is(err, source.ErrBlockedAddress):
		return "不允许访问内部地址"
	case errors.Is(err, source.ErrScheme):
		return "只支持 http/https 链接"
	case errors.Is(err, source.ErrTooLarge):
		return "页面太大"
	case errors.Is(err, source.ErrTooManyRedirects):
		return "跳转次数太多"
	case errors.Is(err, source.ErrNotArticle):
		return "页面里找不到正文"
	case errors.As(err, &se):
		return "网站返回 " + strconv.Itoa(se.Code)
	case errors.Is(err, context.DeadlineExceeded):
		return "连接超时"
	}
	return "网络错误"
}
