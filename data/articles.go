package data

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-sqlite3"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

const dateLayout = "2006-01-02"

// parseDate checks a YYYY-MM-DD issue date and returns its day number
// (days since 0001-01-01), the high part of the search key.
func parseDate(s string) (int64, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil || t.Format(dateLayout) != s || t.Year() < 1 {
		return 0, fmt.Errorf("bad issue date %q, want YYYY-MM-DD: %w", s, ErrInvalid)
	}
	const unixToDay0 = 719162 // days from 0001-01-01 to 1970-01-01
	return t.Unix()/86400 + unixToDay0, nil
}

// checkArticle validates what the store needs and returns the day number.
// A field holding a NUL character is refused.
func checkArticle(a *digest.Article) (int64, error) {
	if strings.TrimSpace(a.Source) == "" {
		return 0, fmt.Errorf("empty source: %w", ErrInvalid)
	}
	day, err := parseDate(a.Date)
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(a.Title) == "" {
		return 0, fmt.Errorf("empty title: %w", ErrInvalid)
	}
	for _, f := range []struct{ name, v string }{
		{"source", a.Source}, {"url", a.URL}, {"kicker", a.Kicker}, {"title", a.Title},
		{"subtitle", a.Subtitle}, {"dateline", a.Dateline}, {"byline", a.Byline},
		{"lead", a.Lead}, {"body", a.Body},
	} {
		if !utf8.ValidString(f.v) {
			return 0, fmt.Errorf("%s is not valid UTF-8: %w", f.name, ErrInvalid)
		}
		// PostgreSQL's text cannot hold U+0000, and every store keeps
		// the same articles (the text pipeline drops it before).
		if strings.IndexByte(f.v, 0) >= 0 {
			return 0, fmt.Errorf("%s holds a NUL character: %w", f.name, ErrInvalid)
		}
	}
	return day, nil
}

// contentHash is the dedupe fingerprint every store keeps (model.ContentHash).
func contentHash(title, body string) [32]byte { return model.ContentHash(title, body) }

func isUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}

// ImportArticles stores arts in one transaction: if any article is invalid
// or any write fails, nothing is stored. Each article needs Source, Date
// (YYYY-MM-DD) and Title. An article whose content (title + body) is
// already stored, under any source or date, is not stored again. New
// articles get page orders in input order, after those already stored for
// the same source and day.
func (s *Store) ImportArticles(ctx context.Context, arts []digest.Article) (ImportResult, error) {
	return s.importArticles(ctx, arts, true)
}

