package data

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/wxdigest/wxdigest/digest"
)

func TestImportTwiceStoresOnce(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	arts := append(sampleArticles(), digest.Article{Source: "中原区报", Date: "2023-02-13", Title: "第四篇", Body: "正文四。"},
		digest.Article{Source: "中原区报", Date: "2023-02-13", Title: "第五篇", Body: "正文五。"})
	first, err := s.ImportArticles(ctx, arts)
	if err != nil {
		t.Fatal(err)
	}
	if first.New != 5 || first.Existing != 0 || len(first.IDs) != 5 {
		t.Fatalf("first import = %+v, want 5 new", first)
	}
	second, err := s.ImportArticles(ctx, arts)
	if err != nil {
		t.Fatal(err)
	}
	if second.New != 0 || second.Existing != 5 {
		t.Fatalf("second import = %+v, want 0 new, 5 already stored", second)
	}
	if !reflect.DeepEqual(first.IDs, second.IDs) {
		t.Errorf("IDs differ: %v then %v", first.IDs, second.IDs)
	}
	got, err := s.ArticlesByDate(ctx, "2023-02-13")
	if err != nil || len(got) != 5 {
		t.Fatalf("ArticlesByDate = %d articles, %v; want 5", len(got), err)
	}
}

func TestSameContentIsOneArticle(t *testing.T) {
	base := digest.Article{Source: "中原区报", Date: "2023-02-13", Title: "樱花节开幕", Body: "樱花节在须水街道开幕。\n市民前往。"}
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
			a.Body = "樱花节在须水街道开幕。\r\n\n　市民前往。"
		}, true},
		{"full-width ASCII", func(a *digest.Article) { a.Body = strings.Replace(a.Body, "。", "。ＡＢ", 1) }, false},
		{"other body", func(a *digest.Article) { a.Body += "又及。" }, false},
		{"other title", func(a *digest.Article) { a.Title = "樱花节闭幕" }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			ctx := context.Background()
			if _, err := s.ImportArticles(ctx, []digest.Article{base}); err != nil {
				t.Fatal(err)
			}
			b := base
			tc.change(&b)
			res, err := s.ImportArticles(ctx, []digest.Article{b})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Existing == 1; got != tc.same {
				t.Errorf("second import = %+v; same article = %v, want %v", res, got, tc.same)
			}
		})
	}
}

func TestFullWidthFoldsInHash(t *testing.T) {
	if contentHash("ＧＤＰ增长", "ａ") != contentHash("GDP增长", "a") {
		t.Error("full-width and ASCII forms hash differently")
	}
	if contentHash("ab", "c") == contentHash("a", "bc") {
		t.Error("title/body boundary is not part of the hash")
	}
}

func TestImportDuplicateWithinBatch(t *testing.T) {
	s := openTest(t)
	a := sampleArticles()[0]
	res, err := s.ImportArticles(context.Background(), []digest.Article{a, a})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 1 || res.Existing != 1 || res.IDs[0] != res.IDs[1] {
		t.Errorf("import = %+v, want 1 new, 1 existing, same id", res)
	}
}

func TestImportRoundTripsFields(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	arts := sampleArticles()
	res, err := s.ImportArticles(ctx, arts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ArticlesByDate(ctx, "2023-02-13")
	if err != nil {
		t.Fatal(err)
	}
	for i := range arts {
		want := arts[i]
		want.ID = res.IDs[i]
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("article %d:\n got %+v\nwant %+v", i, got[i], want)
		}
		one, err := s.Article(ctx, want.ID)
		if err != nil || !reflect.DeepEqual(one, want) {
			t.Errorf("Article(%d) = %+v, %v", want.ID, one, err)
		}
	}
	var stamp string
	if err := s.r.QueryRow(`SELECT imported_at FROM articles WHERE id = ?`, res.IDs[0]).Scan(&stamp); err != nil {
		t.Fatal(err)
	}
	if stamp != "2023-02-13T01:02:03Z" {
		t.Errorf("imported_at = %q, want the injected clock in UTC", stamp)
	}
}

