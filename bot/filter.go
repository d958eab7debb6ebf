package bot

import (
	"strings"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

// subFilter is what a subscription takes of a day: items of its sources,
// with any of its include words (in the title or body), without any of its
// exclude words. Words match case-insensitively for Latin letters.
type subFilter struct {
	sources          map[string]bool // nil: every source
	include, exclude []string        // lower-cased
}

func newSubFilter(sub model.Subscription) subFilter {
	var f subFilter
	for _, s := range strings.Split(sub.Source, ",") {
		if s = strings.TrimSpace(s); s != "" {
			if f.sources == nil {
				f.sources = make(map[string]bool)
			}
			f.sources[s] = true
		}
	}
	lower := func(ws []string) []string {
		var out []string
		for _, w := range ws {
			if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
				out = append(out, w)
			}
		}
		return out
	}
	f.include, f.exclude = lower(sub.Include), lower(sub.Exclude)
	return f
}

// keep reports whether the subscription takes a.
func (f subFilter) keep(a digest.Article) bool {
	if f.sources != nil && !f.sources[a.Source] {
		return false
	}
	if len(f.include) == 0 && len(f.exclude) == 0 {
		return true
	}
	text := strings.ToLower(a.Kicker + "\n" + a.Title + "\n" + a.Subtitle + "\n" + a.Body)
	for _, w := range f.exclude {
		if strings.Contains(text, w) {
			return false
		}
	}
	if len(f.include) == 0 {
		return true
	}
	for _, w := range f.include {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// FilterArticles keeps the articles sub takes (its sources and words), in
// order: what its slots carry before what the group already has is taken
// out.
func FilterArticles(sub model.Subscription, arts []digest.Article) []digest.Article {
	f := newSubFilter(sub)
	var out []digest.Article
	for _, a := range arts {
		if f.keep(a) {
			out = append(out, a)
		}
	}
	return out
}

// SplitList reads a list a person typed, separated by ASCII or full-width
// commas or 、, dropping blanks and repeats: the filter words and sources
// of a subscription as the CLI and the console take them.
func SplitList(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
		if w = strings.TrimSpace(w); w != "" && !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
