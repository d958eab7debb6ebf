package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/searchtext"
)

const (
	// SnippetRunes bounds Hit.Snippet, ellipses included.
	SnippetRunes = searchtext.SnippetRunes
	// DefaultSearchLimit applies when Search gets limit <= 0.
	DefaultSearchLimit = 20
	// MaxSearchLimit caps limit.
	MaxSearchLimit = 200
	// MaxQueryRunes bounds a query: longer ones are refused with ErrInvalid
	// rather than turned into hundreds of term lookups.
	MaxQueryRunes = 200
)

// Search finds articles whose title or body holds every
// whitespace-separated term of query, newest first (issue date, then id,
// descending). Terms of any length match, one CJK character included; a
// run of CJK characters must appear as written, a word (GDP, 5G) as a whole
// word, ignoring case and full width; the pieces of a mixed term (5G基站)
// may appear apart. Query syntax is not interpreted: quotes, *, OR, NEAR(
// are just text, and a query with nothing searchable (only punctuation)
// returns no hits.
func (s *Store) Search(ctx context.Context, query string, limit int) ([]Hit, error) {
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	limit = min(limit, MaxSearchLimit)
	if utf8.RuneCountInString(query) > MaxQueryRunes {
		return nil, fmt.Errorf("data: search: query longer than %d characters: %w", MaxQueryRunes, ErrInvalid)
	}
	q := searchtext.ParseQuery(query)
	hits := []Hit{}
	if len(q.Toks) == 0 {
		return hits, nil // nothing searchable, e.g. only punctuation
	}
	// One read transaction: the segments listed and the pages read are
	// from the same snapshot, whatever merges commit meanwhile.
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("data: search %q: %w", query, err)
	}
	defer tx.Rollback()
	terms := make([][]byte, len(q.Toks))
	for i, t := range q.Toks {
		terms[i] = termOf(t)
	}
	// Newest first is key order. A round takes the k newest candidates
	// below the last round's, and fetches their articles: retired keys
	// find none, and the literal checks of long runs run in SQLite, so
	// rows that fail them never cross into Go. Most searches need one
	// round; runs that rarely hold literally need a few, each four times
	// larger.
	k := limit + 8
	if len(q.Runs) > 0 {
		k = max(4*limit, 256)
	}
	var sb strings.Builder
	var args []any
	for top := (topKeys{k: k, below: math.MaxInt64}); ; top = (topKeys{k: 4 * top.k, below: top.below}) {
		if err := s.segs.candidates(ctx, tx, terms, &top); err != nil {
			return nil, fmt.Errorf("data: search %q: %w", query, err)
		}
		keys := top.sorted()
		for len(keys) > 0 && len(hits) < limit {
			chunk := keys[:min(len(keys), 256)]
			keys = keys[len(chunk):]
			sb.Reset()
			sb.WriteString(`SELECT ` + prefixed("a.", articleCols) + `
				FROM search_keys AS k JOIN articles AS a ON a.id = k.article_id
				WHERE k.key IN (?` + strings.Repeat(", ?", len(chunk)-1) + `)`)
			args = args[:0]
			for _, k := range chunk {
				args = append(args, k)
			}
			for _, r := range q.Runs {
				sb.WriteString(` AND (instr(a.title, ?) > 0 OR instr(a.body, ?) > 0)`)
				args = append(args, r, r)
			}
			sb.WriteString(` ORDER BY k.key DESC`)
			if err := fetchHits(ctx, tx, sb.String(), args, q.Terms, limit, &hits); err != nil {
				return nil, fmt.Errorf("data: search %q: %w", query, err)
			}
		}
		if len(hits) >= limit || !top.more {
			break
		}
	}
	return hits, nil
}

// fetchHits appends the articles of query to hits, up to limit.
func fetchHits(ctx context.Context, tx *sql.Tx, query string, args []any, terms []string, limit int, hits *[]Hit) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() && len(*hits) < limit {
		a, err := scanArticle(rows)
		if err != nil {
			return err
		}
		*hits = append(*hits, Hit{Article: a, Snippet: searchtext.Snippet(a, terms)})
	}
	return rows.Err()
}

func prefixed(p, cols string) string {
	fs := strings.Split(cols, ", ")
	for i := range fs {
		fs[i] = p + fs[i]
	}
	return strings.Join(fs, ", ")
}

// rebuildIfAsked rebuilds the search index when a migration asked for it
// (meta key search_rebuild), as 0005 does when the index format changes.
func (s *Store) rebuildIfAsked(ctx context.Context) error {
	var v string
	err := s.w.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'search_rebuild'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check search index: %w", err)
	}
	s.log.Info("rebuilding the search index", "path", s.path, "reason", "migration "+v)
	return s.RebuildSearchIndex(ctx)
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
	for _, q := range []string{`DELETE FROM search_pages`, `DELETE FROM search_segments`, `DELETE FROM search_keys`,
		`DELETE FROM meta WHERE key = 'search_rebuild'`} {
		if _, err = tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("data: rebuild search index: %w", err)
		}
	}
	// Keys number each day's articles in id order.
	keys := map[int64]int64{}
	rows, err := tx.QueryContext(ctx, `SELECT id, issue_date FROM articles WHERE withdrawn_at IS NULL ORDER BY id`)
	if err != nil {
		return fmt.Errorf("data: rebuild search index: %w", err)
	}
	next := map[int64]int64{}
	for rows.Next() {
		var id int64
		var date string
		if err = rows.Scan(&id, &date); err != nil {
			rows.Close()
			return fmt.Errorf("data: rebuild search index: %w", err)
		}
		day, err := parseDate(date)
		if err != nil {
			rows.Close()
			return fmt.Errorf("data: rebuild search index: article %d: %w", id, err)
		}
		if next[day] >= 1<<keyBits {
			rows.Close()
			return fmt.Errorf("data: rebuild search index: more than %d articles on %s: %w", 1<<keyBits, date, ErrInvalid)
		}
		keys[id] = searchKey(day, next[day])
		next[day]++
	}
	rows.Close()
	if err = rows.Err(); err != nil {
		return fmt.Errorf("data: rebuild search index: %w", err)
	}
	idx, err := newIndexer(ctx, tx)
	if err != nil {
		return fmt.Errorf("data: rebuild search index: %w", err)
	}
	defer idx.close()
	// Chunks by id keep memory flat without interleaving reads and writes
	// on the one connection.
	const chunk = 1000
	var after int64
	for {
		rows, err := tx.QueryContext(ctx, `SELECT id, title, body FROM articles
			WHERE id > ? AND withdrawn_at IS NULL ORDER BY id LIMIT ?`, after, chunk)
		if err != nil {
			return fmt.Errorf("data: rebuild search index: %w", err)
		}
		var es []entry
		for rows.Next() {
			var e entry
			if err := rows.Scan(&e.id, &e.title, &e.body); err != nil {
				rows.Close()
				return fmt.Errorf("data: rebuild search index: %w", err)
			}
			e.key = keys[e.id]
			es = append(es, e)
			after = e.id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("data: rebuild search index: %w", err)
		}
		if err := idx.add(ctx, es); err != nil {
			return fmt.Errorf("data: rebuild search index: %w", err)
		}
		if len(es) < chunk {
			break
		}
	}
	if err = idx.flush(ctx); err != nil {
		return fmt.Errorf("data: rebuild search index: %w", err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("data: rebuild search index: commit: %w", err)
	}
	return nil
}
