package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// testClient allows loopback: the test servers listen on 127.0.0.1.
func testClient(t *testing.T, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{AllowPrivate: true, HostGap: -1, Timeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	return New(cfg)
}

// serve starts a loopback server with h and returns its base URL.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// hits counts requests to a handler.
type hits struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (h *hits) record(r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reqs = append(h.reqs, r.Clone(context.Background()))
}

func (h *hits) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.reqs)
}

func (h *hits) last() *http.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.reqs) == 0 {
		return nil
	}
	return h.reqs[len(h.reqs)-1]
}

func TestFetchFeedConditionalGET(t *testing.T) {
	const etag = `"v1-abc"`
	const lastMod = "Tue, 13 Feb 2024 02:30:00 GMT"
	body := readFixture(t, "feeds/rss2.xml")
	var h hits
	base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.record(r)
		if r.Header.Get("If-None-Match") == etag || r.Header.Get("If-Modified-Since") == lastMod {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(body)
	}))
	c := testClient(t, nil)
	ctx := context.Background()

	f, err := c.FetchFeed(ctx, base+"/rss", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if f.NotModified || len(f.Items) != 3 || f.ETag != etag || f.LastModified != lastMod {
		t.Fatalf("first fetch: NotModified=%v items=%d ETag=%q LastModified=%q", f.NotModified, len(f.Items), f.ETag, f.LastModified)
	}
	if r := h.last(); r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
		t.Errorf("first fetch sent validators: %v", r.Header)
	}

	tests := []struct {
		name, etag, lastMod string
	}{
		{"etag", etag, ""},
		{"last-modified", "", lastMod},
		{"both", etag, lastMod},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := c.FetchFeed(ctx, base+"/rss", tt.etag, tt.lastMod)
			if err != nil {
				t.Fatal(err)
			}
			r := h.last()
			if got := r.Header.Get("If-None-Match"); got != tt.etag {
				t.Errorf("If-None-Match %q, want %q", got, tt.etag)
			}
			if got := r.Header.Get("If-Modified-Since"); got != tt.lastMod {
				t.Errorf("If-Modified-Since %q, want %q", got, tt.lastMod)
			}
			if !f.NotModified || len(f.Items) != 0 || f.ETag != tt.etag || f.LastModified != tt.lastMod {
				t.Errorf("got NotModified=%v items=%d ETag=%q LastModified=%q", f.NotModified, len(f.Items), f.ETag, f.LastModified)
			}
		})
	}
}

func TestFetchFeedGBK(t *testing.T) {
	utf := string(readFixture(t, "feeds/rss2.xml"))
	gbk := func(s string) []byte {
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	withDecl := func(enc string) string {
		return strings.Replace(utf, `encoding="UTF-8"`, `encoding="`+enc+`"`, 1)
	}
	noDecl := strings.Replace(utf, `<?xml version="1.0" encoding="UTF-8"?>`, "", 1)
	tests := []struct {
		name        string
		contentType string
		body        []byte
	}{
		{"header charset", "application/rss+xml; charset=GBK", gbk(noDecl)},
		{"header wins over declaration", "text/xml; charset=gb2312", gbk(withDecl("UTF-8"))},
		{"declaration gbk", "application/rss+xml", gbk(withDecl("gbk"))},
		{"declaration gb2312", "text/xml", gbk(withDecl("gb2312"))},
		{"declaration GB18030", "", gbk(withDecl("GB18030"))},
		{"sniffed", "application/xml", gbk(noDecl)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.Write(tt.body)
			}))
			f, err := testClient(t, nil).FetchFeed(context.Background(), base+"/feed.xml", "", "")
			if err != nil {
				t.Fatal(err)
			}
			if f.Title != "中原区融媒体中心" || len(f.Items) != 3 {
				t.Fatalf("title %q, %d items", f.Title, len(f.Items))
			}
			if got, want := f.Items[0].Article.Lead, "2月12日，中原区召开2024年重点项目推进会，安排部署全年项目建设工作。"; got != want {
				t.Errorf("lead %q, want %q", got, want)
			}
		})
	}
}

