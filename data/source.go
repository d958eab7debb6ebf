package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

const sourceCols = `id, name, kind, url, every_seconds, enabled, last_fetch, last_error, etag,
	last_modified, failures, next_fetch, created_at`

func scanSource(sc botScanner) (Source, error) {
	var src Source
	var every int64
	var enabled int
	var last, next sql.NullString
	var created string
	if err := sc.Scan(&src.ID, &src.Name, &src.Kind, &src.URL, &every, &enabled, &last, &src.LastError,
		&src.ETag, &src.LastModified, &src.Failures, &next, &created); err != nil {
		return Source{}, err
	}
	src.Every = time.Duration(every) * time.Second
	src.Enabled = enabled != 0
	var err error
	if src.LastFetch, err = parseNullBotTime(last); err != nil {
		return Source{}, err
	}
	if src.NextFetch, err = parseNullBotTime(next); err != nil {
		return Source{}, err
	}
	if src.Created, err = parseBotTime(created); err != nil {
		return Source{}, err
	}
	return src, nil
}

func checkSource(src Source) error {
	if err := checkName("source name", src.Name); err != nil {
		return err
	}
	switch src.Kind {
	case SourceFeed, SourcePage:
		if src.URL == "" {
			return fmt.Errorf("source %q: a %s needs a url: %w", src.Name, src.Kind, ErrInvalid)
		}
	case SourceWeChatForward:
	default:
		return fmt.Errorf("source %q: unknown kind %q, want %s, %s or %s: %w",
			src.Name, src.Kind, SourceFeed, SourcePage, SourceWeChatForward, ErrInvalid)
	}
	if !utf8.ValidString(src.URL) {
		return fmt.Errorf("source %q: url is not valid UTF-8: %w", src.Name, ErrInvalid)
	}
	if hasNUL(src.URL) {
		return fmt.Errorf("source %q: a NUL character: %w", src.Name, ErrInvalid)
	}
	if src.Every < time.Second {
		return fmt.Errorf("source %q: interval %s is shorter than a second: %w", src.Name, src.Every, ErrInvalid)
	}
	return nil
}

// AddSource stores a new source, due at once, and returns it with ID and
// Created set. The fetch state fields of src are ignored. A name already
// taken gives an error wrapping ErrExists; bad fields ErrInvalid.
func (s *Store) AddSource(ctx context.Context, src Source) (Source, error) {
	if err := checkSource(src); err != nil {
		return Source{}, fmt.Errorf("data: add source: %w", err)
	}
	row := s.w.QueryRowContext(ctx, `INSERT INTO sources (name, kind, url, every_seconds, enabled, created_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO NOTHING
		RETURNING `+sourceCols,
		src.Name, src.Kind, src.URL, int64(src.Every/time.Second), boolInt(src.Enabled), botTime(s.now()))
	out, err := scanSource(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Source{}, fmt.Errorf("data: add source %q: %w", src.Name, ErrExists)
	}
	if err != nil {
		return Source{}, fmt.Errorf("data: add source %q: %w", src.Name, err)
	}
	return out, nil
}

// Sources lists every source, by name.
func (s *Store) Sources(ctx context.Context) ([]Source, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+sourceCols+` FROM sources ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("data: sources: %w", err)
	}
	defer rows.Close()
	out := []Source{}
	for rows.Next() {
		src, err := scanSource(rows)
		if err != nil {
			return nil, fmt.Errorf("data: sources: %w", err)
		}
		out = append(out, src)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: sources: %w", err)
	}
	return out, nil
}

// Source returns the named source; ErrNotFound when there is none.
func (s *Store) Source(ctx context.Context, name string) (Source, error) {
	src, err := scanSource(s.r.QueryRowContext(ctx, `SELECT `+sourceCols+` FROM sources WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Source{}, fmt.Errorf("data: source %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return Source{}, fmt.Errorf("data: source %q: %w", name, err)
	}
	return src, nil
}

// RemoveSource removes the named source; ErrNotFound when there is none.
// The articles it brought stay.
func (s *Store) RemoveSource(ctx context.Context, name string) error {
	r, err := s.w.ExecContext(ctx, `DELETE FROM sources WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("data: remove source %q: %w", name, err)
	}
	if n, err := r.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("data: remove source %q: %w", name, ErrNotFound)
	}
	return nil
}

// EnableSource turns polling of the named source on or off; ErrNotFound
// when there is none.
func (s *Store) EnableSource(ctx context.Context, name string, enabled bool) error {
	r, err := s.w.ExecContext(ctx, `UPDATE sources SET enabled = ? WHERE name = ?`, boolInt(enabled), name)
	if err != nil {
		return fmt.Errorf("data: enable source %q: %w", name, err)
	}
	if n, err := r.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("data: enable source %q: %w", name, ErrNotFound)
	}
	return nil
}

// RecordFetch records one fetch of the named source and returns the source
// as it now stands: LastFetch, Next, and either the new validators with
// Failures reset (success) or Failures+1 with the error kept (failure).
// ErrNotFound when there is no such source (it may have been removed while
// the fetch ran).
func (s *Store) RecordFetch(ctx context.Context, name string, o FetchOutcome) (Source, error) {
	at := o.At
	if at.IsZero() {
		at = s.now()
	}
	if err := checkBotTime("fetch time", at); err != nil {
		return Source{}, fmt.Errorf("data: record fetch of %q: %w", name, err)
	}
	if err := checkBotTime("next fetch", o.Next); err != nil {
		return Source{}, fmt.Errorf("data: record fetch of %q: %w", name, err)
	}
	// The error text is kept without its NULs, as every free text is.
	o.Err = stripNUL(o.Err)
	if !utf8.ValidString(o.Err) || !utf8.ValidString(o.ETag) || !utf8.ValidString(o.LastModified) ||
		hasNUL(o.ETag) || hasNUL(o.LastModified) {
		return Source{}, fmt.Errorf("data: record fetch of %q: text is not valid UTF-8: %w", name, ErrInvalid)
	}
	var row *sql.Row
	if o.Err == "" {
		row = s.w.QueryRowContext(ctx, `UPDATE sources SET last_fetch = ?, next_fetch = ?, last_error = '',
			failures = 0, etag = ?, last_modified = ? WHERE name = ? RETURNING `+sourceCols,
			botTime(at), botTime(o.Next), o.ETag, o.LastModified, name)
	} else {
		row = s.w.QueryRowContext(ctx, `UPDATE sources SET last_fetch = ?, next_fetch = ?, last_error = ?,
			failures = failures + 1 WHERE name = ? RETURNING `+sourceCols,
			botTime(at), botTime(o.Next), o.Err, name)
	}
	src, err := scanSource(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Source{}, fmt.Errorf("data: record fetch of %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return Source{}, fmt.Errorf("data: record fetch of %q: %w", name, err)
	}
	return src, nil
}
