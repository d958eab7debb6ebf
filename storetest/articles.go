package storetest

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

var articleCases = []testCase{
	{"ImportTwiceStoresOnce", testImportTwiceStoresOnce},
	{"SameContentIsOneArticle", testSameContentIsOneArticle},
	{"DuplicateWithinBatch", testDuplicateWithinBatch},
	{"RoundTripsEveryField", testRoundTripsEveryField},
	{"PageOrder", testPageOrder},
	{"ImportIsAtomic", testImportIsAtomic},
	{"ImportCanceled", testImportCanceled},
	{"Dates", testDates},
	{"UpdateArticle", testUpdateArticle},
	{"DeleteArticle", testDeleteArticle},
	{"WithdrawArticle", testWithdrawArticle},
	{"CorrectArticleKeepsDedupe", testCorrectArticle},
	{"NotFound", testArticleNotFound},
}

func testImportTwiceStoresOnce(t *testing.T, e *env) {
	arts := append(sampleArticles(),
		digest.Article{Source: "中原区报", Date: "2023-02-13", Title: "第四篇", Body: "正文四。"},
		digest.Article{Source: "中原区报", Date: "2023-02-13", Title: "第五篇", Body: "正文五。"})
	first := e.importArts(t, arts...)
	if first.New != 5 || first.Existing != 0 || len(first.IDs) != 5 {
		t.Fatalf("first import = %+v, want 5 new", first)
	}
	seen := map[int64]bool{}
	for _, id := range first.IDs {
		if id <= 0 || seen[id] {
			t.Fatalf("first import ids %v: want distinct positive ids", first.IDs)
		}
		seen[id] = true
	}
	second := e.importArts(t, arts...)
	if second.New != 0 || second.Existing != 5 {
		t.Fatalf("second import = %+v, want 0 new, 5 already stored", second)
	}
	if !reflect.DeepEqual(first.IDs, second.IDs) {
		t.Errorf("IDs differ: %v then %v", first.IDs, second.IDs)
	}
	got, err := e.s.ArticlesByDate(e.ctx, "2023-02-13")
	if err != nil || len(got) != 5 {
		t.Fatalf("ArticlesByDate = %d articles, %v; want 5", len(got), err)
	}
}

// The content is title and body, with whitespace runs and full-width ASCII
// folded; the source, the date, the byline and the link are not content.
func testSameContentIsOneArticle(t *testing.T, e *env) {
	base := digest.Article{Source: "中原区报", Date: "2023-02-13", Title: "樱花节开幕", Body: "樱花节在须水街道开幕。\n市民前往GDP。"}
	tests := []struct {
		name   string
		change func(*digest.Article)
		same   bool
	}{
		{"other source", func(a *digest.Article) { a.Source = "郑州日报" }, true},
		{"other date", func(a *digest.Article) { a.Date = "2023-02-14" }, true},
		{"other byline and url", func(a *digest.Article) { a.Byline = "记者 王磊"; a.URL = "https://x.invalid" }, true},
		{"extra whitespace", func(a *digest.Article) {
			a.Title = " 樱花节开幕 "
			a.Body = "樱花节在须水街道开幕。\r\n\n　市民前往GDP。"
		}, true},
		{"full-width ASCII folds", func(a *digest.Article) { a.Body = strings.Replace(a.Body, "GDP", "ＧＤＰ", 1) }, true},
		{"added full-width letters", func(a *digest.Article) { a.Body = strings.Replace(a.Body, "。", "。ＡＢ", 1) }, false},
		{"case is content", func(a *digest.Article) { a.Body = strings.Replace(a.Body, "GDP", "gdp", 1) }, false},
		{"other body", func(a *digest.Article) { a.Body += "又及。" }, false},
		{"other title", func(a *digest.Article) { a.Title = "樱花节闭幕" }, false},
		{"title and body boundary", func(a *digest.Article) { a.Title, a.Body = "樱花节开", "幕"+a.Body }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := e.fresh(t)
			first := e.importArts(t, base)
			b := base
			tc.change(&b)
			res := e.importArts(t, b)
			if got := res.Existing == 1 && res.New == 0; got != tc.same {
				t.Errorf("second import = %+v; same article = %v, want %v", res, got, tc.same)
			}
			if tc.same && res.IDs[0] != first.IDs[0] {
				t.Errorf("same content got id %d, want the stored %d", res.IDs[0], first.IDs[0])
			}
		})
	}
}

