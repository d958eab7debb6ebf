package bot

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
	"github.com/wxdigest/wxdigest/source"
)

// ForwardStore is the slice of the store that keeps forwarded articles.
type ForwardStore interface {
	ImportFetched(ctx context.Context, items []model.Fetched) (model.FetchedResult, error)
}

// forwardSource names forwarded articles whose account is not known: the
// card WeChat delivers does not say which 公众号 published it.
const forwardSource = "公众号"

// forward keeps a 公众号 article card that staff forwarded to the bot
// (privately, or in a group): the page is fetched and stored as an
// article of today, named after its account or site, or, when it cannot
// be fetched, the card's title and description. A link the fetch guard
// refuses (a private or loopback address) is not kept at all. The same
// article forwarded again (another share of its link) is recognised, and
// one kept from its card alone is replaced by its page once that can be
// read. Residents' cards are ignored without a word, so a group full of
// forwards stays quiet. The fetch runs on the router's goroutine, bounded
// by the fetcher's own timeout.
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
	if errors.Is(fetchErr, source.ErrBlockedAddress) {
		// A link to an internal address is not kept even as a card: the
		// bot would offer residents a link into the office network.
		r.log.Warn("forward: internal address refused", "url", link, "who", auditWho(m.From))
		r.out.Reply(to, refusedLinkReply)
		return
	}
	if fetchErr != nil {
		art = cardArticle(card)
	}
	// A fetched page is named after its account or site; a card alone
	// does not say which 公众号 published it.
	art.ID, art.Source, art.Date, art.URL = 0, source.SourceName(art.Source, forwardSource), today, link
	if fetchErr != nil {
		art.Source = forwardSource
	}
	if strings.TrimSpace(art.Title) == "" {
		art.Title = title
	}
	res, err := r.forwards.ImportFetched(ctx, []model.Fetched{{Article: art}})
	if err != nil {
		r.log.Error("forward: store", "url", link, "err", err)
		r.out.Reply(to, "文章没有收录成功，请稍后再试")
		return
	}
	if !res.Added[0] {
		if fetchErr == nil && r.upgradeForward(ctx, to, m.From, res.IDs[0], art, today) {
			return
		}
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

// refusedLinkReply answers a card whose link points into a private or
// loopback network.
const refusedLinkReply = "这个链接指向内网地址，出于安全原因没有抓取，也没有保存。"

// forwardUpgrader is the part of the store that replaces an article kept
// from its card alone by the page read later; *data.Store has it.
type forwardUpgrader interface {
	Article(ctx context.Context, id int64) (digest.Article, error)
	UpdateArticle(ctx context.Context, a digest.Article) error // re-indexes it for search
}

// upgradeForward replaces stored article id, kept from its card alone
// when its page could not be read, by the page now read (title, byline,
// lead, body, source), keeping its id, date and link; the search index
// follows the edit. It reports whether it did, and then has replied.
func (r *Router) upgradeForward(ctx context.Context, to Target, from Sender, id int64, page digest.Article, today string) bool {
	up, ok := r.forwards.(forwardUpgrader)
	if !ok {
		return false
	}
	stored, err := up.Article(ctx, id)
	if err != nil {
		// Withdrawn by staff, or gone: not brought back by a forward.
		r.log.Info("forward: stored copy not upgraded", "id", id, "err", err)
		return false
	}
	if !isCardOnly(stored, page) {
		return false
	}
	full := page
	full.ID, full.Date, full.URL = stored.ID, stored.Date, stored.URL
	if err := up.UpdateArticle(ctx, full); err != nil {
		// ErrDuplicate: the full text is stored already, under another id.
		r.log.Warn("forward: upgrade", "id", id, "err", err)
		return false
	}
	if err := r.audit(ctx, auditWho(from), "article.forward.upgrade", "id "+strconv.FormatInt(id, 10)+" "+full.Title+" "+full.URL); err != nil {
		r.log.Error("forward: audit", "id", id, "err", err)
	}
	r.log.Info("router: forwarded article upgraded to its page", "id", id, "title", full.Title, "who", auditWho(from))
	msg := "这篇之前只收录了标题和摘要，现已更新为全文：" + full.Title
	if full.Date == today {
		if n := r.todayPosition(ctx, today, id); n > 0 {
			msg += "（今日第" + strconv.Itoa(n) + "条）"
		}
	}
	r.out.Reply(to, msg)
	return true
}

// isCardOnly: stored looks like an article kept from its card alone — one
// paragraph (the card's description), no dateline or byline — and page
// says more.
func isCardOnly(stored, page digest.Article) bool {
	if stored.Byline != "" || stored.Dateline != "" || strings.Contains(stored.Body, "\n") {
		return false
	}
	return stored.Body != page.Body && (strings.Count(page.Body, "\n") > 0 || len(page.Body) > len(stored.Body))
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
	if strings.EqualFold(u.Hostname(), "mp.weixin.qq.com") {
		q := u.Query()
		if u.Path == "/s" && q.Get("__biz") != "" && q.Get("mid") != "" {
			keep := url.Values{}
			for _, k := range []string{"__biz", "mid", "idx", "sn"} {
				if v := q.Get(k); v != "" {
					keep.Set(k, v)
				}
			}
			u.RawQuery = keep.Encode()
		} else if u.RawQuery != "" {
			// A short link (/s/AbCdEf) names the article by its path; the
			// query only says how it was shared.
			dropped := false
			for k := range q {
				if weChatShareParams[strings.ToLower(k)] {
					q.Del(k)
					dropped = true
				}
			}
			if dropped {
				u.RawQuery = q.Encode()
			}
		}
	}
	return u.String()
}

// weChatShareParams are the query parameters a 公众号 link picks up as it
// is shared and opened (tracking, session and client details); they do
// not name the article.
var weChatShareParams = map[string]bool{
	"chksm": true, "scene": true, "subscene": true, "ascene": true, "from": true, "isappinstalled": true,
	"clicktime": true, "enterid": true, "sessionid": true, "devicetype": true, "version": true,
	"nettype": true, "abtest_cookie": true, "lang": true, "exportkey": true, "pass_ticket": true,
	"wx_header": true, "key": true, "uin": true, "shareredirect": true, "sharer_sharetime": true,
	"sharer_shareid": true, "sharer_shareinfo": true, "sharer_shareinfo_first": true, "srcid": true,
	"share_source": true, "mpshare": true, "poc_token": true, "realreporttime": true, "countrycode": true,
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
