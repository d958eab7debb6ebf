package data

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Search tokens. Index and query go through the same Go code, so FTS5
// never has to understand Chinese. Text is folded (full-width ASCII to
// ASCII, letters to lower case) and cut into segments:
//
//   - a run of CJK characters (Han, kana, Hangul) gives each character and
//     each overlapping pair (樱花节 → 樱 花 节 樱花 花节);
//   - a run of other letters and digits gives one word (GDP → gdp);
//   - anything else separates segments.
//
// An article's distinct tokens go into article_terms. A query term
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

// segment is a word or a CJK run, folded.
type segment struct {
	cjk   bool
	runes []rune
}

// segmenter cuts text into segments, reusing its buffer.
type segmenter struct{ cur []rune }

// each calls f for every segment of s, in order. The slice passed to f is
// only valid during the call.
func (sg *segmenter) each(s string, f func(segment)) {
	cur := sg.cur[:0]
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
	sg.cur = cur
}

// termBuilder collects an article's distinct tokens, space-separated.
// Duplicates are dropped in Go: a Go map lookup is cheaper than FTS5's
// own hash lookup for a token it already holds.
type termBuilder struct {
	seg   segmenter
	buf   []byte
	cjk   map[uint64]struct{} // packed unigrams and bigrams
	words map[string]struct{}
}

func newTermBuilder() *termBuilder {
	return &termBuilder{cjk: map[uint64]struct{}{}, words: map[string]struct{}{}}
}

// build returns the tokens of the texts; valid until the next call.
func (tb *termBuilder) build(texts ...string) []byte {
	clear(tb.cjk)
	clear(tb.words)
	tb.buf = tb.buf[:0]
	for _, s := range texts {
		tb.seg.each(s, tb.add)
	}
	return tb.buf
}

func (tb *termBuilder) space() {
	if len(tb.buf) > 0 {
		tb.buf = append(tb.buf, ' ')
	}
}

func (tb *termBuilder) add(sg segment) {
	if !sg.cjk {
		w := string(sg.runes)
		if _, ok := tb.words[w]; !ok {
			tb.words[w] = struct{}{}
			tb.space()
			tb.buf = append(tb.buf, w...)
		}
		return
	}
	for i, r := range sg.runes {
		// Runes are at most 21 bits: a unigram is r, a bigram sets bit 63.
		if _, ok := tb.cjk[uint64(r)]; !ok {
			tb.cjk[uint64(r)] = struct{}{}
			tb.space()
			tb.buf = utf8.AppendRune(tb.buf, r)
		}
		if i == 0 {
			continue
		}
		p := sg.runes[i-1]
		k := 1<<63 | uint64(p)<<21 | uint64(r)
		if _, ok := tb.cjk[k]; !ok {
			tb.cjk[k] = struct{}{}
			tb.space()
			tb.buf = utf8.AppendRune(tb.buf, p)
			tb.buf = utf8.AppendRune(tb.buf, r)
		}
	}
}

// searchQuery is user input made safe for FTS5.
type searchQuery struct {
	match string   // FTS5 expression: quoted tokens joined by AND; "" if nothing searchable
	runs  []string // CJK runs of 3+ characters to find literally in title or body
	terms []string // the user's terms, for snippets
}

// parseQuery splits q at whitespace into terms, all required. User text
// never reaches FTS5 as syntax: every token is quoted, and tokens hold only
// letters and digits, so quotes, *, OR, NEAR( are just text.
func parseQuery(q string) searchQuery {
	var sq searchQuery
	var toks []string
	seen := map[string]bool{}
	addTok := func(t string) {
		if !seen[t] {
			seen[t] = true
			toks = append(toks, quote(t))
		}
	}
	var sg segmenter
	for _, term := range strings.Fields(q) {
		found := false
		sg.each(term, func(s segment) {
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
	sq.match = strings.Join(toks, " AND ")
	return sq
}

// quote makes s one FTS5 string. Tokens never contain quotes; doubling
// them anyway keeps that a local fact, not a security assumption.
func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