func TestPageOrder(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mk := func(src, title string) digest.Article {
		return digest.Article{Source: src, Date: "2023-03-01", Title: title, Body: title + "的正文。"}
	}
	if _, err := s.ImportArticles(ctx, []digest.Article{mk("甲报", "甲1"), mk("甲报", "甲2"), mk("乙报", "乙1")}); err != nil {
		t.Fatal(err)
	}
	// A second page of the same day continues after the first; a re-imported
	// article keeps its place and takes none.
	if _, err := s.ImportArticles(ctx, []digest.Article{mk("甲报", "甲1"), mk("甲报", "甲3"), mk("乙报", "乙2")}); err != nil {
		t.Fatal(err)
	}
	var orders []string
	rows, err := s.r.Query(`SELECT title, page_order FROM articles ORDER BY source, page_order`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var title string
		var order int
		rows.Scan(&title, &order)
		orders = append(orders, title+"="+string(rune('0'+order)))
	}
	want := []string{"乙1=0", "乙2=1", "甲1=0", "甲2=1", "甲3=2"}
	if !reflect.DeepEqual(orders, want) {
		t.Errorf("page orders = %v, want %v", orders, want)
	}
	arts, err := s.ArticlesByDate(ctx, "2023-03-01")
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, a := range arts {
		titles = append(titles, a.Title)
	}
	// Page order first, then id (import order) among equal orders.
	if want := []string{"甲1", "乙1", "甲2", "乙2", "甲3"}; !reflect.DeepEqual(titles, want) {
		t.Errorf("ArticlesByDate titles = %v, want %v", titles, want)
	}
}

func TestImportIsAtomic(t *testing.T) {
	good := sampleArticles()
	tests := []struct {
		name   string
		break_ func(*digest.Article)
		want   error
	}{
		{"bad date", func(a *digest.Article) { a.Date = "2023-02-30" }, ErrInvalid},
		{"date with time", func(a *digest.Article) { a.Date = "2023-02-13T10:00" }, ErrInvalid},
		{"short date", func(a *digest.Article) { a.Date = "2023-2-13" }, ErrInvalid},
		{"empty date", func(a *digest.Article) { a.Date = "" }, ErrInvalid},
		{"empty source", func(a *digest.Article) { a.Source = " " }, ErrInvalid},
		{"empty title", func(a *digest.Article) { a.Title = "" }, ErrInvalid},
		{"invalid UTF-8", func(a *digest.Article) { a.Body = "ok\xff" }, ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			ctx := context.Background()
			arts := append([]digest.Article(nil), good...)
			arts = append(arts, digest.Article{Source: "中原区报", Date: "2023-02-13", Title: "坏的", Body: "樱花。"})
			tc.break_(&arts[3])
			res, err := s.ImportArticles(ctx, arts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ImportArticles = %+v, %v; want %v", res, err, tc.want)
			}
			if !strings.Contains(err.Error(), "article 4") {
				t.Errorf("error %q does not name the article", err)
			}
			if res.New != 0 || res.IDs != nil {
				t.Errorf("failed import reported %+v", res)
			}
			// The first three were inserted before the fourth failed: all gone.
			var n int
			if err := s.r.QueryRow(`SELECT count(*) FROM articles`).Scan(&n); err != nil || n != 0 {
				t.Errorf("articles after failed import = %d, %v", n, err)
			}
			hits, err := s.Search(ctx, "樱花", 10)
			if err != nil || len(hits) != 0 {
				t.Errorf("search after failed import = %d hits, %v", len(hits), err)
			}
			// The store still works.
			if res, err := s.ImportArticles(ctx, good); err != nil || res.New != 3 {
				t.Errorf("import after failure = %+v, %v", res, err)
			}
		})
	}
}

func TestImportCanceled(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.ImportArticles(ctx, sampleArticles()); !errors.Is(err, context.Canceled) {
		t.Fatalf("import with canceled context = %v", err)
	}
	var n int
	s.r.QueryRow(`SELECT count(*) FROM articles`).Scan(&n)
	if n != 0 {
		t.Errorf("%d articles stored", n)
	}
}