func TestFetchTeaserFeedThenArticles(t *testing.T) {
	var base string
	mux := http.NewServeMux()
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(bytes.ReplaceAll(readFixture(t, "feeds/teasers.xml"), []byte("{{BASE}}"), []byte(base)))
	})
	mux.HandleFunc("/pages/", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/pages/")
		b := readFixture(t, "pages/"+name)
		w.Header().Set("Content-Type", "text/html") // no charset: the page says
		w.Write(b)
	})
	base = serve(t, mux)
	c := testClient(t, nil)
	ctx := context.Background()
	f, err := c.FetchFeed(ctx, base+"/feed", "", "")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ title, byline, lead string }{
		{"中原区：老旧小区改造让万余户居民住得更舒心", "记者 李晓 通讯员 周婷",
			"3月13日，记者从郑州市中原区住房和城乡建设局获悉，该区今年计划完成老旧小区改造86个，惠及居民1.2万余户。"},
		{"郑州：春季义务植树活动启动 万人共植“生态林”", "记者 李文哲 王圣志",
			"3月14日，郑州市2024年春季义务植树活动在郑东新区龙湖南岸启动，1万余名干部群众参加植树。"},
		{"二七区春风行动招聘会提供岗位8000余个", "记者 刘镕 通讯员 付琳琳",
			"2月18日，二七区2024年“春风行动”大型招聘会在区人力资源市场举行，120余家企业提供就业岗位8000余个。"},
	}
	if len(f.Items) != len(want) {
		t.Fatalf("%d items", len(f.Items))
	}
	for i, it := range f.Items {
		t.Run(it.GUID, func(t *testing.T) {
			if !it.Teaser {
				t.Fatalf("item %d not a teaser: %+v", i, it.Article)
			}
			a, err := c.FetchArticle(ctx, it.Link)
			if err != nil {
				t.Fatal(err)
			}
			if a.Title != want[i].title || a.Byline != want[i].byline || a.Lead != want[i].lead || a.URL != it.Link {
				t.Errorf("got %q / %q / %q / %q\nwant %q / %q / %q", a.Title, a.Byline, a.Lead, a.URL, want[i].title, want[i].byline, want[i].lead)
			}
		})
	}
}

