package data

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestTermBuilder(t *testing.T) {
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
	tb := newTermBuilder()
	for _, tc := range tests {
		t.Run(strings.Join(tc.in, "|"), func(t *testing.T) {
			toks := strings.Fields(string(tb.build(tc.in...)))
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
		match string
		runs  []string
		terms []string
	}{
		{"樱", `"樱"`, nil, []string{"樱"}},
		{"樱花", `"樱花"`, nil, []string{"樱花"}},
		{"樱花节", `"樱花" AND "花节"`, []string{"樱花节"}, []string{"樱花节"}},
		{"樱花 医疗", `"樱花" AND "医疗"`, nil, []string{"樱花", "医疗"}},
		{"樱 花", `"樱" AND "花"`, nil, []string{"樱", "花"}},
		{"樱花 樱花", `"樱花"`, nil, []string{"樱花", "樱花"}},
		{"GDP", `"gdp"`, nil, []string{"GDP"}},
		{"ＧＤＰ", `"gdp"`, nil, []string{"ＧＤＰ"}},
		{"5G基站", `"5g" AND "基站"`, nil, []string{"5G基站"}},
		{"大提速、大提升", `"大提" AND "提速" AND "提升"`, []string{"大提速", "大提升"}, []string{"大提速、大提升"}},
		{"，。！", "", nil, nil},
		{`"`, "", nil, nil},
		{`樱花"`, `"樱花"`, nil, []string{`樱花"`}},
		{`"樱花" OR 医疗`, `"樱花" AND "or" AND "医疗"`, nil, []string{`"樱花"`, "OR", "医疗"}},
		{"NEAR(樱花 医疗)", `"near" AND "樱花" AND "医疗"`, nil, []string{"NEAR(樱花", "医疗)"}},
		{"樱*", `"樱"`, nil, []string{"樱*"}},
		{"title:樱花", `"title" AND "樱花"`, nil, []string{"title:樱花"}},
		{"  \t\n ", "", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			q := parseQuery(tc.in)
			if q.match != tc.match || !reflect.DeepEqual(q.runs, tc.runs) || !reflect.DeepEqual(q.terms, tc.terms) {
				t.Errorf("parseQuery(%q) = %q / %q / %q, want %q / %q / %q",
					tc.in, q.match, q.runs, q.terms, tc.match, tc.runs, tc.terms)
			}
		})
	}
}
