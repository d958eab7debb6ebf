package digest

import (
	"strings"
	"time"
)

const (
	// DefaultLeadBudget is the display length of a lead in a digest, in runes.
	DefaultLeadBudget = 120
	// DefaultBudget is the size of one chat message part, in runes.
	DefaultBudget = 2000
	// MinBudget is the smallest part size Render and RenderArticle honour:
	// a part must hold a header, the footer and one shortened item, so
	// smaller budgets are raised to it.
	MinBudget = 120
)

// Options tune Compose.
type Options struct {
	// Source names the paper or office in the header, e.g. "中原区新闻".
	// Empty: the articles' common Source, if they all share one.
	Source string
	// LeadBudget caps each lead for display, in runes; ≤ 0 means
	// DefaultLeadBudget. Cuts follow ShortenLead.
	LeadBudget int
	// NoFooter drops the "回复“详情 序号”" line, e.g. for previews to staff.
	NoFooter bool
}

// Item is one numbered entry of a digest. N is what residents type in
// "详情 N"; Lead is the display lead, possibly shortened.
type Item struct {
	N       int
	Article Article
	Lead    string
}

// Digest is one day's items for one source, ready to render.
type Digest struct {
	// Date is a civil date: only its year, month, day and weekday in its
	// own Location are used.
	Date     time.Time
	Source   string
	Items    []Item
	NoFooter bool
}

// Compose numbers articles 1..n in the given order (the caller sorts them by
// page order) and prepares each lead for display. It does not mutate
// articles.
func Compose(date time.Time, articles []Article, opts Options) Digest {
	budget := opts.LeadBudget
	if budget <= 0 {
		budget = DefaultLeadBudget
	}
	d := Digest{
		Date:     date,
		Source:   strings.TrimSpace(opts.Source),
		NoFooter: opts.NoFooter,
	}
	if d.Source == "" {
		d.Source = composeCommonSource(articles)
	}
	if len(articles) > 0 {
		d.Items = make([]Item, 0, len(articles))
	}
	for i, a := range articles {
		lead := renderOneLine(a.Lead)
		if lead == "" {
			// A parser that found no lead still left a body; its first
			// sentence is the best stand-in.
			lead = composeFirstSentence(a.Body)
		}
		d.Items = append(d.Items, Item{N: i + 1, Article: a, Lead: ShortenLead(lead, budget)})
	}
	return d
}

// composeCommonSource returns the Source shared by all articles, or "".
func composeCommonSource(articles []Article) string {
	src := ""
	for _, a := range articles {
		s := strings.TrimSpace(a.Source)
		switch {
		case s == "":
			return ""
		case src == "":
			src = s
		case s != src:
			return ""
		}
	}
	return src
}

// composeFirstSentence is the first sentence of the first non-empty
// paragraph of body.
func composeFirstSentence(body string) string {
	for _, p := range strings.Split(body, "\n") {
		if p = renderOneLine(p); p != "" {
			return FirstSentence(p)
		}
	}
	return ""
}