// importArticles can skip the search index, for the benchmark that
// measures what the index costs.
func (s *Store) importArticles(ctx context.Context, arts []digest.Article, index bool) (res ImportResult, err error) {
	res.IDs = make([]int64, len(arts))
	// Checks and content hashes first, on every core, so a bad article
	// fails the import before anything is written.
	prep := prepareArticles(arts)
	for i := range prep {
		if prep[i].err != nil {
			return ImportResult{}, fmt.Errorf("data: import: article %d (%.20q): %w", i+1, arts[i].Title, prep[i].err)
		}
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return ImportResult{}, fmt.Errorf("data: import: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
			res = ImportResult{}
		}
	}()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO articles
		(source, issue_date, page_order, url, kicker, title, subtitle, dateline, byline, lead, body, imported_at, content_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (content_hash) DO NOTHING`)
	if err != nil {
		return res, fmt.Errorf("data: import: %w", err)
	}
	defer ins.Close()
	existing, err := tx.PrepareContext(ctx, `SELECT id FROM articles WHERE content_hash = ?`)
	if err != nil {
		return res, fmt.Errorf("data: import: %w", err)
	}
	defer existing.Close()
	var idx *indexer
	if index {
		if idx, err = newIndexer(ctx, tx); err != nil {
			return res, fmt.Errorf("data: import: %w", err)
		}
		defer idx.close()
		if err := reserveKeys(ctx, idx, existing, prep); err != nil {
			return res, fmt.Errorf("data: import: %w", err)
		}
	}

	now := s.now().UTC().Format(time.RFC3339)
	type day struct{ source, date string }
	next := map[day]int64{} // next page order per (source, day) touched by this import
	// The tokens of a slice are built on another core while its rows go
	// in; slices bound what a large import holds. Whatever happens, the
	// builder is done before the caller gets arts back.
	var terms *termsAhead
	defer func() {
		if terms != nil {
			terms.wait()
		}
	}()
	for from := 0; from < len(arts); from += importSlice {
		to := min(len(arts), from+importSlice)
		if index {
			terms = s.buildTermsAhead(arts[from:to])
		}
		var pending []entry
		for i := from; i < to; i++ {
			a := &arts[i]
			k := day{a.Source, a.Date}
			order, ok := next[k]
			if !ok {
				if order, err = nextPageOrder(ctx, tx, a.Source, a.Date); err != nil {
					return res, fmt.Errorf("data: import: %w", err)
				}
			}
			hash := prep[i].hash
			// Exec reports rows affected and the new rowid in one call;
			// RETURNING through QueryRow measured 35% slower.
			r, err := ins.ExecContext(ctx, a.Source, a.Date, order, a.URL, a.Kicker, a.Title, a.Subtitle,
				a.Dateline, a.Byline, a.Lead, a.Body, now, hash[:])
			if err != nil {
				return res, fmt.Errorf("data: import: article %d: insert: %w", i+1, err)
			}
			if n, _ := r.RowsAffected(); n == 0 {
				var id int64
				if err := existing.QueryRowContext(ctx, hash[:]).Scan(&id); err != nil {
					return res, fmt.Errorf("data: import: article %d: find stored copy: %w", i+1, err)
				}
				res.Existing++
				res.IDs[i] = id
				next[k] = order
				continue
			}
			id, err := r.LastInsertId()
			if err != nil {
				return res, fmt.Errorf("data: import: article %d: insert: %w", i+1, err)
			}
			if index {
				key, err := idx.nextKey(ctx, prep[i].day)
				if err != nil {
					return res, fmt.Errorf("data: import: article %d: %w", i+1, err)
				}
				pending = append(pending, entry{key: key, id: id, title: a.Title, body: a.Body, input: i - from})
			}
			next[k] = order + 1
			res.New++
			res.IDs[i] = id
		}
		if index {
			terms.wait()
			err := idx.addBuilt(ctx, pending, terms.pb, terms.seg)
			s.builders.Put(terms.pb)
			terms = nil
			if err != nil {
				return res, fmt.Errorf("data: import: %w", err)
			}
		}
	}
	if index {
		if err := idx.flush(ctx); err != nil {
			return res, fmt.Errorf("data: import: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("data: import: commit: %w", err)
	}
	s.trimWAL(ctx)
	s.log.Debug("imported articles", "new", res.New, "existing", res.Existing)
	return res, nil
}

// reserveKeys refuses, before anything is written, an import that would
// take a day past its search keys. It costs the query per day that
// numbering the day's articles needs anyway; only on a day near its limit
// does it look up which of the day's articles are stored already (those
// take no key).
func reserveKeys(ctx context.Context, x *indexer, existing *sql.Stmt, prep []prepared) error {
	perDay := map[int64]int{}
	for i := range prep {
		perDay[prep[i].day]++
	}
	for _, day := range slices.Sorted(maps.Keys(perDay)) {
		if x.reserve(ctx, day, perDay[day]) == nil {
			continue
		}
		n, err := newOnDay(ctx, existing, prep, day)
		if err != nil {
			return err
		}
		if err := x.reserve(ctx, day, n); err != nil {
			return err
		}
	}
	return nil
}

// newOnDay counts the articles of day in prep that an import would
// store: content not stored yet, and not earlier in prep.
func newOnDay(ctx context.Context, existing *sql.Stmt, prep []prepared, day int64) (int, error) {
	seen := map[[sha256.Size]byte]bool{}
	n := 0
	for i := range prep {
		h := prep[i].hash
		if seen[h] {
			continue
		}
		seen[h] = true
		if prep[i].day != day {
			continue
		}
		var id int64
		switch err := existing.QueryRowContext(ctx, h[:]).Scan(&id); {
		case errors.Is(err, sql.ErrNoRows):
			n++
		case err != nil:
			return 0, fmt.Errorf("find stored copy: %w", err)
		}
	}
	return n, nil
}

// importSlice is how many articles an import indexes at a time.
const importSlice = 4096

// prepared is what an import computes for an article before writing.
type prepared struct {
	day  int64
	hash [sha256.Size]byte
	err  error
}

func prepareArticles(arts []digest.Article) []prepared {
	prep := make([]prepared, len(arts))
	workers := max(1, min(runtime.GOMAXPROCS(0), 4, len(arts)/64))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(arts); i += workers {
				a := &arts[i]
				if prep[i].day, prep[i].err = checkArticle(a); prep[i].err == nil {
					prep[i].hash = contentHash(a.Title, a.Body)
				}
			}
		})
	}
	wg.Wait()
	return prep
}

// termsAhead builds the postings of articles in the background, and
// encodes them as a segment for the usual case that every article is
// new: document i is arts[i].
type termsAhead struct {
	done chan struct{}
	pb   *postingBuilder // read after done
	seg  *segmentWriter  // held pages, or nil if encoding failed
}

func (s *Store) buildTermsAhead(arts []digest.Article) *termsAhead {
	t := &termsAhead{done: make(chan struct{}), pb: s.builder()}
	go func() {
		defer close(t.done)
		// Two halves on two goroutines: building is the longer of the
		// import's two strands, and the writer leaves room on a second core
		// while it waits for SQLite.
		h := len(arts) / 2
		if h < 64 {
			h = len(arts)
		}
		var wg sync.WaitGroup
		var second *postingBuilder
		if h < len(arts) {
			second = s.builder()
			second.docs = h
			wg.Go(func() { buildPostings(second, arts[h:]) })
		}
		buildPostings(t.pb, arts[:h])
		wg.Wait()
		if second != nil {
			t.pb.absorb(second)
			s.builders.Put(second)
		}
		seg := &segmentWriter{}
		if t.pb.each(seg.term) == nil && seg.flushPage() == nil {
			t.seg = seg
		}
	}()
	return t
}

// builder returns an empty posting builder, reusing one if it can.
func (s *Store) builder() *postingBuilder {
	pb, _ := s.builders.Get().(*postingBuilder)
	if pb == nil {
		pb = newPostingBuilder()
	}
	pb.reset()
	return pb
}

func buildPostings(pb *postingBuilder, arts []digest.Article) {
	n := 0
	for i := range arts {
		n += len(arts[i].Title) + len(arts[i].Body)
	}
	pb.grow(n)
	for i := range arts {
		pb.add(arts[i].Title, arts[i].Body)
	}
	pb.sort()
}

func (t *termsAhead) wait() { <-t.done }

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func nextPageOrder(ctx context.Context, q querier, source, date string) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx,
		`SELECT COALESCE(MAX(page_order) + 1, 0) FROM articles WHERE issue_date = ? AND source = ?`,
		date, source).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("next page order: %w", err)
	}
	return n, nil
}

const articleCols = `id, source, url, issue_date, kicker, title, subtitle, dateline, byline, lead, body`

type scanner interface{ Scan(dest ...any) error }

func scanArticle(sc scanner) (digest.Article, error) {
	var a digest.Article
	err := sc.Scan(&a.ID, &a.Source, &a.URL, &a.Date, &a.Kicker, &a.Title, &a.Subtitle,
		&a.Dateline, &a.Byline, &a.Lead, &a.Body)
	return a, err
}

// ArticlesByDate returns the articles of one issue date in page order (then
// id). A day without articles gives an empty slice.
func (s *Store) ArticlesByDate(ctx context.Context, date string) ([]digest.Article, error) {
	if _, err := parseDate(date); err != nil {
		return nil, fmt.Errorf("data: articles by date: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+articleCols+` FROM articles
		WHERE issue_date = ? AND withdrawn_at IS NULL ORDER BY page_order, id`, date)
	if err != nil {
		return nil, fmt.Errorf("data: articles by date: %w", err)
	}
	defer rows.Close()
	arts := []digest.Article{}
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("data: articles by date: %w", err)
		}
		arts = append(arts, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: articles by date: %w", err)
	}
	return arts, nil
}

// Article returns one article, or an error wrapping ErrNotFound (also
// ErrWithdrawn when staff withdrew it).
func (s *Store) Article(ctx context.Context, id int64) (digest.Article, error) {
	var withdrawn sql.NullString
	row := s.r.QueryRowContext(ctx, `SELECT `+articleCols+`, withdrawn_at FROM articles WHERE id = ?`, id)
	var a digest.Article
	err := row.Scan(&a.ID, &a.Source, &a.URL, &a.Date, &a.Kicker, &a.Title, &a.Subtitle,
		&a.Dateline, &a.Byline, &a.Lead, &a.Body, &withdrawn)
	if errors.Is(err, sql.ErrNoRows) {
		return digest.Article{}, fmt.Errorf("data: article %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return digest.Article{}, fmt.Errorf("data: article %d: %w", id, err)
	}
	if withdrawn.Valid {
		return digest.Article{}, fmt.Errorf("data: article %d: %w", id, ErrWithdrawn)
	}
	return a, nil
}

// Dates lists the issue dates that have articles, newest first.
func (s *Store) Dates(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT issue_date FROM articles WHERE withdrawn_at IS NULL ORDER BY issue_date DESC`)
	if err != nil {
		return nil, fmt.Errorf("data: dates: %w", err)
	}
	defer rows.Close()
	dates := []string{}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("data: dates: %w", err)
		}
		dates = append(dates, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: dates: %w", err)
	}
	return dates, nil
}

