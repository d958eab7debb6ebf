package data

import (
	"context"
	"database/sql"
	"fmt"
)

// indexer writes search entries inside a write transaction.
type indexer struct {
	words, chars *sql.Stmt
	tb, bb, cb   []byte // token buffers, reused
	seen         map[rune]struct{}
}

func newIndexer(ctx context.Context, tx *sql.Tx) (*indexer, error) {
	words, err := tx.PrepareContext(ctx, `INSERT INTO article_search (rowid, title, body) VALUES (?, ?, ?)`)
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	chars, err := tx.PrepareContext(ctx, `INSERT INTO article_chars (rowid, chars) VALUES (?, ?)`)
	if err != nil {
		words.Close()
		return nil, fmt.Errorf("index: %w", err)
	}
	return &indexer{words: words, chars: chars, seen: map[rune]struct{}{}}, nil
}

func (x *indexer) add(ctx context.Context, key int64, title, body string) error {
	x.tb = indexTokens(x.tb, title)
	x.bb = indexTokens(x.bb, body)
	if _, err := x.words.ExecContext(ctx, key, x.tb, x.bb); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	x.cb = charTokens(x.cb, x.seen, title, body)
	if _, err := x.chars.ExecContext(ctx, key, x.cb); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

func (x *indexer) close() {
	x.words.Close()
	x.chars.Close()
}

// unindex removes one article's search entries.
func unindex(ctx context.Context, tx *sql.Tx, key int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM article_search WHERE rowid = ?`, key); err != nil {
		return fmt.Errorf("unindex: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM article_chars WHERE rowid = ?`, key); err != nil {
		return fmt.Errorf("unindex: %w", err)
	}
	return nil
}
