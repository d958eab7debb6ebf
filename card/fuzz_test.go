package card

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/image/math/fixed"
)

// FuzzParse: Parse never panics, its errors are one line, and whatever it
// accepts marshals to a form that parses back to the same card.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"date":"2023-02-13","source":"中原区新闻","items":[{"n":1,"title":"标题","lead":"导语。"}],"part":1,"parts":2,"footer":"回复“详情 序号”查看全文"}`,
		`{"date":"2023-03-01","source":"","items":[]}`,
		`{"date":"2023-02-30"}`,
		`{"date":"2023-02-13","items":null,"part":0,"parts":0}`,
		`{"date":"2023-02-13","items":[{"n":-1,"title":"\u0000<&>","lead":"\n"}]}`,
		`null`, ``, `{`, `[]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		m := c.Marshal()
		c2, err := Parse(m)
		if err != nil {
			t.Fatalf("Parse(Marshal(%q)) = %v", m, err)
		}
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("round trip changed %+v into %+v", c, c2)
		}
		if m2 := c2.Marshal(); m2 != m {
			t.Fatalf("Marshal not stable: %q then %q", m, m2)
		}
	})
}

// FuzzWrapLines: whatever the text and width, the breaker keeps every
// rune in order, makes no empty line, and breaks where the rules forbid
// only inside a run too wide for any line.
func FuzzWrapLines(f *testing.F) {
	for _, s := range []string{"中原区新闻 · 早报", "投资达28.58亿元的项目", "“开门红”（第一季度）……", "abc def", "（（（（", "，，，，", " \t"} {
		f.Add(s, 4)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		// Longer texts only slow the checks below, which are quadratic.
		if width < 1 || width > 200 || len(s) > 4000 || !utf8.ValidString(s) {
			return
		}
		lines := wrapLines(s, fixed.I(width), unitAdvance)
		if got := strings.Join(lines, ""); got != s {
			t.Fatalf("lines %q do not give back %q", lines, s)
		}
		rs, at := []rune(s), 0
		for i, l := range lines {
			if l == "" {
				t.Fatalf("line %d of %q is empty", i, lines)
			}
			if i > 0 && !canBreakBefore(rs, at) {
				// Breaking where the rules forbid is allowed only inside a
				// run that cannot fit on one line.
				a, b := at, at
				for a > 0 && !canBreakBefore(rs, a) {
					a--
				}
				for b < len(rs) && (b == at || !canBreakBefore(rs, b)) {
					b++
				}
				if visibleWidth(rs[a:b], unitAdvance) <= fixed.I(width) {
					t.Errorf("broke %q between %q and %q though %q fits a line", s, lines[i-1], l, string(rs[a:b]))
				}
			}
			at += utf8.RuneCountInString(l)
		}
	})
}
