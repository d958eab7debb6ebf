package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/internal/synth"
)

// searchFixture: articles on three days, imported out of date order so
// that newest-first cannot come from insertion order.
func searchFixture(t testing.TB) (*Store, map[string]int64) {
	t.Helper()
	s := openTest(t)
	arts := []digest.Article{
		{Source: "中原区报", Date: "2023-02-14", Title: "须水街道樱花节开幕", Body: "樱花节在须水街道开幕，市民纷纷前往赏花。"},
		{Source: "中原区报", Date: "2023-02-12", Title: "樱花大道通车", Body: "连接秦岭路的樱花大道今日通车。"},
		{Source: "中原区报", Date: "2023-02-13", Title: "社区医疗服务再提升", Body: "社区卫生服务中心新增5G远程医疗设备，GDP同比增长6.5%。"},
		{Source: "中原区报", Date: "2023-02-13", Title: "项目建设大提速", Body: "全区项目建设大提速、大提升，为“开门红”夯实基础。"},
		{Source: "郑州日报", Date: "2023-02-14", Title: "Open Data Day 活动举行", Body: "活动以 Open Data 为主题，数据开放平台上线。"},
		{Source: "郑州日报", Date: "2023-02-11", Title: "赏樱指南", Body: "樱花盛开，花节期间游人多。"},
		{Source: "郑州日报", Date: "2023-02-12", Title: "冬季供暖保障", Body: strings.Repeat("供暖企业加强巡查，保障居民温暖过冬。", 6) + "最后一句提到樱花。"},
	}
	res, err := s.ImportArticles(context.Background(), arts)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for i, a := range arts {
		ids[a.Title] = res.IDs[i]
	}
	return s, ids
}

func hitTitles(hits []Hit) []string {
	out := []string{}
	for _, h := range hits {
		out = append(out, h.Article.Title)
	}
	return out
}

