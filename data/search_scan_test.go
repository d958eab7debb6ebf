package data

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wxdigest/wxdigest/digest"

	"github.com/wxdigest/wxdigest/searchtext"
)

// These tests hold Search to a plain scan of every article by the token
// rules, through imports of every shape (large days, days filled in
// several imports, copies mixed in, one article at a time), edits, moves
// between days and deletes.

var oracleWords = strings.Fields(`樱花 樱花节 须水 街道 医疗 社区 服务 中心 项目 建设 大提速 供暖 保障
	居民 开幕 通车 大道 秦岭路 公园 文明 GDP gdps 5G 基站 Data 数据 开放 平台 2023 新春 花节 的 在 和`)

// oracleArticle is article i of a small world: a few days, short texts
// from a small vocabulary, so terms meet in many combinations.
func oracleArticle(r *rand.Rand, date string, i int) digest.Article {
	text := func(n int) string {
		var b strings.Builder
		for w := 0; w < n; w++ {
			b.WriteString(oracleWords[r.IntN(len(oracleWords))])
			switch r.IntN(6) {
			case 0:
				b.WriteString("，")
			case 1:
				b.WriteString(" ")
			}
		}
		return b.String()
	}
	return digest.Article{Source: "中原区报", Date: date, Title: text(2+r.IntN(3)) + fmt.Sprint(i),
		Body: text(4+r.IntN(10)) + "。" + text(r.IntN(6))}
}

