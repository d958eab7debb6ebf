package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/source"
)

const fwURL = "https://mp.weixin.qq.com/s?__biz=MzA5&mid=2651&idx=1&sn=abc&chksm=zz&scene=21#wechat_redirect"

// fwCanonical is fwURL as stored: the share's extras dropped.
const fwCanonical = "https://mp.weixin.qq.com/s?__biz=MzA5&idx=1&mid=2651&sn=abc"

var fwCard = ArticleCard{Title: "中原区启动春季植树活动", Desc: "3月12日，中原区在须水河畔启动春季义务植树活动。千余名干部群众参加。", URL: fwURL}

// fwFetcher is a FetchArticle that counts calls and answers through a
// function field.
type fwFetcher struct {
	mu    sync.Mutex
	urls  []string
	fetch func(url string) (digest.Article, error)
}

func (f *fwFetcher) FetchArticle(_ context.Context, url string) (digest.Article, error) {
	f.mu.Lock()
	f.urls = append(f.urls, url)
	f.mu.Unlock()
	return f.fetch(url)
}

func (f *fwFetcher) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.urls...)
}

func fwPage(string) (digest.Article, error) {
	return digest.Article{Title: "中原区启动春季植树活动", Byline: "记者 王磊", Source: "中原发布",
		Lead: "3月12日，中原区在须水河畔启动2023年春季义务植树活动。",
		Body: "3月12日，中原区在须水河畔启动2023年春季义务植树活动。\n活动现场，干部群众挥锹铲土。"}, nil
}

func newFWEnv(t *testing.T, fetch func(string) (digest.Article, error)) (*rtEnv, *fwFetcher) {
	t.Helper()
	f := &fwFetcher{fetch: fetch}
	e := newRTEnv(t, func(c *RouterConfig) {
		c.Forwards = c.Store.(*rtStore).Store.(*data.Store)
		if fetch != nil {
			c.FetchArticle = f.FetchArticle
		}
	})
	return e, f
}

func (e *rtEnv) forwardCard(chat Target, from Sender, card ArticleCard) []rtSent {
	e.t.Helper()
	e.r.Handle(context.Background(), Message{ID: "card", Chat: chat, From: from, Time: e.clock.Now(), Article: &card})
	return e.out.take()
}

// digestNumber is the article's item number in today's 今日新闻.
func (e *rtEnv) digestNumber(id int64) int {
	e.t.Helper()
	e.say(rtGroup, rtStaff, "今日新闻")
	ids, _ := e.r.shownIDs(rtGroup)
	for i, x := range ids {
		if x == id {
			return i + 1
		}
	}
	e.t.Fatalf("article %d not in today's digest %v", id, ids)
	return 0
}

func (e *rtEnv) forwarded() []digest.Article {
	e.t.Helper()
	arts, err := e.db.ArticlesByDate(context.Background(), rtDay)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []digest.Article
	for _, a := range arts {
		if a.URL != "" { // the sample page's articles have none
			out = append(out, a)
		}
	}
	return out
}

