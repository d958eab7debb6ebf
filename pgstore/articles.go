package pgstore

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

const dateLayout = "2006-01-02"

// articlesLock is the pg_advisory_xact_lock key every transaction that
// numbers pages takes first (imports, fetched imports, updates), so that
// page orders of one (source, day) never collide and content dedupe never
// races ("wxdg" "art1").
const articlesLock int64 = 0x77786467_61727431

// parseDate checks a YYYY-MM-DD issue date and returns it as midnight UTC.
func parseDate(s string) (time.Time, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil || t.Format(dateLayout) != s || t.Year() < 1 {
		return time.Time{}, fmt.Errorf("bad issue date %q, want YYYY-MM-DD: %w", s, model.ErrInvalid)
	}
	return t, nil
}

// checkArticle validates what the store needs (the SQLite store's checks)
// and returns the issue date. PostgreSQL's text holds no NUL character, so
// a field with one is refused too.
func checkArticle(a *digest.Article) (time.Time, error) {
	if strings.TrimSpace(a.Source) == "" {
		return time.Time{}, fmt.Errorf("empty source: %w", model.ErrInvalid)
	}
	day, err := parseDate(a.Date)
	if err != nil {
		return time.Time{}, err
	}
	if strings.TrimSpace(a.Title) == "" {
		return time.Time{}, fmt.Errorf("empty title: %w", model.ErrInvalid)
	}
	for _, f := range []struct{ name, v string }{
		{"source", a.Source}, {"url", a.URL}, {"kicker", a.Kicker}, {"title", a.Title},
		{"subtitle", a.Subtitle}, {"dateline", a.Dateline}, {"byline", a.Byline},
		{"lead", a.Lead}, {"body", a.Body},
	} {
		if !utf8.ValidString(f.v) {
			return time.Time{}, fmt.Errorf("%s is not valid UTF-8: %w", f.name, model.ErrInvalid)
		}
		if strings.IndexByte(f.v, 0) >= 0 {
			return time.Time{}, fmt.Errorf("%s holds a NUL character: %w", f.name, model.ErrInvalid)
		}
	}
	return day, nil
}

// pageKey is a (source, day) whose next page order an import tracks.
type pageKey struct{ source, date string }

// pager hands out page orders within one transaction: after those stored
// for the same source and day, in the order asked.
type pager struct {
	tx   pgx.Tx
	next map[pageKey]int64
}

func newPager(tx pgx.Tx) *pager { return &pager{tx: tx, next: map[pageKey]int64{}} }

// peek returns the next page order of (source, day) without taking it.
func (p *pager) peek(ctx context.Context, source, date string, day time.Time) (int64, error) {
	k := pageKey{source, date}
	if n, ok := p.next[k]; ok {
		return n, nil
	}
	var n int64
	if err := p.tx.QueryRow(ctx, `SELECT COALESCE(MAX(page_order) + 1, 0) FROM articles
		WHERE issue_date = $1 AND source = $2`, day, source).Scan(&n); err != nil {
		return 0, fmt.Errorf("next page order: %w", err)
	}
	p.next[k] = n
	return n, nil
}

// take marks the order peek gave as used.
func (p *pager) take(source, date string) { p.next[pageKey{source, date}]++ }

