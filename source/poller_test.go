package source

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Shanghai on machines without zone data

	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
)

// ptClock is a fake Clock: time stands still until Advance, which fires
// the timers that fall due.
type ptClock struct {
	mu      sync.Mutex
	now     time.Time
	made    int // timers created so far
	timers  []*ptTimer
	changed chan struct{}
}

type ptTimer struct {
	c  *ptClock
	at time.Time
	ch chan time.Time
}

func newPTClock(start time.Time) *ptClock { return &ptClock{now: start, changed: make(chan struct{})} }

func (c *ptClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *ptClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &ptTimer{c: c, at: c.now.Add(d), ch: make(chan time.Time, 1)}
	c.made++
	if d <= 0 {
		t.ch <- c.now
	} else {
		c.timers = append(c.timers, t)
	}
	close(c.changed)
	c.changed = make(chan struct{})
	return t
}

func (t *ptTimer) C() <-chan time.Time { return t.ch }

func (t *ptTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	for i, o := range t.c.timers {
		if o == t {
			t.c.timers = append(t.c.timers[:i], t.c.timers[i+1:]...)
			return true
		}
	}
	return false
}

// Advance moves time on and fires due timers.
func (c *ptClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			kept = append(kept, t)
			continue
		}
		t.ch <- c.now
	}
	c.timers = kept
}

// waitTimers waits until more than n timers were made and one is pending:
// the poller finished a round and sleeps. It returns the count made and
// the pending timer's wait.
func (c *ptClock) waitTimers(t *testing.T, n int) (int, time.Duration) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		made, ch := c.made, c.changed
		var wait time.Duration = -1
		if len(c.timers) > 0 {
			wait = c.timers[len(c.timers)-1].at.Sub(c.now)
		}
		c.mu.Unlock()
		if made > n && wait >= 0 {
			return made, wait
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("poller never went to sleep (timers made %d, want > %d)", made, n)
		}
	}
}

// ptItem is one RSS item of a test feed.
type ptItem struct {
	guid, link, title, desc, pub string
}