// TestForwardRoles: staff and admins' cards are stored, privately or in a
// group (the confirmation then goes to them privately); residents' and
// nickname spoofers' cards are ignored without a word or a fetch.
func TestForwardRoles(t *testing.T) {
	cases := []struct {
		name   string
		chat   Target
		from   Sender
		stored bool
		to     Target
	}{
		{"staff privately", privateOf(rtStaff), rtStaff, true, privateOf(rtStaff)},
		{"admin privately", privateOf(rtAdmin), rtAdmin, true, privateOf(rtAdmin)},
		{"bot account in the file helper", Target{Kind: ChatSelf}, rtSelf, true, Target{Kind: ChatSelf}},
		{"staff in a group", rtGroup, rtStaff, true, privateOf(rtStaff)},
		{"admin in a group", rtGroup, rtAdmin, true, privateOf(rtAdmin)},
		{"resident in a group", rtGroup, rtResident, false, Target{}},
		{"resident friend privately", Target{Kind: ChatFriend, Name: "赵大爷"}, Sender{Remark: "赵大爷"}, false, Target{}},
		{"admin's name as nickname", rtGroup, rtSpoof, false, Target{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, f := newFWEnv(t, fwPage)
			got := e.forwardCard(c.chat, c.from, fwCard)
			arts := e.forwarded()
			if !c.stored {
				if len(got) != 0 || len(arts) != 0 || len(f.calls()) != 0 {
					t.Fatalf("ignored forward: replies %+v, stored %d, fetches %v", got, len(arts), f.calls())
				}
				return
			}
			if len(arts) != 1 {
				t.Fatalf("stored %d forwarded articles, want 1 (replies %+v)", len(arts), got)
			}
			a := arts[0]
			// N is the item's number in 今日新闻, so 详情 N there opens it.
			rtWantReply(t, got, c.to, fmt.Sprintf("已收录：中原区启动春季植树活动（今日第%d条）", e.digestNumber(a.ID)))
			if a.URL != fwCanonical || a.Date != rtDay || a.Byline != "记者 王磊" || a.Source != "中原发布" ||
				a.Lead != "3月12日，中原区在须水河畔启动2023年春季义务植树活动。" {
				t.Errorf("stored %+v", a)
			}
			if calls := f.calls(); len(calls) != 1 || calls[0] != fwCanonical {
				t.Errorf("fetched %v, want the canonical link once", calls)
			}
			log := e.auditLog()
			if len(log) != 1 || log[0].Action != "article.forward" || log[0].Who != auditWho(c.from) ||
				!strings.Contains(log[0].Detail, fwCanonical) {
				t.Errorf("audit = %+v", log)
			}
		})
	}
}

// TestForwardUnfetchable: a page that cannot be read leaves the card's
// title and description, and the reply says why in Chinese.
func TestForwardUnfetchable(t *testing.T) {
	cases := []struct {
		name   string
		fetch  func(string) (digest.Article, error)
		reason string
	}{
		{"not found", func(u string) (digest.Article, error) {
			return digest.Article{}, fmt.Errorf("source: fetch: %w", &source.StatusError{Code: 404, URL: u})
		}, "网站返回 404"},
		{"timeout", func(string) (digest.Article, error) { return digest.Article{}, context.DeadlineExceeded }, "连接超时"},
		{"not an article", func(string) (digest.Article, error) { return digest.Article{}, source.ErrNotArticle }, "页面里找不到正文"},
		{"empty article", func(string) (digest.Article, error) { return digest.Article{}, nil }, "页面里找不到正文"},
		{"other", func(string) (digest.Article, error) { return digest.Article{}, errors.New("connection reset") }, "网络错误"},
		{"no fetcher", nil, "没有开启网页抓取"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, _ := newFWEnv(t, c.fetch)
			got := e.forwardCard(privateOf(rtStaff), rtStaff, fwCard)
			rtWantReply(t, got, privateOf(rtStaff), "已收录标题和摘要（原文打不开："+c.reason+"）")
			arts := e.forwarded()
			if len(arts) != 1 {
				t.Fatalf("stored %d, want the card", len(arts))
			}
			if a := arts[0]; a.Title != fwCard.Title || a.Lead != "3月12日，中原区在须水河畔启动春季义务植树活动。" ||
				a.Body != fwCard.Desc || a.URL != fwCanonical || a.Source != forwardSource {
				t.Errorf("card stored as %+v", a)
			}
			if log := e.auditLog(); len(log) != 1 || !strings.Contains(log[0].Detail, "card only") {
				t.Errorf("audit = %+v", log)
			}
		})
	}
}

// TestForwardDuplicate: the same article forwarded again, through another
// share of the link, is recognised.
func TestForwardDuplicate(t *testing.T) {
	e, _ := newFWEnv(t, fwPage)
	e.forwardCard(privateOf(rtStaff), rtStaff, fwCard)
	again := fwCard
	again.URL = strings.Replace(fwURL, "scene=21", "scene=126", 1)
	got := e.forwardCard(rtGroup, rtAdmin, again)
	rtWantReply(t, got, privateOf(rtAdmin), "这篇已经收录过了")
	if n := len(e.forwarded()); n != 1 {
		t.Errorf("stored %d copies", n)
	}
	if n := len(e.auditLog()); n != 1 {
		t.Errorf("audited %d times, want only the first", n)
	}
}