func TestFetchErrors(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "internal error", http.StatusInternalServerError)
	})
	mux.HandleFunc("/503", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		http.Error(w, "busy", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/404", http.NotFound)
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/hops/", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hops/"))
		if n > 0 {
			http.Redirect(w, r, fmt.Sprintf("/hops/%d", n-1), http.StatusMovedPermanently)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(readFixture(t, "feeds/rss1.rdf"))
	})
	mux.HandleFunc("/to-ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://files.example/feed.xml", http.StatusFound)
	})
	big := bytes.Repeat([]byte("<p>中原区新闻。</p>\n"), 2000) // about 48 KB
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(big)))
		w.Write(big)
	})
	mux.HandleFunc("/big-chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < len(big); i += 4096 {
			w.Write(big[i:min(i+4096, len(big))])
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/exact", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(readFixture(t, "feeds/rss1.rdf"))
	})
	mux.HandleFunc("/not-xml", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("just some text, no feed here"))
	})
	mux.HandleFunc("/image", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG\r\n\x1a\n"))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // answers only when the client gives up
	})
	base := serve(t, mux)
	rdfSize := int64(len(readFixture(t, "feeds/rss1.rdf")))

	feed := func(c *Client, path string) error {
		_, err := c.FetchFeed(context.Background(), base+path, "", "")
		return err
	}
	def := testClient(t, func(c *Config) { c.MaxBytes = 16 << 10 })
	tests := []struct {
		name   string
		client *Client
		fetch  func(*Client) error
		check  func(t *testing.T, err error)
	}{
		{"500 is a StatusError", def, func(c *Client) error { return feed(c, "/500") }, func(t *testing.T, err error) {
			var se *StatusError
			if !errors.As(err, &se) || se.Code != 500 || se.URL != base+"/500" {
				t.Fatalf("err = %v, want StatusError 500 for %s", err, base+"/500")
			}
		}},
		{"503 carries Retry-After", def, func(c *Client) error { return feed(c, "/503") }, func(t *testing.T, err error) {
			var se *StatusError
			if !errors.As(err, &se) || se.Code != 503 || se.RetryAfter != 2*time.Minute {
				t.Fatalf("err = %v (%+v), want 503 with RetryAfter 2m", err, se)
			}
		}},
		{"404 article", def, func(c *Client) error { _, err := c.FetchArticle(context.Background(), base+"/404"); return err },
			func(t *testing.T, err error) {
				var se *StatusError
				if !errors.As(err, &se) || se.Code != 404 {
					t.Fatalf("err = %v, want StatusError 404", err)
				}
			}},
		{"redirect loop", def, func(c *Client) error { return feed(c, "/loop") }, wantIs(ErrTooManyRedirects)},
		{"five redirects are followed", def, func(c *Client) error { return feed(c, "/hops/5") }, wantIs(nil)},
		{"six redirects are too many", def, func(c *Client) error { return feed(c, "/hops/6") }, wantIs(ErrTooManyRedirects)},
		{"MaxRedirects 1", testClient(t, func(c *Config) { c.MaxRedirects = 1 }), func(c *Client) error { return feed(c, "/hops/2") }, wantIs(ErrTooManyRedirects)},
		{"no redirects", testClient(t, func(c *Config) { c.MaxRedirects = -1 }), func(c *Client) error { return feed(c, "/hops/1") }, wantIs(ErrTooManyRedirects)},
		{"redirect to ftp", def, func(c *Client) error { return feed(c, "/to-ftp") }, wantIs(ErrScheme)},
		{"oversized with length", def, func(c *Client) error { return feed(c, "/big") }, wantIs(ErrTooLarge)},
		{"oversized chunked", def, func(c *Client) error { return feed(c, "/big-chunked") }, wantIs(ErrTooLarge)},
		{"oversized article", def, func(c *Client) error { _, err := c.FetchArticle(context.Background(), base+"/big"); return err }, wantIs(ErrTooLarge)},
		{"body exactly at the cap", testClient(t, func(c *Config) { c.MaxBytes = rdfSize }), func(c *Client) error { return feed(c, "/exact") }, wantIs(nil)},
		{"one byte over the cap", testClient(t, func(c *Config) { c.MaxBytes = rdfSize - 1 }), func(c *Client) error { return feed(c, "/exact") }, wantIs(ErrTooLarge)},
		{"not a feed", def, func(c *Client) error { return feed(c, "/not-xml") }, wantIs(ErrNotFeed)},
		{"image is no article", def, func(c *Client) error { _, err := c.FetchArticle(context.Background(), base+"/image"); return err }, wantIs(ErrNotArticle)},
		{"timeout", testClient(t, func(c *Config) { c.Timeout = 200 * time.Millisecond }), func(c *Client) error { return feed(c, "/slow") },
			func(t *testing.T, err error) {
				var ne net.Error
				if !errors.As(err, &ne) || !ne.Timeout() {
					t.Fatalf("err = %v, want a timeout", err)
				}
			}},
	}
	for _, tt := range tests {
		if tt.check == nil {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			err := tt.fetch(tt.client)
			tt.check(t, err)
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
	for _, u := range []string{"ftp://files.example/feed.xml", "file:///etc/passwd", "gopher://x.example/", "javascript:alert(1)", "/relative"} {
		t.Run("scheme "+u, func(t *testing.T) {
			_, err := def.FetchFeed(context.Background(), u, "", "")
			if u == "/relative" {
				if err == nil {
					t.Fatal("relative URL fetched")
				}
				return
			}
			wantIs(ErrScheme)(t, err)
		})
	}
}

func wantIs(target error) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if target == nil {
			if err != nil {
				t.Fatalf("err = %v, want none", err)
			}
			return
		}
		if !errors.Is(err, target) {
			t.Fatalf("err = %v, want %v", err, target)
		}
	}
}

func TestUserAgentAndHeaders(t *testing.T) {
	var h hits
	base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.record(r)
		if r.URL.Path == "/r" {
			http.Redirect(w, r, "/feed", http.StatusFound)
			return
		}
		w.Write(readFixture(t, "feeds/atom.xml"))
	}))
	for _, tt := range []struct{ name, ua, want string }{
		{"default", "", DefaultUserAgent},
		{"configured", "wxdigest/2.0 (test)", "wxdigest/2.0 (test)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := testClient(t, func(c *Config) { c.UserAgent = tt.ua })
			if _, err := c.FetchFeed(context.Background(), base+"/r", "", ""); err != nil {
				t.Fatal(err)
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			for _, r := range h.reqs[len(h.reqs)-2:] {
				if got := r.Header.Get("User-Agent"); got != tt.want {
					t.Errorf("%s: User-Agent %q, want %q", r.URL.Path, got, tt.want)
				}
			}
		})
	}
}

