package data

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/digest"
)

// Search keys number a day's articles in 32 bits now; a store indexed
// with 16-bit keys keeps them, with their limit of 65,536 a day, until a
// rebuild. These tests plant retired keys to stand for the articles a day
// has had, instead of importing tens of thousands.

func dayArts(date string, from, n int) []digest.Article {
	arts := make([]digest.Article, n)
	for i := range arts {
		arts[i] = digest.Article{Source: "日报", Date: date, Title: fmt.Sprintf("第%d条消息", from+i),
			Body: fmt.Sprintf("樱花节第%d场活动 item%d。", from+i, from+i)}
	}
	return arts
}

func importAll(t *testing.T, s *Store, arts []digest.Article) ImportResult {
	t.Helper()
	res, err := s.ImportArticles(context.Background(), arts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// plantRetired adds a retired key, as if the day had had n+1 articles.
func plantRetired(t *testing.T, s *Store, key int64) {
	t.Helper()
	if _, err := s.w.Exec(`INSERT INTO search_keys (key, article_id) VALUES (?, NULL)`, key); err != nil {
		t.Fatal(err)
	}
}

func keyWidthRow(t *testing.T, s *Store) string {
	t.Helper()
	var v string
	if err := s.r.QueryRow(`SELECT COALESCE((SELECT value FROM meta WHERE key = ?), '')`, keyWidthMeta).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// A day of a new store numbers past 65,536 articles, and newest first
// still orders by day, then id.
func TestDayKeysPast16Bits(t *testing.T) {
	s := openTest(t)
	first := importAll(t, s, dayArts("2023-06-01", 0, 1))
	if got := keyWidthRow(t, s); got != "32" {
		t.Fatalf("key width of a new store %q, want 32", got)
	}
	day, _ := parseDate("2023-06-01")
	plantRetired(t, s, searchKey(day, 100_000))
	later := importAll(t, s, dayArts("2023-06-01", 1, 3))
	next := importAll(t, s, dayArts("2023-06-02", 4, 1))
	prev := importAll(t, s, dayArts("2023-05-31", 5, 1))
	var n int64
	if err := s.r.QueryRow(`SELECT key FROM search_keys WHERE article_id = ?`, later.IDs[2]).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := searchKey(day, 100_003); n != want {
		t.Errorf("the day's last key %d, want %d (n 100,003)", n, want)
	}
	want := []int64{next.IDs[0], later.IDs[2], later.IDs[1], later.IDs[0], first.IDs[0], prev.IDs[0]}
	if got := searchIDs(t, s, "樱花节", MaxSearchLimit); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("search 樱花节: %v, want %v", got, want)
	}
	if got := searchIDs(t, s, "item3", MaxSearchLimit); len(got) != 1 || got[0] != later.IDs[2] {
		t.Errorf("search item3: %v, want [%d]", got, later.IDs[2])
	}
}

// legacyStore makes s a store indexed before the wider keys: 16-bit keys
// and no meta row. The day has had 65,531 articles (a retired key).
func legacyStore(t *testing.T, s *Store, date string) int64 {
	t.Helper()
	if _, err := s.w.Exec(`DELETE FROM meta WHERE key = ?`, keyWidthMeta); err != nil {
		t.Fatal(err)
	}
	day, _ := parseDate(date)
	plantRetired(t, s, day<<legacyKeyBits|65530)
	return day
}

// A store with 16-bit keys imports up to 65,536 articles a day, refuses
// more before writing anything with a message naming the date and the
// numbers, takes back articles it holds already, and after a rebuild has
// no limit.
func TestLegacyDayKeys(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	legacyStore(t, s, "2023-06-01")
	four := dayArts("2023-06-01", 0, 4)
	res := importAll(t, s, four)
	if got := keyWidthRow(t, s); got != "" {
		t.Errorf("a legacy store got key width %q", got)
	}
	// Another day, and a copy of a stored article: only one key is needed.
	mixed := append(dayArts("2023-06-02", 10, 2), four[1], dayArts("2023-06-01", 4, 1)[0])
	res2 := importAll(t, s, mixed)
	if res2.New != 3 || res2.Existing != 1 {
		t.Fatalf("import: %+v, want 3 new, 1 existing", res2)
	}
	// The day's keys are used up: two more are refused, and the other
	// day's articles of that import are not stored either.
	over := append(dayArts("2023-06-03", 20, 3), dayArts("2023-06-01", 5, 2)...)
	_, err := s.ImportArticles(ctx, over)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("import past the day's keys: %v, want ErrInvalid", err)
	}
	t.Logf("refused: %v", err)
	for _, want := range []string{"2023-06-01", "2 new article(s)", "0 of its 65536 search keys left", "wxdigest reindex"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q is not one line", err)
	}
	if arts, _ := s.ArticlesByDate(ctx, "2023-06-03"); len(arts) != 0 {
		t.Errorf("the refused import stored %d articles of another day", len(arts))
	}
	// Articles stored already need no key.
	if res3 := importAll(t, s, four); res3.Existing != 4 {
		t.Errorf("re-import: %+v", res3)
	}
	// A fetched article is refused too (while writing, in the same
	// transaction).
	_, err = s.ImportFetched(ctx, []Fetched{{GUID: "g1", Article: dayArts("2023-06-01", 30, 1)[0]}})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "2023-06-01") {
		t.Errorf("fetched past the day's keys: %v", err)
	}
	if got := searchIDs(t, s, "樱花节", MaxSearchLimit); len(got) != 7 || got[len(got)-1] != res.IDs[0] {
		t.Errorf("search on the legacy store: %v", got)
	}

	if err := s.RebuildSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if got := keyWidthRow(t, s); got != "32" {
		t.Errorf("key width after a rebuild %q, want 32", got)
	}
	day, _ := parseDate("2023-06-01")
	plantRetired(t, s, searchKey(day, 70_000))
	res4 := importAll(t, s, over)
	if res4.New != 5 {
		t.Fatalf("import after the rebuild: %+v", res4)
	}
	got := searchIDs(t, s, "樱花节", MaxSearchLimit)
	want := []int64{res4.IDs[2], res4.IDs[1], res4.IDs[0], res2.IDs[1], res2.IDs[0], res4.IDs[4], res4.IDs[3], res2.IDs[3],
		res.IDs[3], res.IDs[2], res.IDs[1], res.IDs[0]}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("search after the rebuild: %v, want %v", got, want)
	}
}

