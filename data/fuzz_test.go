package data

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/searchtext"
)

// FuzzSearch: no input makes Search fail (beyond refusing one that is too
// long), and what it returns holds up:
// newest first, snippets within bounds, and each pure-CJK term found as
// written in the title or body.
func FuzzSearch(f *testing.F) {
	for _, q := range []string{"樱", "樱花", "樱花节", "GDP", "5G基站", `"`, `"樱花" OR 医疗`, "NEAR(樱花",
		"*", "樱*", "title:樱花", "{title} ^樱花 -医疗", "，。！", "\x00", "\xff\xfe", "a\"b\"c", "( ) AND OR NOT"} {
		f.Add(q)
	}
	s, _ := searchFixture(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, q string) {
		hits, err := s.Search(ctx, q, 5)
		if errors.Is(err, ErrInvalid) && utf8.RuneCountInString(q) > MaxQueryRunes {
			return // refused as too long, as documented
		}
		if err != nil {
			t.Fatalf("Search(%q): %v", q, err)
		}
		for i, h := range hits {
			if n := utf8.RuneCountInString(h.Snippet); n > SnippetRunes {
				t.Errorf("snippet of %d runes", n)
			}
			if i > 0 {
				p := hits[i-1].Article
				if p.Date < h.Article.Date || (p.Date == h.Article.Date && p.ID < h.Article.ID) {
					t.Errorf("hit %d out of order", i)
				}
			}
			for _, term := range strings.Fields(q) {
				if isPureCJK(term) && !strings.Contains(h.Article.Title, term) && !strings.Contains(h.Article.Body, term) {
					t.Errorf("Search(%q): hit %q lacks %q", q, h.Article.Title, term)
				}
			}
		}
	})
}

func isPureCJK(s string) bool {
	for _, r := range s {
		if !searchtext.IsCJK(searchtext.Fold(r)) {
			return false
		}
	}
	return s != ""
}
