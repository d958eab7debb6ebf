package bot

import (
	"strings"
	"time"

	"github.com/wxdigest/wxdigest/digest"
)

// ComposeDay is the one way a day's digest is composed — for 今日新闻, 预览,
// scheduled slots and the CLI — so they all read the same. Articles keep
// the given order (the store returns them in page order). The header names
// the distinct sources in order of first appearance, joined by "、"; day is
// used only for its civil date in its own Location. leadBudget ≤ 0 means
// digest.DefaultLeadBudget.
func ComposeDay(arts []digest.Article, day time.Time, leadBudget int) digest.Digest {
	return digest.Compose(day, arts, digest.Options{
		Source:     composeSources(arts),
		LeadBudget: leadBudget,
	})
}

// composeSources joins the distinct non-empty sources of arts by "、".
func composeSources(arts []digest.Article) string {
	var names []string
	seen := make(map[string]bool)
	for _, a := range arts {
		s := strings.TrimSpace(a.Source)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		names = append(names, s)
	}
	return strings.Join(names, "、")
}