func TestUpdateArticle(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	res, err := s.ImportArticles(ctx, sampleArticles())
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Article(ctx, res.IDs[1])
	if err != nil {
		t.Fatal(err)
	}
	a.Title = "须水街道樱花节闭幕"
	a.Byline = "记者 王磊"
	if err := s.UpdateArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.Article(ctx, a.ID)
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("after update Article = %+v, %v; want %+v", got, err, a)
	}
	// Same day: keeps its place.
	day, _ := s.ArticlesByDate(ctx, "2023-02-13")
	if len(day) != 3 || day[1].ID != a.ID {
		t.Errorf("updated article moved within its day: %+v", day)
	}

	// Another day: last there.
	if _, err := s.ImportArticles(ctx, []digest.Article{{Source: "中原区报", Date: "2023-02-14", Title: "次日", Body: "次日正文。"}}); err != nil {
		t.Fatal(err)
	}
	a.Date = "2023-02-14"
	if err := s.UpdateArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	next, _ := s.ArticlesByDate(ctx, "2023-02-14")
	if len(next) != 2 || next[1].ID != a.ID {
		t.Errorf("moved article not last on its new day: %+v", next)
	}
	if day, _ := s.ArticlesByDate(ctx, "2023-02-13"); len(day) != 2 {
		t.Errorf("old day has %d articles, want 2", len(day))
	}

	// Content equal to another article's.
	other := sampleArticles()[0]
	a.Title, a.Body = other.Title, other.Body
	if err := s.UpdateArticle(ctx, a); !errors.Is(err, ErrDuplicate) {
		t.Errorf("update to a duplicate = %v, want ErrDuplicate", err)
	}
	a.Date = "13 Feb"
	if err := s.UpdateArticle(ctx, a); !errors.Is(err, ErrInvalid) {
		t.Errorf("update with a bad date = %v, want ErrInvalid", err)
	}
}

func TestDeleteArticle(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	res, err := s.ImportArticles(ctx, sampleArticles())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteArticle(ctx, res.IDs[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Article(ctx, res.IDs[0]); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted article: %v, want ErrNotFound", err)
	}
	if err := s.DeleteArticle(ctx, res.IDs[0]); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	// Ids are never reused: residents may still hold the old number.
	again, err := s.ImportArticles(ctx, []digest.Article{{Source: "x", Date: "2023-02-13", Title: "新的", Body: "新的。"}})
	if err != nil {
		t.Fatal(err)
	}
	if again.IDs[0] <= res.IDs[2] {
		t.Errorf("new id %d reuses an old one (max was %d)", again.IDs[0], res.IDs[2])
	}
	// Re-importing the deleted article stores it again, under a new id.
	back, err := s.ImportArticles(ctx, sampleArticles()[:1])
	if err != nil || back.New != 1 || back.IDs[0] == res.IDs[0] {
		t.Errorf("re-import of deleted article = %+v, %v", back, err)
	}
}

func TestDates(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if d, err := s.Dates(ctx); err != nil || len(d) != 0 {
		t.Fatalf("empty store Dates = %v, %v", d, err)
	}
	var arts []digest.Article
	for _, d := range []string{"2023-02-13", "2022-12-31", "2023-02-13", "2023-01-05"} {
		arts = append(arts, digest.Article{Source: "s", Date: d, Title: "t" + d + string(rune('a'+len(arts))), Body: "b"})
	}
	if _, err := s.ImportArticles(ctx, arts); err != nil {
		t.Fatal(err)
	}
	d, err := s.Dates(ctx)
	if want := []string{"2023-02-13", "2023-01-05", "2022-12-31"}; err != nil || !reflect.DeepEqual(d, want) {
		t.Errorf("Dates = %v, %v; want %v", d, err, want)
	}
	if got, err := s.ArticlesByDate(ctx, "2023-03-01"); err != nil || got == nil || len(got) != 0 {
		t.Errorf("empty day = %#v, %v; want an empty slice", got, err)
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		day  int64
		okay bool
	}{
		{"0001-01-01", 0, true},
		{"1970-01-01", 719162, true},
		{"1970-01-02", 719163, true},
		{"9999-12-31", 3652058, true},
		{"0000-12-31", 0, false},
		{"2023-02-29", 0, false},
		{"2024-02-29", 738944, true},
		{" 2023-02-13", 0, false},
		{"20230213", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			day, err := parseDate(tc.in)
			if (err == nil) != tc.okay || (tc.okay && day != tc.day) {
				t.Errorf("parseDate(%q) = %d, %v; want %d, ok=%v", tc.in, day, err, tc.day, tc.okay)
			}
		})
	}
	// Newest first: a later day's smallest key beats an earlier day's largest.
	if searchKey(738945, 0) <= searchKey(738944, 1<<keyBits-1) {
		t.Error("search keys do not order by day first")
	}
}