// UpdateArticle replaces the stored fields of article a.ID with a's and
// re-indexes it. Moving it to another source or day puts it last on that
// day. Errors wrap ErrNotFound, ErrInvalid, or ErrDuplicate when the new
// title and body equal another stored article's.
func (s *Store) UpdateArticle(ctx context.Context, a digest.Article) error {
	return s.updateArticle(ctx, a, false)
}

// CorrectArticle is UpdateArticle for a staff correction (a title, lead or
// byline put right before it goes out): the article keeps the fingerprint
// of the text as printed, so importing the same page again finds it
// instead of storing the uncorrected version beside it.
func (s *Store) CorrectArticle(ctx context.Context, a digest.Article) error {
	return s.updateArticle(ctx, a, true)
}

func (s *Store) updateArticle(ctx context.Context, a digest.Article, keepHash bool) (err error) {
	newDay, err := checkArticle(&a)
	if err != nil {
		return fmt.Errorf("data: update article %d: %w", a.ID, err)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("data: update article %d: %w", a.ID, err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var oldSource, oldDate string
	var order int64
	err = tx.QueryRowContext(ctx, `SELECT source, issue_date, page_order FROM articles WHERE id = ? AND withdrawn_at IS NULL`, a.ID).
		Scan(&oldSource, &oldDate, &order)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("data: update article %d: %w", a.ID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("data: update article %d: %w", a.ID, err)
	}
	if oldSource != a.Source || oldDate != a.Date {
		if order, err = nextPageOrder(ctx, tx, a.Source, a.Date); err != nil {
			return fmt.Errorf("data: update article %d: %w", a.ID, err)
		}
	}
	hash := contentHash(a.Title, a.Body)
	_, err = tx.ExecContext(ctx, `UPDATE articles SET source = ?, issue_date = ?, page_order = ?, url = ?,
		kicker = ?, title = ?, subtitle = ?, dateline = ?, byline = ?, lead = ?, body = ?,
		content_hash = CASE WHEN ? THEN content_hash ELSE ? END
		WHERE id = ?`,
		a.Source, a.Date, order, a.URL, a.Kicker, a.Title, a.Subtitle, a.Dateline, a.Byline, a.Lead, a.Body,
		keepHash, hash[:], a.ID)
	if isUnique(err) {
		return fmt.Errorf("data: update article %d: %w", a.ID, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("data: update article %d: %w", a.ID, err)
	}
	// Re-index: the old key retires, and the article takes a fresh one in
	// id order on its (maybe new) day.
	if err = unindex(ctx, tx, a.ID); err != nil {
		return fmt.Errorf("data: update article %d: %w", a.ID, err)
	}
	idx, err := newIndexer(ctx, tx)
	if err != nil {
		return fmt.Errorf("data: update article %d: %w", a.ID, err)
	}
	defer idx.close()
	if err = renumberDay(ctx, tx, idx, newDay, a.Date); err != nil {
		return fmt.Errorf("data: update article %d: %w", a.ID, err)
	}
	if err = idx.flush(ctx); err != nil {
		return fmt.Errorf("data: update article %d: %w", a.ID, err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("data: update article %d: commit: %w", a.ID, err)
	}
	return nil
}

// DeleteArticle removes an article and its search entry; an unknown id
// gives an error wrapping ErrNotFound.
func (s *Store) DeleteArticle(ctx context.Context, id int64) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("data: delete article %d: %w", id, err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	// The search key first: its row refers to the article.
	if err = unindex(ctx, tx, id); err != nil {
		return fmt.Errorf("data: delete article %d: %w", id, err)
	}
	r, err := tx.ExecContext(ctx, `DELETE FROM articles WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("data: delete article %d: %w", id, err)
	}
	if n, err := r.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("data: delete article %d: %w", id, ErrNotFound)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("data: delete article %d: commit: %w", id, err)
	}
	return nil
}

// WithdrawArticle takes an article out before it goes out (撤下): no digest,
// search or 详情 shows it again, and importing it again does not bring it
// back (the row stays as a tombstone, out of the search index). by names
// who did it. Errors wrap ErrNotFound, or ErrWithdrawn when it already was.
func (s *Store) WithdrawArticle(ctx context.Context, id int64, by string) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("data: withdraw article %d: %w", id, err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var withdrawn sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT withdrawn_at FROM articles WHERE id = ?`, id).Scan(&withdrawn)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("data: withdraw article %d: %w", id, ErrNotFound)
	case err != nil:
		return fmt.Errorf("data: withdraw article %d: %w", id, err)
	case withdrawn.Valid:
		return fmt.Errorf("data: withdraw article %d: %w", id, ErrWithdrawn)
	}
	if _, err = tx.ExecContext(ctx, `UPDATE articles SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ?`,
		botTime(s.now()), by, id); err != nil {
		return fmt.Errorf("data: withdraw article %d: %w", id, err)
	}
	if err = unindex(ctx, tx, id); err != nil {
		return fmt.Errorf("data: withdraw article %d: %w", id, err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("data: withdraw article %d: commit: %w", id, err)
	}
	return nil
}