func TestForwardBadCardOrStore(t *testing.T) {
	t.Run("card without link", func(t *testing.T) {
		e, f := newFWEnv(t, fwPage)
		got := e.forwardCard(privateOf(rtStaff), rtStaff, ArticleCard{Title: "标题", URL: "javascript:alert(1)"})
		rtWantReply(t, got, privateOf(rtStaff), "没有标题或链接")
		if len(f.calls()) != 0 || len(e.forwarded()) != 0 {
			t.Error("a card without an http link was fetched or stored")
		}
	})
	t.Run("store fails", func(t *testing.T) {
		e := newRTEnv(t, func(c *RouterConfig) {
			c.Forwards = fwFailingStore{}
		})
		got := e.forwardCard(privateOf(rtStaff), rtStaff, fwCard)
		rtWantReply(t, got, privateOf(rtStaff), "文章没有收录成功，请稍后再试")
	})
	t.Run("store without forwards", func(t *testing.T) {
		e := newRTEnv(t) // rtStore has no ImportFetched
		got := e.forwardCard(privateOf(rtStaff), rtStaff, fwCard)
		rtWantReply(t, got, privateOf(rtStaff), "暂时不能收录文章")
	})
	t.Run("a *data.Store keeps forwards by itself", func(t *testing.T) {
		e := newRTEnv(t, func(c *RouterConfig) { c.Store = c.Store.(*rtStore).Store })
		got := e.forwardCard(privateOf(rtStaff), rtStaff, fwCard)
		rtWantReply(t, got, privateOf(rtStaff), "已收录标题和摘要")
	})
}

type fwFailingStore struct{}

func (fwFailingStore) ImportFetched(context.Context, []data.Fetched) (data.FetchedResult, error) {
	return data.FetchedResult{}, errors.New("disk full")
}

func TestCanonicalArticleURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{fwURL, fwCanonical},
		{"https://mp.weixin.qq.com/s?__biz=MzA5&mid=2651&idx=1&sn=abc&chksm=zz&scene=126&from=timeline&isappinstalled=0", fwCanonical},
		{"https://mp.weixin.qq.com/s?from=groupmessage&__biz=MzA5&sn=abc&idx=1&mid=2651#rd", fwCanonical},
		{"https://mp.weixin.qq.com/s/AbCdEf?scene=1", "https://mp.weixin.qq.com/s/AbCdEf"},
		{"https://mp.weixin.qq.com/s/AbCdEf?chksm=a1&from=singlemessage&isappinstalled=0&scene=1", "https://mp.weixin.qq.com/s/AbCdEf"},
		{"https://mp.weixin.qq.com/s/AbCdEf?poc_token=x&utm=1", "https://mp.weixin.qq.com/s/AbCdEf?utm=1"},
		{"https://mp.weixin.qq.com/s?scene=1", "https://mp.weixin.qq.com/s"},
		{"http://www.zhongyuan.gov.cn/a/1.html?from=timeline", "http://www.zhongyuan.gov.cn/a/1.html?from=timeline"},
		{"http://www.zhongyuan.gov.cn/a/1.html#top", "http://www.zhongyuan.gov.cn/a/1.html"},
		{" https://example.invalid/x ", "https://example.invalid/x"},
		{"ftp://example.invalid/x", ""},
		{"javascript:alert(1)", ""},
		{"/relative", ""},
		{"http://[::1", ""},
		{"http://x.invalid/a b", ""},
		{"http://x.invalid/\x00", ""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			if got := canonicalArticleURL(c.in); got != c.want {
				t.Errorf("canonicalArticleURL(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// TestForwardRefusesInternalAddress: a card whose link the fetch guard
// refuses (a loopback or private address) is neither fetched nor stored,
// and the staff member is told why in one Chinese line; with the real
// client and its default policy, the internal service is never asked.
func TestForwardRefusesInternalAddress(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "<html><title>内部服务</title><p>不该被读到的内容。</p></html>")
	}))
	defer srv.Close()
	client := source.New(source.Config{HostGap: -1})
	blocked := func(string) (digest.Article, error) {
		return digest.Article{}, fmt.Errorf("source: fetch article: dial: %w", source.ErrBlockedAddress)
	}
	cases := []struct {
		name  string
		fetch func(context.Context, string) (digest.Article, error)
		url   string
		chat  Target
		from  Sender
		to    Target
	}{
		{"loopback, real client", client.FetchArticle, srv.URL + "/admin", privateOf(rtAdmin), rtAdmin, privateOf(rtAdmin)},
		{"private address", func(_ context.Context, u string) (digest.Article, error) { return blocked(u) }, "http://192.168.1.10/news/1.html", privateOf(rtStaff), rtStaff, privateOf(rtStaff)},
		{"in a group, answered privately", func(_ context.Context, u string) (digest.Article, error) { return blocked(u) }, "http://10.0.0.8/a.html", rtGroup, rtStaff, privateOf(rtStaff)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newRTEnv(t, func(rc *RouterConfig) {
				rc.Forwards = rc.Store.(*rtStore).Store.(*data.Store)
				rc.FetchArticle = c.fetch
			})
			card := ArticleCard{Title: "看起来像文章", Desc: "其实指向内网。", URL: c.url}
			got := e.forwardCard(c.chat, c.from, card)
			rtWantReply(t, got, c.to, "这个链接指向内网地址，出于安全原因没有抓取，也没有保存。")
			if len(got) != 1 {
				t.Errorf("replies %+v, want one line", got)
			}
			if arts := e.forwarded(); len(arts) != 0 {
				t.Errorf("stored %+v, want nothing", arts)
			}
			if log := e.auditLog(); len(log) != 0 {
				t.Errorf("audit = %+v, want nothing recorded as stored", log)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the internal service was asked %d times", n)
	}
}

// TestForwardUpgrade: an article kept from its card alone is replaced by
// its page when the same article (another share of its link) is forwarded
// again and the page can now be read — same id and date, the page's
// title, byline, lead, body and site name, found by search through its
// new text — and the staff member is told. Anything else forwarded again
// is only recognised.
func TestForwardUpgrade(t *testing.T) {
	notFound := func(u string) (digest.Article, error) {
		return digest.Article{}, &source.StatusError{Code: 404, URL: u}
	}
	again := fwCard
	again.URL = strings.Replace(fwURL, "chksm=zz&scene=21", "chksm=yy&scene=126&from=timeline&isappinstalled=0", 1)
	cases := []struct {
		name          string
		first, second func(string) (digest.Article, error)
		nextDay       bool
		reply         string
		upgraded      bool
	}{
		{"card, then the page", notFound, fwPage, false, "这篇之前只收录了标题和摘要，现已更新为全文：中原区启动春季植树活动（今日第", true},
		{"card, then the page a day later", notFound, fwPage, true, "这篇之前只收录了标题和摘要，现已更新为全文：中原区启动春季植树活动", true},
		{"card, then still unreadable", notFound, notFound, false, "这篇已经收录过了", false},
		{"page, then the page", fwPage, fwPage, false, "这篇已经收录过了", false},
		{"page, then unreadable", fwPage, notFound, false, "这篇已经收录过了", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, f := newFWEnv(t, c.first)
			e.forwardCard(privateOf(rtStaff), rtStaff, fwCard)
			before := e.forwarded()
			if len(before) != 1 {
				t.Fatalf("first forward stored %d", len(before))
			}
			f.mu.Lock()
			f.fetch = c.second
			f.mu.Unlock()
			if c.nextDay {
				e.clock.Advance(24 * time.Hour)
			}
			got := e.forwardCard(rtGroup, rtStaff, again)
			rtWantReply(t, got, privateOf(rtStaff), c.reply)
			after := e.forwarded()
			if len(after) != 1 {
				t.Fatalf("stored %d copies after the second forward: %+v", len(after), after)
			}
			a := after[0]
			if a.ID != before[0].ID || a.Date != rtDay || a.URL != fwCanonical {
				t.Errorf("id/date/link changed: before %+v, after %+v", before[0], a)
			}
			page, _ := fwPage("")
			if !c.upgraded {
				if a != before[0] {
					t.Errorf("changed without an upgrade:\n%+v\n%+v", before[0], a)
				}
				if log := e.auditLog(); len(log) != 1 {
					t.Errorf("audit = %+v, want the first forward only", log)
				}
				return
			}
			if a.Title != page.Title || a.Byline != page.Byline || a.Lead != page.Lead || a.Body != page.Body || a.Source != "中原发布" {
				t.Errorf("upgraded to %+v, want the page %+v", a, page)
			}
			if !c.nextDay {
				if n := e.digestNumber(a.ID); !strings.Contains(got[0].text(), fmt.Sprintf("今日第%d条", n)) {
					t.Errorf("reply %q, want today's number %d", got[0].text(), n)
				}
			}
			// The search index follows: the page's words find it, the
			// card's own wording no longer does.
			hits, err := e.db.Search(context.Background(), "挥锹铲土", 10)
			if err != nil || len(hits) != 1 || hits[0].Article.ID != a.ID {
				t.Errorf("search for the page's text = %+v, %v", hits, err)
			}
			hits, err = e.db.Search(context.Background(), "千余名干部群众", 10)
			if err != nil || len(hits) != 0 {
				t.Errorf("search for the card's text = %+v, %v; want nothing", hits, err)
			}
			log := e.auditLog()
			if len(log) != 2 || !slices.ContainsFunc(log, func(x data.AuditEntry) bool {
				return x.Action == "article.forward.upgrade" && strings.Contains(x.Detail, strconv.FormatInt(a.ID, 10))
			}) {
				t.Errorf("audit = %+v", log)
			}
		})
	}
}

