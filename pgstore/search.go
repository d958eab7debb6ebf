package pgstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/model"
	"github.com/wxdigest/wxdigest/searchtext"
)

// Search bounds, the SQLite store's (storetest's constants).
const (
	// SnippetRunes bounds Hit.Snippet, ellipses included.
	SnippetRunes = searchtext.SnippetRunes
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
	q := searchtext.ParseQuery(query)
	if len(q.Toks) == 0 {
		return []model.Hit{}, nil // nothing searchable, e.g. only punctuation
	}
	var sb strings.Builder
	sb.WriteString(`SELECT ` + articleCols + ` FROM articles WHERE withdrawn_at IS NULL AND tokens @> $1`)
	args := []any{q.Toks}
	for _, r := range q.Runs {
		args = append(args, r)
		n := strconv.Itoa(len(args))
		sb.WriteString(` AND (strpos(title, $` + n + `) > 0 OR strpos(body, $` + n + `) > 0)`)
	}
	args = append(args, limit)
	sb.WriteString(` ORDER BY issue_date DESC, id DESC LIMIT $` + strconv.Itoa(len(args)))
	rows, err := s.pool.Query(ctx, sb.String(), args...)
	hits, err := collect(rows, err, func(sc scanner) (model.Hit, error) {
		a, err := scanArticle(sc)
		return model.Hit{Article: a, Snippet: searchtext.Snippet(a, q.Terms)}, err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: search %q: %w", query, err)
	}
	return hits, nil
}
