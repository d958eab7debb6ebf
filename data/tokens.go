package data

import (
	"strings"
	"unicode"
)

// Search tokens. Index and query go through the same Go code, so FTS5
// never has to understand Chinese. Two FTS5 tables hold them:
//
//   - article_search (positions kept, detail=full): a run of two or more
//     CJK characters (Han, kana, Hangul) becomes its overlapping bigrams
//     (樱花节 → 樱花 花节); a run of other letters and digits becomes one
//     lowercase word (GDP → gdp). Everything else separates tokens and
//     takes no position. A query term is the phrase of its tokens, so a
//     two-character query is one token and longer ones are phrases that
//     FTS5 checks by position.
//   - article_chars (detail=none: which articles, no positions): each
//     distinct CJK character of the article, for one-character queries.
//     Indexing characters with positions (or prefix='1' on the bigrams)
//     would cost as much again as the bigrams; without positions it is
//     about a tenth.
//
// Full-width ASCII is folded to ASCII first (ＧＤＰ and GDP match).

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
	if r >= 0x4E00 && r <= 0x9FFF {
		return clsCJK
	}
	if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
		return clsCJK
	}
	if unicode.IsLetter(r) || unicode.IsNumber(r) {
		return clsWord
	}
	return clsSep
}

func appendRune(b []byte, r rune) []byte {
	if r < 0x80 {
		return append(b, byte(r))
	}
	return append(b, string(r)...) // no allocation: the compiler encodes in place
}

func space(b []byte) []byte {
	if len(b) > 0 {
		return append(b, ' ')
	}
	return b
}

// segment is one piece of folded text: a word, or a CJK run.
type segment struct {
	cjk   bool
	runes []rune
}

// forSegments calls f for each word and CJK run of s, in order, with
// folded runes; the slice is reused between calls.
func forSegments(s string, f func(segment)) {
	var cur []rune
	curCls := clsSep
	flush := func() {
		if len(cur) > 0 {
			f(segment{cjk: curCls == clsCJK, runes: cur})
			cur = cur[:0]
		}
	}
	for _, r := range s {
		r = fold(r)
		c := classify(r)
		if c != curCls {
			flush()
			curCls = c
		}
		if c != clsSep {
			cur = append(cur, r)
		}
	}
	flush()
}

// appendSegmentTokens appends the article_search tokens of one segment.
func appendSegmentTokens(b []byte, sg segment) []byte {
	if !sg.cjk {
		b = space(b)
		for _, r := range sg.runes {
			b = appendRune(b, r)
		}
		return b
	}
	for i := 1; i < len(sg.runes); i++ {
		b = space(b)
		b = appendRune(b, sg.runes[i-1])
		b = appendRune(b, sg.runes[i])
	}
	return b
}

// indexTokens returns s's article_search tokens, space-separated, reusing buf.
func indexTokens(buf []byte, s string) []byte {
	b := buf[:0]
	forSegments(s, func(sg segment) { b = appendSegmentTokens(b, sg) })
	return b
}

// charTokens returns the distinct CJK characters of the texts,
// space-separated, reusing buf; seen is scratch space.
func charTokens(buf []byte, seen map[rune]struct{}, texts ...string) []byte {
	clear(seen)
	b := buf[:0]
	for _, s := range texts {
		for _, r := range s {
			r = fold(r)
			if classify(r) != clsCJK {
				continue
			}
			if _, ok := seen[r]; ok {
				continue
			}
			seen[r] = struct{}{}
			b = space(b)
			b = appendRune(b, r)
		}
	}
	return b
}

// searchQuery is user input turned into FTS5 MATCH expressions. Either may
// be empty; both empty means nothing searchable.
type searchQuery struct {
	phrases string   // for article_search
	chars   string   // for article_chars
	terms   []string // the user's terms, for snippets
}

// parseQuery splits q at whitespace into terms, all required. A term's
// words and CJK runs of two or more characters form one phrase; its
// one-character CJK runs must appear somewhere in the article. User text
// never reaches FTS5 as syntax: every token is quoted, and tokens hold
// only letters and digits, so quotes, *, OR, NEAR( are just text.
func parseQuery(q string) searchQuery {
	var sq searchQuery
	var phrases, chars []string
	for _, term := range strings.Fields(q) {
		var toks []byte
		var singles []string
		forSegments(term, func(sg segment) {
			if sg.cjk && len(sg.runes) == 1 {
				singles = append(singles, quote(string(sg.runes)))
				return
			}
			toks = appendSegmentTokens(toks, sg)
		})
		if len(toks) == 0 && len(singles) == 0 {
			continue
		}
		if len(toks) > 0 {
			phrases = append(phrases, quote(string(toks)))
		}
		chars = append(chars, singles...)
		sq.terms = append(sq.terms, term)
	}
	sq.phrases = strings.Join(phrases, " AND ")
	sq.chars = strings.Join(chars, " AND ")
	return sq
}

// quote makes s one FTS5 string. Tokens never contain quotes; doubling
// them anyway keeps that a local fact, not a security assumption.
func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
