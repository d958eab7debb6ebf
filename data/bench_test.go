package data

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/internal/synth"
)

// Benchmarks on a synthetic archive (package internal/synth). Run with
//
//	go test -tags sqlite_fts5 -run '^$' -bench . -benchtime 200x -timeout 30m ./data/
//
// BenchmarkImport imports the whole archive twice per iteration (with and
// without the search index); the others share one store built once per
// process.

var benchArticles = flag.Int("data.articles", 100_000, "articles in the benchmark archive")

const benchBatch = 1000 // articles per import transaction

// importArchive imports the archive into a new store in dir, batch by
// batch, and returns the wall and CPU time spent inside ImportArticles
// (generation excluded) and the database size.
func importArchive(b *testing.B, dir string, n int, index bool) (wall, cpu time.Duration, size int64) {
	b.Helper()
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	s, err := Open(ctx, filepath.Join(dir, "archive.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	g := synth.New()
	for from := 0; from < n; from += benchBatch {
		arts := g.Batch(from, min(benchBatch, n-from))
		start, startCPU := time.Now(), cpuTime()
		res, err := s.importArticles(ctx, arts, index)
		wall += time.Since(start)
		cpu += cpuTime() - startCPU
		if err != nil {
			b.Fatal(err)
		}
		if res.New != len(arts) {
			b.Fatalf("batch at %d: %d new of %d", from, res.New, len(arts))
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "archive.db"))
	if err != nil {
		b.Fatal(err)
	}
	return wall, cpu, st.Size()
}

func BenchmarkImport(b *testing.B) {
	if testing.Short() {
		b.Skip("imports a 100,000-article archive twice; skipped under -short")
	}
	n := *benchArticles
	var plain, indexed, indexedCPU time.Duration
	var plainSize, indexedSize int64
	// One iteration takes minutes, so the default -benchtime runs exactly
	// one. The rates count only time inside ImportArticles.
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		p, _, ps := importArchive(b, filepath.Join(dir, "plain"), n, false)
		x, xc, xs := importArchive(b, filepath.Join(dir, "indexed"), n, true)
		plain += p
		indexed += x
		indexedCPU += xc
		plainSize, indexedSize = ps, xs
		os.RemoveAll(dir) // a few hundred MB per iteration
	}
	total := float64(n) * float64(b.N)
	b.ReportMetric(total/indexed.Seconds(), "art/s_indexed")
	b.ReportMetric(total/plain.Seconds(), "art/s_plain")
	b.ReportMetric(plain.Seconds()/indexed.Seconds(), "ratio") // indexed rate / plain rate
	if indexedCPU > 0 {
		b.ReportMetric(total/indexedCPU.Seconds(), "art/cpu-s_indexed")
	}
	b.ReportMetric(float64(indexedSize-plainSize)/float64(n)/1024, "index-KB/art")
}

// sharedArchive is the 100,000-article store the read benchmarks share.
// Package state, but test-only: building it costs minutes, once per process.
var sharedArchive struct {
	once sync.Once
	dir  string
	s    *Store
	err  error
}

func archiveStore(b *testing.B) *Store {
	b.Helper()
	if testing.Short() {
		b.Skip("needs a 100,000-article store; skipped under -short")
	}
	sa := &sharedArchive
	sa.once.Do(func() {
		sa.dir, sa.err = os.MkdirTemp("", "wxdigest-bench-")
		if sa.err != nil {
			return
		}
		ctx := context.Background()
		sa.s, sa.err = Open(ctx, filepath.Join(sa.dir, "archive.db"), Options{})
		if sa.err != nil {
			return
		}
		g := synth.New()
		for from := 0; from < *benchArticles && sa.err == nil; from += benchBatch {
			_, sa.err = sa.s.ImportArticles(ctx, g.Batch(from, min(benchBatch, *benchArticles-from)))
		}
	})
	if sa.err != nil {
		b.Fatal(sa.err)
	}
	b.ResetTimer()
	return sa.s
}

// closeSharedArchive runs from TestMain after all tests and benchmarks.
func closeSharedArchive() {
	sa := &sharedArchive
	if sa.s != nil {
		sa.s.Close()
	}
	if sa.dir != "" {
		os.RemoveAll(sa.dir)
	}
}

// latencies records per-op times and reports their p50 and p99.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	s := slices.Clone(l)
	slices.Sort(s)
	at := func(q float64) float64 {
		return float64(s[min(len(s)-1, int(q*float64(len(s))))]) / 1e6
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

func BenchmarkDigestDay(b *testing.B) {
	s := archiveStore(b)
	ctx := context.Background()
	g := synth.New()
	days := *benchArticles / g.PerDay
	// Days spread over the archive, in an order the cache cannot predict.
	day := func(i int) string { return g.Date((i * 7919 % days) * g.PerDay) }

	b.Run("load", func(b *testing.B) {
		lat := make(latencies, 0, b.N)
		for i := 0; i < b.N; i++ {
			start := time.Now()
			arts, err := s.ArticlesByDate(ctx, day(i))
			lat = append(lat, time.Since(start))
			if err != nil || len(arts) != g.PerDay {
				b.Fatalf("ArticlesByDate: %d articles, %v", len(arts), err)
			}
		}
		lat.report(b)
	})
	b.Run("compose", func(b *testing.B) {
		lat := make(latencies, 0, b.N)
		for i := 0; i < b.N; i++ {
			start := time.Now()
			d := day(i)
			arts, err := s.ArticlesByDate(ctx, d)
			if err != nil {
				b.Fatal(err)
			}
			date, _ := time.Parse(dateLayout, d)
			parts := digest.Render(digest.Compose(date, arts, digest.Options{}), digest.DefaultBudget)
			lat = append(lat, time.Since(start))
			if len(parts) == 0 {
				b.Fatal("no parts")
			}
		}
		lat.report(b)
	})
}

func BenchmarkSearch(b *testing.B) {
	s := archiveStore(b)
	ctx := context.Background()
	// Common to absent, per query length (frequencies: internal/synth).
	sets := []struct {
		name    string
		queries []string
	}{
		{"1char", []string{"的", "区", "豫", "樱", "鑫"}},
		{"2char", []string{"发展", "医疗", "樱花", "非遗", "地铁"}},
		{"4char", []string{"项目建设", "疫情防控", "乡村振兴", "建设项目", "樱花大道"}},
	}
	for _, set := range sets {
		b.Run(set.name, func(b *testing.B) {
			lat := make(latencies, 0, b.N)
			hits := 0
			for i := 0; i < b.N; i++ {
				q := set.queries[i%len(set.queries)]
				start := time.Now()
				h, err := s.Search(ctx, q, DefaultSearchLimit)
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatalf("Search(%q): %v", q, err)
				}
				hits += len(h)
			}
			lat.report(b)
			b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
		})
	}
}

// TestSearchBenchQueriesMatch keeps the benchmark honest: on a small
// archive the common queries hit and the absent ones do not.
func TestSearchBenchQueriesMatch(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.ImportArticles(ctx, synth.New().Batch(0, 2000)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    string
		hits bool
	}{{"的", true}, {"区", true}, {"发展", true}, {"医疗", true}, {"项目建设", true}, {"疫情防控", true}, {"鑫", false}, {"地铁", false}} {
		h, err := s.Search(ctx, tc.q, 5)
		if err != nil {
			t.Fatal(err)
		}
		if (len(h) > 0) != tc.hits {
			t.Errorf("Search(%q): %d hits, want hits=%v", tc.q, len(h), tc.hits)
		}
	}
}
