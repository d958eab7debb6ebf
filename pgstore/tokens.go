package pgstore

import (
	"slices"

	"github.com/wxdigest/wxdigest/model"
	"github.com/wxdigest/wxdigest/searchtext"
)

// Search tokens are searchtext's, as the SQLite store's are, so that the
// two stores find the same articles; an article's distinct tokens go into
// its GIN-indexed tokens column. tokens_test.go holds them to data's
// results.

// articleTokens gives the distinct tokens of an article's title and body,
// sorted (pairs do not cross from the title into the body).
func articleTokens(title, body string) []string {
	seen := map[string]bool{}
	out := []string{}
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	var seg searchtext.Segmenter
	for _, s := range []string{title, body} {
		seg.Each(s, func(sg searchtext.Segment) {
			if !sg.CJK {
				add(string(sg.Runes))
				return
			}
			for i, r := range sg.Runes {
				add(string(r))
				if i > 0 {
					add(string(sg.Runes[i-1 : i+1]))
				}
			}
		})
	}
	slices.Sort(out)
	return out
}

// contentHash is the dedupe fingerprint every store keeps (model.ContentHash).
func contentHash(title, body string) [32]byte { return model.ContentHash(title, body) }
