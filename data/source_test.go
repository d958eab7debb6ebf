package data

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/digest"
)

func srcFeed(name string) Source {
	return Source{Name: name, Kind: SourceFeed, URL: "https://example.invalid/" + name + ".xml", Every: 30 * time.Minute, Enabled: true}
}

func TestAddSource(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	got, err := s.AddSource(ctx, srcFeed("区政府网"))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == 0 || !got.Created.Equal(testNow) || got.Every != 30*time.Minute || !got.Enabled ||
		!got.LastFetch.IsZero() || !got.NextFetch.IsZero() || got.Failures != 0 {
		t.Errorf("AddSource = %+v", got)
	}
	if _, err := s.AddSource(ctx, srcFeed("区政府网")); !errors.Is(err, ErrExists) {
		t.Errorf("second add with the same name: %v, want ErrExists", err)
	}
	one, err := s.Source(ctx, "区政府网")
	if err != nil || one != got {
		t.Errorf("Source = %+v, %v; want %+v", one, err, got)
	}
	if _, err := s.Source(ctx, "没有"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Source(unknown): %v, want ErrNotFound", err)
	}
	if _, err := s.AddSource(ctx, Source{Name: "公众号", Kind: SourceWeChatForward, Every: time.Hour}); err != nil {
		t.Errorf("a wechat-forward source needs no url: %v", err)
	}
	list, err := s.Sources(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "公众号" || list[1].Name != "区政府网" {
		t.Errorf("Sources = %+v, %v; want both, by name", list, err)
	}
	if err := s.EnableSource(ctx, "区政府网", false); err != nil {
		t.Fatal(err)
	}
	if one, _ := s.Source(ctx, "区政府网"); one.Enabled {
		t.Error("still enabled after EnableSource(false)")
	}
	if err := s.EnableSource(ctx, "没有", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("EnableSource(unknown): %v, want ErrNotFound", err)
	}
	if err := s.RemoveSource(ctx, "区政府网"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveSource(ctx, "区政府网"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second remove: %v, want ErrNotFound", err)
	}
}

func TestAddSourceRefusesBadFields(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Source)
	}{
		{"empty name", func(s *Source) { s.Name = " " }},
		{"unknown kind", func(s *Source) { s.Kind = "mail" }},
		{"feed without url", func(s *Source) { s.URL = "" }},
		{"page without url", func(s *Source) { s.Kind, s.URL = SourcePage, "" }},
		{"no interval", func(s *Source) { s.Every = 0 }},
		{"sub-second interval", func(s *Source) { s.Every = time.Millisecond }},
		{"bad utf-8 url", func(s *Source) { s.URL = "https://x.invalid/\xff" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			src := srcFeed("源")
			tc.change(&src)
			if _, err := s.AddSource(context.Background(), src); !errors.Is(err, ErrInvalid) {
				t.Errorf("AddSource(%+v): %v, want ErrInvalid", src, err)
			}
		})
	}
}

func TestRecordFetch(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.AddSource(ctx, srcFeed("源")); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	steps := []struct {
		name     string
		o        FetchOutcome
		failures int
		etag     string
		lastErr  string
	}{
		{"success stores validators", FetchOutcome{At: t0, ETag: `"v1"`, LastModified: "Sun, 01 Mar 2026 07:00:00 GMT", Next: t0.Add(30 * time.Minute)}, 0, `"v1"`, ""},
		{"failure counts and keeps validators", FetchOutcome{At: t0.Add(time.Hour), Err: "HTTP 500", Next: t0.Add(2 * time.Hour)}, 1, `"v1"`, "HTTP 500"},
		{"second failure", FetchOutcome{At: t0.Add(2 * time.Hour), Err: "HTTP 502", ETag: `"ignored"`, Next: t0.Add(4 * time.Hour)}, 2, `"v1"`, "HTTP 502"},
		{"success resets", FetchOutcome{At: t0.Add(4 * time.Hour), ETag: `"v2"`, Next: t0.Add(5 * time.Hour)}, 0, `"v2"`, ""},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			got, err := s.RecordFetch(ctx, "源", st.o)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := s.Source(ctx, "源")
			if again != got {
				t.Errorf("returned %+v, stored %+v", got, again)
			}
			if got.Failures != st.failures || got.ETag != st.etag || got.LastError != st.lastErr ||
				!got.LastFetch.Equal(st.o.At) || !got.NextFetch.Equal(st.o.Next) {
				t.Errorf("after %s: %+v", st.name, got)
			}
		})
	}
	if _, err := s.RecordFetch(ctx, "没有", FetchOutcome{Next: t0}); !errors.Is(err, ErrNotFound) {
		t.Errorf("RecordFetch(unknown): %v, want ErrNotFound", err)
	}
	if _, err := s.RecordFetch(ctx, "源", FetchOutcome{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("RecordFetch without Next: %v, want ErrInvalid", err)
	}
}

