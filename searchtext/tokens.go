package searchtext

import (
	"strings"
	"unicode"
)

// Search tokens. Index and query go through the same Go code. Text is
// folded (full-width ASCII to
// ASCII, letters to lower case) and cut into segments:
//
//   - a run of CJK characters (Han, kana, Hangul) gives each character and
//     each overlapping pair (樱花节 → 樱 花 节 樱花 花节);
//   - a run of other letters and digits gives one word (GDP → gdp);
//   - anything else separates segments.
//
// Each store indexes an article's distinct tokens its own way (data: segments of postings; pgstore: a GIN-indexed array). A query term
// matches an article holding all of the term's tokens, where one- and
// two-character runs and words are tokens themselves; a run of three or
// more characters becomes its pairs, and is then checked literally on the
// candidates (樱花节 needs 樱花 and 花节 and the text 樱花节).

type class uint8

const (
	clsSep class = iota
	clsWord
	clsCJK
)

// fold maps a rune to its search form: full-width ASCII to ASCII, the
// ideographic space to a space, letters to lower case.
func Fold(r rune) rune {
	if r < 0x80 {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	switch {
	case r >= 0x4E00 && r <= 0x9FFF: // CJK Unified Ideographs: the common case
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
	case r >= 0x2000 && r <= 0x206F: // General Punctuation: “”—… and spaces
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

// Segment is a word or a CJK run, folded.
type Segment struct {
	CJK   bool
	Runes []rune
}

// Segmenter cuts text into segments, reusing its buffer. The zero value
// is ready to use.
type Segmenter struct{ cur []rune }

// Each calls f for every segment of s, in order. The slice passed to f is
// only valid during the call.
func (sg *Segmenter) Each(s string, f func(Segment)) {
	cur := sg.cur[:0]
	curCls := clsSep
	for _, r := range s {
		r = Fold(r)
		c := classify(r)
		if c != curCls {
			if len(cur) > 0 {
				f(Segment{CJK: curCls == clsCJK, Runes: cur})
				cur = cur[:0]
			}
			curCls = c
		}
		if c != clsSep {
			cur = append(cur, r)
		}
	}
	if len(cur) > 0 {
		f(Segment{CJK: curCls == clsCJK, Runes: cur})
	}
	sg.cur = cur
}

// Query is user input cut into index terms.
type Query struct {
	Toks  []string // distinct tokens, all required; none if nothing searchable
	Runs  []string // CJK runs of 3+ characters to find literally in title or body
	Terms []string // the user's terms, for snippets
}

// ParseQuery splits q at whitespace into terms, all required. Nothing in
// the input is syntax: quotes, *, OR, NEAR( are just text, and tokens hold
// only letters and digits.
func ParseQuery(q string) Query {
	var sq Query
	seen := map[string]bool{}
	addTok := func(t string) {
		if !seen[t] {
			seen[t] = true
			sq.Toks = append(sq.Toks, t)
		}
	}
	var sg Segmenter
	for _, term := range strings.Fields(q) {
		found := false
		sg.Each(term, func(s Segment) {
			found = true
			switch {
			case !s.CJK || len(s.Runes) <= 2:
				addTok(string(s.Runes))
			default:
				for i := 1; i < len(s.Runes); i++ {
					addTok(string(s.Runes[i-1 : i+1]))
				}
				sq.Runs = append(sq.Runs, string(s.Runes))
			}
		})
		if found {
			sq.Terms = append(sq.Terms, term)
		}
	}
	return sq
}

// IsCJK reports whether a folded rune belongs to a CJK run (whose
// characters and pairs are tokens) rather than a word.
func IsCJK(r rune) bool { return classify(r) == clsCJK }
