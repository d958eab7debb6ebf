package digest_test

import (
	"testing"

	"github.com/wxdigest/wxdigest/digest"
)

func TestReadable(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"2月11日,中原区举行", "2月11日，中原区举行"},
		{"擂“战鼓”,吹“冲锋号”", "擂“战鼓”，吹“冲锋号”"},
		{"时间:2月13日;地点:中原区", "时间：2月13日；地点：中原区"},
		{"你吃了吗?", "你吃了吗？"},
		{"真好!大家", "真好！大家"},
		{"增长2.5,3.6", "增长2.5,3.6"},
		{"GDP,增长", "GDP,增长"},
		{"见 http://example.com", "见 http://example.com"},
		{"Hello, world", "Hello, world"},
		{"中原区,Zhongyuan", "中原区,Zhongyuan"},
		{"没有标点", "没有标点"},
		{"", ""},
		{",开头", ",开头"},
		{"结尾,", "结尾,"},
	} {
		if got := digest.Readable(c.in); got != c.want {
			t.Errorf("Readable(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
