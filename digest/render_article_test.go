package digest_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/digest"
)

var renderArticleMarker = regexp.MustCompile(`（(\d+)/(\d+)）`)

// renderArticleBodyOf strips what RenderArticle adds around the body (the
// headline block of part 1, the title line of later parts, blank lines) so
// the remaining text can be compared with the article's paragraphs.
func renderArticleBodyOf(t *testing.T, a digest.Article, parts []string) string {
	t.Helper()
	var b strings.Builder
	for i, p := range parts {
		head, body, _ := strings.Cut(p, "\n\n")
		if len(parts) > 1 {
			m := renderArticleMarker.FindAllStringSubmatch(head, -1)
			if len(m) != 1 || m[0][1] != fmt.Sprint(i+1) || m[0][2] != fmt.Sprint(len(parts)) {
				t.Errorf("part %d head %q: want one marker （%d/%d）", i+1, head, i+1, len(parts))
			}
		}
		title := []rune(a.Title)
		if i == 0 && !strings.Contains(head, string(title[:min(10, len(title))])) {
			t.Errorf("part 1 head %q lacks the title", head)
		}
		b.WriteString(strings.ReplaceAll(body, "\n\n", ""))
	}
	return b.String()
}

func TestRenderArticleSinglePart(t *testing.T) {
	a := composeSampleArticles()[4]
	parts := digest.RenderArticle(a, 0)
	if len(parts) != 1 {
		t.Fatalf("got %d parts, want 1", len(parts))
	}
	if renderArticleMarker.MatchString(parts[0]) {
		t.Error("a single part must not carry a marker")
	}
	want := "不断加大研发投入 提高科技创新能力\n中原区举办研发费用入统业务培训会\n中原区新闻 2023年2月13日 本报讯 记者 鲁燕 通讯员 李晨\n\n2月7日，"
	if !strings.HasPrefix(parts[0], want) {
		t.Errorf("head:\n%s\nwant prefix:\n%s", parts[0][:200], want)
	}
	if got := strings.Count(parts[0], "\n\n"); got != 4 {
		t.Errorf("want head + 4 paragraphs separated by blank lines, got %d separators", got)
	}
	renderCheckGolden(t, "article-5", renderJoinParts(parts))
}

func TestRenderArticleSplitting(t *testing.T) {
	arts := composeSampleArticles()
	for i, a := range arts {
		wantBody := digest.Readable(strings.ReplaceAll(a.Body, "\n", ""))
		for _, budget := range []int{digest.MinBudget, 150, 300, 500, 1000, 2000} {
			t.Run(fmt.Sprintf("article %d budget %d", i+1, budget), func(t *testing.T) {
				parts := digest.RenderArticle(a, budget)
				for j, p := range parts {
					if n := utf8.RuneCountInString(p); n > budget {
						t.Errorf("part %d has %d runes", j+1, n)
					}
				}
				if head, _, _ := strings.Cut(parts[0], "\n"); budget >= 150 && !strings.Contains(parts[0], a.Title) {
					t.Errorf("budget %d leaves room for the whole title, got %q", budget, head)
				}
				if got := renderArticleBodyOf(t, a, parts); got != wantBody {
					t.Errorf("body text not kept whole and in order:\n got %q\nwant %q", got, wantBody)
				}
			})
		}
	}
}

// Paragraph boundaries are preferred; a paragraph longer than a part is
// split after a sentence, not inside one.
func TestRenderArticleBreakPoints(t *testing.T) {
	a := composeSampleArticles()[0] // paragraphs of 105, 151, 420, 447 and 177 runes
	parts := digest.RenderArticle(a, 500)
	paras := strings.Split(a.Body, "\n")
	for i, p := range parts {
		_, body, _ := strings.Cut(p, "\n\n")
		for _, chunk := range strings.Split(body, "\n\n") {
			whole := false
			for _, para := range paras {
				whole = whole || chunk == para
			}
			if !whole && !strings.HasSuffix(chunk, "。") {
				t.Errorf("part %d: chunk cut inside a sentence: …%s", i+1, string([]rune(chunk)[max(0, utf8.RuneCountInString(chunk)-20):]))
			}
		}
	}
	renderCheckGolden(t, "article-1-budget-500", renderJoinParts(parts))
}

