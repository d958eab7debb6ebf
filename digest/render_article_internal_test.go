package digest

import (
	"fmt"
	"testing"
)

func TestSplitAtSentences(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"没有句末标点", []string{"没有句末标点"}},
		{"一句。两句！三句？", []string{"一句。", "两句！", "三句？"}},
		{"他说：“好。”然后走了。", []string{"他说：“好。”", "然后走了。"}},
		{"“好。”，然后走了。", []string{"“好。”，然后走了。"}},
		{"真的吗？！是的。", []string{"真的吗？！", "是的。"}},
		{"技术合同成交额28.58亿元；规上企业达75%。下一句", []string{"技术合同成交额28.58亿元；规上企业达75%。", "下一句"}},
		{"Really? Yes! 好。", []string{"Really?", " Yes!", " 好。"}},
		{"   ", nil},
		{"。", []string{"。"}},
		{"（完。）后记。", []string{"（完。）", "后记。"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := splitAtSentences(tt.in); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
				t.Errorf("splitAtSentences(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
