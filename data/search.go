package data

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/wxdigest/wxdigest/digest"
)

// Hit is one search result.
type Hit struct {
	Article digest.Article
	// Snippet is a window of at most SnippetRunes runes of the body (or the
	// title when the body lacks the term) around the first match, with …
	// marking cut ends and line breaks shown as spaces.
	Snippet string
}

const (
	// SnippetRunes bounds Hit.Snippet, ellipses included.
	SnippetRunes = 60
	// DefaultSearchLimit applies when Search gets limit <= 0.
	DefaultSearchLimit = 20
	// MaxSearchLimit caps limit.
	MaxSearchLimit = 200
)

// Search finds articles whose title or body contains every
// whitespace-separated term of query, newest first (issue date, then id,
// descending). Terms of any length match, one CJK character included.
// Query syntax is not interpreted: quotes, *, OR, NEAR( are just text, and
// a query with nothing searchable (only punctuation) returns no hits.
func (s *Store) Search(ctx context.Context, query string, limit int) ([]Hit, error) {
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	limit = min(limit, MaxSearchLimit)
	q := parseQuery(query)
	hits := []Hit{}
	// Each form walks one index in rowid order and stops at limit; the join
	// then costs limit lookups by primary key.
	var keys string
	var args []any
	switch {
	case q.phrases == "" && q.chars == "":
		return hits, nil // nothing searchable, e.g. only punctuation
	case q.chars == "":
		keys = `SELECT rowid AS k FROM article_search WHERE article_search MATCH ? ORDER BY rowid DESC LIMIT ?`
		args = []any{q.phrases, limit}
	case q.phrases == "":
		keys = `SELECT rowid AS k FROM article_chars WHERE article_chars MATCH ? ORDER BY rowid DESC LIMIT ?`
		args = []any{q.chars, limit}
	default:
		// Phrases narrow more; each candidate is then checked by rowid.
		keys = `SELECT s.rowid AS k FROM article_search AS s WHERE article_search MATCH ?
			AND EXISTS (SELECT 1 FROM article_chars AS c WHERE article_chars MATCH ? AND c.rowid = s.rowid)
			ORDER BY s.rowid DESC LIMIT ?`
		args = []any{q.phrases, q.chars, limit}
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+prefixed("a.", articleCols)+`
		FROM (`+keys+`) AS f
		JOIN articles AS a ON a.id = (f.k & `+strconv.FormatInt(maxSearchID, 10)+`)
		ORDER BY f.k DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("data: search %q: %w", query, err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("data: search %q: %w", query, err)
		}
		hits = append(hits, Hit{Article: a, Snippet: snippet(a, q.terms)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: search %q: %w", query, err)
	}
	return hits, nil
}

func prefixed(p, cols string) string {
	fs := strings.Split(cols, ", ")
	for i := range fs {
		fs[i] = p + fs[i]
	}
	return strings.Join(fs, ", ")
}

// snippet picks the body, else the title, and cuts a window around the
// earliest occurrence of any term.
func snippet(a digest.Article, terms []string) string {
	needles := make([][]rune, 0, len(terms))
	for _, t := range terms {
		needles = append(needles, foldRunes(t))
	}
	for _, text := range []string{a.Body, a.Title} {
		rs := []rune(text)
		if pos, n := firstMatch(foldRunesOf(rs), needles); pos >= 0 {
			return window(rs, pos, n)
		}
	}
	// Matched through tokens but not as a substring (e.g. 中国GDP against
	// "中国 GDP"): show the start of the body.
	if a.Body != "" {
		return window([]rune(a.Body), 0, 0)
	}
	return window([]rune(a.Title), 0, 0)
}

func foldRunes(s string) []rune { return foldRunesOf([]rune(s)) }

func foldRunesOf(rs []rune) []rune {
	out := make([]rune, len(rs))
	for i, r := range rs {
		out[i] = fold(r)
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
		if p := indexRunes(hay, n); p >= 0 && (best < 0 || p < best) {
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

// RebuildSearchIndex re-creates every search entry from the articles, in
// one transaction. Needed only if the index was lost or the tokenizer
// changed; normal writes keep it in sync.
func (s *Store) RebuildSearchIndex(ctx context.Context) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("data: rebuild search index: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	for _, t := range []string{"article_search", "article_chars"} {
		if _, err = tx.ExecContext(ctx, `INSERT INTO `+t+` (`+t+`) VALUES ('delete-all')`); err != nil {
			return fmt.Errorf("data: rebuild search index: %w", err)
		}
	}
	idx, err := newIndexer(ctx, tx)
	if err != nil {
		return fmt.Errorf("data: rebuild search index: %w", err)
	}
	defer idx.close()
	type entry struct {
		key         int64
		title, body string
	}
	// Chunks by id keep memory flat without interleaving reads and writes
	// on the one connection.
	const chunk = 1000
	var after int64
	for {
		rows, err := tx.QueryContext(ctx, `SELECT id, issue_date, title, body FROM articles WHERE id > ? ORDER BY id LIMIT ?`, after, chunk)
		if err != nil {
			return fmt.Errorf("data: rebuild search index: %w", err)
		}
		var entries []entry
		for rows.Next() {
			var date, title, body string
			if err := rows.Scan(&after, &date, &title, &body); err != nil {
				rows.Close()
				return fmt.Errorf("data: rebuild search index: %w", err)
			}
			day, err := parseDate(date)
			if err != nil {
				rows.Close()
				return fmt.Errorf("data: rebuild search index: article %d: %w", after, err)
			}
			entries = append(entries, entry{searchKey(day, after), title, body})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("data: rebuild search index: %w", err)
		}
		for _, e := range entries {
			if err := idx.add(ctx, e.key, e.title, e.body); err != nil {
				return fmt.Errorf("data: rebuild search index: %w", err)
			}
		}
		if len(entries) < chunk {
			break
		}
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("data: rebuild search index: commit: %w", err)
	}
	return nil
}