func testDuplicateWithinBatch(t *testing.T, e *env) {
	a := sampleArticles()[0]
	res := e.importArts(t, a, a)
	if res.New != 1 || res.Existing != 1 || len(res.IDs) != 2 || res.IDs[0] != res.IDs[1] {
		t.Errorf("import = %+v, want 1 new, 1 existing, same id", res)
	}
}

func testRoundTripsEveryField(t *testing.T, e *env) {
	arts := sampleArticles()
	arts[0].URL = "https://example.invalid/1?a=1&b=二"
	arts[1].Body = "樱花节在须水街道开幕。\n\n市民纷纷前往赏花。\t“引号”和 'quotes' 和 \\ 反斜杠。"
	res := e.importArts(t, arts...)
	got, err := e.s.ArticlesByDate(e.ctx, "2023-02-13")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(arts) {
		t.Fatalf("ArticlesByDate: %d articles, want %d", len(got), len(arts))
	}
	for i := range arts {
		want := arts[i]
		want.ID = res.IDs[i]
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("ArticlesByDate[%d]:\n got %+v\nwant %+v", i, got[i], want)
		}
		one, err := e.s.Article(e.ctx, want.ID)
		if err != nil || !reflect.DeepEqual(one, want) {
			t.Errorf("Article(%d) = %+v, %v\nwant %+v", want.ID, one, err, want)
		}
	}
}

// A day lists in page order, then id: each source's articles are numbered
// in import order, a later import of the day continuing after the earlier
// ones, and a re-imported article keeps its place and takes none.
func testPageOrder(t *testing.T, e *env) {
	mk := func(src, title string) digest.Article {
		return digest.Article{Source: src, Date: "2023-03-01", Title: title, Body: title + "的正文。"}
	}
	e.importArts(t, mk("甲报", "甲1"), mk("甲报", "甲2"), mk("乙报", "乙1"))
	e.importArts(t, mk("甲报", "甲1"), mk("甲报", "甲3"), mk("乙报", "乙2"))
	arts, err := e.s.ArticlesByDate(e.ctx, "2023-03-01")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := titles(arts), []string{"甲1", "乙1", "甲2", "乙2", "甲3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ArticlesByDate titles = %v, want %v", got, want)
	}
}

// An import is all or nothing: one bad article stores none, and the error
// names it.
func testImportIsAtomic(t *testing.T, e *env) {
	tests := []struct {
		name   string
		break_ func(*digest.Article)
	}{
		{"bad date", func(a *digest.Article) { a.Date = "2023-02-30" }},
		{"date with time", func(a *digest.Article) { a.Date = "2023-02-13T10:00" }},
		{"short date", func(a *digest.Article) { a.Date = "2023-2-13" }},
		{"empty date", func(a *digest.Article) { a.Date = "" }},
		{"empty source", func(a *digest.Article) { a.Source = " " }},
		{"empty title", func(a *digest.Article) { a.Title = "" }},
		{"blank title", func(a *digest.Article) { a.Title = " \n" }},
		{"invalid UTF-8", func(a *digest.Article) { a.Body = "ok\xff" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := e.fresh(t)
			arts := append(sampleArticles(), digest.Article{Source: "中原区报", Date: "2023-02-13", Title: "坏的", Body: "樱花。"})
			tc.break_(&arts[3])
			res, err := e.s.ImportArticles(e.ctx, arts)
			wantErr(t, "ImportArticles", err, model.ErrInvalid)
			if res.New != 0 || res.Existing != 0 || res.IDs != nil {
				t.Errorf("failed import reported %+v", res)
			}
			if d, err := e.s.Dates(e.ctx); err != nil || len(d) != 0 {
				t.Errorf("dates after a failed import = %v, %v; want none", d, err)
			}
			if hits, err := e.s.Search(e.ctx, "樱花", 10); err != nil || len(hits) != 0 {
				t.Errorf("search after a failed import = %d hits, %v", len(hits), err)
			}
			if res := e.importArts(t, sampleArticles()...); res.New != 3 {
				t.Errorf("import after the failure = %+v, want 3 new", res)
			}
		})
	}
}

func testImportCanceled(t *testing.T, e *env) {
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	if _, err := e.s.ImportArticles(ctx, sampleArticles()); !errors.Is(err, context.Canceled) {
		t.Fatalf("import with a canceled context = %v, want context.Canceled", err)
	}
	if d, err := e.s.Dates(e.ctx); err != nil || len(d) != 0 {
		t.Errorf("a canceled import stored articles: dates %v, %v", d, err)
	}
}

