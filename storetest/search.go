package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

var searchCases = []testCase{
	{"Queries", testSearchQueries},
	{"HitsAreWholeArticles", testSearchHitsAreWholeArticles},
	{"NewestFirst", testSearchNewestFirst},
	{"Limit", testSearchLimit},
	{"Snippets", testSearchSnippets},
	{"FollowsUpdateAndDelete", testSearchFollowsUpdateAndDelete},
	{"RefusesLongQuery", testSearchRefusesLongQuery},
}

// searchFixture stores articles of four days, imported out of date order
// so that newest first cannot come from insertion order.
func searchFixture(t *testing.T, e *env) map[string]int64 {
	t.Helper()
	arts := []digest.Article{
		{Source: "中原区报", Date: "2023-02-14", Title: "须水街道樱花节开幕", Body: "樱花节在须水街道开幕，市民纷纷前往赏花。"},
		{Source: "中原区报", Date: "2023-02-12", Title: "樱花大道通车", Body: "连接秦岭路的樱花大道今日通车。"},
		{Source: "中原区报", Date: "2023-02-13", Title: "社区医疗服务再提升", Body: "社区卫生服务中心新增5G远程医疗设备，GDP同比增长6.5%。"},
		{Source: "中原区报", Date: "2023-02-13", Title: "项目建设大提速", Body: "全区项目建设大提速、大提升，为“开门红”夯实基础。"},
		{Source: "郑州日报", Date: "2023-02-14", Title: "Open Data Day 活动举行", Body: "活动以 Open Data 为主题，数据开放平台上线。"},
		{Source: "郑州日报", Date: "2023-02-11", Title: "赏樱指南", Body: "樱花盛开，花节期间游人多。"},
		{Source: "郑州日报", Date: "2023-02-12", Title: "冬季供暖保障", Body: strings.Repeat("供暖企业加强巡查，保障居民温暖过冬。", 6) + "最后一句提到樱花。"},
	}
	res := e.importArts(t, arts...)
	ids := map[string]int64{}
	for i, a := range arts {
		ids[a.Title] = res.IDs[i]
	}
	return ids
}

func (e *env) searchTitles(t *testing.T, q string, limit int) []string {
	t.Helper()
	hits, err := e.s.Search(e.ctx, q, limit)
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return hitTitles(hits)
}

