package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

var sourceCases = []testCase{
	{"AddAndList", testAddSource},
	{"RefusesBadFields", testAddSourceRefuses},
	{"RecordFetch", testRecordFetch},
	{"ImportFetchedDedupe", testImportFetchedDedupe},
	{"ImportFetchedStoresAndIndexes", testImportFetchedStores},
	{"ImportFetchedAllOrNothing", testImportFetchedAllOrNothing},
	{"NUL", testSourceNUL},
}

func srcFeed(name string) model.Source {
	return model.Source{Name: name, Kind: model.SourceFeed, URL: "https://example.invalid/" + name + ".xml", Every: 30 * time.Minute, Enabled: true}
}

func testAddSource(t *testing.T, e *env) {
	got, err := e.s.AddSource(e.ctx, srcFeed("区政府网"))
	if err != nil {
		t.Fatal(err)
	}
	want := srcFeed("区政府网")
	want.ID, want.Created = got.ID, e.clock.Now()
	if got.ID <= 0 || !same(got, want) {
		t.Errorf("AddSource = %+v\nwant %+v (due at once, never fetched)", got, want)
	}
	if _, err := e.s.AddSource(e.ctx, srcFeed("区政府网")); !errors.Is(err, model.ErrExists) {
		t.Errorf("a second add of the name: %v, want ErrExists", err)
	}
	if one, err := e.s.Source(e.ctx, "区政府网"); err != nil || !same(one, got) {
		t.Errorf("Source = %+v, %v; want %+v", one, err, got)
	}
	if _, err := e.s.Source(e.ctx, "没有"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("Source(unknown): %v, want ErrNotFound", err)
	}
	e.clock.Advance(time.Minute)
	fwd, err := e.s.AddSource(e.ctx, model.Source{Name: "公众号", Kind: model.SourceWeChatForward, Every: time.Hour})
	if err != nil {
		t.Fatalf("a wechat-forward source needs no url: %v", err)
	}
	if fwd.Enabled || !fwd.Created.Equal(e.clock.Now()) || fwd.ID == got.ID {
		t.Errorf("AddSource(forward) = %+v", fwd)
	}
	page, err := e.s.AddSource(e.ctx, model.Source{Name: "Page", Kind: model.SourcePage, URL: "https://example.invalid/p", Every: 90 * time.Second, Enabled: true})
	if err != nil || page.Every != 90*time.Second {
		t.Fatalf("AddSource(page) = %+v, %v", page, err)
	}
	// By name, in code point order: ASCII, then 公 (U+516C), then 区 (U+533A).
	list, err := e.s.Sources(e.ctx)
	if err != nil || len(list) != 3 || list[0].Name != "Page" || list[1].Name != "公众号" || list[2].Name != "区政府网" {
		t.Errorf("Sources = %+v, %v; want all three, by name", list, err)
	}
	wantErr(t, "EnableSource(false)", e.s.EnableSource(e.ctx, "区政府网", false), nil)
	if one, _ := e.s.Source(e.ctx, "区政府网"); one.Enabled {
		t.Error("still enabled after EnableSource(false)")
	}
	wantErr(t, "EnableSource(true)", e.s.EnableSource(e.ctx, "区政府网", true), nil)
	if one, _ := e.s.Source(e.ctx, "区政府网"); !one.Enabled {
		t.Error("disabled after EnableSource(true)")
	}
	wantErr(t, "EnableSource(unknown)", e.s.EnableSource(e.ctx, "没有", true), model.ErrNotFound)

	// Removing a source keeps the articles it brought.
	fr, err := e.s.ImportFetched(e.ctx, []model.Fetched{fetched("区政府网", "g1", "https://gov.invalid/1", "区里召开会议")})
	if err != nil || fr.New != 1 {
		t.Fatalf("ImportFetched = %+v, %v", fr, err)
	}
	wantErr(t, "RemoveSource", e.s.RemoveSource(e.ctx, "区政府网"), nil)
	wantErr(t, "second RemoveSource", e.s.RemoveSource(e.ctx, "区政府网"), model.ErrNotFound)
	if _, err := e.s.Source(e.ctx, "区政府网"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("Source after remove: %v", err)
	}
	if _, err := e.s.Article(e.ctx, fr.IDs[0]); err != nil {
		t.Errorf("the removed source's article: %v", err)
	}
	if list, _ := e.s.Sources(e.ctx); len(list) != 2 {
		t.Errorf("Sources after remove = %+v", list)
	}
	// The name is free again.
	if _, err := e.s.AddSource(e.ctx, srcFeed("区政府网")); err != nil {
		t.Errorf("adding a removed name again: %v", err)
	}
}

