package pgstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

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
// body (strpos). Which plan is fast depends on how many articles hold the
// tokens, and PostgreSQL's estimate of that is no guide (a token outside
// its most common elements is guessed at a fixed share of the rows, so an
// absent word could walk the whole table newest first, testing each
// article's tokens). So Search counts, from the index, up to searchProbe
// articles holding them, and then fixes the plan: fewer, and it collects
// them from the index and sorts them (sparse); that many or more, and it
// walks the articles newest first until it has limit of them (dense),
// which a common word ends after a few dozen.
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
	var where strings.Builder
	where.WriteString(` WHERE withdrawn_at IS NULL AND tokens @> $1`)
	args := []any{q.Toks}
	for _, r := range q.Runs {
		args = append(args, r)
		n := strconv.Itoa(len(args))
		where.WriteString(` AND (strpos(title, $` + n + `) > 0 OR strpos(body, $` + n + `) > 0)`)
	}
	args = append(args, limit)
	lim := ` LIMIT $` + strconv.Itoa(len(args))
	const order = ` ORDER BY issue_date DESC, id DESC`
	dense := `SELECT ` + articleCols + ` FROM articles` + where.String() + order + lim
	// The sort takes only the keys; the whole rows are read for the hits.
	sparse := `SELECT ` + articleCols + ` FROM articles WHERE id IN (SELECT id FROM articles` +
		where.String() + order + lim + `)` + order
	var hits []model.Hit
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		// A bitmap scan of the GIN index, the only plan left: on pages
		// vacuum marked all-visible the count reads no rows.
		if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off`); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM (SELECT FROM articles WHERE tokens @> $1 LIMIT $2) AS m`,
			q.Toks, searchProbe).Scan(&n); err != nil {
			return err
		}
		sql := sparse
		if n >= searchProbe {
			if _, err := tx.Exec(ctx, `SET LOCAL enable_bitmapscan = off; SET LOCAL enable_indexscan = on`); err != nil {
				return err
			}
			sql = dense
		}
		rows, err := tx.Query(ctx, sql, args...)
		hits, err = collect(rows, err, func(sc scanner) (model.Hit, error) {
			a, err := scanArticle(sc)
			return model.Hit{Article: a, Snippet: searchtext.Snippet(a, q.Terms)}, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: search %q: %w", query, err)
	}
	return hits, nil
}

// searchProbe is how many articles holding a query's tokens make Search
// walk the articles newest first instead of sorting those it found: at
// 100,000 articles, 4% of them, whom a walk meets about every 25 rows.
const searchProbe = 4000
