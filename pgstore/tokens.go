package pgstore

import (
	"github.com/wxdigest/wxdigest/model"
	"slices"
	"strings"
	"unicode"
)

// Search tokens and content fingerprints, the SQLite store's rules (package
// data's tokens.go and contentHash) ported as they are, so that the two
// stores find and dedupe the same articles; tokens_test.go holds them to
// data's results.
//
// Text is folded (full-width ASCII to ASCII, letters to lower case) and cut
// into segments: a run of CJK characters (Han, kana, Hangul) gives each
// character and each overlapping pair (樱花节 → 樱 花 节 樱花 花节); a run of
// other letters and digits gives one word (GDP → gdp); anything else
// separates segments. An article's distinct tokens go into its tokens
// column (GIN-indexed). A query term needs all of its tokens, where one-
// and two-character runs and words are tokens themselves; a run of three
// or more characters becomes its pairs and is then checked literally.

type class uint8

const (
	clsSep class = iota
	clsWord
	clsCJK
)

// fold maps a rune to its search form: full-width ASCII to ASCII, the
// ideographic space to a space, letters to lower case.
func fold(r rune) rune {
	if r < 0x80 {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	switch {
	case r >= 0x4E00 && r <= 0x9FFF:
		return r
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	case r == 0x3000:
		return ' '
	}
	return unicode.ToLower(r)
}

// classify takes a folded rune.
func classify(r rune) class {
	if r < 0x80 {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			return clsWord
		}
		return clsSep
	}
	switch {
	case r >= 0x4E00 && r <= 0x9FFF:
		return clsCJK
	case r >= 0x2000 && r <= 0x206F: // General Punctuation
		return clsSep
	case r >= 0x3000 && r <= 0x303F: // CJK punctuation, plus 々 〇 and a few Han numerals
		if unicode.Is(unicode.Han, r) {
			return clsCJK
		}
		return clsSep
	}
	if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
		return clsCJK
	}
	if unicode.IsLetter(r) || unicode.IsNumber(r) {
		return clsWord
	}
	return clsSep
}

// segment is a word or a CJK run, folded.
type segment struct {
	cjk   bool
	runes []rune
}

// eachSegment calls f for every segment of s, in order. The runes passed
// to f are only valid during the call.
func eachSegment(s string, f func(segment)) {
	var cur []rune
	curCls := clsSep
	for _, r := range s {
		r = fold(r)
		c := classify(r)
		if c != curCls {
			if len(cur) > 0 {
				f(segment{cjk: curCls == clsCJK, runes: cur})
				cur = cur[:0]
			}
			curCls = c
		}
		if c != clsSep {
			cur = append(cur, r)
		}
	}
	if len(cur) > 0 {
		f(segment{cjk: curCls == clsCJK, runes: cur})
	}
}

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
	for _, s := range []string{title, body} {
		eachSegment(s, func(sg segment) {
			if !sg.cjk {
				add(string(sg.runes))
				return
			}
			for i, r := range sg.runes {
				add(string(r))
				if i > 0 {
					add(string(sg.runes[i-1 : i+1]))
				}
			}
		})
	}
	slices.Sort(out)
	return out
}

// searchQuery is user input cut into tokens.
type searchQuery struct {
	toks  []string // distinct tokens, all required; none if nothing searchable
	runs  []string // CJK runs of 3+ characters to find literally in title or body
	terms []string // the user's terms, for snippets
}

// parseQuery splits q at whitespace into terms, all required. Nothing in
// the input is syntax.
func parseQuery(q string) searchQuery {
	var sq searchQuery
	seen := map[string]bool{}
	addTok := func(t string) {
		if !seen[t] {
			seen[t] = true
			sq.toks = append(sq.toks, t)
		}
	}
	for _, term := range strings.Fields(q) {
		found := false
		eachSegment(term, func(s segment) {
			found = true
			switch {
			case !s.cjk || len(s.runes) <= 2:
				addTok(string(s.runes))
			default:
				for i := 1; i < len(s.runes); i++ {
					addTok(string(s.runes[i-1 : i+1]))
				}
				sq.runs = append(sq.runs, string(s.runes))
			}
		})
		if found {
			sq.terms = append(sq.terms, term)
		}
	}
	return sq
}

// contentHash is the dedupe fingerprint every store keeps (model.ContentHash).
func contentHash(title, body string) [32]byte { return model.ContentHash(title, body) }