// scanSearch is Search by brute force: every article, its token set, the
// literal runs; newest first.
func scanSearch(t *testing.T, s *Store, query string, limit int) []int64 {
	t.Helper()
	q := searchtext.ParseQuery(query)
	if len(q.Toks) == 0 {
		return []int64{}
	}
	toks := q.Toks
	rows, err := s.r.Query(`SELECT id, title, body FROM articles ORDER BY issue_date DESC, id DESC`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() && len(ids) < limit {
		var id int64
		var title, body string
		if err := rows.Scan(&id, &title, &body); err != nil {
			t.Fatal(err)
		}
		set := map[string]bool{}
		for _, tok := range articleTokens(title, body) {
			set[tok] = true
		}
		ok := true
		for _, tok := range toks {
			ok = ok && set[tok]
		}
		for _, run := range q.Runs {
			ok = ok && (strings.Contains(title, run) || strings.Contains(body, run))
		}
		if ok {
			ids = append(ids, id)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

func searchIDs(t *testing.T, s *Store, query string, limit int) []int64 {
	t.Helper()
	hits, err := s.Search(context.Background(), query, limit)
	if err != nil {
		t.Fatalf("Search(%q): %v", query, err)
	}
	ids := []int64{}
	for _, h := range hits {
		ids = append(ids, h.Article.ID)
	}
	return ids
}

func oracleQueries(r *rand.Rand) []string {
	qs := []string{"樱", "樱花", "樱花节", "花节", "gdp", "GD", "5g基站", "ＧＤＰ", "data", "的 在", "大道 秦岭路",
		"须水 医疗 2023", "节开", "社区服务中心", "不存在", "花", "gdps"}
	for range 40 {
		a, b := oracleWords[r.IntN(len(oracleWords))], oracleWords[r.IntN(len(oracleWords))]
		switch r.IntN(3) {
		case 0:
			qs = append(qs, a)
		case 1:
			qs = append(qs, a+" "+b)
		default:
			qs = append(qs, a+b) // a run across two words
		}
	}
	return qs
}

func compareWithScan(t *testing.T, s *Store, phase string, qs []string) {
	t.Helper()
	checkSearchKeys(t, s)
	for _, q := range qs {
		for _, limit := range []int{3, 20, MaxSearchLimit} {
			want := scanSearch(t, s, q, limit)
			if got := searchIDs(t, s, q, limit); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: Search(%q, %d) = %v\nscan gives %v", phase, q, limit, got, want)
			}
		}
	}
}

func TestSearchAgreesWithScan(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 11))
	qs := oracleQueries(r)
	n := 0
	batch := func(spec map[string]int) []digest.Article {
		var arts []digest.Article
		for _, date := range []string{"2023-02-11", "2023-02-12", "2023-02-13", "2023-02-14"} {
			for range spec[date] {
				arts = append(arts, oracleArticle(r, date, n))
				n++
			}
		}
		r.Shuffle(len(arts), func(i, j int) { arts[i], arts[j] = arts[j], arts[i] })
		return arts
	}
	imp := func(arts []digest.Article) ImportResult {
		t.Helper()
		res, err := s.ImportArticles(ctx, arts)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	// A large day and small ones.
	imp(batch(map[string]int{"2023-02-12": 135, "2023-02-13": 30, "2023-02-11": 1}))
	compareWithScan(t, s, "first import", qs)

	// More articles for days that have some, with copies of stored ones
	// mixed in, whose prebuilt tokens go unused.
	arts := batch(map[string]int{"2023-02-12": 67, "2023-02-14": 5})
	var old []digest.Article
	for _, id := range []int64{3, 90, 150} {
		a, err := s.Article(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		a.ID = 0
		old = append(old, a)
	}
	arts = slices.Insert(arts, 2, old...)
	if res := imp(arts); res.Existing != len(old) {
		t.Fatalf("second import: %d already stored, want %d", res.Existing, len(old))
	}
	compareWithScan(t, s, "second import", qs)

	// One article at a time, as a poller stores them.
	for range 5 {
		imp(batch(map[string]int{"2023-02-14": 1}))
		imp(batch(map[string]int{"2023-02-13": 1}))
	}
	if _, err := s.ImportFetched(ctx, []Fetched{{Article: oracleArticle(r, "2023-02-14", n), GUID: "g-1"}}); err != nil {
		t.Fatal(err)
	}
	compareWithScan(t, s, "single imports", qs)

	// Edits in place, moves between days (onto a day's middle and onto a
	// day without articles), deletes.
	for i := range 40 {
		id := int64(1 + r.IntN(n))
		a, err := s.Article(ctx, id)
		if err != nil {
			continue // deleted before
		}
		switch i % 4 {
		case 0:
			a.Body = oracleArticle(r, a.Date, n).Body
			n++
			err = s.UpdateArticle(ctx, a)
		case 1:
			a.Date = []string{"2023-02-11", "2023-02-12", "2023-02-13", "2023-02-15"}[r.IntN(4)]
			err = s.UpdateArticle(ctx, a)
		default:
			err = s.DeleteArticle(ctx, id)
		}
		if err != nil {
			t.Fatalf("edit %d of article %d: %v", i, id, err)
		}
	}
	compareWithScan(t, s, "after edits", qs)

	if err := s.RebuildSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	compareWithScan(t, s, "after rebuild", qs)
}

// TestSearchNeedsOneArticle: a day holding every term, but in different
// articles, is not a hit.
func TestSearchNeedsOneArticle(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	arts := []digest.Article{
		{Source: "中原区报", Date: "2023-02-14", Title: "樱花节开幕", Body: "须水街道樱花盛开。"},
		{Source: "中原区报", Date: "2023-02-14", Title: "社区医疗", Body: "GDP 增长，5G 基站建成。"},
		{Source: "中原区报", Date: "2023-02-14", Title: "大道通车", Body: "秦岭路上的大道今日通车。"},
	}
	if _, err := s.ImportArticles(ctx, arts); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"樱花 医疗", nil},
		{"gdp 秦岭路", nil},
		{"樱花大道", nil}, // 樱花 and 大道 are both in the block, never together
		{"节通", nil},   // pairs of the block, not of one article
		{"樱花 须水", []string{"樱花节开幕"}},
		{"5g 基站 gdp", []string{"社区医疗"}},
		{"大道", []string{"大道通车"}},
	} {
		hits, err := s.Search(ctx, c.q, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := hitTitles(hits); !reflect.DeepEqual(got, append([]string{}, c.want...)) {
			t.Errorf("Search(%q) = %q, want %q", c.q, got, c.want)
		}
	}
}