// A width the store does not know is a damaged index, not a guess.
func TestUnknownKeyWidth(t *testing.T) {
	s := openTest(t)
	importAll(t, s, dayArts("2023-06-01", 0, 1))
	if _, err := s.w.Exec(`UPDATE meta SET value = '20' WHERE key = ?`, keyWidthMeta); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportArticles(context.Background(), dayArts("2023-06-01", 1, 1)); !errors.Is(err, ErrIndexDamaged) {
		t.Errorf("import with key width 20: %v, want ErrIndexDamaged", err)
	}
}

// openLogged opens the store at path, its log lines kept in buf.
func openLogged(t *testing.T, path string, buf *bytes.Buffer) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, Options{Now: func() time.Time { return testNow },
		Logger: slog.New(slog.NewTextHandler(buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// beforeWideKeys makes the store at path look as the release before
// migration 0012 left it: schema version 11.
func beforeWideKeys(t *testing.T, s *Store) {
	t.Helper()
	if _, err := s.w.Exec(`PRAGMA user_version = 11`); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// Migration 0012 rebuilds a store with 16-bit keys once, wide, at the
// next Open; a store already wide, or with nothing indexed, is left alone.
func TestWideKeysMigration(t *testing.T) {
	const rebuilt = "rebuilding the search index"
	ctx := context.Background()
	dir := t.TempDir()

	var log bytes.Buffer
	path := filepath.Join(dir, "legacy.db")
	s := openLogged(t, path, &log)
	day := legacyStore(t, s, "2023-06-01")
	res := importAll(t, s, dayArts("2023-06-01", 0, 3))
	if got := keyWidthRow(t, s); got != "" {
		t.Fatalf("a legacy store got key width %q", got)
	}
	beforeWideKeys(t, s)

	log.Reset()
	s = openLogged(t, path, &log)
	if n := strings.Count(log.String(), rebuilt); n != 1 || !strings.Contains(log.String(), "migration 0012") {
		t.Errorf("first open after 0012 logged:\n%s\nwant one rebuild, reason migration 0012", log.String())
	}
	if got := keyWidthRow(t, s); got != "32" {
		t.Errorf("key width after the rebuild %q, want 32", got)
	}
	for i, id := range res.IDs {
		var key int64
		if err := s.r.QueryRow(`SELECT key FROM search_keys WHERE article_id = ?`, id).Scan(&key); err != nil {
			t.Fatal(err)
		}
		if want := searchKey(day, int64(i)); key != want {
			t.Errorf("key of article %d = %#x, want %#x", id, key, want)
		}
	}
	if got := searchIDs(t, s, "樱花节", MaxSearchLimit); fmt.Sprint(got) != fmt.Sprint([]int64{res.IDs[2], res.IDs[1], res.IDs[0]}) {
		t.Errorf("search after the rebuild: %v", got)
	}
	if _, err := s.Meta(ctx, "search_rebuild"); !errors.Is(err, ErrNotFound) {
		t.Errorf("meta search_rebuild after the rebuild: %v, want ErrNotFound", err)
	}
	// The day now takes more than 65,536 articles.
	plantRetired(t, s, searchKey(day, 70_000))
	if more := importAll(t, s, dayArts("2023-06-01", 3, 2)); more.New != 2 {
		t.Errorf("import past 65,536 after the rebuild: %+v", more)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	log.Reset()
	s = openLogged(t, path, &log)
	if strings.Contains(log.String(), rebuilt) {
		t.Errorf("second open rebuilt again:\n%s", log.String())
	}
	s.Close()

	// A wide store, and an old store with nothing indexed, are not rebuilt.
	for name, fill := range map[string]func(s *Store){
		"wide.db":  func(s *Store) { importAll(t, s, dayArts("2023-06-01", 0, 3)) },
		"empty.db": func(s *Store) { legacyStore(t, s, "2023-06-01"); s.w.Exec(`DELETE FROM search_keys`) },
	} {
		log.Reset()
		path := filepath.Join(dir, name)
		s := openLogged(t, path, &log)
		fill(s)
		beforeWideKeys(t, s)
		log.Reset()
		s = openLogged(t, path, &log)
		if strings.Contains(log.String(), rebuilt) {
			t.Errorf("%s was rebuilt:\n%s", name, log.String())
		}
		if v := userVersion(t, s.w); v != SchemaVersion() {
			t.Errorf("%s: user_version %d, want %d", name, v, SchemaVersion())
		}
		s.Close()
	}
}
