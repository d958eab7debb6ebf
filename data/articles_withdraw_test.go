package data

import (
	"context"
	"errors"
	"testing"

	"github.com/wxdigest/wxdigest/digest"
)

// A withdrawn article is gone from every read — the day, the article, the
// dates, search (also after an edit on its day renumbers the keys, and
// after a rebuild) — and importing it again does not bring it back.
func TestWithdrawArticle(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	res, err := s.ImportArticles(ctx, sampleArticles())
	if err != nil {
		t.Fatal(err)
	}
	gone := res.IDs[1] // 须水街道樱花节开幕
	if hits, _ := s.Search(ctx, "樱花节", 10); len(hits) != 1 {
		t.Fatalf("before: %d hits", len(hits))
	}
	if err := s.WithdrawArticle(ctx, gone, "王主任"); err != nil {
		t.Fatal(err)
	}
	day, err := s.ArticlesByDate(ctx, "2023-02-13")
	if err != nil || len(day) != 2 || day[0].ID == gone || day[1].ID == gone {
		t.Fatalf("the day after withdrawing: %+v, %v", day, err)
	}
	if _, err := s.Article(ctx, gone); !errors.Is(err, ErrWithdrawn) || !errors.Is(err, ErrNotFound) {
		t.Fatalf("Article of a withdrawn one: %v, want ErrWithdrawn (and ErrNotFound)", err)
	}
	if hits, _ := s.Search(ctx, "樱花节", 10); len(hits) != 0 {
		t.Fatalf("search still finds it: %+v", hits)
	}
	if err := s.WithdrawArticle(ctx, gone, "王主任"); !errors.Is(err, ErrWithdrawn) {
		t.Fatalf("withdrawing twice: %v", err)
	}
	if err := s.WithdrawArticle(ctx, 9999, "王主任"); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrWithdrawn) {
		t.Fatalf("an unknown id: %v", err)
	}
	a := sampleArticles()[1]
	a.ID = gone
	if err := s.UpdateArticle(ctx, a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("editing a withdrawn article: %v, want ErrNotFound", err)
	}
	// Importing the same page again: nothing comes back.
	again, err := s.ImportArticles(ctx, sampleArticles())
	if err != nil || again.New != 0 {
		t.Fatalf("re-import = %+v, %v; want nothing new", again, err)
	}
	if day, _ := s.ArticlesByDate(ctx, "2023-02-13"); len(day) != 2 {
		t.Fatalf("re-import brought it back: %+v", day)
	}
	// An edit of the day's first article renumbers the day's keys: the
	// withdrawn one must not be indexed again.
	first, _ := s.Article(ctx, res.IDs[0])
	first.Title = "中原区第二次项目观摩活动隆重举行"
	if err := s.UpdateArticle(ctx, first); err != nil {
		t.Fatal(err)
	}
	if hits, _ := s.Search(ctx, "樱花节", 10); len(hits) != 0 {
		t.Fatalf("an edit on its day put it back in search: %+v", hits)
	}
	if hits, _ := s.Search(ctx, "隆重", 10); len(hits) != 1 {
		t.Fatalf("the edited article is not found: %+v", hits)
	}
	if err := s.RebuildSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if hits, _ := s.Search(ctx, "樱花节", 10); len(hits) != 0 {
		t.Fatalf("a rebuild put it back in search: %+v", hits)
	}
	if hits, _ := s.Search(ctx, "医疗", 10); len(hits) != 1 {
		t.Fatalf("a rebuild lost the others: %+v", hits)
	}
	// A day whose only article is withdrawn is no longer listed.
	lone := sampleArticles()[0]
	lone.Date, lone.Title = "2023-02-14", "次日的唯一一篇"
	r2, err := s.ImportArticles(ctx, []digest.Article{lone})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WithdrawArticle(ctx, r2.IDs[0], "cli"); err != nil {
		t.Fatal(err)
	}
	if dates, err := s.Dates(ctx); err != nil || len(dates) != 1 || dates[0] != "2023-02-13" {
		t.Fatalf("Dates = %v, %v", dates, err)
	}
}

// A staff correction keeps the printed text's fingerprint: importing the
// page again does not store the uncorrected version beside it, and search
// finds the corrected title.
func TestCorrectArticle(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	res, err := s.ImportArticles(ctx, sampleArticles())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := s.Article(ctx, res.IDs[1])
	a.Title, a.Lead = "须水街道第十届樱花节开幕", "第十届樱花节在须水街道开幕。"
	if err := s.CorrectArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Article(ctx, a.ID); got.Title != a.Title || got.Lead != a.Lead {
		t.Fatalf("after the correction: %+v", got)
	}
	again, err := s.ImportArticles(ctx, sampleArticles())
	if err != nil || again.New != 0 {
		t.Fatalf("re-import after a correction = %+v, %v; want nothing new", again, err)
	}
	if hits, _ := s.Search(ctx, "第十届", 5); len(hits) != 1 || hits[0].Article.ID != a.ID {
		t.Fatalf("search after the correction: %+v", hits)
	}
	a.ID = 9999
	if err := s.CorrectArticle(ctx, a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("correcting an unknown id: %v", err)
	}
}