func fetched(source, guid, url, title string) Fetched {
	return Fetched{GUID: guid, Article: digest.Article{Source: source, Date: "2026-03-01", URL: url, Title: title,
		Lead: title + "。", Body: title + "。正文。"}}
}

func TestImportFetchedDedupe(t *testing.T) {
	first := fetched("区政府网", "item-1", "https://gov.invalid/a/1.html", "区里召开会议")
	tests := []struct {
		name string
		item Fetched
		same bool
	}{
		{"same guid, other link and content", fetched("区政府网", "item-1", "https://gov.invalid/a/1-new.html", "区里召开会议（更新）"), true},
		{"same guid in another feed", fetched("区报", "item-1", "https://paper.invalid/1.html", "另一条新闻"), false},
		{"new guid, same link", fetched("区报", "p-9", "https://gov.invalid/a/1.html", "转载标题"), true},
		{"no guid, same link", fetched("区报", "", "https://gov.invalid/a/1.html", "转载标题"), true},
		{"same content elsewhere", fetched("区报", "p-9", "https://paper.invalid/9.html", "区里召开会议"), true},
		{"all new", fetched("区政府网", "item-2", "https://gov.invalid/a/2.html", "公园开放"), false},
		{"no guid, no link, new content", fetched("区政府网", "", "", "无链接新闻"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			ctx := context.Background()
			r1, err := s.ImportFetched(ctx, []Fetched{first})
			if err != nil || r1.New != 1 || !r1.Added[0] {
				t.Fatalf("first import = %+v, %v", r1, err)
			}
			r2, err := s.ImportFetched(ctx, []Fetched{tc.item})
			if err != nil {
				t.Fatal(err)
			}
			if got := r2.Existing == 1 && !r2.Added[0]; got != tc.same {
				t.Errorf("second import = %+v; already stored = %v, want %v", r2, got, tc.same)
			}
			if tc.same && r2.IDs[0] != r1.IDs[0] {
				t.Errorf("existing id = %d, want %d", r2.IDs[0], r1.IDs[0])
			}
		})
	}
}

