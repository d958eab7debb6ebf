package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

const sourceCols = `id, name, kind, url, every_seconds, enabled, last_fetch, last_error, etag,
	last_modified, failures, next_fetch, created_at`

func scanSource(sc scanner) (model.Source, error) {
	var src model.Source
	var every int64
	var last, next *time.Time
	var created time.Time
	if err := sc.Scan(&src.ID, &src.Name, &src.Kind, &src.URL, &every, &src.Enabled, &last, &src.LastError,
		&src.ETag, &src.LastModified, &src.Failures, &next, &created); err != nil {
		return model.Source{}, err
	}
	src.Every = time.Duration(every) * time.Second
	src.LastFetch, src.NextFetch, src.Created = fromNull(last), fromNull(next), created.UTC()
	return src, nil
}

func checkSource(src model.Source) error {
	if err := checkName("source name", src.Name); err != nil {
		return err
	}
	switch src.Kind {
	case model.SourceFeed, model.SourcePage:
		if src.URL == "" {
			return fmt.Errorf("source %q: a %s needs a url: %w", src.Name, src.Kind, model.ErrInvalid)
		}
	case model.SourceWeChatForward:
	default:
		return fmt.Errorf("source %q: unknown kind %q, want %s, %s or %s: %w",
			src.Name, src.Kind, model.SourceFeed, model.SourcePage, model.SourceWeChatForward, model.ErrInvalid)
	}
	if !utf8.ValidString(src.URL) {
		return fmt.Errorf("source %q: url is not valid UTF-8: %w", src.Name, model.ErrInvalid)
	}
	if strings.IndexByte(src.Name, 0) >= 0 || strings.IndexByte(src.URL, 0) >= 0 {
		return fmt.Errorf("source %q: a NUL character: %w", src.Name, model.ErrInvalid)
	}
	if src.Every < time.Second {
		return fmt.Errorf("source %q: interval %s is shorter than a second: %w", src.Name, src.Every, model.ErrInvalid)
	}
	return nil
}

// AddSource stores a new source, due at once, and returns it with ID and
// Created set. The fetch state fields of src are ignored. A name already
// taken gives an error wrapping ErrExists; bad fields ErrInvalid.
func (s *Store) AddSource(ctx context.Context, src model.Source) (model.Source, error) {
	if err := checkSource(src); err != nil {
		return model.Source{}, fmt.Errorf("pgstore: add source: %w", err)
	}
	out, err := scanSource(s.pool.QueryRow(ctx, `INSERT INTO sources (name, kind, url, every_seconds, enabled, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (name) DO NOTHING
		RETURNING `+sourceCols,
		src.Name, src.Kind, src.URL, int64(src.Every/time.Second), src.Enabled, ts(s.now())))
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Source{}, fmt.Errorf("pgstore: add source %q: %w", src.Name, model.ErrExists)
	}
	if err != nil {
		return model.Source{}, fmt.Errorf("pgstore: add source %q: %w", src.Name, err)
	}
	return out, nil
}

// Sources lists every source, by name (code point order).
func (s *Store) Sources(ctx context.Context) ([]model.Source, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sourceCols+` FROM sources ORDER BY name`)
	out, err := collect(rows, err, scanSource)
	if err != nil {
		return nil, fmt.Errorf("pgstore: sources: %w", err)
	}
	return out, nil
}