// insertArticle inserts a unless a unique key refuses it (content hash,
// or for a fetched one its guid or link), and returns the new id, or 0
// when nothing was inserted.
func insertArticle(ctx context.Context, tx pgx.Tx, p *pager, a *digest.Article, day time.Time,
	hash [sha256.Size]byte, guid *string, now time.Time) (int64, error) {
	order, err := p.peek(ctx, a.Source, a.Date, day)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO articles
		(source, issue_date, page_order, url, kicker, title, subtitle, dateline, byline, lead, body,
		 imported_at, content_hash, guid, tokens)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT DO NOTHING
		RETURNING id`,
		a.Source, day, order, a.URL, a.Kicker, a.Title, a.Subtitle, a.Dateline, a.Byline, a.Lead, a.Body,
		now, hash[:], guid, articleTokens(a.Title, a.Body)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("insert: %w", err)
	}
	p.take(a.Source, a.Date)
	return id, nil
}

// ImportArticles stores arts in one transaction: if any article is invalid
// or any write fails, nothing is stored. Each article needs Source, Date
// (YYYY-MM-DD) and Title. An article whose content (title + body) is
// already stored, under any source or date and withdrawn or not, is not
// stored again: its stored id is reported. New articles get page orders in
// input order, after those already stored for the same source and day.
func (s *Store) ImportArticles(ctx context.Context, arts []digest.Article) (model.ImportResult, error) {
	days := make([]time.Time, len(arts))
	hashes := make([][sha256.Size]byte, len(arts))
	for i := range arts {
		day, err := checkArticle(&arts[i])
		if err != nil {
			return model.ImportResult{}, fmt.Errorf("pgstore: import: article %d (%.20q): %w", i+1, arts[i].Title, err)
		}
		days[i], hashes[i] = day, contentHash(arts[i].Title, arts[i].Body)
	}
	var res model.ImportResult
	now := ts(s.now())
	err := s.tx(ctx, "import", func(tx pgx.Tx) error {
		res = model.ImportResult{IDs: make([]int64, len(arts))}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, articlesLock); err != nil {
			return err
		}
		p := newPager(tx)
		for i := range arts {
			id, err := insertArticle(ctx, tx, p, &arts[i], days[i], hashes[i], nil, now)
			if err != nil {
				return fmt.Errorf("article %d: %w", i+1, err)
			}
			if id == 0 {
				if err := tx.QueryRow(ctx, `SELECT id FROM articles WHERE content_hash = $1`, hashes[i][:]).Scan(&id); err != nil {
					return fmt.Errorf("article %d: find stored copy: %w", i+1, err)
				}
				res.Existing++
			} else {
				res.New++
			}
			res.IDs[i] = id
		}
		return nil
	})
	if err != nil {
		return model.ImportResult{}, err
	}
	s.log.Debug("pgstore: imported articles", "new", res.New, "existing", res.Existing)
	return res, nil
}

const articleCols = `id, source, url, issue_date, kicker, title, subtitle, dateline, byline, lead, body`

func scanArticle(sc scanner, extra ...any) (digest.Article, error) {
	var a digest.Article
	var day time.Time
	dest := append([]any{&a.ID, &a.Source, &a.URL, &day, &a.Kicker, &a.Title, &a.Subtitle,
		&a.Dateline, &a.Byline, &a.Lead, &a.Body}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return digest.Article{}, err
	}
	a.Date = day.Format(dateLayout)
	return a, nil
}

// ArticlesByDate returns the articles of one issue date in page order (then
// id). A day without articles gives an empty slice.
func (s *Store) ArticlesByDate(ctx context.Context, date string) ([]digest.Article, error) {
	day, err := parseDate(date)
	if err != nil {
		return nil, fmt.Errorf("pgstore: articles by date: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+articleCols+` FROM articles
		WHERE issue_date = $1 AND withdrawn_at IS NULL ORDER BY page_order, id`, day)
	arts, err := collect(rows, err, func(sc scanner) (digest.Article, error) { return scanArticle(sc) })
	if err != nil {
		return nil, fmt.Errorf("pgstore: articles by date: %w", err)
	}
	return arts, nil
}

// Article returns one article, or an error wrapping ErrNotFound (or
// ErrWithdrawn, which wraps it, when staff withdrew it).
func (s *Store) Article(ctx context.Context, id int64) (digest.Article, error) {
	var withdrawn *time.Time
	a, err := scanArticle(s.pool.QueryRow(ctx, `SELECT `+articleCols+`, withdrawn_at FROM articles WHERE id = $1`, id), &withdrawn)
	if errors.Is(err, pgx.ErrNoRows) {
		return digest.Article{}, fmt.Errorf("pgstore: article %d: %w", id, model.ErrNotFound)
	}
	if err != nil {
		return digest.Article{}, fmt.Errorf("pgstore: article %d: %w", id, err)
	}
	if withdrawn != nil {
		return digest.Article{}, fmt.Errorf("pgstore: article %d: %w", id, model.ErrWithdrawn)
	}
	return a, nil
}

// Dates lists the issue dates that have articles, newest first.
func (s *Store) Dates(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT issue_date FROM articles WHERE withdrawn_at IS NULL ORDER BY issue_date DESC`)
	dates, err := collect(rows, err, func(sc scanner) (string, error) {
		var d time.Time
		err := sc.Scan(&d)
		return d.Format(dateLayout), err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: dates: %w", err)
	}
	return dates, nil
}

