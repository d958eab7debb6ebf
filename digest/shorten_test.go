package digest_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/digest"
)

func TestShortenLead(t *testing.T) {
	const lead5 = "2月7日,中原区举办研发费用入统业务培训会,进一步贯彻落实省委、市委经济工作会议关于加大全社会研发经费投入工作的要求,帮助企业提高研发经费支出统计意识,提升研发经费支出的财税知识水平。"
	tests := []struct {
		name   string
		lead   string
		budget int
		want   string
	}{
		{"fits, unchanged", "近日,中原区召开会议。", 120, "近日,中原区召开会议。"},
		{"exactly at budget, unchanged", "一二三四五六七八九十", 10, "一二三四五六七八九十"},
		{"one over budget, cut at clause", "一二三,四五六七八九十", 9, "一二三……"},
		{"one over budget, no clause", "一二三四五六七八九十", 9, "一二三四五六七……"},
		{"clause cut, ASCII comma from the sample", lead5, 30, "2月7日,中原区举办研发费用入统业务培训会……"},
		{"clause cut picks the last boundary that fits", lead5, 40, "2月7日,中原区举办研发费用入统业务培训会,进一步贯彻落实省委……"},
		{"full-width comma", "今天天气很好，我们去公园散步，然后回家吃饭。", 12, "今天天气很好……"},
		{"enumeration comma", "区领导邓英文、薛晓军、刘守斌参加。", 12, "区领导邓英文、薛晓军……"},
		{"enumeration comma one short", "区领导邓英文、薛晓军、刘守斌参加。", 11, "区领导邓英文……"},
		{"semicolon", "新认定企业145家；备案企业261家。", 12, "新认定企业145家……"},
		{"boundary just too late for the ellipsis", "一二三四五六七八,九十一", 10, "一二三四五六七八……"},
		{"boundary right before the limit", "一二三四五六七,八九十一", 10, "一二三四五六七……"},
		{"no clause boundary, cut at budget rune", "中原区举办研发费用入统业务培训会", 8, "中原区举办研……"},
		{"thousands separator is not a clause", "全区投入1,000万元建设项目", 10, "全区投入1,00……"},
		{"leading comma is not a cut point", ",一二三四五六七八九", 6, ",一二三……"},
		{"space before the cut is trimmed", "Hello world and more", 8, "Hello……"},
		{"ascii only", "abcdefghij", 5, "abc……"},
		{"supplementary-plane runes counted once", "𠀀𠀁𠀂𠀃𠀄𠀅", 5, "𠀀𠀁𠀂……"},
		{"budget 2 leaves only the ellipsis", "一二三四", 2, "……"},
		{"budget 1", "一二三四", 1, "…"},
		{"budget 0", "一二三四", 0, ""},
		{"negative budget", "一", -5, ""},
		{"empty lead", "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := digest.ShortenLead(tt.lead, tt.budget)
			if got != tt.want {
				t.Errorf("ShortenLead(%q, %d) = %q, want %q", tt.lead, tt.budget, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); tt.budget >= 0 && n > tt.budget {
				t.Errorf("result has %d runes, budget %d", n, tt.budget)
			}
		})
	}
}

func FuzzShortenLead(f *testing.F) {
	f.Add("2月11日,中原区举行2023年第二次项目观摩活动,动员全区上下聚焦项目建设。", 20)
	f.Add("一二三四五六七八九十", 3)
	f.Add("1,000,000", 4)
	f.Add("\xff\xfe,\xff", 2)
	f.Add("　　，，，", 4)
	f.Fuzz(func(t *testing.T, lead string, budget int) {
		budget %= 400
		got := digest.ShortenLead(lead, budget)
		n := utf8.RuneCountInString(got)
		if utf8.RuneCountInString(lead) <= budget {
			if got != lead {
				t.Fatalf("a lead within budget must stay whole: %q -> %q", lead, got)
			}
			return
		}
		if n > max(budget, 0) {
			t.Fatalf("ShortenLead(%q, %d) = %q has %d runes", lead, budget, got, n)
		}
		if budget < 3 {
			// No room for text: only as much of the ellipsis as fits.
			if !strings.HasPrefix("……", got) {
				t.Fatalf("ShortenLead(%q, %d) = %q, want part of ……", lead, budget, got)
			}
			return
		}
		if !strings.HasSuffix(got, "……") {
			t.Fatalf("a cut lead must end with ……: %q", got)
		}
		kept := strings.TrimSuffix(got, "……")
		if !strings.HasPrefix(string([]rune(lead)), kept) {
			t.Fatalf("kept text %q is not a prefix of %q", kept, lead)
		}
	})
}
