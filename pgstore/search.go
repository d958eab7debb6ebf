package pgstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

// Search bounds, the SQLite store's (storetest's constants).
const (
	// SnippetRunes bounds Hit.Snippet, ellipses included.
	SnippetRunes = 60
	// DefaultSearchLimit applies when Search gets limit <= 0.
	DefaultSearchLimit = 20
	// MaxSearchLimit caps limit.
	MaxSearchLimit = 200
	// MaxQueryRunes bounds a query; a longer one is refused with ErrInvalid.
	MaxQueryRunes = 200
)

// Search finds articles whose title or body holds every
// whitespace-separated term of query, newest first (issue date, then id,
// descending). Terms of any length match, one CJK character included; a
// run of CJK characters must appear as written, a word (GDP, 5G) as a whole
// word, ignoring case and full width; the pieces of a mixed term (5G基站)
// may appear apart. Query syntax is not interpreted, and a query with
// nothing searchable (only punctuation) returns no hits.
//
// The query's tokens are required with tokens @> $1 (the GIN index), and
// runs of three or more CJK characters are checked literally in title or
// body (strpos), both in one statement.
func (s *Store) Search(ctx context.Context, query string, limit int) ([]model.Hit, error) {
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	limit = min(limit, MaxSearchLimit)
	if utf8.RuneCountInString(query) > MaxQueryRunes {
		return nil, fmt.Errorf("pgstore: search: query longer than %d characters: %w", MaxQueryRunes, model.ErrInvalid)
	}
	q := parseQuery(query)
	if len(q.toks) == 0 {
		return []model.Hit{}, nil // nothing searchable, e.g. only punctuation
	}
	var sb strings.Builder
	sb.WriteString(`SELECT ` + articleCols + ` FROM articles WHERE withdrawn_at IS NULL AND tokens @> $1`)
	args := []any{q.toks}
	for _, r := range q.runs {
		args = append(args, r)
		n := strconv.Itoa(len(args))
		sb.WriteString(` AND (strpos(title, $` + n + `) > 0 OR strpos(body, $` + n + `) > 0)`)
	}
	args = append(args, limit)
	sb.WriteString(` ORDER BY issue_date DESC, id DESC LIMIT $` + strconv.Itoa(len(args)))
	rows, err := s.pool.Query(ctx, sb.String(), args...)
	hits, err := collect(rows, err, func(sc scanner) (model.Hit, error) {
		a, err := scanArticle(sc)
		return model.Hit{Article: a, Snippet: snippet(a, q.terms)}, err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: search %q: %w", query, err)
	}
	return hits, nil
}

// snippet picks the body, else the title, and cuts a window around the
// earliest occurrence of any term (or, failing that, of any piece of a
// term).
func snippet(a digest.Article, terms []string) string {
	var needles [][]rune
	for _, t := range terms {
		needles = append(needles, foldRunes([]rune(t)))
		eachSegment(t, func(s segment) { needles = append(needles, slices.Clone(s.runes)) })
	}
	for _, text := range []string{a.Body, a.Title} {
		rs := []rune(text)
		if pos, n := firstMatch(foldRunes(rs), needles); pos >= 0 {
			return window(rs, pos, n)
		}
	}
	if a.Body != "" {
		return window([]rune(a.Body), 0, 0)
	}
	return window([]rune(a.Title), 0, 0)
}

func foldRunes(rs []rune) []rune {
	out := make([]rune, len(rs))
	for i, r := range rs {
		out[i] = fold(r)
	}
	return out
}

// firstMatch returns the earliest position of any needle in hay and that
// needle's length (the longest at that position), or -1.
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
