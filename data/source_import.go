package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/digest"
)

// Lookups for an item the insert skipped, in the order the dedupe
// promises: the feed's id, then the link, then the content.
const (
	fetchedByGUID = `SELECT id FROM articles WHERE source = ? AND guid = ?`
	fetchedByURL  = `SELECT id FROM articles WHERE url = ? AND guid IS NOT NULL AND url <> ''`
	fetchedByHash = `SELECT id FROM articles WHERE content_hash = ?`
)

// ImportFetched stores fetched articles in one transaction (all or
// nothing, like ImportArticles). An item is already stored when an article
// of the same source has its GUID, when a fetched article has its URL, or
// when any article has its content (title + body); such items are not
// stored again, so polling a feed over and over stores each item once.
func (s *Store) ImportFetched(ctx context.Context, items []Fetched) (res FetchedResult, err error) {
	res.IDs = make([]int64, len(items))
	res.Added = make([]bool, len(items))
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return FetchedResult{}, fmt.Errorf("data: import fetched: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
			res = FetchedResult{}
		}
	}()
	// No conflict target: any of the three unique keys (content_hash,
	// articles_guid, articles_fetched_url) makes the insert a no-op.
	ins, err := tx.PrepareContext(ctx, `INSERT INTO articles
		(source, issue_date, page_order, url, kicker, title, subtitle, dateline, byline, lead, body, imported_at, content_hash, guid)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`)
	if err != nil {
		return res, fmt.Errorf("data: import fetched: %w", err)
	}
	defer ins.Close()
	idx, err := newIndexer(ctx, tx)
	if err != nil {
		return res, fmt.Errorf("data: import fetched: %w", err)
	}
	defer idx.close()

	now := s.now().UTC().Format(time.RFC3339)
	type day struct{ source, date string }
	next := map[day]int64{}
	var pending []entry
	for i := range items {
		a := &items[i].Article
		dayNo, err := checkArticle(a)
		if err != nil {
			return res, fmt.Errorf("data: import fetched: item %d (%.20q): %w", i+1, a.Title, err)
		}
		if strings.IndexByte(items[i].GUID, 0) >= 0 || !utf8.ValidString(items[i].GUID) {
			return res, fmt.Errorf("data: import fetched: item %d (%.20q): bad guid: %w", i+1, a.Title, ErrInvalid)
		}
		guid := sql.NullString{String: items[i].GUID, Valid: items[i].GUID != ""}
		if !guid.Valid && a.URL != "" {
			guid = sql.NullString{String: a.URL, Valid: true}
		}
		hash := contentHash(a.Title, a.Body)
		k := day{a.Source, a.Date}
		order, ok := next[k]
		if !ok {
			if order, err = nextPageOrder(ctx, tx, a.Source, a.Date); err != nil {
				return res, fmt.Errorf("data: import fetched: %w", err)
			}
		}
		r, err := ins.ExecContext(ctx, a.Source, a.Date, order, a.URL, a.Kicker, a.Title, a.Subtitle,
			a.Dateline, a.Byline, a.Lead, a.Body, now, hash[:], guid)
		if err != nil {
			return res, fmt.Errorf("data: import fetched: item %d: insert: %w", i+1, err)
		}
		next[k] = order
		if n, _ := r.RowsAffected(); n == 0 {
			id, err := storedCopy(ctx, tx, a, guid, hash[:])
			if err != nil {
				return res, fmt.Errorf("data: import fetched: item %d: %w", i+1, err)
			}
			res.Existing++
			res.IDs[i] = id
			continue
		}
		id, err := r.LastInsertId()
		if err != nil {
			return res, fmt.Errorf("data: import fetched: item %d: insert: %w", i+1, err)
		}
		key, err := idx.nextKey(ctx, dayNo)
		if err != nil {
			return res, fmt.Errorf("data: import fetched: item %d: %w", i+1, err)
		}
		pending = append(pending, entry{key: key, id: id, title: a.Title, body: a.Body})
		next[k] = order + 1
		res.New++
		res.IDs[i] = id
		res.Added[i] = true
	}
	if err := idx.add(ctx, pending); err != nil {
		return res, fmt.Errorf("data: import fetched: %w", err)
	}
	if err := idx.flush(ctx); err != nil {
		return res, fmt.Errorf("data: import fetched: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("data: import fetched: commit: %w", err)
	}
	s.log.Debug("imported fetched articles", "new", res.New, "existing", res.Existing)
	return res, nil
}

// storedCopy finds the article an insert conflicted with.
func storedCopy(ctx context.Context, tx *sql.Tx, a *digest.Article, guid sql.NullString, hash []byte) (int64, error) {
	var id int64
	try := func(q string, args ...any) (bool, error) {
		err := tx.QueryRowContext(ctx, q, args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return err == nil, err
	}
	if guid.Valid {
		if ok, err := try(fetchedByGUID, a.Source, guid.String); ok || err != nil {
			return id, wrapFind(err)
		}
	}
	if a.URL != "" {
		if ok, err := try(fetchedByURL, a.URL); ok || err != nil {
			return id, wrapFind(err)
		}
	}
	if ok, err := try(fetchedByHash, hash); ok || err != nil {
		return id, wrapFind(err)
	}
	return 0, errors.New("find stored copy: insert was skipped but no article matches")
}

func wrapFind(err error) error {
	if err != nil {
		return fmt.Errorf("find stored copy: %w", err)
	}
	return nil
}