func TestBlocked(t *testing.T) {
	tests := []struct {
		addr    string
		blocked bool
	}{
		{"127.0.0.1", true}, {"127.8.9.10", true}, {"10.1.2.3", true}, {"172.16.0.1", true}, {"172.31.255.255", true},
		{"172.32.0.1", false}, {"192.168.1.1", true}, {"169.254.169.254", true}, {"100.64.0.1", true},
		{"100.127.255.255", true}, {"100.128.0.1", false}, {"0.0.0.0", true}, {"::1", true}, {"::", true},
		{"fc00::1", true}, {"fd12:3456::1", true}, {"fe80::1", true}, {"fe80::1%eth0", true}, {"::ffff:127.0.0.1", true},
		{"::ffff:10.0.0.1", true}, {"224.0.0.1", true}, {"255.255.255.255", true},
		{"8.8.8.8", false}, {"202.108.22.5", false}, {"2400:3200::1", false}, {"::ffff:8.8.8.8", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if got := Blocked(netip.MustParseAddr(tt.addr)); got != tt.blocked {
				t.Errorf("Blocked(%s) = %v, want %v", tt.addr, got, tt.blocked)
			}
		})
	}
}

// TestDefaultRefusesInternalAddresses runs with the default policy: nothing
// internal may be reached, whether named directly, through DNS or through a
// redirect from a permitted host.
func TestDefaultRefusesInternalAddresses(t *testing.T) {
	var internal hits
	internalURL := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		internal.record(r)
		w.Write(readFixture(t, "feeds/rss2.xml"))
	}))
	iu, _ := url.Parse(internalURL)
	var outside hits
	outsideURL := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		outside.record(r)
		switch r.URL.Path {
		case "/redirect-internal":
			http.Redirect(w, r, internalURL+"/feed", http.StatusFound)
		case "/redirect-named":
			http.Redirect(w, r, "http://intranet.example:"+iu.Port()+"/feed", http.StatusFound)
		default:
			w.Write(readFixture(t, "feeds/rss2.xml"))
		}
	}))
	ou, _ := url.Parse(outsideURL)
	outsidePort, _ := strconv.Atoi(ou.Port())
	// The "outside" server stands for a public site: Permit lets exactly its
	// address through, and the resolver gives it a name.
	var lookups atomic.Int32
	c := New(Config{
		HostGap: -1,
		Permit: func(ap netip.AddrPort) bool {
			return ap.Addr() == netip.MustParseAddr("127.0.0.1") && int(ap.Port()) == outsidePort
		},
		Resolve: func(ctx context.Context, host string) ([]netip.Addr, error) {
			lookups.Add(1)
			switch host {
			case "news.example", "intranet.example", "rebind.example":
				return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
			case "mixed.example": // one public, one internal address
				return []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("10.0.0.8")}, nil
			case "ten.example":
				return []netip.Addr{netip.MustParseAddr("10.20.30.40")}, nil
			}
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		},
	})
	ctx := context.Background()
	tests := []struct {
		name string
		url  string
		ok   bool
	}{
		{"permitted host by address", outsideURL + "/feed", true},
		{"permitted host by name", "http://news.example:" + ou.Port() + "/feed", true},
		{"loopback literal", internalURL + "/feed", false},
		{"localhost name", "http://rebind.example:" + iu.Port() + "/feed", false},
		{"10.x literal", "http://10.1.2.3:" + iu.Port() + "/feed", false},
		{"10.x through DNS", "http://ten.example/feed", false},
		{"one internal address among public ones", "http://mixed.example/feed", false},
		{"IPv6 loopback", "http://[::1]:" + iu.Port() + "/feed", false},
		{"unspecified", "http://0.0.0.0:" + iu.Port() + "/feed", false},
		{"metadata service", "http://169.254.169.254/latest/meta-data/", false},
		{"CGNAT", "http://100.64.1.1/", false},
		{"redirect to loopback", outsideURL + "/redirect-internal", false},
		{"redirect to internal name", outsideURL + "/redirect-named", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.FetchFeed(ctx, tt.url, "", "")
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrBlockedAddress) {
				t.Fatalf("err = %v, want ErrBlockedAddress", err)
			}
			if _, err := c.FetchArticle(ctx, tt.url); !errors.Is(err, ErrBlockedAddress) {
				t.Fatalf("FetchArticle err = %v, want ErrBlockedAddress", err)
			}
		})
	}
	if n := internal.count(); n != 0 {
		t.Errorf("the internal server was reached %d times", n)
	}
	if outside.count() == 0 || lookups.Load() == 0 {
		t.Errorf("outside hits %d, lookups %d: the permitted paths were not exercised", outside.count(), lookups.Load())
	}

	t.Run("AllowPrivate", func(t *testing.T) {
		c := New(Config{AllowPrivate: true, HostGap: -1})
		if _, err := c.FetchFeed(ctx, internalURL+"/feed", "", ""); err != nil {
			t.Fatal(err)
		}
		if internal.count() != 1 {
			t.Fatalf("internal hits %d, want 1", internal.count())
		}
	})
}