// Terms of any length match (one CJK character included); a CJK run must
// appear as written, a word as a whole word, ignoring case and full width;
// every whitespace-separated term must match; and what a resident types is
// never query syntax.
func testSearchQueries(t *testing.T, e *env) {
	searchFixture(t, e)
	sakura := []string{"须水街道樱花节开幕", "冬季供暖保障", "樱花大道通车", "赏樱指南"}
	tests := []struct {
		name  string
		query string
		want  []string // titles, newest first
	}{
		{"one char", "樱", sakura},
		{"one char at run end", "节", []string{"须水街道樱花节开幕", "赏樱指南"}},
		{"one char rare", "暖", []string{"冬季供暖保障"}},
		{"two chars", "樱花", sakura},
		{"two chars in title only", "大道", []string{"樱花大道通车"}},
		{"three chars", "樱花节", []string{"须水街道樱花节开幕"}}, // 赏樱指南 has 樱花 and 花节, apart
		{"three chars only apart", "樱花期", nil},
		{"four chars", "项目建设", []string{"项目建设大提速"}},
		{"long phrase", "连接秦岭路的樱花大道", []string{"樱花大道通车"}},
		{"phrase order matters", "花樱", nil},
		{"across punctuation is not a phrase", "提速大提升", nil},
		{"punctuation inside the query", "大提速、大提升", []string{"项目建设大提速"}},
		{"two terms", "樱花 秦岭路", []string{"樱花大道通车"}},
		{"full-width space between terms", "樱花　秦岭路", []string{"樱花大道通车"}},
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
		{"mixed term pieces may be apart", "GDP远程", []string{"社区医疗服务再提升"}},
		{"number", "6.5", []string{"社区医疗服务再提升"}},
		{"quoted term", `"开门红"`, []string{"项目建设大提速"}},
		{"punctuation only", "，。！？“”", nil},
		{"empty", "", nil},
		{"blank", "  \t", nil},
		{"lone quote", `"`, nil},
		{"unbalanced quote", `樱花"`, sakura},
		{"single quote", `樱花'`, sakura},
		{"star", "*", nil},
		{"prefix syntax is text", "樱*", sakura},
		{"OR is a word", "樱花 OR 医疗", nil},
		{"AND NOT are words", "樱花 NOT 秦岭路", nil},
		{"NEAR", "NEAR(樱花 医疗)", nil},
		{"NEAR open", "NEAR(", nil},
		{"column filter", "title:樱花", nil},
		{"braces caret minus", "{title} ^樱花 -医疗", nil},
		{"parentheses", "(樱花)", sakura},
		{"percent and underscore are not wildcards", "%_", nil},
		{"like wildcard inside a term", "樱%", sakura},
		{"sql quote", "樱花'; DROP TABLE articles; --", nil},
		{"backslash", `樱花\`, sakura},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := e.searchTitles(t, tc.query, 10)
			want := tc.want
			if want == nil {
				want = []string{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Search(%q) = %q, want %q", tc.query, got, want)
			}
		})
	}
	// Nothing the queries said changed the store.
	if got := e.searchTitles(t, "樱", 10); !reflect.DeepEqual(got, sakura) {
		t.Errorf("after the queries Search(樱) = %q", got)
	}
}

// A hit carries the whole article, as Article reads it.
func testSearchHitsAreWholeArticles(t *testing.T, e *env) {
	res := e.importArts(t, sampleArticles()...)
	hits, err := e.s.Search(e.ctx, "本报", 10) // in no title or body: no hits
	if err != nil || len(hits) != 0 {
		t.Fatalf("Search(本报) = %v, %v; the dateline is not searched", hitTitles(hits), err)
	}
	hits, err = e.s.Search(e.ctx, "中原区", 10)
	if err != nil || len(hits) != 1 {
		t.Fatalf("Search(中原区) = %v, %v", hitTitles(hits), err)
	}
	want := sampleArticles()[0]
	want.ID = res.IDs[0]
	if !reflect.DeepEqual(hits[0].Article, want) {
		t.Errorf("hit article = %+v\nwant %+v", hits[0].Article, want)
	}
}

func testSearchNewestFirst(t *testing.T, e *env) {
	// Imported oldest-last, two per day: order is date desc, then id desc.
	var arts []digest.Article
	for _, d := range []string{"2023-01-02", "2023-01-03", "2022-12-31", "2023-01-01"} {
		for j := range 2 {
			arts = append(arts, digest.Article{Source: "s", Date: d, Title: fmt.Sprintf("新闻%s-%d", d, j), Body: "今日要闻。"})
		}
	}
	res := e.importArts(t, arts...)
	want := []string{"新闻2023-01-03-1", "新闻2023-01-03-0", "新闻2023-01-02-1", "新闻2023-01-02-0",
		"新闻2023-01-01-1", "新闻2023-01-01-0", "新闻2022-12-31-1", "新闻2022-12-31-0"}
	if got := e.searchTitles(t, "要闻", 0); !reflect.DeepEqual(got, want) {
		t.Errorf("order = %q\nwant    %q", got, want)
	}
	// The limit keeps the newest.
	if got := e.searchTitles(t, "今", 3); !reflect.DeepEqual(got, want[:3]) {
		t.Errorf("limit 3 = %q, want %q", got, want[:3])
	}
	// Moving the oldest-id article onto the newest day puts it last there:
	// within a day, the newer id first, whatever the edits.
	first, err := e.s.Article(e.ctx, res.IDs[0])
	if err != nil {
		t.Fatal(err)
	}
	first.Date = "2023-01-03"
	wantErr(t, "UpdateArticle", e.s.UpdateArticle(e.ctx, first), nil)
	want = []string{"新闻2023-01-03-1", "新闻2023-01-03-0", first.Title, "新闻2023-01-02-1",
		"新闻2023-01-01-1", "新闻2023-01-01-0", "新闻2022-12-31-1", "新闻2022-12-31-0"}
	if got := e.searchTitles(t, "要闻", 0); !reflect.DeepEqual(got, want) {
		t.Errorf("after moving the first article: %q\nwant %q", got, want)
	}
}

func testSearchLimit(t *testing.T, e *env) {
	var arts []digest.Article
	for i := range MaxSearchLimit + 10 {
		arts = append(arts, digest.Article{Source: "s", Date: "2023-01-01", Title: fmt.Sprintf("第%d号", i), Body: "公告。"})
	}
	e.importArts(t, arts...)
	for _, tc := range []struct{ limit, want int }{
		{0, DefaultSearchLimit}, {-1, DefaultSearchLimit}, {1, 1}, {5, 5},
		{MaxSearchLimit, MaxSearchLimit}, {10000, MaxSearchLimit},
	} {
		hits, err := e.s.Search(e.ctx, "公告", tc.limit)
		if err != nil || len(hits) != tc.want {
			t.Errorf("limit %d: %d hits, %v; want %d", tc.limit, len(hits), err, tc.want)
		}
	}
	// Fewer matches than the limit: all of them.
	if got := e.searchTitles(t, "第1号", 50); len(got) != 1 {
		t.Errorf("Search(第1号) = %q", got)
	}
	hits, err := e.s.Search(e.ctx, "不存在的词", 10)
	if err != nil || hits == nil || len(hits) != 0 {
		t.Errorf("no match = %#v, %v; want an empty slice", hits, err)
	}
}

// A snippet is a window of at most SnippetRunes runes of the body (or the
// title when the body lacks the term) around the first match, with …
// marking cut ends and line breaks shown as spaces.
func testSearchSnippets(t *testing.T, e *env) {
	searchFixture(t, e)
	e.importArts(t, digest.Article{Source: "s", Date: "2023-02-10", Title: "换行的稿件", Body: "第一行\n第二行有樱桃\r\n第三行"})
	long := strings.Repeat("供暖企业加强巡查，保障居民温暖过冬。", 6)
	tests := []struct {
		query, title string
		whole        string // the whole snippet, when the text fits
		start, end   bool   // cut at the start, at the end
		holds        string // what the snippet must hold
	}{
		{query: "樱花节", title: "须水街道樱花节开幕", whole: "樱花节在须水街道开幕，市民纷纷前往赏花。"},
		{query: "GDP", title: "社区医疗服务再提升", whole: "社区卫生服务中心新增5G远程医疗设备，GDP同比增长6.5%。"},
		{query: "gdp", title: "社区医疗服务再提升", whole: "社区卫生服务中心新增5G远程医疗设备，GDP同比增长6.5%。"},
		{query: "大道", title: "樱花大道通车", whole: "连接秦岭路的樱花大道今日通车。"},
		{query: "指南", title: "赏樱指南", whole: "赏樱指南"}, // the body lacks it: the title
		{query: "樱桃", title: "换行的稿件", whole: "第一行 第二行有樱桃  第三行"},
		{query: "樱花", title: "冬季供暖保障", start: true, holds: "最后一句提到樱花。"},
		{query: "供暖", title: "冬季供暖保障", end: true, holds: "供暖企业加强巡查"},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			hits, err := e.s.Search(e.ctx, tc.query, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hits {
				if h.Article.Title != tc.title {
					continue
				}
				sn := h.Snippet
				if n := utf8.RuneCountInString(sn); n > SnippetRunes {
					t.Errorf("snippet %q has %d runes, max %d", sn, n, SnippetRunes)
				}
				if strings.ContainsAny(sn, "\n\r\t") {
					t.Errorf("snippet %q keeps line breaks", sn)
				}
				if tc.whole != "" {
					// Line breaks become spaces (a run of them may be one).
					if strings.Join(strings.Fields(sn), " ") != strings.Join(strings.Fields(tc.whole), " ") {
						t.Errorf("snippet = %q\n   want %q", sn, tc.whole)
					}
					return
				}
				if strings.HasPrefix(sn, "…") != tc.start || strings.HasSuffix(sn, "…") != tc.end {
					t.Errorf("snippet %q: cut at the start %v, at the end %v; want %v, %v", sn,
						strings.HasPrefix(sn, "…"), strings.HasSuffix(sn, "…"), tc.start, tc.end)
				}
				if !strings.Contains(sn, tc.holds) {
					t.Errorf("snippet %q lacks %q", sn, tc.holds)
				}
				if inner := strings.Trim(sn, "…"); !strings.Contains(long+"最后一句提到樱花。", inner) {
					t.Errorf("snippet %q is not a window of the body", sn)
				}
				return
			}
			t.Fatalf("no hit titled %q in %q", tc.title, hitTitles(hits))
		})
	}
}

func testSearchFollowsUpdateAndDelete(t *testing.T, e *env) {
	ids := searchFixture(t, e)
	a, err := e.s.Article(e.ctx, ids["樱花大道通车"])
	if err != nil {
		t.Fatal(err)
	}
	a.Title = "梧桐大道通车"
	a.Body = "连接秦岭路的梧桐大道今日通车。"
	a.Date = "2023-02-15" // the newest day now
	wantErr(t, "UpdateArticle", e.s.UpdateArticle(e.ctx, a), nil)
	check := func(q string, want ...string) {
		t.Helper()
		if want == nil {
			want = []string{}
		}
		if got := e.searchTitles(t, q, 10); !reflect.DeepEqual(got, want) {
			t.Errorf("Search(%q) = %q, want %q", q, got, want)
		}
	}
	check("樱花大道")
	check("梧", "梧桐大道通车")
	check("大道", "梧桐大道通车")
	check("通车 秦岭路", "梧桐大道通车")
	check("樱", "须水街道樱花节开幕", "冬季供暖保障", "赏樱指南")
	check("樱 供暖", "冬季供暖保障")
	// A corrected article is found by its corrected text.
	c, _ := e.s.Article(e.ctx, ids["赏樱指南"])
	c.Title, c.Body = "赏梅指南", "梅花盛开，游人多。"
	wantErr(t, "CorrectArticle", e.s.CorrectArticle(e.ctx, c), nil)
	check("赏梅", "赏梅指南")
	check("樱", "须水街道樱花节开幕", "冬季供暖保障")

	wantErr(t, "DeleteArticle", e.s.DeleteArticle(e.ctx, ids["须水街道樱花节开幕"]), nil)
	check("樱花", "冬季供暖保障")
	check("须")
	wantErr(t, "WithdrawArticle", e.s.WithdrawArticle(e.ctx, ids["冬季供暖保障"], "cli"), nil)
	check("樱花")
	check("供暖")
	// The others are all still there, newest first.
	check("社区 GDP", "社区医疗服务再提升")
	check("大", "梧桐大道通车", "项目建设大提速")
}

func testSearchRefusesLongQuery(t *testing.T, e *env) {
	searchFixture(t, e)
	if _, err := e.s.Search(e.ctx, strings.Repeat("樱", MaxQueryRunes), 10); err != nil {
		t.Errorf("a query of MaxQueryRunes runes: %v", err)
	}
	long := strings.Repeat("樱花 ", MaxQueryRunes/3+1)
	if _, err := e.s.Search(e.ctx, long, 10); !errors.Is(err, model.ErrInvalid) {
		t.Errorf("a query of %d runes = %v, want ErrInvalid", utf8.RuneCountInString(long), err)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	if _, err := e.s.Search(ctx, "樱花", 10); err == nil {
		t.Error("a search with a canceled context succeeded")
	}
}
