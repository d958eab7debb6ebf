package data

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wxdigest/wxdigest/digest"
)

var testNow = time.Date(2023, 2, 13, 1, 2, 3, 0, time.UTC)

func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "test.db"), Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func userVersion(t *testing.T, db *sql.DB) int {
	t.Helper()
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	s := openTest(t)
	// An import makes sure -wal holds something and -shm is mapped.
	if _, err := s.ImportArticles(context.Background(), sampleArticles()[:1]); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{s.Path(), s.Path() + "-wal", s.Path() + "-shm"} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(p), got)
		}
	}
}

// An existing store file readable by others is tightened to 0600 at open.
func TestOpenTightensAWideFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wide.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v after open, want 0600", st.Mode().Perm())
	}
}

// A WAL grown past the threshold by an import is truncated after it.
func TestImportTrimsTheWAL(t *testing.T) {
	s := openTest(t)
	s.walTrim = 1 << 10
	if _, err := s.ImportArticles(context.Background(), sampleArticles()); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(s.Path() + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != 0 {
		t.Fatalf("the WAL holds %d bytes after the import, want it truncated", st.Size())
	}
}

func TestOpenAppliesMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := SchemaVersion()
	if want < 2 {
		t.Fatalf("SchemaVersion() = %d, want at least 2 (articles, search)", want)
	}
	if got := userVersion(t, s.w); got != want {
		t.Errorf("user_version = %d, want %d", got, want)
	}
	var mode string
	if err := s.w.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var fk int
	if err := s.r.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("reader foreign_keys = %d, %v; want 1", fk, err)
	}
	if _, err := s.ImportArticles(ctx, sampleArticles()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopening applies nothing and keeps the data.
	s, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if got := userVersion(t, s.w); got != want {
		t.Errorf("after reopen user_version = %d, want %d", got, want)
	}
	arts, err := s.ArticlesByDate(ctx, "2023-02-13")
	if err != nil || len(arts) != 3 {
		t.Errorf("after reopen: %d articles, %v; want 3", len(arts), err)
	}
}

func TestReaderIsReadOnly(t *testing.T) {
	s := openTest(t)
	if _, err := s.r.Exec(`DELETE FROM articles`); err == nil {
		t.Fatal("read pool accepted a write")
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new.db")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(ctx, path, Options{})
	if err == nil || !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), "99") {
		t.Fatalf("Open = %v, want an error about schema version 99 being newer", err)
	}
}

func TestOpenBadPaths(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, path string }{
		{"empty", ""},
		{"directory", dir},
		{"missing parent", filepath.Join(dir, "no", "such", "x.db")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(context.Background(), tc.path, Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestOpenRejectsNonDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 500)), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), path, Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a file that is not SQLite")
	}
}

