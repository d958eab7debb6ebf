package data

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// benchFetched is a feed's worth of items: n distinct articles.
func benchFetched(n int) []Fetched {
	items := make([]Fetched, n)
	for i := range items {
		title := fmt.Sprintf("中原区第%d条新闻", i)
		items[i] = fetched("融媒体", fmt.Sprintf("zy-%d", i), fmt.Sprintf("https://news.invalid/a/%d.html", i), title)
	}
	return items
}

// BenchmarkImportFetched1000 stores 1000 new feed items in one
// transaction (a first poll of a big feed), and BenchmarkRepoll1000
// offers the same 1000 again, all already stored (every later poll of a
// feed that does not answer 304).
func BenchmarkImportFetched1000(b *testing.B) {
	if testing.Short() {
		b.Skip("opens a store per iteration; skipped under -short")
	}
	ctx := context.Background()
	items := benchFetched(1000)
	dir := b.TempDir()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		s, err := Open(ctx, filepath.Join(dir, fmt.Sprintf("b%d.db", i)), Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := s.ImportFetched(ctx, items)
		if err != nil || res.New != len(items) {
			b.Fatalf("import = %d new, %v", res.New, err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "µs/item")
}

func BenchmarkRepoll1000(b *testing.B) {
	if testing.Short() {
		b.Skip("skipped under -short")
	}
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "b.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	items := benchFetched(1000)
	if _, err := s.ImportFetched(ctx, items); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := s.ImportFetched(ctx, items)
		if err != nil || res.Existing != len(items) {
			b.Fatalf("repoll = %d existing, %v", res.Existing, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/poll")
}