// Source returns the named source; ErrNotFound when there is none.
func (s *Store) Source(ctx context.Context, name string) (model.Source, error) {
	if hasNUL(name) {
		return model.Source{}, fmt.Errorf("pgstore: source %q: %w", name, model.ErrNotFound)
	}
	src, err := scanSource(s.pool.QueryRow(ctx, `SELECT `+sourceCols+` FROM sources WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Source{}, fmt.Errorf("pgstore: source %q: %w", name, model.ErrNotFound)
	}
	if err != nil {
		return model.Source{}, fmt.Errorf("pgstore: source %q: %w", name, err)
	}
	return src, nil
}

// RemoveSource removes the named source; ErrNotFound when there is none.
// The articles it brought stay.
func (s *Store) RemoveSource(ctx context.Context, name string) error {
	if hasNUL(name) {
		return fmt.Errorf("pgstore: remove source %q: %w", name, model.ErrNotFound)
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM sources WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("pgstore: remove source %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: remove source %q: %w", name, model.ErrNotFound)
	}
	return nil
}

// EnableSource turns polling of the named source on or off; ErrNotFound
// when there is none.
func (s *Store) EnableSource(ctx context.Context, name string, enabled bool) error {
	if hasNUL(name) {
		return fmt.Errorf("pgstore: enable source %q: %w", name, model.ErrNotFound)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE sources SET enabled = $1 WHERE name = $2`, enabled, name)
	if err != nil {
		return fmt.Errorf("pgstore: enable source %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: enable source %q: %w", name, model.ErrNotFound)
	}
	return nil
}

// RecordFetch records one fetch of the named source and returns the source
// as it now stands: LastFetch, Next, and either the new validators with
// Failures reset (success) or Failures+1 with the error kept (failure).
// ErrNotFound when there is no such source.
func (s *Store) RecordFetch(ctx context.Context, name string, o model.FetchOutcome) (model.Source, error) {
	at := o.At
	if at.IsZero() {
		at = s.now()
	}
	if err := checkTime("fetch time", at); err != nil {
		return model.Source{}, fmt.Errorf("pgstore: record fetch of %q: %w", name, err)
	}
	if err := checkTime("next fetch", o.Next); err != nil {
		return model.Source{}, fmt.Errorf("pgstore: record fetch of %q: %w", name, err)
	}
	// The error text is kept without its NULs, as every free text is.
	o.Err = stripNUL(o.Err)
	for _, v := range []string{o.Err, o.ETag, o.LastModified} {
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return model.Source{}, fmt.Errorf("pgstore: record fetch of %q: text is not valid UTF-8: %w", name, model.ErrInvalid)
		}
	}
	var row pgx.Row
	if o.Err == "" {
		row = s.pool.QueryRow(ctx, `UPDATE sources SET last_fetch = $1, next_fetch = $2, last_error = '',
			failures = 0, etag = $3, last_modified = $4 WHERE name = $5 RETURNING `+sourceCols,
			ts(at), ts(o.Next), o.ETag, o.LastModified, name)
	} else {
		row = s.pool.QueryRow(ctx, `UPDATE sources SET last_fetch = $1, next_fetch = $2, last_error = $3,
			failures = failures + 1 WHERE name = $4 RETURNING `+sourceCols,
			ts(at), ts(o.Next), o.Err, name)
	}
	src, err := scanSource(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Source{}, fmt.Errorf("pgstore: record fetch of %q: %w", name, model.ErrNotFound)
	}
	if err != nil {
		return model.Source{}, fmt.Errorf("pgstore: record fetch of %q: %w", name, err)
	}
	return src, nil
}

// ImportFetched stores fetched articles in one transaction (all or
// nothing, like ImportArticles). An item is already stored when an article
// of the same source has its GUID (the URL stands in for a missing one),
// when a fetched article has its URL, or when any article has its content
// (title + body), looked up in that order; such items are not stored
// again, so polling a feed over and over stores each item once.
func (s *Store) ImportFetched(ctx context.Context, items []model.Fetched) (model.FetchedResult, error) {
	var res model.FetchedResult
	now := ts(s.now())
	err := s.tx(ctx, "import fetched", func(tx pgx.Tx) error {
		res = model.FetchedResult{ImportResult: model.ImportResult{IDs: make([]int64, len(items))}, Added: make([]bool, len(items))}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, articlesLock); err != nil {
			return err
		}
		p := newPager(tx)
		for i := range items {
			a := &items[i].Article
			day, err := checkArticle(a)
			if err != nil {
				return fmt.Errorf("item %d (%.20q): %w", i+1, a.Title, err)
			}
			if strings.IndexByte(items[i].GUID, 0) >= 0 || !utf8.ValidString(items[i].GUID) {
				return fmt.Errorf("item %d (%.20q): bad guid: %w", i+1, a.Title, model.ErrInvalid)
			}
			var guid *string
			switch {
			case items[i].GUID != "":
				guid = &items[i].GUID
			case a.URL != "":
				guid = &a.URL
			}
			hash := contentHash(a.Title, a.Body)
			id, err := insertArticle(ctx, tx, p, a, day, hash, guid, now)
			if err != nil {
				return fmt.Errorf("item %d: %w", i+1, err)
			}
			if id != 0 {
				res.New++
				res.IDs[i], res.Added[i] = id, true
				continue
			}
			if id, err = storedCopy(ctx, tx, a, guid, hash[:]); err != nil {
				return fmt.Errorf("item %d: %w", i+1, err)
			}
			res.Existing++
			res.IDs[i] = id
		}
		return nil
	})
	if err != nil {
		return model.FetchedResult{}, err
	}
	s.log.Debug("pgstore: imported fetched articles", "new", res.New, "existing", res.Existing)
	return res, nil
}

// storedCopy finds the article an insert was refused for: by GUID, then
// link, then content.
func storedCopy(ctx context.Context, tx pgx.Tx, a *digest.Article, guid *string, hash []byte) (int64, error) {
	var id int64
	try := func(q string, args ...any) (bool, error) {
		err := tx.QueryRow(ctx, q, args...).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return false, nil
		}
		return err == nil, err
	}
	if guid != nil {
		if ok, err := try(`SELECT id FROM articles WHERE source = $1 AND guid = $2`, a.Source, *guid); ok || err != nil {
			return id, wrapFind(err)
		}
	}
	if a.URL != "" {
		if ok, err := try(`SELECT id FROM articles WHERE url = $1 AND guid IS NOT NULL AND url <> ''`, a.URL); ok || err != nil {
			return id, wrapFind(err)
		}
	}
	if ok, err := try(`SELECT id FROM articles WHERE content_hash = $1`, hash); ok || err != nil {
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
