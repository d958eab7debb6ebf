package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// reindexBatch is how many articles RebuildSearchIndex reads, tokenizes and
// writes per transaction: a few MB of text and tokens.
const reindexBatch = 500

// RebuildSearchIndex recomputes every article's search tokens with the
// current tokenizer, empties those of withdrawn articles, and rebuilds the
// GIN index over them. Normal writes keep the tokens in sync; this is for
// a tokenizer that changed or an index that is damaged (wxdigest reindex).
//
// Articles go in batches by id, each batch one transaction that locks its
// rows while it works (an edit racing the rebuild waits for the batch, so
// its fresh tokens are never overwritten with stale ones), and a row whose
// tokens are right already is left as it is. Memory stays flat and a
// running bot keeps importing and searching meanwhile; so does the
// rebuild of the index (REINDEX CONCURRENTLY).
func (s *Store) RebuildSearchIndex(ctx context.Context) error {
	var after int64
	changed, seen := 0, 0
	for {
		var n, upd int
		var last int64
		err := s.tx(ctx, "rebuild search index", func(tx pgx.Tx) error {
			n, upd, last = 0, 0, after
			rows, err := tx.Query(ctx, `SELECT id, title, body FROM articles
				WHERE id > $1 AND withdrawn_at IS NULL ORDER BY id LIMIT $2 FOR UPDATE`, after, reindexBatch)
			if err != nil {
				return err
			}
			var b pgx.Batch
			for rows.Next() {
				var id int64
				var title, body string
				if err := rows.Scan(&id, &title, &body); err != nil {
					rows.Close()
					return err
				}
				b.Queue(`UPDATE articles SET tokens = $1 WHERE id = $2 AND tokens IS DISTINCT FROM $1`,
					articleTokens(title, body), id)
				n, last = n+1, id
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if n == 0 {
				return nil
			}
			br := tx.SendBatch(ctx, &b)
			for range n {
				tag, err := br.Exec()
				if err != nil {
					br.Close()
					return err
				}
				upd += int(tag.RowsAffected())
			}
			return br.Close()
		})
		if err != nil {
			return err
		}
		changed, seen, after = changed+upd, seen+n, last
		if n < reindexBatch {
			break
		}
	}
	tag, err := s.pool.Exec(ctx, `UPDATE articles SET tokens = '{}' WHERE withdrawn_at IS NOT NULL AND tokens <> '{}'`)
	if err != nil {
		return fmt.Errorf("pgstore: rebuild search index: withdrawn articles: %w", err)
	}
	changed += int(tag.RowsAffected())
	if _, err := s.pool.Exec(ctx, `REINDEX INDEX CONCURRENTLY articles_tokens`); err != nil {
		s.dropHalfBuilt(context.WithoutCancel(ctx))
		return fmt.Errorf("pgstore: rebuild search index: reindex: %w", err)
	}
	s.log.Info("pgstore: rebuilt the search index", "articles", seen, "tokens rewritten", changed)
	return nil
}

// dropHalfBuilt drops what a failed or cancelled REINDEX CONCURRENTLY
// leaves: an invalid copy of the index (articles_tokens_ccnew…) that
// every write would keep up to date and no search would use.
func (s *Store) dropHalfBuilt(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT c.relname FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
		WHERE i.indrelid = 'articles'::regclass AND NOT i.indisvalid AND c.relname LIKE 'articles\_tokens\_ccnew%'`)
	names, err := collect(rows, err, func(sc scanner) (string, error) {
		var name string
		err := sc.Scan(&name)
		return name, err
	})
	if err != nil {
		s.log.Warn("pgstore: rebuild search index: looking for a half-built index", "err", err)
		return
	}
	for _, name := range names {
		if _, err := s.pool.Exec(ctx, `DROP INDEX CONCURRENTLY IF EXISTS `+pgx.Identifier{name}.Sanitize()); err != nil {
			s.log.Warn("pgstore: rebuild search index: dropping a half-built index", "index", name, "err", err)
		}
	}
}
