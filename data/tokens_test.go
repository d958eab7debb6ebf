package data

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wxdigest/wxdigest/searchtext"
)

func TestArticleTokens(t *testing.T) {
	tests := []struct {
		in   []string
		want string // tokens in any order
	}{
		{[]string{"樱花节"}, "樱 樱花 花 花节 节"},
		{[]string{"樱"}, "樱"},
		{[]string{"樱花，樱花开了。"}, "了 开 开了 樱 樱花 花 花开"},
		{[]string{"GDP同比增长5%"}, "5 gdp 同 同比 增 增长 比 比增 长"},
		{[]string{"ＧＤＰ　ａｂｃ gdp"}, "abc gdp"},
		{[]string{"5G基站"}, "5g 基 基站 站"},
		{[]string{"28.58亿元"}, "28 58 亿 亿元 元"},
		{[]string{"Café AU lait"}, "au café lait"},
		{[]string{"ひらがな"}, "が がな な ひ ひら ら らが"},
		{[]string{"한국"}, "국 한 한국"},
		{[]string{"标题", "标题正文"}, "文 标 标题 正 正文 题 题正"},
		{[]string{"", "，。！？"}, ""},
		{[]string{"“开门红”——〇七々"}, "开 开门 门 门红 红 〇 〇七 七 七々 々"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.in, "|"), func(t *testing.T) {
			toks := articleTokens(tc.in...)
			slices.Sort(toks)
			want := strings.Fields(tc.want)
			slices.Sort(want)
			if got := strings.Join(toks, " "); got != strings.Join(want, " ") {
				t.Errorf("tokens = %q, want %q", got, tc.want)
			}
			if len(slices.Compact(slices.Clone(toks))) != len(toks) {
				t.Errorf("duplicate tokens in %q", toks)
			}
		})
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in    string
		toks  string // space-separated
		runs  []string
		terms []string
	}{
		{"樱", `樱`, nil, []string{"樱"}},
		{"樱花", `樱花`, nil, []string{"樱花"}},
		{"樱花节", `樱花 花节`, []string{"樱花节"}, []string{"樱花节"}},
		{"樱花 医疗", `樱花 医疗`, nil, []string{"樱花", "医疗"}},
		{"樱 花", `樱 花`, nil, []string{"樱", "花"}},
		{"樱花 樱花", `樱花`, nil, []string{"樱花", "樱花"}},
		{"GDP", `gdp`, nil, []string{"GDP"}},
		{"ＧＤＰ", `gdp`, nil, []string{"ＧＤＰ"}},
		{"5G基站", `5g 基站`, nil, []string{"5G基站"}},
		{"大提速、大提升", `大提 提速 提升`, []string{"大提速", "大提升"}, []string{"大提速、大提升"}},
		{"，。！", "", nil, nil},
		{`"`, "", nil, nil},
		{`樱花"`, `樱花`, nil, []string{`樱花"`}},
		{`"樱花" OR 医疗`, `樱花 or 医疗`, nil, []string{`"樱花"`, "OR", "医疗"}},
		{"NEAR(樱花 医疗)", `near 樱花 医疗`, nil, []string{"NEAR(樱花", "医疗)"}},
		{"樱*", `樱`, nil, []string{"樱*"}},
		{"title:樱花", `title 樱花`, nil, []string{"title:樱花"}},
		{"  \t\n ", "", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			q := searchtext.ParseQuery(tc.in)
			if got := strings.Join(q.Toks, " "); got != tc.toks || !reflect.DeepEqual(q.Runs, tc.runs) || !reflect.DeepEqual(q.Terms, tc.terms) {
				t.Errorf("ParseQuery(%q) = %q / %q / %q, want %q / %q / %q",
					tc.in, got, q.Runs, q.Terms, tc.toks, tc.runs, tc.terms)
			}
		})
	}
}

// articleTokens returns the distinct tokens the index stores for one
// document made of texts, read back from a posting builder.
func articleTokens(texts ...string) []string {
	pb := newPostingBuilder()
	pb.add(texts...)
	pb.sort()
	toks := []string{}
	pb.each(func(term []byte, docs []uint32) error {
		toks = append(toks, termText(term))
		return nil
	})
	return toks
}

func TestTermOf(t *testing.T) {
	for _, tok := range []string{"樱", "樱花", "gdp", "5g", "café", "〇七", "ひら", "한국", "2023"} {
		if got := termText(termOf(tok)); got != tok {
			t.Errorf("termText(termOf(%q)) = %q", tok, got)
		}
	}
	// Byte order of terms is the builder's order: characters, then pairs,
	// then words.
	ordered := []string{"一", "樱", "一二", "樱花", "2023", "gdp"}
	for i := 1; i < len(ordered); i++ {
		if a, b := termOf(ordered[i-1]), termOf(ordered[i]); bytes.Compare(a, b) >= 0 {
			t.Errorf("term %q sorts after %q", ordered[i-1], ordered[i])
		}
	}
}
