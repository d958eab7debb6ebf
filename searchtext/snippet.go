package searchtext

import (
	"slices"
	"strings"

	"github.com/wxdigest/wxdigest/digest"
)

// SnippetRunes bounds a search hit's snippet, ellipses included.
const SnippetRunes = 60

// Snippet picks the body, else the title, and cuts a window around the
// earliest occurrence of any term (or, failing that, of any piece of a
// term: 开门红 for the term "开门红").
func Snippet(a digest.Article, terms []string) string {
	var needles [][]rune
	var sg Segmenter
	for _, t := range terms {
		needles = append(needles, foldRunes(t))
		sg.Each(t, func(s Segment) { needles = append(needles, slices.Clone(s.Runes)) })
	}
	for _, text := range []string{a.Body, a.Title} {
		rs := []rune(text)
		if pos, n := firstMatch(foldRunesOf(rs), needles); pos >= 0 {
			return window(rs, pos, n)
		}
	}
	if a.Body != "" {
		return window([]rune(a.Body), 0, 0)
	}
	return window([]rune(a.Title), 0, 0)
}

func foldRunes(s string) []rune { return foldRunesOf([]rune(s)) }

func foldRunesOf(rs []rune) []rune {
	out := make([]rune, len(rs))
	for i, r := range rs {
		out[i] = Fold(r)
	}
	return out
}

// firstMatch returns the earliest position of any needle in hay and that
// needle's length, or -1.
func firstMatch(hay []rune, needles [][]rune) (int, int) {
	best, bestLen := -1, 0
	for _, n := range needles {
		if len(n) == 0 {
			continue
		}
		if p := indexRunes(hay, n); p >= 0 && (best < 0 || p < best || (p == best && len(n) > bestLen)) {
			best, bestLen = p, len(n)
		}
	}
	return best, bestLen
}

func indexRunes(hay, n []rune) int {
outer:
	for i := 0; i+len(n) <= len(hay); i++ {
		for j := range n {
			if hay[i+j] != n[j] {
				continue outer
			}
		}
		return i
	}
	return -1
}

// window returns at most SnippetRunes runes of rs around [pos, pos+n),
// starting a little before the match so the reader sees its context.
func window(rs []rune, pos, n int) string {
	const lead = 16
	room := SnippetRunes
	if len(rs) <= room {
		return flatten(rs)
	}
	room -= 2 // both ends may need an ellipsis
	start := max(0, pos-lead)
	if pos+n > start+room { // a very long term: show its start
		start = pos
	}
	end := min(len(rs), start+room)
	if end-start < room { // near the end: use the room before the match
		start = max(0, end-room)
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	b.WriteString(flatten(rs[start:end]))
	if end < len(rs) {
		b.WriteString("…")
	}
	return b.String()
}

func flatten(rs []rune) string {
	var b strings.Builder
	for _, r := range rs {
		if r == '\n' || r == '\r' || r == '\t' {
			r = ' '
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}
