package data

import (
	"fmt"
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
// An article's distinct tokens go into the index (postings.go). A query term
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

// searchQuery is user input cut into index terms.
type searchQuery struct {
	toks  []string // distinct tokens, all required; none if nothing searchable
	runs  []string // CJK runs of 3+ characters to find literally in title or body
	terms []string // the user's terms, for snippets
}

// parseQuery splits q at whitespace into terms, all required. Nothing in
// the input is syntax: quotes, *, OR, NEAR( are just text, and tokens hold
// only letters and digits.
func parseQuery(q string) searchQuery {
	var sq searchQuery
	seen := map[string]bool{}
	addTok := func(t string) {
		if !seen[t] {
			seen[t] = true
			sq.toks = append(sq.toks, t)
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
	return sq
}

// Index terms in byte form, the order segments keep them in. A CJK token
// is a sort key: the character, or for a pair 1<<42 | first<<21 | second
// (runes fit 21 bits), written as 0x01 and six big-endian bytes; a word
// is 0x02 and its UTF-8. Byte order of the CJK form is numeric order of
// the key, so the radix-sorted pairs of a builder come out in term order.
const (
	termCJK  = 0x01
	termWord = 0x02
	pairBit  = 1 << 42
	cjkBits  = 43 // significant bits of a CJK sort key
)

func uniKey(r rune) uint64     { return uint64(r) }
func pairKey(p, r rune) uint64 { return pairBit | uint64(p)<<21 | uint64(r) }

func appendCJKTerm(b []byte, k uint64) []byte {
	return append(b, termCJK, byte(k>>40), byte(k>>32), byte(k>>24), byte(k>>16), byte(k>>8), byte(k))
}

func appendWordTerm(b []byte, w string) []byte {
	return append(append(b, termWord), w...)
}

// termOf gives the byte form of a token as parseQuery returns it.
func termOf(tok string) []byte {
	rs := []rune(tok)
	if len(rs) > 0 && classify(rs[0]) == clsCJK {
		switch len(rs) {
		case 1:
			return appendCJKTerm(nil, uniKey(rs[0]))
		case 2:
			return appendCJKTerm(nil, pairKey(rs[0], rs[1]))
		}
	}
	return appendWordTerm(nil, tok)
}

// termText is termOf's inverse, for tests and debugging.
func termText(t []byte) string {
	if len(t) == 7 && t[0] == termCJK {
		var k uint64
		for _, c := range t[1:] {
			k = k<<8 | uint64(c)
		}
		r := rune(k & (1<<21 - 1))
		if k&pairBit != 0 {
			return string([]rune{rune(k >> 21 & (1<<21 - 1)), r})
		}
		return string(r)
	}
	if len(t) > 0 && t[0] == termWord {
		return string(t[1:])
	}
	return fmt.Sprintf("%x", t)
}