func TestImportFetchedStoresAndIndexes(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	// A pasted page's article with a link does not block a fetched one with
	// the same link but other content: only fetched links are unique.
	pasted := digest.Article{Source: "本报", Date: "2026-03-01", URL: "https://gov.invalid/a/3.html", Title: "版面稿", Body: "版面稿正文。"}
	if _, err := s.ImportArticles(ctx, []digest.Article{pasted, {Source: "本报", Date: "2026-03-01", URL: pasted.URL, Title: "同版第二篇", Body: "另一篇。"}}); err != nil {
		t.Fatalf("two pasted articles sharing a link: %v", err)
	}
	items := []Fetched{
		fetched("区政府网", "g1", "https://gov.invalid/a/1.html", "樱花节开幕"),
		fetched("区政府网", "g2", "https://gov.invalid/a/2.html", "口袋公园开放"),
		fetched("区政府网", "g1", "https://gov.invalid/a/1.html", "樱花节开幕"), // the feed lists it twice
		fetched("区政府网", "g3", pasted.URL, "网站稿"),
	}
	res, err := s.ImportFetched(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 3 || res.Existing != 1 || !res.Added[0] || !res.Added[1] || res.Added[2] || !res.Added[3] || res.IDs[2] != res.IDs[0] {
		t.Errorf("ImportFetched = %+v", res)
	}
	again, err := s.ImportFetched(ctx, items)
	if err != nil || again.New != 0 || again.Existing != 4 {
		t.Errorf("polling again = %+v, %v; want all 4 already stored", again, err)
	}
	arts, err := s.ArticlesByDate(ctx, "2026-03-01")
	if err != nil {
		t.Fatal(err)
	}
	var orders []string
	for _, a := range arts {
		if a.Source == "区政府网" {
			orders = append(orders, a.Title)
		}
	}
	if strings.Join(orders, "|") != "樱花节开幕|口袋公园开放|网站稿" {
		t.Errorf("fetched articles in page order = %q", orders)
	}
	hits, err := s.Search(ctx, "口袋公园", 5)
	if err != nil || len(hits) != 1 || hits[0].Article.ID != res.IDs[1] || hits[0].Article.URL != "https://gov.invalid/a/2.html" {
		t.Errorf("search for a fetched article: %+v, %v", hits, err)
	}
}

func TestImportFetchedAllOrNothing(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	bad := fetched("区政府网", "g2", "", "")
	_, err := s.ImportFetched(ctx, []Fetched{fetched("区政府网", "g1", "https://gov.invalid/1", "好新闻"), bad})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "item 2") {
		t.Fatalf("import with an untitled item: %v, want ErrInvalid naming item 2", err)
	}
	if dates, _ := s.Dates(ctx); len(dates) != 0 {
		t.Errorf("something was stored: %v", dates)
	}
}

// TestSourcesMigrationKeepsArticles upgrades a store written before the
// sources migration: old articles keep a NULL guid and still dedupe
// fetched copies by content.
func TestSourcesMigrationKeepsArticles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, _ := storeBefore(t, path, "_sources.sql")
	pasted := fetched("本报", "", "https://gov.invalid/a/1.html", "樱花节开幕").Article
	importOnOldSchema(t, db, []digest.Article{pasted}, testNow)
	db.Close()

	s, err := Open(ctx, path, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var nulls int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM articles WHERE guid IS NULL`).Scan(&nulls); err != nil || nulls != 1 {
		t.Errorf("old articles with NULL guid: %d, %v; want 1", nulls, err)
	}
	res, err := s.ImportFetched(ctx, []Fetched{fetched("区政府网", "g1", "https://gov.invalid/a/1.html", "樱花节开幕")})
	if err != nil || res.Existing != 1 {
		t.Errorf("fetched copy of an old article = %+v, %v; want already stored", res, err)
	}
	if _, err := s.AddSource(ctx, srcFeed("区政府网")); err != nil {
		t.Errorf("sources table after upgrade: %v", err)
	}
}

// TestFetchedQueryPlans checks that finding the stored copy of a skipped
// item uses the unique indexes, not a scan of the articles.
func TestFetchedQueryPlans(t *testing.T) {
	s := openTest(t)
	for _, c := range []struct {
		name, q string
		args    []any
		want    string
	}{
		{"guid", fetchedByGUID, []any{"s", "g"}, "articles_guid"},
		{"url", fetchedByURL, []any{"https://x.invalid"}, "articles_fetched_url"},
		{"hash", fetchedByHash, []any{[]byte{1}}, "sqlite_autoindex_articles_1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			all := queryPlan(t, s, c.q, c.args...)
			if !strings.Contains(all, c.want) || strings.Contains(all, "SCAN articles") {
				t.Errorf("plan does not use %s:\n%s", c.want, all)
			}
		})
	}
}