func TestLoadMigrationsChecksNumbering(t *testing.T) {
	tests := []struct {
		name    string
		files   []string
		wantErr string
	}{
		{"ok", []string{"0001_a.sql", "0002_b.sql"}, ""},
		{"gap", []string{"0001_a.sql", "0003_c.sql"}, "want version 2"},
		{"starts at 2", []string{"0002_b.sql"}, "want version 1"},
		{"bad name", []string{"0001_a.sql", "2_b.sql"}, "not named"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tc.files {
				fsys["migrations/"+f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
			}
			ms, err := loadMigrations(fsys)
			if tc.wantErr == "" {
				if err != nil || len(ms) != len(tc.files) {
					t.Fatalf("loadMigrations = %d, %v", len(ms), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("loadMigrations error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestFailedMigrationRollsBack(t *testing.T) {
	s := openTest(t)
	base := SchemaVersion()
	fsys := fstest.MapFS{}
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		fsys["migrations/"+m.name] = &fstest.MapFile{Data: []byte(m.sql)}
	}
	next := base + 1
	name := func(v int, n string) string { return fmt.Sprintf("migrations/%04d_%s.sql", v, n) }
	fsys[name(next, "good")] = &fstest.MapFile{Data: []byte(`CREATE TABLE extra (x INTEGER);`)}
	fsys[name(next+1, "bad")] = &fstest.MapFile{Data: []byte(`CREATE TABLE half (x INTEGER); INSERT INTO no_such_table VALUES (1);`)}
	err = s.migrate(context.Background(), fsys)
	if err == nil || !strings.Contains(err.Error(), "bad") {
		t.Fatalf("migrate = %v, want an error naming the bad migration", err)
	}
	if got := userVersion(t, s.w); got != next {
		t.Errorf("user_version = %d, want %d (good step kept, bad step rolled back)", got, next)
	}
	var n int
	s.w.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'half'`).Scan(&n)
	if n != 0 {
		t.Error("table from the failed migration exists")
	}
	s.w.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'extra'`).Scan(&n)
	if n != 1 {
		t.Error("table from the good migration is missing")
	}
}

func TestClosedStoreErrors(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "c.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.ArticlesByDate(context.Background(), "2023-02-13"); err == nil {
		t.Error("read on a closed store succeeded")
	}
	if _, err := s.ImportArticles(context.Background(), sampleArticles()); err == nil {
		t.Error("import on a closed store succeeded")
	}
}

// sampleArticles: three articles of one day and source, as the parser
// would give them.
func sampleArticles() []digest.Article {
	return []digest.Article{
		{Source: "中原区报", Date: "2023-02-13", Kicker: "夯实基础 积蓄动能", Title: "中原区第二次项目观摩活动举行",
			Dateline: "本报讯", Byline: "记者 鲁燕 通讯员 木坤坤", Lead: "2月11日，中原区举行2023年第二次项目观摩活动。",
			Body: "2月11日，中原区举行2023年第二次项目观摩活动。\n会前，中原区委书记李晓雷带队深入各街道。"},
		{Source: "中原区报", Date: "2023-02-13", Title: "须水街道樱花节开幕", Dateline: "本报讯",
			Lead: "樱花节在须水街道开幕。", Body: "樱花节在须水街道开幕。\n市民纷纷前往赏花。"},
		{Source: "中原区报", Date: "2023-02-13", Title: "社区医疗服务再提升", Subtitle: "家门口看病更方便",
			Dateline: "本报讯", Lead: "社区卫生服务中心新增5G远程医疗设备。", Body: "社区卫生服务中心新增5G远程医疗设备。\nGDP同比增长。",
			URL: "https://example.invalid/3"},
	}
}

func TestErrorsAreSentinels(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.Article(ctx, 12345); !errors.Is(err, ErrNotFound) {
		t.Errorf("Article(missing) = %v, want ErrNotFound", err)
	}
	if err := s.DeleteArticle(ctx, 12345); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteArticle(missing) = %v, want ErrNotFound", err)
	}
	a := sampleArticles()[0]
	a.ID = 12345
	if err := s.UpdateArticle(ctx, a); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateArticle(missing) = %v, want ErrNotFound", err)
	}
	if _, err := s.ArticlesByDate(ctx, "2023-2-13"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ArticlesByDate(bad date) = %v, want ErrInvalid", err)
	}
}

func TestWriterCheckpointsLess(t *testing.T) {
	s := openTest(t)
	var pages int
	if err := s.w.QueryRow("PRAGMA wal_autocheckpoint").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if pages != walCheckpointPages {
		t.Errorf("writer wal_autocheckpoint = %d, want %d", pages, walCheckpointPages)
	}
}

// A damaged store is refused at open, by path, with what to do.
func TestOpenRefusesADamagedStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bad.db")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	arts := make([]digest.Article, 300)
	for i := range arts {
		arts[i] = digest.Article{Source: "中原区报", Date: "2023-02-13", Title: strings.Repeat("标题", 10) + strconv.Itoa(i),
			Body: strings.Repeat("正文内容。", 200) + strconv.Itoa(i)}
	}
	if _, err := s.ImportArticles(ctx, arts); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Scribble over a page in the middle of the file (not the header).
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	junk := bytes.Repeat([]byte{0xA5}, 4096)
	for off := int64(8192); off+4096 < st.Size(); off += 16384 {
		if _, err := f.WriteAt(junk, off); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	_, err = Open(ctx, path, Options{})
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "backup") {
		t.Fatalf("Open of a damaged store: %v", err)
	}
}
