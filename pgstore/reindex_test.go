package pgstore

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/internal/pgtest"
)

// searchAll is the ids each query finds.
func searchAll(t *testing.T, s *Store, queries []string) map[string][]int64 {
	t.Helper()
	out := map[string][]int64{}
	for _, q := range queries {
		hits, err := s.Search(context.Background(), q, MaxSearchLimit)
		if err != nil {
			t.Fatalf("Search(%q): %v", q, err)
		}
		ids := []int64{}
		for _, h := range hits {
			ids = append(ids, h.Article.ID)
		}
		out[q] = ids
	}
	return out
}

// RebuildSearchIndex puts back tokens that were emptied, wrong or left on
// a withdrawn article, across several batches, and leaves one valid GIN
// index.
func TestRebuildSearchIndex(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, pgtest.URL(t), Options{Now: func() time.Time { return time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	arts := corpusArticles()
	for i := range 2*reindexBatch + 7 {
		arts = append(arts, digest.Article{Source: "报", Date: "2023-03-01", Title: fmt.Sprintf("第%d期樱花简报", i),
			Body: fmt.Sprintf("简报%d号 item%d。", i, i)})
	}
	res, err := s.ImportArticles(ctx, arts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WithdrawArticle(ctx, res.IDs[1], "编辑"); err != nil {
		t.Fatal(err)
	}
	queries := []string{"樱", "樱花", "樱花节", "gdp", "5g远程", "москва", "简报", "item3", "item1006", "通车", "zz"}
	want := searchAll(t, s, queries)
	if len(want["item1006"]) != 1 || len(want["zz"]) != 0 {
		t.Fatalf("fixture searches: %v", want)
	}

	// Tokens lost (the first article, and every other one of a batch),
	// wrong (zz), and left on the withdrawn article.
	for _, q := range []string{
		`UPDATE articles SET tokens = '{}' WHERE id = ` + fmt.Sprint(res.IDs[0]),
		`UPDATE articles SET tokens = '{}' WHERE id % 2 = 0 AND title LIKE '第%'`,
		`UPDATE articles SET tokens = '{zz}' WHERE id = ` + fmt.Sprint(res.IDs[len(res.IDs)-1]),
		`UPDATE articles SET tokens = '{樱,花,樱花,通,车,通车}' WHERE id = ` + fmt.Sprint(res.IDs[1]),
	} {
		if _, err := s.pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if got := searchAll(t, s, queries); reflect.DeepEqual(got, want) {
		t.Fatal("the damage changed no search")
	}

	if err := s.RebuildSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if got := searchAll(t, s, queries); !reflect.DeepEqual(got, want) {
		t.Errorf("after the rebuild:\n%v\nwant\n%v", got, want)
	}
	var withdrawn []string
	if err := s.pool.QueryRow(ctx, `SELECT tokens FROM articles WHERE id = $1`, res.IDs[1]).Scan(&withdrawn); err != nil || len(withdrawn) != 0 {
		t.Errorf("the withdrawn article's tokens %q, %v; want none", withdrawn, err)
	}
	rows, err := s.pool.Query(ctx, `SELECT c.relname || CASE WHEN i.indisvalid THEN '' ELSE ' (invalid)' END
		FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
		WHERE i.indrelid = 'articles'::regclass AND c.relname LIKE 'articles_tokens%'`)
	indexes, err := collect(rows, err, func(sc scanner) (string, error) {
		var n string
		return n, sc.Scan(&n)
	})
	if err != nil || !reflect.DeepEqual(indexes, []string{"articles_tokens"}) {
		t.Errorf("token indexes after the rebuild %q, %v", indexes, err)
	}

	// A second rebuild finds nothing to rewrite and changes nothing.
	var before int64
	if err := s.pool.QueryRow(ctx, `SELECT sum(xmin::text::bigint) FROM articles`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if err := s.RebuildSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	var after int64
	if err := s.pool.QueryRow(ctx, `SELECT sum(xmin::text::bigint) FROM articles`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if before != after {
		t.Error("a rebuild of right tokens rewrote rows")
	}
	if got := searchAll(t, s, queries); !reflect.DeepEqual(got, want) {
		t.Errorf("after a second rebuild: %v", got)
	}
}

// What a REINDEX CONCURRENTLY that failed leaves behind, an invalid copy
// of the index, is dropped; the index itself stays.
func TestDropHalfBuiltIndex(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, pgtest.URL(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range []string{
		`CREATE INDEX articles_tokens_ccnew ON articles USING GIN (tokens)`,
		// As a failed REINDEX CONCURRENTLY leaves it (the test runs as a
		// superuser, who may write the catalog).
		`UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'articles_tokens_ccnew'::regclass`,
	} {
		if _, err := s.pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	s.dropHalfBuilt(ctx)
	rows, err := s.pool.Query(ctx, `SELECT indexrelid::regclass::text FROM pg_index
		WHERE indrelid = 'articles'::regclass AND indexrelid::regclass::text LIKE 'articles_tokens%'`)
	names, err := collect(rows, err, func(sc scanner) (string, error) {
		var n string
		return n, sc.Scan(&n)
	})
	if err != nil || !reflect.DeepEqual(names, []string{"articles_tokens"}) {
		t.Errorf("token indexes %q, %v; want articles_tokens alone", names, err)
	}
	if _, err := s.ImportArticles(ctx, corpusArticles()); err != nil {
		t.Fatal(err)
	}
	if hits, err := s.Search(ctx, "樱花", 5); err != nil || len(hits) == 0 {
		t.Errorf("search: %d hits, %v", len(hits), err)
	}
}