// UpdateArticle replaces the stored fields of article a.ID with a's and
// re-indexes it. Moving it to another source or day puts it last on that
// day. Errors wrap ErrNotFound (also for a withdrawn article), ErrInvalid,
// or ErrDuplicate when the new title and body equal another stored
// article's.
func (s *Store) UpdateArticle(ctx context.Context, a digest.Article) error {
	return s.updateArticle(ctx, a, false)
}

// CorrectArticle is UpdateArticle for a staff correction: the article
// keeps the fingerprint of the text as printed, so importing the same page
// again finds it instead of storing the uncorrected version beside it.
// Search finds the corrected text.
func (s *Store) CorrectArticle(ctx context.Context, a digest.Article) error {
	return s.updateArticle(ctx, a, true)
}

func (s *Store) updateArticle(ctx context.Context, a digest.Article, keepHash bool) error {
	day, err := checkArticle(&a)
	if err != nil {
		return fmt.Errorf("pgstore: update article %d: %w", a.ID, err)
	}
	hash := contentHash(a.Title, a.Body)
	return s.tx(ctx, fmt.Sprintf("update article %d", a.ID), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, articlesLock); err != nil {
			return err
		}
		var oldSource string
		var oldDay time.Time
		var order int64
		err := tx.QueryRow(ctx, `SELECT source, issue_date, page_order FROM articles
			WHERE id = $1 AND withdrawn_at IS NULL FOR UPDATE`, a.ID).Scan(&oldSource, &oldDay, &order)
		if errors.Is(err, pgx.ErrNoRows) {
			return model.ErrNotFound
		}
		if err != nil {
			return err
		}
		if oldSource != a.Source || !oldDay.Equal(day) {
			if order, err = newPager(tx).peek(ctx, a.Source, a.Date, day); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE articles SET source = $1, issue_date = $2, page_order = $3, url = $4,
			kicker = $5, title = $6, subtitle = $7, dateline = $8, byline = $9, lead = $10, body = $11,
			content_hash = CASE WHEN $12 THEN content_hash ELSE $13 END, tokens = $14
			WHERE id = $15`,
			a.Source, day, order, a.URL, a.Kicker, a.Title, a.Subtitle, a.Dateline, a.Byline, a.Lead, a.Body,
			keepHash, hash[:], articleTokens(a.Title, a.Body), a.ID)
		if uniqueViolation(err) {
			return model.ErrDuplicate
		}
		return err
	})
}

// DeleteArticle removes an article; an unknown id gives an error wrapping
// ErrNotFound. Its id is never given to another article.
func (s *Store) DeleteArticle(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM articles WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("pgstore: delete article %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: delete article %d: %w", id, model.ErrNotFound)
	}
	return nil
}

// WithdrawArticle takes an article out before it goes out (撤下): no digest,
// search or 详情 shows it again, and importing it again does not bring it
// back (the row stays as a tombstone, its tokens emptied). by names who did
// it. Errors wrap ErrNotFound, or ErrWithdrawn when it already was.
func (s *Store) WithdrawArticle(ctx context.Context, id int64, by string) error {
	return s.tx(ctx, fmt.Sprintf("withdraw article %d", id), func(tx pgx.Tx) error {
		var withdrawn *time.Time
		err := tx.QueryRow(ctx, `SELECT withdrawn_at FROM articles WHERE id = $1 FOR UPDATE`, id).Scan(&withdrawn)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return model.ErrNotFound
		case err != nil:
			return err
		case withdrawn != nil:
			return model.ErrWithdrawn
		}
		_, err = tx.Exec(ctx, `UPDATE articles SET withdrawn_at = $1, withdrawn_by = $2, tokens = '{}' WHERE id = $3`,
			ts(s.now()), by, id)
		return err
	})
}

// ArticleCount counts the stored articles, withdrawn ones not.
func (s *Store) ArticleCount(ctx context.Context) (int, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM articles WHERE withdrawn_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("pgstore: article count: %w", err)
	}
	return int(n), nil
}
