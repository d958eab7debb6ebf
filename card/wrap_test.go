package card

import (
	"strings"
	"testing"
	"unicode"

	"golang.org/x/image/math/fixed"
)

// unitAdvance gives every rune one unit, so expected lines are easy to
// count by hand.
func unitAdvance(prev, r rune) fixed.Int26_6 { return fixed.I(1) }

func TestWrapLines(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		width int
		want  []string
	}{
		{"fits", "一二三", 5, []string{"一二三"}},
		{"plain CJK breaks anywhere", "一二三四五六七八", 3, []string{"一二三", "四五六", "七八"}},
		{"no lone character on the last line", "一二三四五六七", 3, []string{"一二三", "四五", "六七"}},
		{"nor a lone character with its full stop", "一二三四五六七。", 3, []string{"一二三", "四五", "六七。"}},
		{"a lone character stays when the line before cannot spare one", "一二三。", 3, []string{"一二", "三。"}},
		{"a lone word is not a widow", "一二三 abcd", 4, []string{"一二三 ", "abcd"}},
		{"comma never starts a line", "一二三四，五六", 4, []string{"一二三", "四，五六"}},
		{"ASCII comma never starts a line", "一二三四,五六", 4, []string{"一二三", "四,五六"}},
		{"full stop and closing quote stay with the word", "他说好。”我们", 3, []string{"他说", "好。”", "我们"}},
		{"opening bracket never ends a line", "一二三（四五）六", 4, []string{"一二三", "（四五）", "六"}},
		{"opening quote never ends a line", "一二三“四五”", 4, []string{"一二三", "“四五”"}},
		{"ellipsis never starts a line", "一二三四……五六", 5, []string{"一二三", "四……五六"}},
		{"Latin word kept whole", "区长Zhongyuan区", 10, []string{"区长", "Zhongyuan区"}},
		{"decimal number kept with its unit", "投资达28.58亿元的项目", 8, []string{"投资达", "28.58亿元的", "项目"}},
		{"thousands separator", "共1,000人参加", 5, []string{"共", "1,000", "人参加"}},
		{"middle dot joins both sides", "中原区新闻 · 早报", 7, []string{"中原区新", "闻 · 早报"}},
		{"no line starts with a comma after a space", "一二三 ,四", 4, []string{"一二", "三 ,四"}},
		{"opening bracket and space never end a line", "一二 （三）", 4, []string{"一二 ", "（三）"}},
		{"spaces hang at the end of a line", "hello world foo", 11, []string{"hello world ", "foo"}},
		{"overlong word broken only when it must be", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"overlong word after text starts a new line", "一二abcdefg", 4, []string{"一二", "abcd", "efg"}},
		{"empty", "", 4, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wrapLines(tt.in, fixed.I(tt.width), unitAdvance)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("wrapLines(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
			}
			checkWrap(t, tt.in, got, fixed.I(tt.width), unitAdvance)
		})
	}
}

// TestWrapLinesRealFont wraps the sample day's titles and leads with the
// font's own widths at the card's widths, and checks the rules on each.
func TestWrapLinesRealFont(t *testing.T) {
	r := sampleRenderer(t)
	fs, err := r.newFaceSet()
	if err != nil {
		t.Fatal(err)
	}
	d := sampleDigest(t)
	texts := []string{
		"郑州市中原区2023年项目总投资28.58亿元，Zhongyuan District的“开门红”（第一季度）……",
		"“新时代好少年”评选：伊河路小学、郑州市第十九中学，共有12名同学获奖。",
	}
	for _, it := range d.Items {
		texts = append(texts, itemTitle(it.Article), it.Lead)
	}
	for _, width := range []int{300, 500, 860} {
		for _, s := range texts {
			t.Run(clip(s, 12), func(t *testing.T) {
				lines := wrapLines(s, fixed.I(width), fs[styLead].adv)
				checkWrap(t, s, lines, fixed.I(width), fs[styLead].adv)
			})
		}
	}
}

// checkWrap asserts the line breaker's promises on one result.
func checkWrap(t *testing.T, in string, lines []string, width fixed.Int26_6, adv advanceFunc) {
	t.Helper()
	if got := strings.Join(lines, ""); got != in {
		t.Fatalf("lines %q do not give back %q", lines, in)
	}
	for i, l := range lines {
		if l == "" {
			t.Errorf("line %d is empty in %q", i, lines)
			continue
		}
		if w := visibleWidth([]rune(l), adv); w > width && !isOneWord(l) {
			t.Errorf("line %q is %v wide, more than %v", l, w, width)
		}
		if i == 0 {
			continue
		}
		prev := []rune(strings.TrimRightFunc(lines[i-1], unicode.IsSpace))
		first := []rune(l)[0]
		last := prev[len(prev)-1]
		if noLineStart(first) {
			t.Errorf("line %q starts with %q", l, first)
		}
		if noLineEnd(last) {
			t.Errorf("line %q ends with %q", lines[i-1], last)
		}
		if raw := []rune(lines[i-1]); isWordRune(raw[len(raw)-1]) && isWordRune(first) && !isOneWord(lines[i-1]) && !isOneWord(l) {
			t.Errorf("word split between %q and %q", lines[i-1], l)
		}
	}
}

// isOneWord: a line that is nothing but (part of) one word, which may
// have been broken because it is wider than a line.
func isOneWord(s string) bool {
	for _, r := range s {
		if !isWordRune(r) {
			return false
		}
	}
	return true
}
