package digest

import (
	"slices"
	"testing"
)

func TestSentences(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"full-width ends", "今天开会。明天调研！后天呢？", []string{"今天开会。", "明天调研！", "后天呢？"}},
		{"closing quote stays with its sentence", "他说：“好。”然后走了。", []string{"他说：“好。”", "然后走了。"}},
		{"quote then comma goes on", "“好。”，他说完就走了。", []string{"“好。”，他说完就走了。"}},
		{"closing bracket stays", "会议结束（详见附件。）下午继续。", []string{"会议结束（详见附件。）", "下午继续。"}},
		{"several closers", "他问：“你读过《春》？”』她笑了。", []string{"他问：“你读过《春》？”』", "她笑了。"}},
		{"semicolons never split", "新认定企业145家；备案261家;推荐102家。", []string{"新认定企业145家；备案261家;推荐102家。"}},
		{"decimals never split", "技术合同成交额28.58亿元,覆盖率达3.5%。下一句。", []string{"技术合同成交额28.58亿元,覆盖率达3.5%。", "下一句。"}},
		{"ASCII ? and ! between Han", "你支持吗?欢迎留言!截止到月底。", []string{"你支持吗?", "欢迎留言!", "截止到月底。"}},
		{"ASCII ? in a URL", "访问a.php?id=3了解详情。", []string{"访问a.php?id=3了解详情。"}},
		{"ASCII commas are clause marks", "2月11日,中原区举行推进会,动员全区上下。会上,街道汇报。", []string{"2月11日,中原区举行推进会,动员全区上下。", "会上,街道汇报。"}},
		{"ASCII colon and semicolon", "要做好“三个坚持”:一要坚持问题导向;二要坚持目标导向。", []string{"要做好“三个坚持”:一要坚持问题导向;二要坚持目标导向。"}},
		{"ellipsis does not end a sentence", "占年度任务的62.5%……剩余任务将在汛期前完成。", []string{"占年度任务的62.5%……剩余任务将在汛期前完成。"}},
		{"ASCII ellipsis does not either", "他说......算了。走吧。", []string{"他说......算了。", "走吧。"}},
		{"terminal then ellipsis goes on", "真好！……我们继续。", []string{"真好！……我们继续。"}},
		{"ASCII full stop after Han", "版本已发布.新功能上线。", []string{"版本已发布.", "新功能上线。"}},
		{"ASCII full stop before space and Han", "项目完工. 下一步验收。", []string{"项目完工.", "下一步验收。"}},
		{"ASCII full stop inside a domain", "登录www.example.gov.cn查询。", []string{"登录www.example.gov.cn查询。"}},
		{"repeated marks stay together", "太好了！！真的吗？！是的。", []string{"太好了！！", "真的吗？！", "是的。"}},
		{"newline is a paragraph break", "第一段没有句号\n第二段。", []string{"第一段没有句号", "第二段。"}},
		{"whitespace trimmed, empties dropped", "  　第一句。  \n\n  第二句。 ", []string{"第一句。", "第二句。"}},
		{"no terminal at all", "只有一个分句,没有句号", []string{"只有一个分句,没有句号"}},
		{"stray English word kept", "对人才入住申请条件 and 标准提出意见建议。", []string{"对人才入住申请条件 and 标准提出意见建议。"}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sentences(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Sentences(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			first := ""
			if len(tt.want) > 0 {
				first = tt.want[0]
			}
			if f := FirstSentence(tt.in); f != first {
				t.Errorf("FirstSentence(%q) = %q, want %q", tt.in, f, first)
			}
		})
	}
}