func testDates(t *testing.T, e *env) {
	if d, err := e.s.Dates(e.ctx); err != nil || len(d) != 0 {
		t.Fatalf("empty store Dates = %v, %v", d, err)
	}
	var arts []digest.Article
	for i, d := range []string{"2023-02-13", "2022-12-31", "2023-02-13", "2023-01-05"} {
		arts = append(arts, digest.Article{Source: "s", Date: d, Title: "t" + d + string(rune('a'+i)), Body: "b"})
	}
	e.importArts(t, arts...)
	d, err := e.s.Dates(e.ctx)
	if want := []string{"2023-02-13", "2023-01-05", "2022-12-31"}; err != nil || !reflect.DeepEqual(d, want) {
		t.Errorf("Dates = %v, %v; want %v (newest first, each once)", d, err, want)
	}
	if got, err := e.s.ArticlesByDate(e.ctx, "2023-03-01"); err != nil || got == nil || len(got) != 0 {
		t.Errorf("a day without articles = %#v, %v; want an empty slice", got, err)
	}
	for _, bad := range []string{"2023-2-13", "2023-02-30", "", "13 Feb"} {
		if _, err := e.s.ArticlesByDate(e.ctx, bad); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("ArticlesByDate(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func testUpdateArticle(t *testing.T, e *env) {
	res := e.importArts(t, sampleArticles()...)
	a, err := e.s.Article(e.ctx, res.IDs[1])
	if err != nil {
		t.Fatal(err)
	}
	a.Title = "须水街道樱花节闭幕"
	a.Byline = "记者 王磊"
	a.Kicker, a.Subtitle, a.URL = "引题", "副题", "https://example.invalid/2"
	wantErr(t, "UpdateArticle", e.s.UpdateArticle(e.ctx, a), nil)
	if got, err := e.s.Article(e.ctx, a.ID); err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("after update Article = %+v, %v\nwant %+v", got, err, a)
	}
	// Only the byline: its own content is no duplicate.
	a.Byline = "记者 王磊 李娜"
	wantErr(t, "UpdateArticle of the byline alone", e.s.UpdateArticle(e.ctx, a), nil)
	if got, _ := e.s.Article(e.ctx, a.ID); !reflect.DeepEqual(got, a) {
		t.Fatalf("after the byline update Article = %+v\nwant %+v", got, a)
	}
	// Same day: it keeps its place.
	if day, _ := e.s.ArticlesByDate(e.ctx, "2023-02-13"); len(day) != 3 || day[1].ID != a.ID {
		t.Errorf("updated article moved within its day: %v", titles(day))
	}
	// The old text is no longer stored: importing it stores it anew.
	if again := e.importArts(t, sampleArticles()[1]); again.New != 1 {
		t.Errorf("re-import of the text an update replaced = %+v, want it stored anew", again)
	}

	// Another day: last there.
	e.importArts(t, digest.Article{Source: "中原区报", Date: "2023-02-14", Title: "次日", Body: "次日正文。"})
	a.Date = "2023-02-14"
	wantErr(t, "UpdateArticle to another day", e.s.UpdateArticle(e.ctx, a), nil)
	if next, _ := e.s.ArticlesByDate(e.ctx, "2023-02-14"); len(next) != 2 || next[1].ID != a.ID {
		t.Errorf("moved article not last on its new day: %v", titles(next))
	}

	// Content equal to another stored article's.
	other := sampleArticles()[0]
	dup := a
	dup.Title, dup.Body = other.Title, other.Body
	wantErr(t, "UpdateArticle to a duplicate", e.s.UpdateArticle(e.ctx, dup), model.ErrDuplicate)
	if got, _ := e.s.Article(e.ctx, a.ID); !reflect.DeepEqual(got, a) {
		t.Errorf("a refused update changed the article: %+v", got)
	}
	bad := a
	bad.Date = "13 Feb"
	wantErr(t, "UpdateArticle with a bad date", e.s.UpdateArticle(e.ctx, bad), model.ErrInvalid)
	bad = a
	bad.Title = " "
	wantErr(t, "UpdateArticle with an empty title", e.s.UpdateArticle(e.ctx, bad), model.ErrInvalid)
}

func testDeleteArticle(t *testing.T, e *env) {
	res := e.importArts(t, sampleArticles()...)
	wantErr(t, "DeleteArticle", e.s.DeleteArticle(e.ctx, res.IDs[0]), nil)
	if _, err := e.s.Article(e.ctx, res.IDs[0]); !errors.Is(err, model.ErrNotFound) || errors.Is(err, model.ErrWithdrawn) {
		t.Errorf("deleted article: %v, want ErrNotFound (not ErrWithdrawn)", err)
	}
	wantErr(t, "second delete", e.s.DeleteArticle(e.ctx, res.IDs[0]), model.ErrNotFound)
	if day, _ := e.s.ArticlesByDate(e.ctx, "2023-02-13"); len(day) != 2 {
		t.Errorf("the day after a delete: %v", titles(day))
	}
	if hits, _ := e.s.Search(e.ctx, "观摩", 10); len(hits) != 0 {
		t.Errorf("search finds a deleted article: %v", hitTitles(hits))
	}
	// Ids are never reused: residents may still hold the old number.
	again := e.importArts(t, digest.Article{Source: "x", Date: "2023-02-13", Title: "新的", Body: "新的。"})
	if again.IDs[0] <= res.IDs[2] {
		t.Errorf("new id %d reuses an old one (max was %d)", again.IDs[0], res.IDs[2])
	}
	// Re-importing a deleted article stores it again, under a new id.
	back := e.importArts(t, sampleArticles()[0])
	if back.New != 1 || back.IDs[0] == res.IDs[0] {
		t.Errorf("re-import of a deleted article = %+v", back)
	}
}

// A withdrawn article is gone from every read — the day, the article, the
// dates, search (also after an edit of its day) — and importing it again
// does not bring it back.
func testWithdrawArticle(t *testing.T, e *env) {
	res := e.importArts(t, sampleArticles()...)
	gone := res.IDs[1] // 须水街道樱花节开幕
	if hits, _ := e.s.Search(e.ctx, "樱花节", 10); len(hits) != 1 {
		t.Fatalf("before: %d hits", len(hits))
	}
	wantErr(t, "WithdrawArticle", e.s.WithdrawArticle(e.ctx, gone, "王主任"), nil)
	day, err := e.s.ArticlesByDate(e.ctx, "2023-02-13")
	if err != nil || len(day) != 2 || day[0].ID == gone || day[1].ID == gone {
		t.Fatalf("the day after withdrawing: %v, %v", titles(day), err)
	}
	if _, err := e.s.Article(e.ctx, gone); !errors.Is(err, model.ErrWithdrawn) || !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("Article of a withdrawn one: %v, want ErrWithdrawn (and so ErrNotFound)", err)
	}
	for _, q := range []string{"樱花节", "樱", "须水"} {
		if hits, _ := e.s.Search(e.ctx, q, 10); len(hits) != 0 {
			t.Fatalf("search %q still finds it: %v", q, hitTitles(hits))
		}
	}
	wantErr(t, "withdrawing twice", e.s.WithdrawArticle(e.ctx, gone, "王主任"), model.ErrWithdrawn)
	if err := e.s.WithdrawArticle(e.ctx, res.IDs[2]+1000, "王主任"); !errors.Is(err, model.ErrNotFound) || errors.Is(err, model.ErrWithdrawn) {
		t.Fatalf("withdrawing an unknown id: %v, want ErrNotFound only", err)
	}
	a := sampleArticles()[1]
	a.ID = gone
	wantErr(t, "editing a withdrawn article", e.s.UpdateArticle(e.ctx, a), model.ErrNotFound)
	wantErr(t, "correcting a withdrawn article", e.s.CorrectArticle(e.ctx, a), model.ErrNotFound)
	// The same page again: nothing comes back, and the id is the tombstone's.
	again := e.importArts(t, sampleArticles()...)
	if again.New != 0 {
		t.Fatalf("re-import = %+v; want nothing new", again)
	}
	if day, _ := e.s.ArticlesByDate(e.ctx, "2023-02-13"); len(day) != 2 {
		t.Fatalf("re-import brought it back: %v", titles(day))
	}
	if _, err := e.s.Article(e.ctx, gone); !errors.Is(err, model.ErrWithdrawn) {
		t.Fatalf("after re-import Article: %v, want ErrWithdrawn", err)
	}
	// Fetched again (a feed lists it): still nothing.
	fr, err := e.s.ImportFetched(e.ctx, []model.Fetched{{Article: sampleArticles()[1], GUID: "g-1"}})
	if err != nil || fr.New != 0 || len(fr.Added) != 1 || fr.Added[0] {
		t.Fatalf("fetching a withdrawn article = %+v, %v; want it already stored", fr, err)
	}
	// An edit of the day's first article must not index the withdrawn one
	// again.
	first, _ := e.s.Article(e.ctx, res.IDs[0])
	first.Title = "中原区第二次项目观摩活动隆重举行"
	wantErr(t, "UpdateArticle", e.s.UpdateArticle(e.ctx, first), nil)
	if hits, _ := e.s.Search(e.ctx, "樱花节", 10); len(hits) != 0 {
		t.Fatalf("an edit on its day put it back in search: %v", hitTitles(hits))
	}
	if hits, _ := e.s.Search(e.ctx, "隆重", 10); len(hits) != 1 {
		t.Fatalf("the edited article is not found: %v", hitTitles(hits))
	}
	// A day whose only article is withdrawn is no longer listed.
	lone := sampleArticles()[0]
	lone.Date, lone.Title = "2023-02-14", "次日的唯一一篇"
	r2 := e.importArts(t, lone)
	wantErr(t, "WithdrawArticle", e.s.WithdrawArticle(e.ctx, r2.IDs[0], "cli"), nil)
	if dates, err := e.s.Dates(e.ctx); err != nil || !reflect.DeepEqual(dates, []string{"2023-02-13"}) {
		t.Fatalf("Dates = %v, %v; want only 2023-02-13", dates, err)
	}
}

