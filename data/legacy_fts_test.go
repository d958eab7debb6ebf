package data

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// legacyFTSDDL is article_terms as migration 0002 created it while search
// ran on FTS5.
const legacyFTSDDL = `CREATE VIRTUAL TABLE article_terms USING fts5(terms, content = '', contentless_delete = 1,
	tokenize = 'ascii', detail = none)`

// TestLegacyFTSStoreOpens: a store made while search ran on FTS5 (schema
// version 4, a real FTS5 table with postings) opens and upgrades with or
// without the FTS5 module in the build. Built with -tags sqlite_fts5 the
// table is real and 0005 drops it; built without, the module is missing,
// so the table's schema row and shadow tables are written the way FTS5
// writes them and Open removes them itself. .ci/run runs both.
func TestLegacyFTSStoreOpens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "legacy.db")
	db, _ := storeBefore(t, path, "_search_segments.sql")
	var haveFTS bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pragma_module_list WHERE name = 'fts5')`).Scan(&haveFTS); err != nil {
		t.Fatal(err)
	}
	stmts := []string{`DROP TABLE article_terms`}
	if haveFTS {
		t.Log("FTS5 module present: a real FTS5 table")
		stmts = append(stmts, legacyFTSDDL)
	} else {
		t.Log("no FTS5 module: the table as FTS5 leaves it on disk")
		for _, sh := range legacyFTSShadows {
			stmts = append(stmts, `CREATE TABLE `+sh+` (k PRIMARY KEY, v) WITHOUT ROWID`)
		}
		stmts = append(stmts, `PRAGMA writable_schema = ON`,
			`INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES ('table', 'article_terms', 'article_terms', 0, ?)`,
			`PRAGMA writable_schema = RESET`)
	}
	for _, q := range stmts {
		var args []any
		if strings.Contains(q, "?") {
			args = append(args, legacyFTSDDL)
		}
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	arts := sampleArticles()
	if haveFTS {
		importOnOldSchema(t, db, arts, testNow)
	} else {
		// The placeholder is gone; old rows go in without their tokens.
		for i, a := range arts {
			a.ID = 0
			day, err := checkArticle(&a)
			if err != nil {
				t.Fatal(err)
			}
			hash := contentHash(a.Title, a.Body)
			r, err := db.ExecContext(ctx, `INSERT INTO articles (source, issue_date, page_order, url, kicker, title, subtitle,
				dateline, byline, lead, body, imported_at, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				a.Source, a.Date, i, a.URL, a.Kicker, a.Title, a.Subtitle, a.Dateline, a.Byline, a.Lead, a.Body,
				testNow.UTC().Format(time.RFC3339), hash[:])
			if err != nil {
				t.Fatal(err)
			}
			id, _ := r.LastInsertId()
			if _, err := db.ExecContext(ctx, `INSERT INTO article_search_keys (key, article_id) VALUES (?, ?)`, searchKey(day, int64(i)), id); err != nil {
				t.Fatal(err)
			}
		}
	}
	db.Close()

	s, err := Open(ctx, path, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatalf("open a store made with FTS5: %v", err)
	}
	defer s.Close()
	var left int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name LIKE 'article_terms%'`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d legacy search tables left (%v)", left, err)
	}
	day, err := s.ArticlesByDate(ctx, "2023-02-13")
	if err != nil || len(day) != len(arts) {
		t.Fatalf("articles after the upgrade: %d, %v", len(day), err)
	}
	if hits, err := s.Search(ctx, "樱花节", 5); err != nil || len(hits) != 1 {
		t.Fatalf("search after the upgrade: %v, %v", hits, err)
	}
}