// TestForwardUpgradeWithoutEditor: a store that cannot edit articles
// leaves the card as it is.
func TestForwardUpgradeWithoutEditor(t *testing.T) {
	db := &fwImportOnly{}
	e := newRTEnv(t, func(c *RouterConfig) {
		db.s = c.Store.(*rtStore).Store.(*data.Store)
		c.Forwards = db
		c.FetchArticle = func(_ context.Context, u string) (digest.Article, error) { return fwPage(u) }
	})
	// Stored from its card earlier.
	card := cardArticle(&fwCard)
	card.Source, card.Date, card.URL = forwardSource, rtDay, fwCanonical
	if _, err := db.s.ImportFetched(context.Background(), []data.Fetched{{Article: card}}); err != nil {
		t.Fatal(err)
	}
	got := e.forwardCard(privateOf(rtStaff), rtStaff, fwCard)
	rtWantReply(t, got, privateOf(rtStaff), "这篇已经收录过了")
	if arts := e.forwarded(); len(arts) != 1 || arts[0].Body != fwCard.Desc {
		t.Errorf("stored %+v, want the card untouched", arts)
	}
}

// fwImportOnly keeps forwards but cannot edit them.
type fwImportOnly struct{ s *data.Store }

func (f *fwImportOnly) ImportFetched(ctx context.Context, items []data.Fetched) (data.FetchedResult, error) {
	return f.s.ImportFetched(ctx, items)
}

// FuzzCanonicalArticleURL: any text gives "" or an http(s) URL that is
// its own canonical form.
func FuzzCanonicalArticleURL(f *testing.F) {
	for _, s := range []string{fwURL, "http://x.invalid/a#b", "https://mp.weixin.qq.com/s?__biz=1&mid=2&mid=3", "javascript:x", "http://[::1]:80/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := canonicalArticleURL(s)
		if c == "" {
			return
		}
		u, err := url.Parse(c)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Fatalf("canonicalArticleURL(%q) = %q: not an http(s) URL", s, c)
		}
		if again := canonicalArticleURL(c); again != c {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, c, again)
		}
	})
}
