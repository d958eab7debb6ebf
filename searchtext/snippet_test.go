package searchtext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWindow(t *testing.T) {
	long := []rune(strings.Repeat("一二三四五六七八九十", 10)) // 100 runes
	tests := []struct {
		name   string
		rs     []rune
		pos, n int
		want   string
	}{
		{"short text whole", []rune("短\n文本"), 0, 1, "短 文本"},
		{"match at start", long, 0, 2, string(long[:58]) + "…"},
		{"match in middle", long, 50, 2, "…" + string(long[34:92]) + "…"},
		{"match at end", long, 98, 2, "…" + string(long[42:])},
		{"term longer than window", long, 10, 80, "…" + string(long[10:68]) + "…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := window(tc.rs, tc.pos, tc.n)
			if got != tc.want {
				t.Errorf("window = %q\n  want %q", got, tc.want)
			}
			if utf8.RuneCountInString(got) > SnippetRunes {
				t.Errorf("%d runes", utf8.RuneCountInString(got))
			}
		})
	}
}
