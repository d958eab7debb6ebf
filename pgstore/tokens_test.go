package pgstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/internal/pgtest"
	"github.com/wxdigest/wxdigest/model"
)

func TestArticleTokens(t *testing.T) {
	tests := []struct {
		title, body string
		want        []string
	}{
		{"樱花节", "", []string{"樱", "花", "节", "樱花", "花节"}},
		{"GDP", "Open Data", []string{"gdp", "open", "data"}},
		{"ＧＤＰ５Ｇ", "", []string{"gdp5g"}},
		{"5G基站", "", []string{"5g", "基", "站", "基站"}},
		{"大提速、大提升", "", []string{"大", "提", "速", "升", "大提", "提速", "提升"}},
		{"樱", "花", []string{"樱", "花"}}, // no pair across title and body
		{"人々", "〇", []string{"人", "々", "人々", "〇"}},
		{"ひらがな한국", "", []string{"ひ", "ら", "が", "な", "한", "국", "ひら", "らが", "がな", "な한", "한국"}},
		{"Ελλάδα Россия Été", "", []string{"ελλάδα", "россия", "été"}},
		{"6.5%", "“开门红”", []string{"6", "5", "开", "门", "红", "开门", "门红"}},
		{"，。！", " \t", []string{}},
	}
	for _, tc := range tests {
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if got := articleTokens(tc.title, tc.body); !reflect.DeepEqual(got, want) {
			t.Errorf("articleTokens(%q, %q) = %q, want %q", tc.title, tc.body, got, want)
		}
	}
}

// corpus is text meant to reach every branch of folding, classes and
// normalising: full width, the ideographic space, kana, Hangul, 々 and 〇,
// letters of other scripts, digits and punctuation, line breaks.
var corpus = []digest.Article{
	{Title: "须水街道樱花节开幕", Body: "樱花节在须水街道开幕，市民纷纷前往赏花。"},
	{Title: "樱花大道通车", Body: "连接秦岭路的樱花大道今日通车。\n\n第二段　全角空格。"},
	{Title: "社区医疗服务再提升", Body: "社区卫生服务中心新增5G远程医疗设备，GDP同比增长6.5%。"},
	{Title: "项目建设大提速", Body: "全区项目建设大提速、大提升，为“开门红”夯实基础。"},
	{Title: "Open Data Day 活动举行", Body: "活动以 Open Data 为主题，数据开放平台上线。"},
	{Title: "赏樱指南", Body: "樱花盛开，花节期间游人多。"},
	{Title: "全角ＡＢＣ与ＧＤＰ", Body: "ＧＤＰ增长，ａｂｃ小写。１２３号。"},
	{Title: "日本語のニュース", Body: "東京で桜が咲いた。ひらがなとカタカナ。人々が集まる。"},
	{Title: "한국어 뉴스", Body: "서울에서 벚꽃이 피었다. 한국어 텍스트."},
	{Title: "Ελληνικά και Русский", Body: "Αθήνα ΑΘΗΝΑ Москва МОСКВА Été ÉTÉ straße"},
	{Title: "  空白　很多  ", Body: "\t第一行\r\n第二行\n\n\n　第三行　"},
	{Title: "〇号线与二〇二三年", Body: "地铁〇号线于二〇二三年开通。"},
	{Title: "emoji 🌸 樱花", Body: "🌸🌸 花开 😀 test-case under_score a.b.c"},
	{Title: "冬季供暖保障", Body: strings.Repeat("供暖企业加强巡查，保障居民温暖过冬。", 6) + "最后一句提到樱花。"},
}

func corpusArticles() []digest.Article {
	arts := slices.Clone(corpus)
	for i := range arts {
		arts[i].Source = "报"
		arts[i].Date = fmt.Sprintf("2023-02-%02d", 10+i%5)
	}
	return arts
}

func openSQLite(t *testing.T) (*data.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wxdigest.db")
	s, err := data.Open(context.Background(), path, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// The fingerprint is the SQLite store's, byte for byte.
func TestContentHashMatchesSQLite(t *testing.T) {
	ctx := context.Background()
	lite, path := openSQLite(t)
	arts := corpusArticles()
	// Variants the rule folds or keeps apart.
	arts = append(arts,
		digest.Article{Source: "s", Date: "2023-01-01", Title: "Case", Body: "gdp"},
		digest.Article{Source: "s", Date: "2023-01-01", Title: "Ca", Body: "segdp"},
		digest.Article{Source: "s", Date: "2023-01-01", Title: "空", Body: ""},
		digest.Article{Source: "s", Date: "2023-01-01", Title: "　ＡＢ　", Body: "\u00a0x\u2003y\u3000"},
	)
	res, err := lite.ImportArticles(ctx, arts)
	if err != nil || res.New != len(arts) {
		t.Fatalf("SQLite import = %+v, %v", res, err)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, a := range arts {
		var stored []byte
		if err := db.QueryRowContext(ctx, `SELECT content_hash FROM articles WHERE id = ?`, res.IDs[i]).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if h := contentHash(a.Title, a.Body); !bytes.Equal(h[:], stored) {
			t.Errorf("contentHash(%q, %q) = %x, SQLite stored %x", a.Title, a.Body, h, stored)
		}
	}
}

// Search gives what the SQLite store gives — the same articles, in the same
// order, with the same snippets — for fixed queries, every token of the
// corpus, and every window of two to four characters of its text.
func TestSearchMatchesSQLite(t *testing.T) {
	ctx := context.Background()
	lite, _ := openSQLite(t)
	pg, err := Open(ctx, pgtest.URL(t), Options{Now: func() time.Time { return time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	arts := corpusArticles()
	if _, err := lite.ImportArticles(ctx, arts); err != nil {
		t.Fatal(err)
	}
	if _, err := pg.ImportArticles(ctx, arts); err != nil {
		t.Fatal(err)
	}
	queries := map[string]bool{}
	for _, q := range []string{"樱", "樱花节", "樱花 秦岭路", "GDP", "ｇｄｐ", "5G远程", "open data", "6.5", `"开门红"`,
		"ΑΘΗΝΑ", "москва", "ÉTÉ", "Straße", "人々", "二〇二三", "test-case", "a.b.c", "🌸", "，。", "", "第二行", "第一行 第三行"} {
		queries[q] = true
	}
	for _, a := range arts {
		for _, tok := range articleTokens(a.Title, a.Body) {
			queries[tok] = true
		}
		for _, text := range []string{a.Title, a.Body} {
			rs := []rune(text)
			for n := 2; n <= 4; n++ {
				for i := 0; i+n <= len(rs); i++ {
					queries[string(rs[i:i+n])] = true
				}
			}
		}
	}
	type hit struct{ Title, Snippet string }
	hits := func(hs []model.Hit) []hit {
		out := []hit{}
		for _, h := range hs {
			out = append(out, hit{h.Article.Title, h.Snippet})
		}
		return out
	}
	found := 0
	for q := range queries {
		want, err := lite.Search(ctx, q, 50)
		if err != nil {
			t.Fatalf("SQLite Search(%q): %v", q, err)
		}
		got, err := pg.Search(ctx, q, 50)
		if err != nil {
			t.Fatalf("Search(%q): %v", q, err)
		}
		if len(want) > 0 {
			found++
		}
		if !reflect.DeepEqual(hits(got), hits(want)) {
			t.Errorf("Search(%q) = %q\nSQLite gives %q", q, hits(got), hits(want))
		}
	}
	if found < len(queries)/2 {
		t.Errorf("only %d of %d queries found anything: the comparison proves little", found, len(queries))
	}
	t.Logf("%d queries compared, %d with hits", len(queries), found)
}