func ptRSS(items ...ptItem) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>中原区融媒体</title>`)
	for _, it := range items {
		b.WriteString("<item><title>" + it.title + "</title>")
		if it.guid != "" {
			b.WriteString(`<guid isPermaLink="false">` + it.guid + "</guid>")
		}
		if it.link != "" {
			b.WriteString("<link>" + it.link + "</link>")
		}
		if it.pub != "" {
			b.WriteString("<pubDate>" + it.pub + "</pubDate>")
		}
		b.WriteString("<description><![CDATA[" + it.desc + "]]></description></item>")
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

var ptItems = []ptItem{
	{"zy-1", "", "中原区召开重点项目推进会", "<p>本报讯 2月12日，中原区召开重点项目推进会，安排部署全年项目建设工作。</p><p>会议要求各单位抓好落实。</p>", "Sun, 12 Feb 2023 17:30:00 GMT"},
	{"zy-2", "", "须水街道开展平安宣传", "<p>须水街道开展平安建设宣传活动，发放资料2000余份。</p><p>居民踊跃参与。</p>", "Mon, 13 Feb 2023 01:00:00 GMT"},
	{"zy-3", "", "没有日期的消息", "<p>林山寨街道举办邻里节活动。</p><p>现场气氛热烈。</p>", ""},
}

// ptEnv is a store, a client for loopback servers and a poller on a fake
// clock.
type ptEnv struct {
	t      *testing.T
	store  *data.Store
	clock  *ptClock
	zone   *time.Location
	poller *Poller
}

// ptStart is 10:00 on 2023-02-13 in Shanghai.
var ptStart = time.Date(2023, 2, 13, 2, 0, 0, 0, time.UTC)

// newPTEnv's poller re-reads the sources every two days, so it sleeps
// exactly until the next source is due.
func newPTEnv(t *testing.T, cfg Config) *ptEnv { return newPTEnvRescan(t, cfg, 48*time.Hour) }

func newPTEnvRescan(t *testing.T, cfg Config, rescan time.Duration) *ptEnv {
	t.Helper()
	zone, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	e := &ptEnv{t: t, clock: newPTClock(ptStart), zone: zone}
	e.store, err = data.Open(context.Background(), filepath.Join(t.TempDir(), "poll.db"), data.Options{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.store.Close() })
	cfg.HostGap = -1
	e.poller, err = NewPoller(PollerConfig{Store: e.store, Client: New(cfg), Clock: e.clock, Zone: zone, Rescan: rescan})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *ptEnv) add(name, kind, url string, every time.Duration) {
	e.t.Helper()
	if _, err := e.store.AddSource(context.Background(), data.Source{Name: name, Kind: kind, URL: url, Every: every, Enabled: true}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *ptEnv) source(name string) data.Source {
	e.t.Helper()
	s, err := e.store.Source(context.Background(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// articles lists the stored articles of a source, on any day.
func (e *ptEnv) articles(source string) []digest.Article {
	e.t.Helper()
	ctx := context.Background()
	dates, err := e.store.Dates(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []digest.Article
	for _, d := range dates {
		arts, err := e.store.ArticlesByDate(ctx, d)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, a := range arts {
			if a.Source == source {
				out = append(out, a)
			}
		}
	}
	return out
}

// run starts the poller and returns a stop function.
func (e *ptEnv) run() func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.poller.Run(ctx) }()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				e.t.Errorf("Run = %v", err)
			}
		case <-time.After(10 * time.Second):
			e.t.Error("Run did not stop")
		}
	}
}

// ptServer counts requests and answers through a function.
type ptServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newPTServer(t *testing.T, h func(n int, w http.ResponseWriter, r *http.Request)) *ptServer {
	s := &ptServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, r.Clone(context.Background()))
		n := len(s.reqs)
		s.mu.Unlock()
		h(n, w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *ptServer) requests(path string) []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*http.Request
	for _, r := range s.reqs {
		if path == "" || r.URL.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// TestPollerConditionalGET: the first poll stores the feed's items on
// their published days in Shanghai; later polls send the validators, get
// 304 and store nothing; the schedule follows Every.
func TestPollerConditionalGET(t *testing.T) {
	body := ptRSS(ptItems...)
	srv := newPTServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprint(w, body)
	})
	e := newPTEnv(t, Config{AllowPrivate: true})
	e.add("融媒体", data.SourceFeed, srv.URL+"/feed.xml", 10*time.Minute)
	stop := e.run()
	defer stop()

	made, wait := e.clock.waitTimers(t, 0)
	if wait != 10*time.Minute {
		t.Errorf("first sleep %s, want the 10m interval", wait)
	}
	arts := e.articles("融媒体")
	got := map[string]string{}
	for _, a := range arts {
		got[a.Title] = a.Date
	}
	want := map[string]string{
		"中原区召开重点项目推进会": "2023-02-13", // 17:30 UTC on the 12th is the 13th in Shanghai
		"须水街道开展平安宣传":   "2023-02-13",
		"没有日期的消息":      "2023-02-13", // fetch time
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stored %v, want %v", got, want)
	}
	for _, a := range arts {
		if a.Title == "中原区召开重点项目推进会" && a.Lead != "2月12日，中原区召开重点项目推进会，安排部署全年项目建设工作。" {
			t.Errorf("lead %q", a.Lead)
		}
	}
	src := e.source("融媒体")
	if src.ETag != `"v1"` || src.Failures != 0 || !src.LastFetch.Equal(ptStart) || !src.NextFetch.Equal(ptStart.Add(10*time.Minute)) {
		t.Errorf("after the first poll: %+v", src)
	}

	for round := 1; round <= 2; round++ {
		e.clock.Advance(wait)
		made, wait = e.clock.waitTimers(t, made)
	}
	reqs := srv.requests("/feed.xml")
	if len(reqs) != 3 {
		t.Fatalf("%d requests after three polls, want 3", len(reqs))
	}
	for _, r := range reqs[1:] {
		if r.Header.Get("If-None-Match") != `"v1"` {
			t.Errorf("poll without the stored ETag: %v", r.Header)
		}
		if !strings.HasPrefix(r.Header.Get("User-Agent"), "wxdigest") {
			t.Errorf("User-Agent %q", r.Header.Get("User-Agent"))
		}
	}
	if n := len(e.articles("融媒体")); n != 3 {
		t.Errorf("%d articles after 304s, want 3", n)
	}
	if src := e.source("融媒体"); src.ETag != `"v1"` || src.LastError != "" || !src.NextFetch.Equal(e.clock.Now().Add(10*time.Minute)) {
		t.Errorf("after 304: %+v", src)
	}
}

// TestPollerBackoff: a feed that fails is retried after Every×2, then
// ×4, with the error kept on the source; when it recovers, Failures
// resets and its items are stored. The poller wakes every 5 minutes to
// re-read the sources, so a fetch before the backoff ends would show.
func TestPollerBackoff(t *testing.T) {
	srv := newPTServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n <= 2 {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, ptRSS(ptItems[:2]...))
	})
	e := newPTEnvRescan(t, Config{AllowPrivate: true}, 5*time.Minute)
	e.add("坏源", data.SourceFeed, srv.URL+"/feed.xml", 10*time.Minute)
	stop := e.run()
	defer stop()

	steps := []struct {
		failures int
		next     time.Duration // until the fetch after this one
		errPart  string
	}{
		{1, 20 * time.Minute, "HTTP 500"},
		{2, 40 * time.Minute, "HTTP 500"},
		{0, 10 * time.Minute, ""},
	}
	made, _ := e.clock.waitTimers(t, 0)
	for i, st := range steps {
		src := e.source("坏源")
		if src.Failures != st.failures || !strings.Contains(src.LastError, st.errPart) || (st.errPart == "" && src.LastError != "") {
			t.Errorf("poll %d: failures %d, error %q; want %d, %q", i+1, src.Failures, src.LastError, st.failures, st.errPart)
		}
		if got := src.NextFetch.Sub(src.LastFetch); got != st.next {
			t.Errorf("poll %d: next fetch in %s, want %s", i+1, got, st.next)
		}
		if strings.ContainsAny(src.LastError, "\n\r") {
			t.Errorf("stored error spans lines: %q", src.LastError)
		}
		if i == len(steps)-1 {
			break
		}
		// Step through the wake-ups until the next request arrives.
		var elapsed time.Duration
		for len(srv.requests("")) == i+1 && elapsed < 2*time.Hour {
			var wait time.Duration
			_, wait = e.clock.waitTimers(t, made-1)
			e.clock.Advance(wait)
			elapsed += wait
			made, _ = e.clock.waitTimers(t, made)
		}
		if elapsed != st.next {
			t.Errorf("poll %d: fetched again after %s, want %s", i+2, elapsed, st.next)
		}
	}
	if n := len(e.articles("坏源")); n != 2 {
		t.Errorf("%d articles after recovery, want 2", n)
	}
}

func TestBackoff(t *testing.T) {
	cases := []struct {
		every      time.Duration
		failures   int
		retryAfter time.Duration
		want       time.Duration
	}{
		{30 * time.Minute, 1, 0, time.Hour},
		{30 * time.Minute, 3, 0, 4 * time.Hour},
		{30 * time.Minute, 6, 0, 24 * time.Hour}, // 32h capped
		{30 * time.Minute, 1000, 0, 24 * time.Hour},
		{30 * time.Minute, 1, 3 * time.Hour, 3 * time.Hour},
		{30 * time.Minute, 1, 72 * time.Hour, 24 * time.Hour},
		{48 * time.Hour, 2, 0, 48 * time.Hour}, // a longer interval is never shortened
		{0, 1, 0, time.Hour},                   // default interval
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s×%d", c.every, c.failures), func(t *testing.T) {
			if got := backoff(c.every, c.failures, c.retryAfter); got != c.want {
				t.Errorf("backoff = %s, want %s", got, c.want)
			}
		})
	}
}

// TestPollerTeasers: teaser items are replaced by their pages; a teaser
// whose page is missing is kept as it is. Repeated polls of a feed that
// never answers 304 store nothing twice.
func TestPollerTeasers(t *testing.T) {
	var base string
	srv := newPTServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed.xml":
			fmt.Fprint(w, ptRSS(
				ptItem{link: base + "/a/1.html", title: "中原区新增三处口袋公园", desc: "中原区新建的三处口袋公园完工开放……", pub: "Mon, 13 Feb 2023 00:00:00 GMT"},
				ptItem{link: base + "/a/2.html", title: "桐柏路改造完工", desc: "桐柏路改造完工[阅读全文]", pub: "Mon, 13 Feb 2023 00:10:00 GMT"},
			))
		case "/a/1.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!DOCTYPE html><html><head><title>中原区新增三处口袋公园_中原网</title></head><body>
<div class="nav">首页 | 新闻 | 政务</div>
<article><h1>中原区新增三处口袋公园</h1>
<p>来源：中原网 2023-02-13 08:00</p>
<p>本报讯（记者 鲁燕）近日，中原区在桐柏路、建设路和伏牛路沿线新建的三处口袋公园完工开放，新增绿地面积1.2万平方米。</p>
<p>公园内设有健身步道、儿童游乐区和休憩座椅，周边居民步行5分钟即可到达。</p>
<p>据介绍，今年全区还将新建口袋公园十处，进一步方便群众就近休闲。</p>
</article><div class="footer">版权所有 中原网</div></body></html>`)
		default:
			http.NotFound(w, r)
		}
	})
	base = srv.URL
	e := newPTEnv(t, Config{AllowPrivate: true})
	e.add("中原网", data.SourceFeed, srv.URL+"/feed.xml", time.Hour)
	stop := e.run()
	defer stop()
	made, wait := e.clock.waitTimers(t, 0)
	for range 2 {
		e.clock.Advance(wait)
		made, wait = e.clock.waitTimers(t, made)
	}
	arts := e.articles("中原网")
	if len(arts) != 2 {
		t.Fatalf("stored %d articles over three polls, want 2: %+v", len(arts), arts)
	}
	byTitle := map[string]digest.Article{}
	for _, a := range arts {
		byTitle[a.Title] = a
	}
	park := byTitle["中原区新增三处口袋公园"]
	if !strings.HasPrefix(park.Lead, "近日，中原区在桐柏路") || !strings.Contains(park.Body, "今年全区还将新建") || park.URL != base+"/a/1.html" {
		t.Errorf("teaser not replaced by its page: %+v", park)
	}
	if road, ok := byTitle["桐柏路改造完工"]; !ok || road.URL != base+"/a/2.html" {
		t.Errorf("teaser with a missing page not kept: %+v", byTitle)
	}
	if n := len(srv.requests("/feed.xml")); n != 3 {
		t.Errorf("feed fetched %d times, want 3", n)
	}
}

