package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
	"github.com/wxdigest/wxdigest/data"
)

// srcArticlePage is a news page in the layout of a district site: the
// site's name after the headline in <title>, navigation, a source line,
// a photo caption and a dateline before the first real sentence.
const srcArticlePage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>中原区新增三处口袋公园_中原网</title></head>
<body>
<div class="nav"><a href="/">首页</a> | <a href="/news">新闻</a> | <a href="/gov">政务</a></div>
<div class="article">
<h1>中原区新增三处口袋公园</h1>
<div class="info">来源：中原网 2023-02-13 08:00 编辑：王磊</div>
<p><img src="/p/1.jpg"></p>
<p>图为建设路口袋公园。</p>
<p>本报讯（记者 鲁燕 通讯员 木坤坤）近日，中原区在桐柏路、建设路和伏牛路沿线新建的三处口袋公园完工开放，新增绿地面积1.2万平方米。</p>
<p>公园内设有健身步道、儿童游乐区和休憩座椅，周边居民步行5分钟即可到达。</p>
<p>据介绍，今年全区还将新建口袋公园十处，进一步方便群众就近休闲。</p>
</div>
<div class="footer">版权所有 中原网 豫ICP备00000000号</div>
</body></html>`

const (
	srcTitle = "中原区新增三处口袋公园"
	srcLead  = "近日，中原区在桐柏路、建设路和伏牛路沿线新建的三处口袋公园完工开放，新增绿地面积1.2万平方米。"
)

// srcFeedXML is an RSS feed of n items, newest first.
func srcFeedXML(n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>中原区融媒体</title>`)
	for i := n; i >= 1; i-- {
		fmt.Fprintf(&b, `<item><title>中原区新闻%d</title><guid isPermaLink="false">zy-%d</guid><link>http://news.invalid/a/%d.html</link>`+
			`<description><![CDATA[<p>本报讯 中原区第%d条新闻的导语在这里。</p><p>第二段正文。</p>]]></description></item>`, i, i, i, i)
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// srcServer serves a feed whose item count can change, and the article
// page, counting requests per path.
type srcServer struct {
	*httptest.Server
	mu    sync.Mutex
	items int
	hits  map[string]int
}

func newSrcServer(t *testing.T, items int) *srcServer {
	s := &srcServer{items: items, hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		n := s.items
		s.mu.Unlock()
		switch r.URL.Path {
		case "/feed.xml":
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
			fmt.Fprint(w, srcFeedXML(n))
		case "/a.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, srcArticlePage)
		case "/broken.xml":
			http.Error(w, "down", http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *srcServer) setItems(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items = n
}

func (s *srcServer) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

type srcRow struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	URL       string `json:"url"`
	Every     string `json:"every"`
	Enabled   bool   `json:"enabled"`
	LastFetch string `json:"last_fetch"`
	LastError string `json:"last_error"`
	Failures  int    `json:"failures"`
	NextFetch string `json:"next_fetch"`
}

func srcList(t *testing.T, ta *testApp) []srcRow {
	t.Helper()
	r := ta.run("", "source", "list", "--format", "json")
	if r.code != 0 {
		t.Fatalf("source list: exit %d: %s", r.code, r.stderr)
	}
	var rows []srcRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("source list json: %v\n%s", err, r.stdout)
	}
	return rows
}

func TestSourceAddListRemove(t *testing.T) {
	ta := newTestApp(t)
	if rows := srcList(t, ta); len(rows) != 0 {
		t.Fatalf("fresh store lists %+v", rows)
	}
	r := ta.run("", "source", "add", "--name", "区政府网", "--url", "https://www.zhongyuan.gov.cn/rss.xml")
	if r.code != 0 || !strings.Contains(r.stdout, "已添加来源：区政府网（feed，每 30m）") {
		t.Fatalf("add: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = ta.run("", "source", "add", "--name", "区长信箱", "--url", "https://www.zhongyuan.gov.cn/mail.html", "--kind", "page", "--every", "2h")
	if r.code != 0 {
		t.Fatalf("add page: exit %d: %s", r.code, r.stderr)
	}
	rows := srcList(t, ta)
	want := []srcRow{
		{Name: "区政府网", Kind: "feed", URL: "https://www.zhongyuan.gov.cn/rss.xml", Every: "30m", Enabled: true},
		{Name: "区长信箱", Kind: "page", URL: "https://www.zhongyuan.gov.cn/mail.html", Every: "2h", Enabled: true},
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("list = %+v\nwant %+v", rows, want)
	}
	if r := ta.run("", "source", "list"); r.code != 0 || !strings.Contains(r.stdout, "区长信箱\tpage\t每 2h\t启用\t上次 —\t下次 现在") {
		t.Errorf("list text: %q", r.stdout)
	}
	if r := ta.run("", "source", "add", "--name", "区政府网", "--url", "https://other.invalid/x"); r.code != 1 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("duplicate add: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := ta.run("", "source", "disable", "--name", "区长信箱"); r.code != 0 {
		t.Errorf("disable: exit %d: %s", r.code, r.stderr)
	}
	if rows := srcList(t, ta); rows[1].Enabled {
		t.Errorf("still enabled: %+v", rows[1])
	}
	if r := ta.run("", "source", "remove", "--name", "区政府网"); r.code != 0 || !strings.Contains(r.stdout, "已删除来源：区政府网") {
		t.Errorf("remove: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	if r := ta.run("", "source", "remove", "--name", "区政府网"); r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "no source named") {
		t.Errorf("remove unknown: exit %d, stderr %q", r.code, r.stderr)
	}
	if rows := srcList(t, ta); len(rows) != 1 || rows[0].Name != "区长信箱" {
		t.Errorf("after remove: %+v", rows)
	}
}

func TestSourceBadUsage(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no verb", []string{"source"}, "want one of"},
		{"unknown verb", []string{"source", "poll"}, "unknown"},
		{"add without name", []string{"source", "add", "--url", "https://x.invalid/f"}, "--name is required"},
		{"add without url", []string{"source", "add", "--name", "x"}, "--url is required"},
		{"add ftp url", []string{"source", "add", "--name", "x", "--url", "ftp://x.invalid/f"}, "http:// or https://"},
		{"add url without host", []string{"source", "add", "--name", "x", "--url", "http://"}, "http:// or https://"},
		{"add bad kind", []string{"source", "add", "--name", "x", "--url", "https://x.invalid/f", "--kind", "wechat-forward"}, "want feed or page"},
		{"add zero interval", []string{"source", "add", "--name", "x", "--url", "https://x.invalid/f", "--every", "0s"}, "at least 1s"},
		{"add bad interval", []string{"source", "add", "--name", "x", "--url", "https://x.invalid/f", "--every", "often"}, "every"},
		{"list bad format", []string{"source", "list", "--format", "xml"}, "format"},
		{"remove without name", []string{"source", "remove"}, "--name is required"},
		{"stray argument", []string{"source", "list", "extra"}, "unexpected argument"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ta := newTestApp(t)
			r := ta.run("", c.args...)
			if r.code != 2 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want 2 naming %q", r.code, r.stderr, c.want)
			}
		})
	}
}

// TestSourceFetch: `source fetch` prints what was new per source, stores
// nothing twice, keeps a failure on the source (shown by list) without
// stopping the others, and refuses loopback without --allow-private.
func TestSourceFetch(t *testing.T) {
	srv := newSrcServer(t, 3)
	ta := newTestApp(t)
	ta.env["WXDIGEST_HOST_GAP"] = "0"
	for _, s := range [][]string{{"融媒体", "/feed.xml", "feed"}, {"坏源", "/broken.xml", "feed"}, {"网页", "/a.html", "page"}} {
		if r := ta.run("", "source", "add", "--name", s[0], "--url", srv.URL+s[1], "--kind", s[2]); r.code != 0 {
			t.Fatalf("add %s: %s", s[0], r.stderr)
		}
	}

	t.Run("without --allow-private", func(t *testing.T) {
		r := ta.run("", "source", "fetch", "--name", "融媒体")
		if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "--allow-private") {
			t.Errorf("exit %d, stderr %q; want 1 and one line pointing to --allow-private", r.code, r.stderr)
		}
		if n := srv.count("/feed.xml"); n != 0 {
			t.Errorf("the loopback server was asked %d times", n)
		}
	})

	r := ta.run("", "source", "fetch", "--allow-private")
	if r.code != 1 || !strings.Contains(r.stderr, "1 of 3 sources failed") {
		t.Errorf("fetch all: exit %d, stderr %q; want 1 for the broken source", r.code, r.stderr)
	}
	for _, want := range []string{
		"来源 融媒体：3 new, 0 already stored\n  中原区新闻3\n  中原区新闻2\n  中原区新闻1\n",
		"来源 坏源：failed: ",
		"来源 网页：1 new, 0 already stored\n  " + srcTitle + "\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	// Not a terminal: one plain progress line per source.
	for _, want := range []string{"1/3 坏源\n", "2/3 网页\n", "3/3 融媒体\n"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks progress line %q:\n%s", want, r.stderr)
		}
	}

	srv.setItems(4)
	r = ta.run("", "source", "fetch", "--name", "融媒体", "--allow-private")
	if r.code != 0 || r.stdout != "来源 融媒体：1 new, 3 already stored\n  中原区新闻4\n" {
		t.Errorf("second fetch: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	rows := srcList(t, ta)
	byName := map[string]srcRow{}
	for _, row := range rows {
		byName[row.Name] = row
	}
	if b := byName["坏源"]; b.Failures != 1 || !strings.Contains(b.LastError, "HTTP 500") || b.NextFetch == "" {
		t.Errorf("broken source listed as %+v", b)
	}
	if f := byName["融媒体"]; f.Failures != 0 || f.LastError != "" || f.LastFetch == "" {
		t.Errorf("feed listed as %+v", f)
	}
	if r := ta.run("", "source", "list"); !strings.Contains(r.stdout, "\t连续失败 1 次：source: fetch feed "+srv.URL+"/broken.xml: HTTP 500") {
		t.Errorf("list text does not show the error:\n%s", r.stdout)
	}
	r = ta.run("", "articles", "--format", "json", "--date", "2023-02-13")
	if n := strings.Count(r.stdout, `"title": "中原区新闻`); n != 4 {
		t.Errorf("%d feed articles stored, want 4:\n%s", n, r.stdout)
	}
}

// TestImportURL: `import URL` stores one web article of today with the
// headline (no site suffix), the first real sentence as lead and the host
// as source; once only; loopback needs --allow-private.
func TestImportURL(t *testing.T) {
	srv := newSrcServer(t, 0)
	page := srv.URL + "/a.html"

	t.Run("refused without --allow-private", func(t *testing.T) {
		ta := newTestApp(t)
		r := ta.run("", "import", page)
		if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "--allow-private") || !strings.Contains(r.stderr, "not allowed") {
			t.Errorf("exit %d, stderr %q; want 1 and one line", r.code, r.stderr)
		}
		if n := srv.count("/a.html"); n != 0 {
			t.Errorf("page fetched %d times", n)
		}
	})
	t.Run("stored", func(t *testing.T) {
		ta := newTestApp(t)
		r := ta.run("", "import", page, "--allow-private")
		if r.code != 0 || r.stdout != "1 new, 0 already stored\n  "+srcTitle+"\n" {
			t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		if r := ta.run("", "import", "--allow-private", page); r.code != 0 || r.stdout != "0 new, 1 already stored\n" {
			t.Errorf("second import: exit %d, stdout %q", r.code, r.stdout)
		}
		arts := srcArticles(t, ta, "2023-02-13")
		if len(arts) != 1 {
			t.Fatalf("%d articles, want 1", len(arts))
		}
		a := arts[0]
		// Named after the site (the title's suffix), never the host or IP.
		if a.Title != srcTitle || a.Lead != srcLead || a.Source != "中原网" || a.URL != page || !strings.Contains(a.Body, "今年全区还将新建") {
			t.Errorf("stored %+v", a)
		}
	})
	t.Run("named source, date, and a page file alongside", func(t *testing.T) {
		ta := newTestApp(t)
		r := ta.run("", "import", "--allow-private", "--source", "中原网", "--date", "2023-02-10", ta.sample(), page)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "6 new, 0 already stored\n") {
			t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stderr, "1/2 ") || !strings.Contains(r.stderr, "2/2 "+page) {
			t.Errorf("no plain progress lines on stderr: %q", r.stderr)
		}
		arts := srcArticles(t, ta, "2023-02-10")
		web := 0
		for _, a := range arts {
			if a.Source != "中原网" {
				t.Errorf("article %q has source %q, want the --source", a.Title, a.Source)
			}
			if a.URL == page && a.Title == srcTitle {
				web++
			}
		}
		if len(arts) != 6 || web != 1 {
			t.Errorf("%d articles, %d from the web page; want 6 and 1", len(arts), web)
		}
	})
	t.Run("bad urls", func(t *testing.T) {
		ta := newTestApp(t)
		if r := ta.run("", "import", "http://"); r.code != 2 {
			t.Errorf("import http://: exit %d, stderr %q; want 2", r.code, r.stderr)
		}
		r := ta.run("", "import", "--allow-private", srv.URL+"/missing.html")
		if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "404") {
			t.Errorf("missing page: exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

type srcArticle struct {
	Source string `json:"source"`
	URL    string `json:"url"`
	Title  string `json:"title"`
	Lead   string `json:"lead"`
	Body   string `json:"body"`
}

func srcArticles(t *testing.T, ta *testApp, date string) []srcArticle {
	t.Helper()
	r := ta.run("", "articles", "--format", "json", "--date", date)
	if r.code != 0 {
		t.Fatalf("articles: %s", r.stderr)
	}
	var out struct {
		Articles []srcArticle `json:"articles"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("articles json: %v\n%s", err, r.stdout)
	}
	return out.Articles
}

func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, tty: true, total: 4}
	for _, n := range []string{"甲", "乙", "丙", "丁"} {
		p.start(n)
		p.done(n)
	}
	p.finish()
	got := b.String()
	for _, want := range []string{
		"\r\x1b[K[--------------------] 0/4 甲 …",
		"\r\x1b[K[#####---------------] 1/4 甲",
		"\r\x1b[K[##########----------] 2/4 乙",
		"\r\x1b[K[####################] 4/4 丁\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("bar output lacks %q:\n%q", want, got)
		}
	}
	if strings.Count(got, "\n") != 1 {
		t.Errorf("the bar used %d lines, want 1: %q", strings.Count(got, "\n"), got)
	}
	b.Reset()
	one := &progress{w: &b, tty: true, total: 1}
	one.start("x")
	one.done("x")
	one.finish()
	if b.Len() != 0 {
		t.Errorf("a single item drew a bar: %q", b.String())
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Minute: "30m", time.Hour: "1h", 90 * time.Minute: "1h30m", 45 * time.Second: "45s",
		90 * time.Second: "1m30s", 24 * time.Hour: "24h",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestE2ESourcesFillTheStore is the "done when": a feed added
// with `source add` keeps the store of a running bot filled, without
// duplicates, however often it is polled.
func TestE2ESourcesFillTheStore(t *testing.T) {
	t.Parallel()
	srv := newSrcServer(t, 2)
	e := newE2E(t)
	e.cli("source", "add", "--name", "融媒体", "--url", srv.URL+"/feed.xml", "--every", "1s")
	p := e.start(append([]string{"--allow-private"}, fastPacing...)...)
	ctx := e.ctx(45 * time.Second)
	e.online(ctx, p, 1)

	stored := func() []string {
		st, err := data.Open(ctx, e.db, data.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var titles []string
		dates, _ := st.Dates(ctx)
		for _, d := range dates {
			arts, _ := st.ArticlesByDate(ctx, d)
			for _, a := range arts {
				titles = append(titles, a.Title)
			}
		}
		return titles
	}
	e.eventually(ctx, "first poll stores the feed", func() (bool, string) {
		got := stored()
		return len(got) == 2, fmt.Sprint(got)
	})
	srv.setItems(3)
	e.eventually(ctx, "a new item is picked up", func() (bool, string) {
		got := stored()
		return len(got) == 3, fmt.Sprint(got)
	})
	polls := srv.count("/feed.xml")
	e.eventually(ctx, "two more polls", func() (bool, string) {
		n := srv.count("/feed.xml")
		return n >= polls+2, fmt.Sprint(n)
	})
	if got := stored(); len(got) != 3 {
		t.Errorf("after repeated polls the store holds %d articles, want 3: %v", len(got), got)
	}
	var rows []srcRow
	if err := json.Unmarshal([]byte(e.cli("source", "list", "--format", "json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Failures != 0 || rows[0].LastError != "" || rows[0].LastFetch == "" {
		t.Errorf("source list = %+v", rows)
	}
	e.stopClean(p)
}

// TestE2EForwardedArticle: a 公众号 article card a staff friend sends the
// bot reaches the store (fetched through the page, same client as the
// poller), the staff member is told; a resident's card is ignored and
// its page never fetched.
func TestE2EForwardedArticle(t *testing.T) {
	t.Parallel()
	srv := newSrcServer(t, 0)
	e := newE2E(t)
	e.cli("role", "grant", "--remark", "王主任", "--role", "staff")
	for _, f := range [][2]string{{"小王", "王主任"}, {"赵大爷", "赵大爷"}} {
		if err := e.srv.AddFriend(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	const group = "幸福里业主群"
	if err := e.srv.AddGroup(wechattest.Group{Name: group, Saved: true, Members: []wechattest.Member{{Friend: "小王"}, {ID: "li", Nick: "李阿姨"}}}); err != nil {
		t.Fatal(err)
	}
	p := e.start(append([]string{"--allow-private"}, fastPacing...)...)
	ctx := e.ctx(45 * time.Second)
	e.online(ctx, p, 1)

	// Residents first: privately, and in the group.
	if _, err := e.srv.Post(wechattest.Post{Friend: "赵大爷", Article: &wechattest.Article{Title: "居民转发", Desc: "居民转发的文章。", URL: srv.URL + "/resident.html"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Post(wechattest.Post{Group: group, From: "li", Article: &wechattest.Article{Title: "群里转发", Desc: "群里转发的文章。", URL: srv.URL + "/group.html"}}); err != nil {
		t.Fatal(err)
	}
	n := len(e.srv.Sent())
	card := wechattest.Article{Title: "中原区新增三处口袋公园", Desc: "近日，中原区新建的三处口袋公园完工开放。", URL: srv.URL + "/a.html"}
	if _, err := e.srv.Post(wechattest.Post{Friend: "小王", Article: &card}); err != nil {
		t.Fatal(err)
	}
	m := e.reply(ctx, n, "staff told the article is stored", func(m wechattest.SentMessage) bool {
		return m.Kind == wechattest.KindFriend && m.To == "小王"
	})
	if !strings.HasPrefix(m.Text, "已收录："+srcTitle+"（今日第1条）") {
		t.Errorf("reply %q", m.Text)
	}
	// The same card again, now posted in the group: recognised, and the
	// answer goes to the staff member, not the group.
	n = len(e.srv.Sent())
	if _, err := e.srv.Post(wechattest.Post{Group: group, From: "小王", Article: &card}); err != nil {
		t.Fatal(err)
	}
	m = e.reply(ctx, n, "duplicate recognised", func(m wechattest.SentMessage) bool { return m.Kind == wechattest.KindFriend })
	if m.To != "小王" || m.Text != "这篇已经收录过了" {
		t.Errorf("duplicate answered %+v", m)
	}

	st, err := data.Open(ctx, e.db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	arts, err := st.ArticlesByDate(ctx, e.today())
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 1 || arts[0].Title != srcTitle || arts[0].Lead != srcLead || arts[0].Source != "中原网" || arts[0].URL != card.URL {
		// The source is the site's name (the title's suffix here), as the
		// digest header shows it.
		t.Errorf("stored %+v", arts)
	}
	for _, path := range []string{"/resident.html", "/group.html"} {
		if n := srv.count(path); n != 0 {
			t.Errorf("a resident's card made the bot fetch %s (%d times)", path, n)
		}
	}
	for _, s := range e.srv.Sent() {
		if s.To == "赵大爷" || s.Kind == wechattest.KindGroup {
			t.Errorf("the bot answered a resident's forward or the group: %+v", s)
		}
	}
	log, err := st.AuditLog(ctx, 0)
	if err != nil || len(log) == 0 || log[0].Action != "article.forward" || log[0].Who != "王主任" {
		t.Errorf("audit log %+v, %v", log, err)
	}
	e.stopClean(p)
}