// A staff correction keeps the printed text's fingerprint: importing the
// page again does not store the uncorrected version beside it, and search
// finds the corrected text.
func testCorrectArticle(t *testing.T, e *env) {
	res := e.importArts(t, sampleArticles()...)
	a, _ := e.s.Article(e.ctx, res.IDs[1])
	a.Title, a.Lead = "须水街道第十届樱花节开幕", "第十届樱花节在须水街道开幕。"
	a.Body = "第十届樱花节在须水街道开幕。\n市民纷纷前往赏花。"
	wantErr(t, "CorrectArticle", e.s.CorrectArticle(e.ctx, a), nil)
	if got, _ := e.s.Article(e.ctx, a.ID); !reflect.DeepEqual(got, a) {
		t.Fatalf("after the correction: %+v\nwant %+v", got, a)
	}
	again := e.importArts(t, sampleArticles()...)
	if again.New != 0 || again.IDs[1] != a.ID {
		t.Fatalf("re-import after a correction = %+v; want nothing new, the printed one found as %d", again, a.ID)
	}
	fr, err := e.s.ImportFetched(e.ctx, []model.Fetched{{Article: sampleArticles()[1]}})
	if err != nil || fr.New != 0 || fr.IDs[0] != a.ID {
		t.Fatalf("fetching the printed text after a correction = %+v, %v", fr, err)
	}
	if day, _ := e.s.ArticlesByDate(e.ctx, "2023-02-13"); len(day) != 3 {
		t.Fatalf("the day after correcting and re-importing: %v", titles(day))
	}
	if hits, _ := e.s.Search(e.ctx, "第十届", 5); len(hits) != 1 || hits[0].Article.ID != a.ID {
		t.Fatalf("search after the correction: %v", hitTitles(hits))
	}
	a.ID = res.IDs[2] + 1000
	wantErr(t, "correcting an unknown id", e.s.CorrectArticle(e.ctx, a), model.ErrNotFound)
	bad, _ := e.s.Article(e.ctx, res.IDs[1])
	bad.Date = "2023-02-30"
	wantErr(t, "correcting with a bad date", e.s.CorrectArticle(e.ctx, bad), model.ErrInvalid)
}

func testArticleNotFound(t *testing.T, e *env) {
	if _, err := e.s.Article(e.ctx, 12345); !errors.Is(err, model.ErrNotFound) || errors.Is(err, model.ErrWithdrawn) {
		t.Errorf("Article(missing) = %v, want ErrNotFound only", err)
	}
	wantErr(t, "DeleteArticle(missing)", e.s.DeleteArticle(e.ctx, 12345), model.ErrNotFound)
	a := sampleArticles()[0]
	a.ID = 12345
	wantErr(t, "UpdateArticle(missing)", e.s.UpdateArticle(e.ctx, a), model.ErrNotFound)
}