// TestPollerPage: a page source is fetched as one article of the fetch
// day, stored once however often it is polled, under its configured name
// (which subscriptions filter on), or, when that is a host or an address,
// the site's name (og:site_name, else the title's suffix) — never the test
// server's IP address.
func TestPollerPage(t *testing.T) {
	const body = `<h1>区长信箱回复选登</h1>
<p>近日，区长信箱收到居民来信，反映建设路夜间施工噪音扰民问题。</p>
<p>区城管局接到转办后，立即约谈施工单位，要求其严格遵守夜间施工规定。</p>`
	cases := []struct {
		name, configured, head, source string
	}{
		{"configured name", "区长信箱", `<title>区长信箱回复选登 - 中原区人民政府</title>`, "区长信箱"},
		{"host as configured name, title suffix", "www.zhongyuan.gov.cn", `<title>区长信箱回复选登 - 中原区人民政府</title>`, "中原区人民政府"},
		{"IP as configured name, og:site_name", "127.0.0.1", `<title>区长信箱回复选登 - 中原区人民政府</title><meta property="og:site_name" content="郑州市中原区人民政府网">`, "郑州市中原区人民政府网"},
		{"no site name", "区长信箱", `<title>区长信箱回复选登</title>`, "区长信箱"},
		{"host as site name", "区长信箱", `<title>区长信箱回复选登_www.zhongyuan.gov.cn</title><meta property="og:site_name" content="127.0.0.1">`, "区长信箱"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newPTServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprint(w, `<html><head>`+c.head+`</head><body><div id="content">`+body+`</div></body></html>`)
			})
			e := newPTEnv(t, Config{AllowPrivate: true})
			e.add(c.configured, data.SourcePage, srv.URL+"/mail.html", time.Hour)
			for i := range 3 {
				res, err := e.poller.FetchNow(context.Background(), c.configured)
				if err != nil {
					t.Fatal(err)
				}
				wantNew := 0
				if i == 0 {
					wantNew = 1
				}
				if res.New != wantNew || res.Existing != 1-wantNew {
					t.Errorf("fetch %d = %+v", i+1, res)
				}
			}
			arts := e.articles(c.source)
			if len(arts) != 1 || arts[0].Title != "区长信箱回复选登" || arts[0].Date != "2023-02-13" ||
				arts[0].Lead != "近日，区长信箱收到居民来信，反映建设路夜间施工噪音扰民问题。" {
				t.Errorf("page stored under %q as %+v", c.source, arts)
			}
		})
	}
}