func testAddSourceRefuses(t *testing.T, e *env) {
	tests := []struct {
		name   string
		change func(*model.Source)
	}{
		{"empty name", func(s *model.Source) { s.Name = " " }},
		{"bad utf-8 name", func(s *model.Source) { s.Name = "\xff" }},
		{"unknown kind", func(s *model.Source) { s.Kind = "mail" }},
		{"feed without url", func(s *model.Source) { s.URL = "" }},
		{"page without url", func(s *model.Source) { s.Kind, s.URL = model.SourcePage, "" }},
		{"no interval", func(s *model.Source) { s.Every = 0 }},
		{"sub-second interval", func(s *model.Source) { s.Every = time.Millisecond }},
		{"bad utf-8 url", func(s *model.Source) { s.URL = "https://x.invalid/\xff" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := srcFeed("源")
			tc.change(&src)
			if _, err := e.s.AddSource(e.ctx, src); !errors.Is(err, model.ErrInvalid) {
				t.Errorf("AddSource(%+v): %v, want ErrInvalid", src, err)
			}
		})
	}
	if list, err := e.s.Sources(e.ctx); err != nil || len(list) != 0 {
		t.Errorf("refused sources were stored: %+v, %v", list, err)
	}
}

func testRecordFetch(t *testing.T, e *env) {
	if _, err := e.s.AddSource(e.ctx, srcFeed("源")); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	cst := time.FixedZone("CST", 8*3600)
	steps := []struct {
		name     string
		o        model.FetchOutcome
		failures int
		etag     string
		lastMod  string
		lastErr  string
	}{
		{"success stores validators", model.FetchOutcome{At: t0, ETag: `"v1"`, LastModified: "Sun, 01 Mar 2026 07:00:00 GMT", Next: t0.Add(30 * time.Minute)},
			0, `"v1"`, "Sun, 01 Mar 2026 07:00:00 GMT", ""},
		{"failure counts and keeps validators", model.FetchOutcome{At: t0.Add(time.Hour), Err: "HTTP 500", Next: t0.Add(2 * time.Hour)},
			1, `"v1"`, "Sun, 01 Mar 2026 07:00:00 GMT", "HTTP 500"},
		{"second failure", model.FetchOutcome{At: t0.Add(2 * time.Hour), Err: "HTTP 502", ETag: `"ignored"`, Next: t0.Add(4 * time.Hour)},
			2, `"v1"`, "Sun, 01 Mar 2026 07:00:00 GMT", "HTTP 502"},
		{"success resets", model.FetchOutcome{At: t0.Add(4 * time.Hour).In(cst), ETag: `"v2"`, Next: t0.Add(5 * time.Hour).In(cst)},
			0, `"v2"`, "", ""},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			got, err := e.s.RecordFetch(e.ctx, "源", st.o)
			if err != nil {
				t.Fatal(err)
			}
			if again, _ := e.s.Source(e.ctx, "源"); !same(again, got) {
				t.Errorf("returned %+v\nstored %+v", got, again)
			}
			if got.Failures != st.failures || got.ETag != st.etag || got.LastModified != st.lastMod || got.LastError != st.lastErr ||
				!got.LastFetch.Equal(st.o.At) || !got.NextFetch.Equal(st.o.Next) {
				t.Errorf("after %s: %+v", st.name, got)
			}
			if got.Name != "源" || got.URL != srcFeed("源").URL || !got.Enabled || got.Every != 30*time.Minute {
				t.Errorf("a fetch changed the settings: %+v", got)
			}
		})
	}
	// A zero At is the store's clock.
	got, err := e.s.RecordFetch(e.ctx, "源", model.FetchOutcome{Next: e.clock.Now().Add(time.Hour)})
	if err != nil || !got.LastFetch.Equal(e.clock.Now()) {
		t.Errorf("RecordFetch without At = %+v, %v; want LastFetch %v", got, err, e.clock.Now())
	}
	if _, err := e.s.RecordFetch(e.ctx, "没有", model.FetchOutcome{Next: t0}); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("RecordFetch(unknown): %v, want ErrNotFound", err)
	}
	if _, err := e.s.RecordFetch(e.ctx, "源", model.FetchOutcome{}); !errors.Is(err, model.ErrInvalid) {
		t.Errorf("RecordFetch without Next: %v, want ErrInvalid", err)
	}
}

func fetched(source, guid, url, title string) model.Fetched {
	return model.Fetched{GUID: guid, Article: digest.Article{Source: source, Date: "2026-03-01", URL: url, Title: title,
		Lead: title + "。", Body: title + "。正文。"}}
}