func TestControlChecksTheDialedAddress(t *testing.T) {
	// The resolver is bypassed here on purpose: control is the last line if
	// anything dials an address the resolver step did not see.
	g := &guard{}
	for _, tt := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:80", false}, {"[::1]:443", false}, {"10.0.0.1:8080", false}, {"8.8.8.8:443", true},
		{"garbage", false},
	} {
		err := g.control("tcp4", tt.addr, nil)
		if (err == nil) != tt.ok || !tt.ok && !errors.Is(err, ErrBlockedAddress) {
			t.Errorf("control(%s) = %v, want ok=%v", tt.addr, err, tt.ok)
		}
	}
}

// stampTransport records when each request leaves the client, after the
// pacer let it go.
type stampTransport struct {
	mu    sync.Mutex
	times []time.Time
	base  http.RoundTripper
}

func (s *stampTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.times = append(s.times, time.Now())
	s.mu.Unlock()
	return s.base.RoundTrip(r)
}

func TestHostSpacing(t *testing.T) {
	base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(readFixture(t, "feeds/rss1.rdf"))
	}))
	const gap = 40 * time.Millisecond
	stamps := &stampTransport{base: &http.Transport{}}
	c := testClient(t, func(c *Config) { c.HostGap = gap; c.Transport = stamps })
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := c.FetchFeed(ctx, base+"/feed", "", ""); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i < len(stamps.times); i++ {
		// The slot is reserved a few microseconds before the request is
		// stamped; 2ms covers that.
		if d := stamps.times[i].Sub(stamps.times[i-1]); d < gap-2*time.Millisecond {
			t.Errorf("requests %d and %d %v apart, want at least %v", i-1, i, d, gap)
		}
	}

	t.Run("concurrent requests queue", func(t *testing.T) {
		c := testClient(t, func(c *Config) { c.HostGap = gap })
		start := time.Now()
		var wg sync.WaitGroup
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.FetchFeed(ctx, base+"/feed", "", ""); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		// The third slot is two gaps after the first.
		if d := time.Since(start); d < 2*gap {
			t.Errorf("three requests done in %v, want at least %v", d, 2*gap)
		}
	})

	t.Run("other hosts do not wait", func(t *testing.T) {
		c := testClient(t, func(c *Config) {
			c.HostGap = time.Hour
			c.Resolve = func(context.Context, string) ([]netip.Addr, error) {
				return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
			}
		})
		port := strings.TrimPrefix(base, "http://127.0.0.1:")
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		for _, u := range []string{"http://a.example:" + port, "http://b.example:" + port} {
			if _, err := c.FetchFeed(ctx, u+"/feed", "", ""); err != nil {
				t.Fatal(err)
			}
		}
		// …but another port of the same host does.
		other := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		short, cancel2 := context.WithTimeout(ctx, 30*time.Millisecond)
		defer cancel2()
		if _, err := c.FetchFeed(short, strings.Replace(other, "127.0.0.1", "a.example", 1)+"/feed", "", ""); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a wait for a.example's slot", err)
		}
	})

	t.Run("wait ends with the context", func(t *testing.T) {
		c := testClient(t, func(c *Config) { c.HostGap = time.Hour })
		if _, err := c.FetchFeed(context.Background(), base+"/feed", "", ""); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := c.FetchFeed(ctx, base+"/feed", "", "")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want deadline exceeded", err)
		}
	})
}

func TestPacerSlots(t *testing.T) {
	now := time.Date(2024, 3, 14, 8, 0, 0, 0, time.UTC)
	p := newPacer(time.Second, func() time.Time { return now })
	ctx := context.Background()
	if err := p.wait(ctx, "a.example"); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(ctx, "b.example"); err != nil {
		t.Fatal(err)
	}
	if got, want := p.next["a.example"], now.Add(time.Second); !got.Equal(want) {
		t.Errorf("next slot for a %v, want %v", got, want)
	}
	now = now.Add(2 * time.Second) // past the slot: no wait
	done := make(chan error, 1)
	go func() { done <- p.wait(ctx, "a.example") }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waited although the slot had passed")
	}
	// A canceled context ends a wait for a reserved slot at once.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := p.wait(cctx, "a.example"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want canceled", err)
	}
}