// TestPollerFetchNow: FetchNow reports the new titles, fetches disabled
// sources too, and knows unknown and chat-only sources.
func TestPollerFetchNow(t *testing.T) {
	srv := newPTServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, ptRSS(ptItems...))
	})
	e := newPTEnv(t, Config{AllowPrivate: true})
	e.add("融媒体", data.SourceFeed, srv.URL+"/feed.xml", time.Hour)
	if err := e.store.EnableSource(context.Background(), "融媒体", false); err != nil {
		t.Fatal(err)
	}
	res, err := e.poller.FetchNow(context.Background(), "融媒体")
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 3 || strings.Join(res.Items, "|") != "中原区召开重点项目推进会|须水街道开展平安宣传|没有日期的消息" {
		t.Errorf("FetchNow = %+v", res)
	}
	res, err = e.poller.FetchNow(context.Background(), "融媒体")
	if err != nil || res.New != 0 || res.Existing != 3 || len(res.Items) != 0 {
		t.Errorf("second FetchNow = %+v, %v", res, err)
	}
	if _, err := e.poller.FetchNow(context.Background(), "没有"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("unknown source: %v", err)
	}
	if _, err := e.store.AddSource(context.Background(), data.Source{Name: "公众号", Kind: data.SourceWeChatForward, Every: time.Hour, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.poller.FetchNow(context.Background(), "公众号"); err == nil || !strings.Contains(err.Error(), "chat") {
		t.Errorf("wechat-forward source: %v", err)
	}
	// Run leaves the disabled source and the chat-only one alone.
	stop := e.run()
	e.clock.waitTimers(t, 0)
	stop()
	if n := len(srv.requests("")); n != 2 {
		t.Errorf("%d requests; Run fetched a disabled source", n)
	}
}

// TestPollerRefusesLoopback: without AllowPrivate the loopback server is
// refused; the error is one line, kept on the source and counted.
func TestPollerRefusesLoopback(t *testing.T) {
	srv := newPTServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, ptRSS(ptItems...))
	})
	e := newPTEnv(t, Config{})
	e.add("内网", data.SourceFeed, srv.URL+"/feed.xml", time.Hour)
	_, err := e.poller.FetchNow(context.Background(), "内网")
	if !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("FetchNow = %v, want ErrBlockedAddress", err)
	}
	if n := len(srv.requests("")); n != 0 {
		t.Errorf("the server was reached %d times", n)
	}
	src := e.source("内网")
	if src.Failures != 1 || !strings.Contains(src.LastError, "not allowed") || strings.Contains(src.LastError, "\n") {
		t.Errorf("source after refusal: %+v", src)
	}
}