// An item is already stored when an article of the same source has its
// GUID, when a fetched article has its link, or when any article has its
// content.
func testImportFetchedDedupe(t *testing.T, e *env) {
	first := fetched("区政府网", "item-1", "https://gov.invalid/a/1.html", "区里召开会议")
	tests := []struct {
		name string
		item model.Fetched
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
			e := e.fresh(t)
			r1, err := e.s.ImportFetched(e.ctx, []model.Fetched{first})
			if err != nil || r1.New != 1 || len(r1.Added) != 1 || !r1.Added[0] {
				t.Fatalf("first import = %+v, %v", r1, err)
			}
			r2, err := e.s.ImportFetched(e.ctx, []model.Fetched{tc.item})
			if err != nil {
				t.Fatal(err)
			}
			if got := r2.Existing == 1 && r2.New == 0 && !r2.Added[0]; got != tc.same {
				t.Errorf("second import = %+v; already stored = %v, want %v", r2, got, tc.same)
			}
			if tc.same && r2.IDs[0] != r1.IDs[0] {
				t.Errorf("existing id = %d, want %d", r2.IDs[0], r1.IDs[0])
			}
			if !tc.same {
				a, err := e.s.Article(e.ctx, r2.IDs[0])
				want := tc.item.Article
				want.ID = r2.IDs[0]
				if err != nil || a != want {
					t.Errorf("stored item = %+v, %v\nwant %+v", a, err, want)
				}
			}
		})
	}
}

func testImportFetchedStores(t *testing.T, e *env) {
	// A pasted page's articles may share a link, and do not block a fetched
	// one with that link but other content: only fetched links are unique.
	pasted := digest.Article{Source: "本报", Date: "2026-03-01", URL: "https://gov.invalid/a/3.html", Title: "版面稿", Body: "版面稿正文。"}
	e.importArts(t, pasted, digest.Article{Source: "本报", Date: "2026-03-01", URL: pasted.URL, Title: "同版第二篇", Body: "另一篇。"})
	items := []model.Fetched{
		fetched("区政府网", "g1", "https://gov.invalid/a/1.html", "樱花节开幕"),
		fetched("区政府网", "g2", "https://gov.invalid/a/2.html", "口袋公园开放"),
		fetched("区政府网", "g1", "https://gov.invalid/a/1.html", "樱花节开幕"), // the feed lists it twice
		fetched("区政府网", "g3", pasted.URL, "网站稿"),
	}
	res, err := e.s.ImportFetched(e.ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 3 || res.Existing != 1 || len(res.Added) != 4 || !res.Added[0] || !res.Added[1] || res.Added[2] || !res.Added[3] || res.IDs[2] != res.IDs[0] {
		t.Errorf("ImportFetched = %+v", res)
	}
	again, err := e.s.ImportFetched(e.ctx, items)
	if err != nil || again.New != 0 || again.Existing != 4 {
		t.Errorf("polling again = %+v, %v; want all 4 already stored", again, err)
	}
	for i := range items {
		if again.IDs[i] != res.IDs[i] || again.Added[i] {
			t.Errorf("polling again, item %d: id %d added %v; want id %d", i, again.IDs[i], again.Added[i], res.IDs[i])
		}
	}
	// Fetched articles take page orders like imported ones, after the day's.
	arts, err := e.s.ArticlesByDate(e.ctx, "2026-03-01")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range arts {
		if a.Source == "区政府网" {
			got = append(got, a.Title)
		}
	}
	if len(got) != 3 || got[0] != "樱花节开幕" || got[1] != "口袋公园开放" || got[2] != "网站稿" {
		t.Errorf("fetched articles in page order = %q", got)
	}
	// The same items through ImportArticles: already stored by content.
	plain := make([]digest.Article, len(items))
	for i := range items {
		plain[i] = items[i].Article
	}
	if r := e.importArts(t, plain...); r.New != 0 {
		t.Errorf("importing fetched articles again as a page = %+v", r)
	}
	hits, err := e.s.Search(e.ctx, "口袋公园", 5)
	if err != nil || len(hits) != 1 || hits[0].Article.ID != res.IDs[1] || hits[0].Article.URL != "https://gov.invalid/a/2.html" {
		t.Errorf("search for a fetched article: %+v, %v", hits, err)
	}
}

func testImportFetchedAllOrNothing(t *testing.T, e *env) {
	bad := fetched("区政府网", "g2", "", "")
	res, err := e.s.ImportFetched(e.ctx, []model.Fetched{fetched("区政府网", "g1", "https://gov.invalid/1", "好新闻"), bad})
	wantErr(t, "ImportFetched with an untitled item", err, model.ErrInvalid)
	if res.New != 0 || res.IDs != nil || res.Added != nil {
		t.Errorf("a failed import reported %+v", res)
	}
	if dates, _ := e.s.Dates(e.ctx); len(dates) != 0 {
		t.Errorf("something was stored: %v", dates)
	}
	if hits, _ := e.s.Search(e.ctx, "好新闻", 5); len(hits) != 0 {
		t.Errorf("search finds an item of a failed import: %v", hitTitles(hits))
	}
	if r, err := e.s.ImportFetched(e.ctx, []model.Fetched{fetched("区政府网", "g1", "https://gov.invalid/1", "好新闻")}); err != nil || r.New != 1 {
		t.Errorf("import after the failure = %+v, %v", r, err)
	}
}
