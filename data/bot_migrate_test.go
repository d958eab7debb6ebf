package data

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/digest"
)

// storeBefore builds a database at path as the release before the
// migration named *suffix left it (the earlier migrations only) and returns
// it open, with that migration's version minus one.
func storeBefore(t *testing.T, path, suffix string) (*sql.DB, int) {
	t.Helper()
	ctx := context.Background()
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	prior := -1
	for _, m := range ms {
		if strings.HasSuffix(m.name, suffix) {
			prior = m.version - 1
		}
	}
	if prior < 1 {
		t.Fatalf("no *%s migration after the first", suffix)
	}
	db, err := sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for _, m := range ms[:prior] {
		if _, err := db.ExecContext(ctx, m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if _, err := db.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version)); err != nil {
			t.Fatal(err)
		}
	}
	return db, prior
}

// btOldStore builds a database as the release before the bot migration
// left it: the earlier migrations only, and articles stored as the
// article code of that schema did.
func btOldStore(t *testing.T, path string, arts []digest.Article) (prior int) {
	t.Helper()
	db, prior := storeBefore(t, path, "_bot.sql")
	defer db.Close()
	importOnOldSchema(t, db, arts, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	return prior
}

func TestBotMigrationKeepsArticles(t *testing.T) {
	ctx := context.Background()
	arts, err := digest.ParsePage(digest.SamplePage)
	if err != nil {
		t.Fatal(err)
	}
	for i := range arts {
		arts[i].Source, arts[i].Date = "中原区报", "2026-03-01"
	}
	path := filepath.Join(t.TempDir(), "old.db")
	prior := btOldStore(t, path, arts)

	for reopen := range 2 { // the second open finds nothing to do
		s, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatalf("open %d: %v", reopen+1, err)
		}
		var version int
		if err := s.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
			t.Fatal(err)
		}
		if version != SchemaVersion() || version <= prior {
			t.Errorf("open %d: user_version = %d, want %d (> %d)", reopen+1, version, SchemaVersion(), prior)
		}
		got, err := s.ArticlesByDate(ctx, "2026-03-01")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(arts) {
			t.Fatalf("open %d: %d articles after the upgrade, want %d", reopen+1, len(got), len(arts))
		}
		for i := range got {
			if got[i].Title != arts[i].Title || got[i].Body != arts[i].Body {
				t.Errorf("article %d changed: %q", i, got[i].Title)
			}
		}
		// The search index was rebuilt at the first open, and only then.
		var asks int
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM meta WHERE key = 'search_rebuild'`).Scan(&asks); err != nil || asks != 0 {
			t.Errorf("open %d: search_rebuild asked %d times, %v", reopen+1, asks, err)
		}
		checkSearchKeys(t, s)
		// The old articles are still searchable and the bot tables work.
		hits, err := s.Search(ctx, arts[0].Title, 5)
		if err != nil || len(hits) == 0 || hits[0].Article.ID != got[0].ID {
			t.Errorf("open %d: search for an old title: %v, %v", reopen+1, hits, err)
		}
		group := "群" + strconv.Itoa(reopen)
		sub, err := s.PutSubscription(ctx, Subscription{Group: group, Kind: ScheduleAt, Spec: "08:00", Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		created, err := s.RecordSlot(ctx, sub.ID, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			[]string{"摘要"}, []int64{got[0].ID})
		if err != nil || !created {
			t.Fatalf("open %d: RecordSlot = %v, %v", reopen+1, created, err)
		}
		if subs, _ := s.Subscriptions(ctx); len(subs) != reopen+1 {
			t.Errorf("open %d: %d subscriptions, want %d (kept across reopen)", reopen+1, len(subs), reopen+1)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// importOnOldSchema stores arts the way the code of schema versions 2–4
// did: article rows, a search key per article, and its tokens in the FTS5
// table that migration 0005 replaces.
func importOnOldSchema(t *testing.T, db *sql.DB, arts []digest.Article, now time.Time) {
	t.Helper()
	ctx := context.Background()
	for i, a := range arts {
		day, err := checkArticle(&a)
		if err != nil {
			t.Fatal(err)
		}
		hash := contentHash(a.Title, a.Body)
		r, err := db.ExecContext(ctx, `INSERT INTO articles
			(source, issue_date, page_order, url, kicker, title, subtitle, dateline, byline, lead, body, imported_at, content_hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Source, a.Date, i, a.URL, a.Kicker, a.Title, a.Subtitle, a.Dateline, a.Byline, a.Lead, a.Body,
			now.UTC().Format(time.RFC3339), hash[:])
		if err != nil {
			t.Fatal(err)
		}
		id, _ := r.LastInsertId()
		key := searchKey(day, int64(i))
		if _, err := db.ExecContext(ctx, `INSERT INTO article_search_keys (key, article_id) VALUES (?, ?)`, key, id); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO article_terms (rowid, terms) VALUES (?, ?)`,
			key, strings.Join(articleTokens(a.Title, a.Body), " ")); err != nil {
			t.Fatal(err)
		}
	}
}