func TestRenderArticleEdgeCases(t *testing.T) {
	long := strings.Repeat("长", 1000) // one sentence, no punctuation
	tests := []struct {
		name   string
		a      digest.Article
		budget int
		check  func(t *testing.T, parts []string)
	}{
		{
			name: "headline only", a: digest.Article{Title: "只有标题", Subtitle: "副题"}, budget: 0,
			check: func(t *testing.T, parts []string) {
				if len(parts) != 1 || parts[0] != "只有标题\n——副题" {
					t.Errorf("%q", parts)
				}
			},
		},
		{
			name: "no headline", a: digest.Article{Body: "正文。"}, budget: 0,
			check: func(t *testing.T, parts []string) {
				if len(parts) != 1 || parts[0] != "（无标题）\n\n正文。" {
					t.Errorf("%q", parts)
				}
			},
		},
		{
			name: "sentence longer than a part is cut at the limit", a: digest.Article{Title: "长句", Body: long}, budget: 200,
			check: func(t *testing.T, parts []string) {
				if len(parts) < 6 {
					t.Errorf("1000 runes in parts of 200: got %d parts", len(parts))
				}
				for i, p := range parts {
					if n := utf8.RuneCountInString(p); n > 200 {
						t.Errorf("part %d has %d runes", i+1, n)
					}
					if i > 0 && !strings.HasPrefix(p, "长句（") {
						t.Errorf("part %d should open with the title and marker: %q", i+1, p[:20])
					}
				}
			},
		},
		{
			name: "huge headline is shortened, not overflowing", budget: digest.MinBudget,
			a: digest.Article{Kicker: strings.Repeat("引", 300), Title: strings.Repeat("题", 300), Subtitle: strings.Repeat("副", 300), Byline: strings.Repeat("记", 300), Body: strings.Repeat("正文。", 100)},
			check: func(t *testing.T, parts []string) {
				for i, p := range parts {
					if n := utf8.RuneCountInString(p); n > digest.MinBudget {
						t.Errorf("part %d has %d runes", i+1, n)
					}
				}
				if got := strings.Count(strings.Join(parts, ""), "正文。"); got != 100 {
					t.Errorf("body sentences kept: %d of 100", got)
				}
			},
		},
		{
			name: "spaces between sentences survive a split", budget: digest.MinBudget,
			a: digest.Article{Title: "English", Body: strings.Repeat("The district held a meeting today. Residents asked questions! ", 10)},
			check: func(t *testing.T, parts []string) {
				a := digest.Article{Title: "English"}
				want := strings.TrimSpace(strings.Repeat("The district held a meeting today. Residents asked questions! ", 10))
				if len(parts) < 2 {
					t.Fatalf("want several parts, got %d", len(parts))
				}
				if got := renderArticleBodyOf(t, a, parts); got != want {
					t.Errorf("got  %q\nwant %q", got, want)
				}
			},
		},
		{
			name: "blank and indented paragraphs", a: digest.Article{Title: "题", Body: "\n　　第一段。\r\n\n  第二段。  "}, budget: 0,
			check: func(t *testing.T, parts []string) {
				if len(parts) != 1 || parts[0] != "题\n\n第一段。\n\n第二段。" {
					t.Errorf("%q", parts)
				}
			},
		},
		{
			name: "date not in YYYY-MM-DD shown as given", a: digest.Article{Title: "题", Date: "2月13日", Dateline: "新华社北京3月14日电"}, budget: 0,
			check: func(t *testing.T, parts []string) {
				if parts[0] != "题\n2月13日 新华社北京3月14日电" {
					t.Errorf("%q", parts)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, digest.RenderArticle(tt.a, tt.budget))
		})
	}
}
