package digest_test

import (
	"testing"

	"github.com/wxdigest/wxdigest/digest"
)

// BenchmarkComposeRender is the text side of a day's digest: the sample's
// five articles composed and rendered at the default and a small budget.
func BenchmarkComposeRender(b *testing.B) {
	arts := composeSampleArticles()
	for _, budget := range []int{digest.DefaultBudget, 300} {
		b.Run(map[int]string{digest.DefaultBudget: "budget2000", 300: "budget300"}[budget], func(b *testing.B) {
			n := 0
			for b.Loop() {
				d := digest.Compose(composeSampleDay, arts, digest.Options{Source: "中原区新闻"})
				n += len(digest.Render(d, budget))
			}
			b.ReportMetric(float64(n)/float64(b.N), "parts/digest")
		})
	}
}

// BenchmarkRenderArticle renders the sample's longest article (about 1,300
// runes) as a "详情 N" reply in 500-rune parts.
func BenchmarkRenderArticle(b *testing.B) {
	a := composeSampleArticles()[0]
	for b.Loop() {
		digest.RenderArticle(a, 500)
	}
}
