package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

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
	return digest.Article{Title: "中原区启动春季植树活动", Byline: "记者 王磊", Source: "ignored",
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
		if a.Source == forwardSource {
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
			if a.URL != fwCanonical || a.Date != rtDay || a.Byline != "记者 王磊" ||
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
		{"internal address", func(string) (digest.Article, error) {
			return digest.Article{}, fmt.Errorf("source: %w", source.ErrBlockedAddress)
		}, "不允许访问内部地址"},
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
				a.Body != fwCard.Desc || a.URL != fwCanonical {
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
		{"https://mp.weixin.qq.com/s/AbCdEf?scene=1", "https://mp.weixin.qq.com/s/AbCdEf?scene=1"},
		{"https://mp.weixin.qq.com/s?scene=1", "https://mp.weixin.qq.com/s?scene=1"},
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

// TestForwardRefusesInternalAddress: with the real client and its default
// policy, a card pointing at a loopback service is not fetched; the card
// is kept and the reply says why.
func TestForwardRefusesInternalAddress(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "<html><title>内部服务</title><p>不该被读到的内容。</p></html>")
	}))
	defer srv.Close()
	client := source.New(source.Config{HostGap: -1})
	e := newRTEnv(t, func(c *RouterConfig) {
		c.Forwards = c.Store.(*rtStore).Store.(*data.Store)
		c.FetchArticle = client.FetchArticle
	})
	card := ArticleCard{Title: "看起来像文章", Desc: "其实指向内网。", URL: srv.URL + "/admin"}
	got := e.forwardCard(privateOf(rtAdmin), rtAdmin, card)
	rtWantReply(t, got, privateOf(rtAdmin), "已收录标题和摘要（原文打不开：不允许访问内部地址）")
	if n := hits.Load(); n != 0 {
		t.Errorf("the internal service was asked %d times", n)
	}
	if arts := e.forwarded(); len(arts) != 1 || arts[0].Body != card.Desc {
		t.Errorf("stored %+v, want the card only", arts)
	}
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
