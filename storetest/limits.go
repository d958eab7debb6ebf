package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

var limitCases = []testCase{
	{"ManyOnOneDay", testManyOnOneDay},
	{"NULRefused", testNULRefused},
	{"NULRefusedInEdits", testNULRefusedInEdits},
	{"NULRefusedInFetched", testNULRefusedInFetched},
}

// RunArticleLimits checks what a store holds at the edges: a day of
// thousands of articles imported in batches, and text it must refuse.
func RunArticleLimits(t *testing.T, open func(t *testing.T, now func() time.Time) ArticlesGroup) {
	t.Helper()
	runGroup(t, "ArticleLimits", limitCases, open)
}

// oneDay returns n small articles of one day, numbered from.
func oneDay(date string, from, n int) []digest.Article {
	arts := make([]digest.Article, n)
	for i := range arts {
		k := from + i
		arts[i] = digest.Article{Source: "日报", Date: date, Title: fmt.Sprintf("第%05d条消息", k),
			Body: fmt.Sprintf("樱花节第%d场 item%05d。", k, k)}
	}
	return arts
}

// A day takes thousands of articles, in several imports: it lists them
// in page order, search finds the last ones newest first, and a batch
// repeating stored ones stores only the new. (A store with a number of
// articles per day of its own, such as the SQLite index's day keys, must
// not hold a day to fewer; each store's own tests and benchmarks take a
// day past 65,536.)
func testManyOnOneDay(t *testing.T, e *env) {
	const date, batch, batches = "2026-03-01", 1500, 3
	var ids []int64
	for b := range batches {
		res := e.importArts(t, oneDay(date, b*batch, batch)...)
		if res.New != batch {
			t.Fatalf("batch %d: %+v", b, res)
		}
		ids = append(ids, res.IDs...)
	}
	again := e.importArts(t, append(oneDay(date, batch-5, 10), oneDay(date, batches*batch, 5)...)...)
	if again.New != 5 || again.Existing != 10 {
		t.Fatalf("a batch with stored articles: %+v, want 5 new, 10 stored", again)
	}
	ids = append(ids, again.IDs[10:]...)
	n := len(ids)
	arts, err := e.s.ArticlesByDate(e.ctx, date)
	if err != nil || len(arts) != n {
		t.Fatalf("ArticlesByDate: %d articles, %v; want %d", len(arts), err, n)
	}
	for i, a := range arts {
		if a.ID != ids[i] {
			t.Fatalf("article %d of the day is %d, want %d (page order)", i, a.ID, ids[i])
		}
	}
	last := fmt.Sprintf("item%05d", batches*batch+4)
	if got := e.searchTitles(t, last, 5); len(got) != 1 || got[0] != fmt.Sprintf("第%05d条消息", batches*batch+4) {
		t.Errorf("Search(%q) = %q", last, got)
	}
	hits, err := e.s.Search(e.ctx, "樱花节", 3)
	if err != nil || len(hits) != 3 {
		t.Fatalf("Search(樱花节): %d hits, %v", len(hits), err)
	}
	for i, h := range hits {
		if want := ids[n-1-i]; h.Article.ID != want {
			t.Errorf("hit %d is %d, want %d (newest first)", i, h.Article.ID, want)
		}
	}
}

// nulFields puts a NUL character into each text field of a.
func nulFields(a digest.Article) map[string]digest.Article {
	out := map[string]digest.Article{}
	for name, set := range map[string]func(*digest.Article){
		"source": func(a *digest.Article) { a.Source += "\x00" }, "url": func(a *digest.Article) { a.URL = "https://x.invalid/\x00" },
		"kicker": func(a *digest.Article) { a.Kicker = "引\x00题" }, "title": func(a *digest.Article) { a.Title += "\x00" },
		"subtitle": func(a *digest.Article) { a.Subtitle = "\x00" }, "dateline": func(a *digest.Article) { a.Dateline = "本报\x00讯" },
		"byline": func(a *digest.Article) { a.Byline = "记者\x00" }, "lead": func(a *digest.Article) { a.Lead += "\x00" },
		"body": func(a *digest.Article) { a.Body = "正文\x00。" },
	} {
		b := a
		set(&b)
		out[name] = b
	}
	return out
}

// PostgreSQL's text cannot hold U+0000, so no store keeps it: an article
// with a NUL character in any field is refused with ErrInvalid, and the
// import stores nothing. (The text pipeline drops NUL characters before.)
func testNULRefused(t *testing.T, e *env) {
	good := digest.Article{Source: "日报", Date: "2026-03-01", Title: "樱花节开幕", Lead: "樱花节开幕了。", Body: "樱花节开幕了。"}
	for field, bad := range nulFields(good) {
		other := digest.Article{Source: "日报", Date: "2026-03-02", Title: "另一篇", Body: "另一篇正文。"}
		_, err := e.s.ImportArticles(e.ctx, []digest.Article{other, bad})
		wantErr(t, "ImportArticles with a NUL in the "+field, err, model.ErrInvalid)
	}
	if dates, err := e.s.Dates(e.ctx); err != nil || len(dates) != 0 {
		t.Errorf("Dates after refused imports = %v, %v; want none", dates, err)
	}
}

// An edit or a correction with a NUL character is refused and changes
// nothing.
func testNULRefusedInEdits(t *testing.T, e *env) {
	good := digest.Article{Source: "日报", Date: "2026-03-01", Title: "樱花节开幕", Lead: "樱花节开幕了。", Body: "樱花节开幕了。"}
	res := e.importArts(t, good)
	good.ID = res.IDs[0]
	for field, bad := range nulFields(good) {
		wantErr(t, "UpdateArticle with a NUL in the "+field, e.s.UpdateArticle(e.ctx, bad), model.ErrInvalid)
		wantErr(t, "CorrectArticle with a NUL in the "+field, e.s.CorrectArticle(e.ctx, bad), model.ErrInvalid)
	}
	got, err := e.s.Article(e.ctx, good.ID)
	if err != nil || got != good {
		t.Errorf("Article after refused edits = %+v, %v; want %+v", got, err, good)
	}
}

// A fetched item with a NUL character, in a field or its GUID, is refused
// and the fetch stores nothing.
func testNULRefusedInFetched(t *testing.T, e *env) {
	ok := fetched("区政府网", "g1", "https://gov.invalid/1", "区里召开会议")
	for field, bad := range nulFields(fetched("区政府网", "g2", "https://gov.invalid/2", "樱花节开幕").Article) {
		_, err := e.s.ImportFetched(e.ctx, []model.Fetched{ok, {GUID: "g2", Article: bad}})
		wantErr(t, "ImportFetched with a NUL in the "+field, err, model.ErrInvalid)
	}
	bad := fetched("区政府网", "g\x002", "https://gov.invalid/2", "樱花节开幕")
	_, err := e.s.ImportFetched(e.ctx, []model.Fetched{ok, bad})
	wantErr(t, "ImportFetched with a NUL in the GUID", err, model.ErrInvalid)
	if dates, err := e.s.Dates(e.ctx); err != nil || len(dates) != 0 {
		t.Errorf("Dates after refused fetches = %v, %v; want none", dates, err)
	}
}