func TestSearch(t *testing.T) {
	s, _ := searchFixture(t)
	tests := []struct {
		name  string
		query string
		want  []string // titles, newest first
	}{
		{"one char", "樱", []string{"须水街道樱花节开幕", "冬季供暖保障", "樱花大道通车", "赏樱指南"}},
		{"one char at run end", "节", []string{"须水街道樱花节开幕", "赏樱指南"}},
		{"one char rare", "暖", []string{"冬季供暖保障"}},
		{"two chars", "樱花", []string{"须水街道樱花节开幕", "冬季供暖保障", "樱花大道通车", "赏樱指南"}},
		{"two chars in title only", "大道", []string{"樱花大道通车"}},
		{"three chars", "樱花节", []string{"须水街道樱花节开幕"}}, // 赏樱指南 has 樱花 and 花节, apart
		{"three chars only apart", "樱花期", nil},
		{"four chars", "项目建设", []string{"项目建设大提速"}},
		{"long phrase", "连接秦岭路的樱花大道", []string{"樱花大道通车"}},
		{"phrase order matters", "花樱", nil},
		{"across punctuation is not a phrase", "提速大提升", nil},
		{"punctuation inside the query", "大提速、大提升", []string{"项目建设大提速"}},
		{"two terms", "樱花 秦岭路", []string{"樱花大道通车"}},
		{"phrase and one char", "樱花 暖", []string{"冬季供暖保障"}},
		{"two single chars", "樱 暖", []string{"冬季供暖保障"}},
		{"no match", "地铁", nil},
		{"ascii word", "GDP", []string{"社区医疗服务再提升"}},
		{"ascii lower case", "gdp", []string{"社区医疗服务再提升"}},
		{"ascii full width", "ＧＤＰ", []string{"社区医疗服务再提升"}},
		{"ascii word is whole", "GD", nil},
		{"ascii phrase", "open data", []string{"Open Data Day 活动举行"}},
		{"mixed", "5G远程", []string{"社区医疗服务再提升"}},
		{"mixed with space", "Data 平台", []string{"Open Data Day 活动举行"}},
		{"number", "6.5", []string{"社区医疗服务再提升"}},
		{"quoted term", `"开门红"`, []string{"项目建设大提速"}},
		{"punctuation only", "，。！？“”", nil},
		{"empty", "", nil},
		{"lone quote", `"`, nil},
		{"unbalanced quote", `樱花"`, []string{"须水街道樱花节开幕", "冬季供暖保障", "樱花大道通车", "赏樱指南"}},
		{"star", "*", nil},
		{"prefix syntax is text", "樱*", []string{"须水街道樱花节开幕", "冬季供暖保障", "樱花大道通车", "赏樱指南"}},
		{"OR is a word", "樱花 OR 医疗", nil},
		{"AND NOT are words", "樱花 NOT 秦岭路", nil},
		{"NEAR", "NEAR(樱花 医疗)", nil},
		{"NEAR open", "NEAR(", nil},
		{"column filter", "title:樱花", nil},
		{"braces caret minus", "{title} ^樱花 -医疗", nil},
		{"parentheses", "(樱花)", []string{"须水街道樱花节开幕", "冬季供暖保障", "樱花大道通车", "赏樱指南"}},
		{"mixed term pieces may be apart", "GDP远程", []string{"社区医疗服务再提升"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := s.Search(context.Background(), tc.query, 10)
			if err != nil {
				t.Fatalf("Search(%q): %v", tc.query, err)
			}
			got := hitTitles(hits)
			want := tc.want
			if want == nil {
				want = []string{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Search(%q) = %q, want %q", tc.query, got, want)
			}
		})
	}
}

func TestSearchNewestFirst(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	// Imported oldest-last, and two per day: order is date desc, then id desc.
	var arts []digest.Article
	for _, d := range []string{"2023-01-02", "2023-01-03", "2022-12-31", "2023-01-01"} {
		for j := range 2 {
			arts = append(arts, digest.Article{Source: "s", Date: d, Title: fmt.Sprintf("新闻%s-%d", d, j), Body: "今日要闻。"})
		}
	}
	if _, err := s.ImportArticles(ctx, arts); err != nil {
		t.Fatal(err)
	}
	hits, err := s.Search(ctx, "要闻", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"新闻2023-01-03-1", "新闻2023-01-03-0", "新闻2023-01-02-1", "新闻2023-01-02-0",
		"新闻2023-01-01-1", "新闻2023-01-01-0", "新闻2022-12-31-1", "新闻2022-12-31-0"}
	if got := hitTitles(hits); !reflect.DeepEqual(got, want) {
		t.Errorf("order = %q\nwant    %q", got, want)
	}
	for i := 1; i < len(hits); i++ {
		a, b := hits[i-1].Article, hits[i].Article
		if a.Date < b.Date || (a.Date == b.Date && a.ID < b.ID) {
			t.Errorf("hit %d (%s #%d) before hit %d (%s #%d)", i-1, a.Date, a.ID, i, b.Date, b.ID)
		}
	}
	// The limit keeps the newest.
	hits, err = s.Search(ctx, "今", 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := hitTitles(hits); !reflect.DeepEqual(got, want[:3]) {
		t.Errorf("limit 3 = %q, want %q", got, want[:3])
	}

	// Moving the oldest-id article onto the newest day puts it last there:
	// id order within a day holds after an edited date.
	first, err := s.Article(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	first.Date = "2023-01-03"
	if err := s.UpdateArticle(ctx, first); err != nil {
		t.Fatal(err)
	}
	hits, err = s.Search(ctx, "要闻", 0)
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"新闻2023-01-03-1", "新闻2023-01-03-0", first.Title, "新闻2023-01-02-1",
		"新闻2023-01-01-1", "新闻2023-01-01-0", "新闻2022-12-31-1", "新闻2022-12-31-0"}
	if got := hitTitles(hits); !reflect.DeepEqual(got, want) {
		t.Errorf("after moving id 1: %q\nwant %q", got, want)
	}
	checkSearchKeys(t, s)
	if err := s.RebuildSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	checkSearchKeys(t, s)
}

// checkSearchKeys asserts the key invariant: every article has one key,
// in its day's range, and keys follow ids within a day.
func checkSearchKeys(t *testing.T, s *Store) {
	t.Helper()
	rows, err := s.r.Query(`SELECT a.id, a.issue_date, k.key FROM articles AS a
		LEFT JOIN search_keys AS k ON k.article_id = a.id ORDER BY a.issue_date, a.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var prevDate string
	var prevKey int64
	for rows.Next() {
		var id int64
		var date string
		var key sql.NullInt64
		if err := rows.Scan(&id, &date, &key); err != nil {
			t.Fatal(err)
		}
		day, _ := parseDate(date)
		lo, hi := dayRange(day)
		switch {
		case !key.Valid:
			t.Errorf("article %d has no search key", id)
		case key.Int64 < lo || key.Int64 >= hi:
			t.Errorf("article %d (%s): key %d outside its day", id, date, key.Int64)
		case date == prevDate && key.Int64 <= prevKey:
			t.Errorf("article %d (%s): key %d not after the previous id's %d", id, date, key.Int64, prevKey)
		}
		prevDate, prevKey = date, key.Int64
	}
}

func TestSearchSnippet(t *testing.T) {
	s, _ := searchFixture(t)
	ctx := context.Background()
	tests := []struct {
		query, title, want string
	}{
		{"樱花节", "须水街道樱花节开幕", "樱花节在须水街道开幕，市民纷纷前往赏花。"},
		{"樱花", "冬季供暖保障", "…强巡查，保障居民温暖过冬。供暖企业加强巡查，保障居民温暖过冬。供暖企业加强巡查，保障居民温暖过冬。最后一句提到樱花。"},
		{"GDP", "社区医疗服务再提升", "社区卫生服务中心新增5G远程医疗设备，GDP同比增长6.5%。"},
		{"大道", "樱花大道通车", "连接秦岭路的樱花大道今日通车。"},
		{"供暖", "冬季供暖保障", "供暖企业加强巡查，保障居民温暖过冬。供暖企业加强巡查，保障居民温暖过冬。供暖企业加强巡查，保障居民温暖过冬。供暖企业…"},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			hits, err := s.Search(ctx, tc.query, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hits {
				if h.Article.Title != tc.title {
					continue
				}
				if h.Snippet != tc.want {
					t.Errorf("snippet = %q\n   want %q", h.Snippet, tc.want)
				}
				if n := utf8.RuneCountInString(h.Snippet); n > SnippetRunes {
					t.Errorf("snippet has %d runes, max %d", n, SnippetRunes)
				}
				return
			}
			t.Fatalf("no hit titled %q", tc.title)
		})
	}
}

func TestSearchFollowsUpdateAndDelete(t *testing.T) {
	s, ids := searchFixture(t)
	ctx := context.Background()
	titles := func(q string) []string {
		t.Helper()
		hits, err := s.Search(ctx, q, 10)
		if err != nil {
			t.Fatal(err)
		}
		return hitTitles(hits)
	}
	id := ids["樱花大道通车"]
	a, err := s.Article(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	a.Title = "梧桐大道通车"
	a.Body = "连接秦岭路的梧桐大道今日通车。"
	a.Date = "2023-02-15" // moves the search key too
	if err := s.UpdateArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got := titles("樱花大道"); len(got) != 0 {
		t.Errorf("old text still found: %q", got)
	}
	if got := titles("梧"); !reflect.DeepEqual(got, []string{"梧桐大道通车"}) {
		t.Errorf("new one-char text: %q", got)
	}
	if got := titles("大道"); !reflect.DeepEqual(got, []string{"梧桐大道通车"}) {
		t.Errorf("new text: %q", got)
	}
	// Newest first uses the new date.
	if got := titles("通车 秦岭路"); !reflect.DeepEqual(got, []string{"梧桐大道通车"}) {
		t.Errorf("moved article: %q", got)
	}
	if got := titles("樱"); !reflect.DeepEqual(got, []string{"须水街道樱花节开幕", "冬季供暖保障", "赏樱指南"}) {
		t.Errorf("one char after update: %q", got)
	}

	if err := s.DeleteArticle(ctx, ids["须水街道樱花节开幕"]); err != nil {
		t.Fatal(err)
	}
	if got := titles("樱花"); !reflect.DeepEqual(got, []string{"冬季供暖保障", "赏樱指南"}) {
		t.Errorf("after delete: %q", got)
	}
	if got := titles("须"); len(got) != 0 {
		t.Errorf("one char after delete: %q", got)
	}

	checkSearchKeys(t, s)
	// The incrementally kept index equals one rebuilt from the articles.
	queries := []string{"樱", "樱花", "大道", "梧", "医疗", "gdp", "通车 秦岭路", "供暖", "开门红"}
	before := map[string][]string{}
	for _, q := range queries {
		before[q] = titles(q)
	}
	if err := s.RebuildSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range queries {
		if got := titles(q); !reflect.DeepEqual(got, before[q]) {
			t.Errorf("%q: incremental %q, rebuilt %q", q, before[q], got)
		}
	}
	// And the index has exactly one key per article, none retired, in one
	// segment.
	for _, c := range []struct {
		q    string
		want int
	}{
		{`SELECT count(*) FROM search_keys`, 6},
		{`SELECT count(*) FROM search_keys WHERE article_id IS NOT NULL`, 6},
		{`SELECT count(*) FROM search_segments`, 1},
		{`SELECT COALESCE(SUM(docs), 0) FROM search_segments`, 6},
	} {
		var n int
		if err := s.r.QueryRow(c.q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != c.want {
			t.Errorf("%s = %d, want %d", c.q, n, c.want)
		}
	}
}

func TestSearchLimit(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var arts []digest.Article
	for i := range MaxSearchLimit + 10 {
		arts = append(arts, digest.Article{Source: "s", Date: "2023-01-01", Title: fmt.Sprintf("第%d号", i), Body: "公告。"})
	}
	if _, err := s.ImportArticles(ctx, arts); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ limit, want int }{{0, DefaultSearchLimit}, {-1, DefaultSearchLimit}, {5, 5}, {10000, MaxSearchLimit}} {
		hits, err := s.Search(ctx, "公告", tc.limit)
		if err != nil || len(hits) != tc.want {
			t.Errorf("limit %d: %d hits, %v; want %d", tc.limit, len(hits), err, tc.want)
		}
	}
}

// Readers and a writer at once: WAL lets the read pool run beside the
// single writer, and writes queue in Go instead of failing "database is
// locked".
func TestConcurrentReadersAndWriters(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	g := synth.New()
	if _, err := s.ImportArticles(ctx, g.Batch(0, 200)); err != nil {
		t.Fatal(err)
	}
	const readers, writers, rounds = 8, 2, 25
	var wg sync.WaitGroup
	errs := make(chan error, readers+writers)
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				var err error
				switch (r + i) % 3 {
				case 0:
					_, err = s.ArticlesByDate(ctx, g.Date(i*7))
				case 1:
					_, err = s.Search(ctx, "发展", 20)
				default:
					_, err = s.Search(ctx, "的", 20)
				}
				if err != nil {
					errs <- fmt.Errorf("reader %d: %w", r, err)
					return
				}
			}
		}()
	}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				from := 200 + (w*rounds+i)*10
				if _, err := s.ImportArticles(ctx, g.Batch(from, 10)); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
				// A read-then-write transaction in the mix.
				a, err := s.Article(ctx, int64(1+i))
				if err == nil {
					a.Byline = fmt.Sprintf("记者 %d", w)
					err = s.UpdateArticle(ctx, a)
				}
				if err != nil {
					errs <- fmt.Errorf("writer %d update: %w", w, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkSearchKeys(t, s)
	var n int
	if err := s.r.QueryRow(`SELECT count(*) FROM articles`).Scan(&n); err != nil || n != 200+writers*rounds*10 {
		t.Errorf("articles = %d, %v; want %d", n, err, 200+writers*rounds*10)
	}
}

func TestSearchRefusesLongQuery(t *testing.T) {
	s, _ := searchFixture(t)
	ctx := context.Background()
	if _, err := s.Search(ctx, strings.Repeat("樱", MaxQueryRunes), 10); err != nil {
		t.Errorf("query of MaxQueryRunes: %v", err)
	}
	long := strings.Repeat("樱花 ", MaxQueryRunes/3+1)
	if _, err := s.Search(ctx, long, 10); !errors.Is(err, ErrInvalid) {
		t.Errorf("long query = %v, want ErrInvalid", err)
	}
}

func TestSearchCanceled(t *testing.T) {
	s, _ := searchFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), -time.Second)
	defer cancel()
	if _, err := s.Search(ctx, "樱花", 10); err == nil {
		t.Error("search with an expired context succeeded")
	}
}
