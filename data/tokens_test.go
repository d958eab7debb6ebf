package data

import (
	"reflect"
	"testing"
)

func TestIndexTokens(t *testing.T) {
	tests := []struct{ in, want string }{
		{"樱花节", "樱花 花节"},
		{"樱", ""}, // one character: only in article_chars
		{"樱花，开了。", "樱花 开了"},
		{"GDP同比增长5%", "gdp 同比 比增 增长 5"},
		{"ＧＤＰ　ａｂｃ", "gdp abc"},
		{"5G基站", "5g 基站"},
		{"28.58亿元", "28 58 亿元"},
		{"Café au lait", "café au lait"},
		{"ひらがなカタカナ", "ひら らが がな なカ カタ タカ カナ"},
		{"한국어", "한국 국어"},
		{"“开门红”", "开门 门红"},
		{"", ""},
		{"，。！？", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := string(indexTokens(nil, tc.in)); got != tc.want {
				t.Errorf("indexTokens(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCharTokens(t *testing.T) {
	got := string(charTokens(nil, map[rune]struct{}{}, "樱花，樱花GDP", "花开"))
	if want := "樱 花 开"; got != want {
		t.Errorf("charTokens = %q, want %q", got, want)
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in             string
		phrases, chars string
		terms          []string
	}{
		{"樱", "", `"樱"`, []string{"樱"}},
		{"樱花", `"樱花"`, "", []string{"樱花"}},
		{"樱花节", `"樱花 花节"`, "", []string{"樱花节"}},
		{"樱花 医疗", `"樱花" AND "医疗"`, "", []string{"樱花", "医疗"}},
		{"樱 花", "", `"樱" AND "花"`, []string{"樱", "花"}},
		{"医疗 区", `"医疗"`, `"区"`, []string{"医疗", "区"}},
		{"GDP", `"gdp"`, "", []string{"GDP"}},
		{"5G基站", `"5g 基站"`, "", []string{"5G基站"}},
		{"国GDP", `"gdp"`, `"国"`, []string{"国GDP"}},
		{"，。！", "", "", nil},
		{`"`, "", "", nil},
		{`樱花"`, `"樱花"`, "", []string{`樱花"`}},
		{`"樱花" OR 医疗`, `"樱花" AND "or" AND "医疗"`, "", []string{`"樱花"`, "OR", "医疗"}},
		{"NEAR(樱花 医疗)", `"near 樱花" AND "医疗"`, "", []string{"NEAR(樱花", "医疗)"}},
		{"樱*", "", `"樱"`, []string{"樱*"}},
		{"title:樱花", `"title 樱花"`, "", []string{"title:樱花"}},
		{"  \t\n ", "", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			q := parseQuery(tc.in)
			if q.phrases != tc.phrases || q.chars != tc.chars || !reflect.DeepEqual(q.terms, tc.terms) {
				t.Errorf("parseQuery(%q) = %q / %q / %q, want %q / %q / %q",
					tc.in, q.phrases, q.chars, q.terms, tc.phrases, tc.chars, tc.terms)
			}
		})
	}
}