// TestPollerStoreFailureKeepsValidators: when the items cannot be stored,
// the new ETag is not kept, so the next poll gets the items again instead
// of a 304.
func TestPollerStoreFailureKeepsValidators(t *testing.T) {
	srv := newPTServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("ETag", `"v9"`)
		fmt.Fprint(w, ptRSS(ptItems...))
	})
	e := newPTEnv(t, Config{AllowPrivate: true})
	e.add("融媒体", data.SourceFeed, srv.URL+"/feed.xml", time.Hour)
	failing := &ptFailingStore{PollStore: e.store}
	p, err := NewPoller(PollerConfig{Store: failing, Client: New(Config{AllowPrivate: true, HostGap: -1}), Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.FetchNow(context.Background(), "融媒体"); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("FetchNow = %v, want the store's error", err)
	}
	if src := e.source("融媒体"); src.ETag != "" || src.Failures != 1 {
		t.Errorf("after a failed import: %+v", src)
	}
}

type ptFailingStore struct{ PollStore }

func (ptFailingStore) ImportFetched(context.Context, []data.Fetched) (data.FetchedResult, error) {
	return data.FetchedResult{}, errors.New("disk full")
}

// TestPollerClaim: of pollers sharing a store, one fetches a due source
// only when its claim wins; while another holds it, it looks again within
// claimRetry, and then finds the source fetched and not due.
func TestPollerClaim(t *testing.T) {
	body := ptRSS(ptItems...)
	srv := newPTServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprint(w, body)
	})
	e := newPTEnv(t, Config{AllowPrivate: true})
	e.add("融媒体", data.SourceFeed, srv.URL+"/feed.xml", 10*time.Minute)
	ctx := context.Background()
	var asked []string
	claims := false
	p, err := NewPoller(PollerConfig{Store: e.store, Client: New(Config{AllowPrivate: true, HostGap: -1}), Clock: e.clock, Zone: e.zone,
		Rescan: 48 * time.Hour, Claim: func(_ context.Context, name string) bool {
			asked = append(asked, name)
			return claims
		}})
	if err != nil {
		t.Fatal(err)
	}
	if wait := p.pollDue(ctx); wait != claimRetry {
		t.Errorf("wait while another holds the source: %s, want %s", wait, claimRetry)
	}
	if n := len(srv.requests("/feed.xml")); n != 0 || len(asked) != 1 || asked[0] != "融媒体" {
		t.Fatalf("%d requests and claims %q while another holds the source", n, asked)
	}
	// The other poller fetches it.
	if wait := e.poller.pollDue(ctx); wait != 10*time.Minute {
		t.Fatalf("the other poller's wait %s", wait)
	}
	claims = true
	if wait := p.pollDue(ctx); wait != 10*time.Minute {
		t.Errorf("wait after the other fetched: %s, want the 10m interval", wait)
	}
	if n := len(srv.requests("/feed.xml")); n != 1 {
		t.Errorf("%d requests, want the other poller's one", n)
	}
	e.clock.Advance(10 * time.Minute)
	p.pollDue(ctx)
	if n := len(srv.requests("/feed.xml")); n != 2 {
		t.Errorf("%d requests once due and claimed, want 2", n)
	}
}
