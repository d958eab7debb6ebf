package data

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// The search index: article_terms rows keyed by search keys, and
// article_search_keys mapping keys to article ids (migration 0002).

// keyBits is how many articles one day can number: 65,536.
const keyBits = 16

func searchKey(day, n int64) int64 { return day<<keyBits | n }

// dayRange is the half-open key range of one day.
func dayRange(day int64) (lo, hi int64) { return day << keyBits, (day + 1) << keyBits }

// indexer writes search entries inside a write transaction.
type indexer struct {
	tx       *sql.Tx
	terms    *sql.Stmt
	keys     *sql.Stmt
	tb       *termBuilder
	nextSeen map[int64]int64 // next number per day, for days this indexer touched
}

func newIndexer(ctx context.Context, tx *sql.Tx) (*indexer, error) {
	terms, err := tx.PrepareContext(ctx, `INSERT INTO article_terms (rowid, terms) VALUES (?, ?)`)
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	keys, err := tx.PrepareContext(ctx, `INSERT INTO article_search_keys (key, article_id) VALUES (?, ?)`)
	if err != nil {
		terms.Close()
		return nil, fmt.Errorf("index: %w", err)
	}
	return &indexer{tx: tx, terms: terms, keys: keys, tb: newTermBuilder(), nextSeen: map[int64]int64{}}, nil
}

func (x *indexer) close() {
	x.terms.Close()
	x.keys.Close()
}

// nextKey returns the key for a new article on day whose id is larger than
// every id already numbered on that day.
func (x *indexer) nextKey(ctx context.Context, day int64) (int64, error) {
	n, ok := x.nextSeen[day]
	if !ok {
		lo, hi := dayRange(day)
		var last sql.NullInt64
		if err := x.tx.QueryRowContext(ctx, `SELECT MAX(key) FROM article_search_keys WHERE key >= ? AND key < ?`, lo, hi).Scan(&last); err != nil {
			return 0, fmt.Errorf("index: %w", err)
		}
		if last.Valid {
			n = last.Int64 - lo + 1
		}
	}
	if n >= 1<<keyBits {
		return 0, fmt.Errorf("index: more than %d articles on one day: %w", 1<<keyBits, ErrInvalid)
	}
	x.nextSeen[day] = n + 1
	return searchKey(day, n), nil
}

// entry is one article to index.
type entry struct {
	key, id     int64
	title, body string
	terms       []byte // prebuilt tokens, or nil to build them here
	input       int    // position in the import slice, for its prebuilt tokens
}

// add writes entries, in key order: FTS5 flushes its pending terms to a
// new segment whenever a rowid is not larger than the previous one.
func (x *indexer) add(ctx context.Context, es []entry) error {
	slices.SortFunc(es, func(a, b entry) int { return cmp.Compare(a.key, b.key) })
	for _, e := range es {
		if _, err := x.keys.ExecContext(ctx, e.key, e.id); err != nil {
			return fmt.Errorf("index article %d: %w", e.id, err)
		}
	}
	for _, e := range es {
		terms := e.terms
		if terms == nil {
			terms = x.tb.build(e.title, e.body)
		}
		if _, err := x.terms.ExecContext(ctx, e.key, terms); err != nil {
			return fmt.Errorf("index article %d: %w", e.id, err)
		}
	}
	return nil
}

// unindex removes one article's search entry, if it has one.
func unindex(ctx context.Context, tx *sql.Tx, id int64) error {
	var key int64
	err := tx.QueryRowContext(ctx, `DELETE FROM article_search_keys WHERE article_id = ? RETURNING key`, id).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unindex article %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM article_terms WHERE rowid = ?`, key); err != nil {
		return fmt.Errorf("unindex article %d: %w", id, err)
	}
	return nil
}

// renumberDay restores the invariant that a day's keys follow its articles'
// ids, after an article moved onto that day with a smaller id than some
// already there. Rare (an edited date), so it simply re-indexes the
// articles whose number changes.
func renumberDay(ctx context.Context, tx *sql.Tx, x *indexer, day int64, date string) error {
	rows, err := tx.QueryContext(ctx, `SELECT a.id, a.title, a.body, k.key FROM articles AS a
		LEFT JOIN article_search_keys AS k ON k.article_id = a.id
		WHERE a.issue_date = ? ORDER BY a.id`, date)
	if err != nil {
		return fmt.Errorf("renumber %s: %w", date, err)
	}
	var move []entry
	var n int64
	for rows.Next() {
		var e entry
		var key sql.NullInt64
		if err := rows.Scan(&e.id, &e.title, &e.body, &key); err != nil {
			rows.Close()
			return fmt.Errorf("renumber %s: %w", date, err)
		}
		e.key = searchKey(day, n)
		n++
		if !key.Valid || key.Int64 != e.key {
			move = append(move, e)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("renumber %s: %w", date, err)
	}
	for _, e := range move {
		if err := unindex(ctx, tx, e.id); err != nil {
			return err
		}
	}
	if err := x.add(ctx, move); err != nil {
		return fmt.Errorf("renumber %s: %w", date, err)
	}
	delete(x.nextSeen, day)
	return nil
}
