package storebench_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/bottest"
	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/internal/pgtest"
	"github.com/wxdigest/wxdigest/internal/synth"
	"github.com/wxdigest/wxdigest/model"
	"github.com/wxdigest/wxdigest/pgstore"
	"github.com/wxdigest/wxdigest/storetest"
)

// Run (six minutes or so on two cores, most of it PostgreSQL importing the
// archive; it builds its own stores, in the temp dir and in a throwaway
// PostgreSQL, and removes them):
//
//	go test -tags sqlite_fts5 -run '^$' -bench . -benchtime 2s -timeout 1h ./internal/storebench/
//
// Every benchmark is a sub-benchmark of BenchmarkStores ending in /sqlite
// or /postgres, in that order, so the two stores' figures stand one above
// the other. An iteration of Import or OneDay takes longer than -benchtime,
// so they run once; the read benchmarks (DigestDay, Search) run as many
// calls as fit and report percentiles over them. They share one archive
// per store, which the first Import iteration leaves behind settled (or
// they import it themselves, untimed). -args -storebench.articles=N and
// -storebench.oneday=N change the sizes for quicker looks.

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var (
	archiveSize = flag.Int("storebench.articles", 100_000, "articles in the benchmark archive")
	oneDaySize  = flag.Int("storebench.oneday", 100_000, "articles OneDay imports under one date")
)

const importBatch = 1000 // articles per import transaction, as data's benchmarks

// store is what the benchmarks call; both stores have it.
type store interface {
	storetest.Store
	Close() error
}

var (
	_ store             = (*data.Store)(nil)
	_ store             = (*pgstore.Store)(nil)
	_ bot.DispatchStore = store(nil)
)

// backend is one kind of store.
type backend struct {
	name string
	// place returns where a new, empty store lives (a file, a database),
	// removed when tb ends.
	place func(tb testing.TB) string
	open  func(ctx context.Context, place string, now func() time.Time) (store, error)
	// size is the store's size on disk.
	size func(ctx context.Context, place string) (int64, error)
	// settle does what the database does by itself a minute after a bulk
	// import, so that reads are measured in the steady state.
	settle func(ctx context.Context, place string) error
}

var backends = []backend{
	{
		name:  "sqlite",
		place: func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "store.db") },
		open: func(ctx context.Context, place string, now func() time.Time) (store, error) {
			s, err := data.Open(ctx, place, data.Options{Now: now})
			if err != nil {
				return nil, err
			}
			return s, nil
		},
		settle: func(context.Context, string) error { return nil },
		size: func(_ context.Context, place string) (int64, error) {
			var n int64
			for _, p := range []string{place, place + "-wal"} {
				st, err := os.Stat(p)
				if errors.Is(err, os.ErrNotExist) {
					continue
				}
				if err != nil {
					return 0, err
				}
				n += st.Size()
			}
			return n, nil
		},
	},
	{
		name:  "postgres",
		place: func(tb testing.TB) string { return pgtest.URL(tb) },
		open: func(ctx context.Context, place string, now func() time.Time) (store, error) {
			s, err := pgstore.Open(ctx, place, pgstore.Options{Now: now})
			if err != nil {
				return nil, err
			}
			return s, nil
		},
		size: func(ctx context.Context, place string) (int64, error) {
			c, err := pgx.Connect(ctx, place)
			if err != nil {
				return 0, err
			}
			defer c.Close(ctx)
			var n int64
			err = c.QueryRow(ctx, `SELECT pg_total_relation_size('articles')`).Scan(&n)
			return n, err
		},
		// Autovacuum analyzes a table that grew by a tenth, and moves
		// the GIN index's pending entries into the index.
		settle: func(ctx context.Context, place string) error {
			c, err := pgx.Connect(ctx, place)
			if err != nil {
				return err
			}
			defer c.Close(ctx)
			_, err = c.Exec(ctx, `VACUUM ANALYZE articles`)
			return err
		},
	},
}

// archive is one store's copy of the benchmark archive, for the read
// benchmarks. Sub-benchmarks run one at a time, so it needs no lock.
type archive struct {
	be    backend
	place string // made by the parent benchmark: it outlives every sub-benchmark
	s     store  // once built
	err   error
	built bool
}

// get returns the archive, importing it first if no Import left it.
func (a *archive) get(b *testing.B) store {
	b.Helper()
	if !a.built {
		a.built = true
		ctx := context.Background()
		a.s, a.err = a.be.open(ctx, a.place, nil)
		if a.err == nil {
			_, a.err = importArchive(ctx, a.s, *archiveSize)
		}
		if a.err == nil {
			a.err = a.be.settle(ctx, a.place)
		}
	}
	if a.err != nil {
		b.Fatal(a.err)
	}
	b.ResetTimer()
	return a.s
}

func (a *archive) close() {
	if a.s != nil {
		a.s.Close()
	}
}

// importArchive imports the first n articles of the archive into s, batch
// by batch, and returns the time spent inside ImportArticles.
func importArchive(ctx context.Context, s store, n int) (time.Duration, error) {
	g := synth.New()
	var wall time.Duration
	for from := 0; from < n; from += importBatch {
		arts := g.Batch(from, min(importBatch, n-from))
		start := time.Now()
		res, err := s.ImportArticles(ctx, arts)
		wall += time.Since(start)
		if err != nil {
			return wall, err
		}
		if res.New != len(arts) {
			return wall, fmt.Errorf("batch at %d: %d new of %d", from, res.New, len(arts))
		}
	}
	return wall, nil
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

// BenchmarkStores runs each benchmark on the SQLite store, then on the
// PostgreSQL store.
func BenchmarkStores(b *testing.B) {
	if testing.Short() {
		b.Skip("builds 100,000-article stores; not under -short")
	}
	archives := make([]*archive, len(backends))
	for i, be := range backends {
		archives[i] = &archive{be: be, place: be.place(b)}
	}
	b.Cleanup(func() { // before the places go: registered after them
		for _, a := range archives {
			a.close()
		}
	})
	each := func(b *testing.B, f func(b *testing.B, be backend, a *archive)) {
		for i, be := range backends {
			b.Run(be.name, func(b *testing.B) { f(b, be, archives[i]) })
		}
	}
	b.Run("Import", func(b *testing.B) { each(b, benchImport) })
	b.Run("DigestDay", func(b *testing.B) {
		b.Run("load", func(b *testing.B) { each(b, benchDigestDay(false)) })
		b.Run("compose", func(b *testing.B) { each(b, benchDigestDay(true)) })
	})
	b.Run("Search", func(b *testing.B) {
		for _, set := range searchSets {
			b.Run(set.name, func(b *testing.B) {
				each(b, func(b *testing.B, _ backend, a *archive) { benchSearch(b, a, set.queries) })
			})
		}
	})
	b.Run("OneDay", func(b *testing.B) { each(b, benchOneDay) })
	b.Run("Slot10k", func(b *testing.B) {
		b.Run("dispatch", func(b *testing.B) { each(b, benchSlotDispatch) })
		b.Run("ledger", func(b *testing.B) { each(b, benchSlotLedger) })
	})
}

// benchImport imports the archive into an empty store, in transactions of
// 1,000 articles, with the search index. The first iteration's store
// becomes the read benchmarks' archive.
func benchImport(b *testing.B, be backend, a *archive) {
	ctx := context.Background()
	var wall time.Duration
	var size int64
	for n := range b.N {
		keep := n == 0 && !a.built
		place := a.place
		if !keep {
			place = be.place(b)
		}
		s, err := be.open(ctx, place, nil)
		if err != nil {
			b.Fatal(err)
		}
		w, err := importArchive(ctx, s, *archiveSize)
		wall += w
		if err != nil {
			s.Close()
			b.Fatal(err)
		}
		if size, err = be.size(ctx, place); err != nil {
			b.Fatal(err)
		}
		if keep {
			a.s, a.built = s, true
			b.StopTimer()
			if a.err = be.settle(ctx, place); a.err != nil {
				b.Fatal(a.err)
			}
			b.StartTimer()
		} else {
			s.Close()
		}
	}
	total := float64(*archiveSize) * float64(b.N)
	b.ReportMetric(total/wall.Seconds(), "art/s")
	b.ReportMetric(float64(size)/float64(*archiveSize)/1024, "KB/art")
}

// benchDigestDay loads one day of the archive (20 articles), and with
// compose builds and renders its digest, as a slot does.
func benchDigestDay(compose bool) func(b *testing.B, be backend, a *archive) {
	return func(b *testing.B, _ backend, a *archive) {
		s := a.get(b)
		ctx := context.Background()
		g := synth.New()
		days := *archiveSize / g.PerDay
		// Days spread over the archive, in an order the cache cannot predict.
		day := func(i int) string { return g.Date((i * 7919 % days) * g.PerDay) }
		lat := make(latencies, 0, b.N)
		for i := 0; i < b.N; i++ {
			start := time.Now()
			d := day(i)
			arts, err := s.ArticlesByDate(ctx, d)
			if err != nil || len(arts) != g.PerDay {
				b.Fatalf("ArticlesByDate(%s): %d articles, %v", d, len(arts), err)
			}
			if compose {
				date, _ := time.Parse(time.DateOnly, d)
				if parts := digest.Render(digest.Compose(date, arts, digest.Options{}), digest.DefaultBudget); len(parts) == 0 {
					b.Fatal("no parts")
				}
			}
			lat = append(lat, time.Since(start))
		}
		lat.report(b)
	}
}

// searchSets are data's BenchmarkSearch queries: common to absent, per
// query length (frequencies: internal/synth).
var searchSets = []struct {
	name    string
	queries []string
}{
	{"1char", []string{"的", "区", "豫", "樱", "鑫"}},
	{"2char", []string{"发展", "医疗", "樱花", "非遗", "地铁"}},
	{"4char", []string{"项目建设", "疫情防控", "乡村振兴", "建设项目", "樱花大道"}},
}

func benchSearch(b *testing.B, a *archive, queries []string) {
	s := a.get(b)
	ctx := context.Background()
	lat := make(latencies, 0, b.N)
	hits := 0
	for i := 0; i < b.N; i++ {
		q := queries[i%len(queries)]
		start := time.Now()
		h, err := s.Search(ctx, q, storetest.DefaultSearchLimit)
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatalf("Search(%q): %v", q, err)
		}
		hits += len(h)
	}
	lat.report(b)
	b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
}

// benchOneDay imports 100,000 small articles under one date into an empty
// store, in transactions of 5,000, and finds one of the last: no store
// limits how many articles a day holds (the SQLite index numbered 65,536
// a day before its keys were widened).
func benchOneDay(b *testing.B, be backend, _ *archive) {
	const date, batch = "2026-03-01", 5000
	ctx := context.Background()
	n := *oneDaySize
	var wall time.Duration
	for range b.N {
		s, err := be.open(ctx, be.place(b), nil)
		if err != nil {
			b.Fatal(err)
		}
		for from := 0; from < n; from += batch {
			arts := make([]digest.Article, min(batch, n-from))
			for i := range arts {
				k := from + i
				arts[i] = digest.Article{Source: "日报", Date: date, Title: fmt.Sprintf("第%06d条消息", k),
					Body: fmt.Sprintf("樱花节第%d场活动 item%06d。", k, k)}
			}
			start := time.Now()
			res, err := s.ImportArticles(ctx, arts)
			wall += time.Since(start)
			if err != nil || res.New != len(arts) {
				s.Close()
				b.Fatalf("batch at %d: %+v, %v", from, res, err)
			}
		}
		q := fmt.Sprintf("item%06d", n-2)
		hits, err := s.Search(ctx, q, 5)
		if err != nil || len(hits) != 1 || hits[0].Article.Title != fmt.Sprintf("第%06d条消息", n-2) {
			s.Close()
			b.Fatalf("Search(%q) after %d articles on %s: %d hits, %v", q, n, date, len(hits), err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/wall.Seconds(), "art/s")
}

const slotSubs = 10_000

// slotQueue is a DeliveryQueue that only counts what a slot hands it.
type slotQueue struct{ got chan int }

func (q *slotQueue) Deliver(ds ...model.Delivery) int { q.got <- len(ds); return len(ds) }
func (q *slotQueue) Holds(int64) bool                 { return false }
func (q *slotQueue) Reply(bot.Target, ...string)      {}
func (q *slotQueue) Cancel(int64) int                 { return 0 }

// subscribe adds slotSubs daily 08:00 subscriptions to s.
func subscribe(b *testing.B, s store) {
	b.Helper()
	ctx := context.Background()
	for i := range slotSubs {
		if _, err := s.PutSubscription(ctx, model.Subscription{Group: fmt.Sprintf("小区%05d群", i),
			Kind: model.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai", Enabled: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchSlotDispatch fires one slot for 10,000 subscriptions, as bot's
// BenchmarkSlot10k does on SQLite: finding each group's new items,
// rendering, writing every slot to the ledger, up to the rows being handed
// to the sender (no pacing). The day's page is imported untimed.
func benchSlotDispatch(b *testing.B, be backend, _ *archive) {
	ctx := context.Background()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2024, 3, 14, 7, 0, 0, 0, loc)
	clk := bottest.NewClock(start)
	s, err := be.open(ctx, be.place(b), clk.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	subscribe(b, s)
	page, err := digest.ParsePage(digest.SamplePage)
	if err != nil {
		b.Fatal(err)
	}
	q := &slotQueue{got: make(chan int, 1)}
	d, err := bot.NewDispatcher(bot.DispatcherConfig{Store: s, Outbox: q, Clock: clk, Zone: loc})
	if err != nil {
		b.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()
	defer func() {
		cancel()
		<-done
	}()
	if err := clk.WaitPending(ctx, 1); err != nil {
		b.Fatal(err)
	}
	parts := 0
	b.ResetTimer()
	b.StopTimer()
	for i := range b.N {
		day := start.AddDate(0, 0, i)
		date := day.Format(time.DateOnly)
		arts := make([]digest.Article, len(page))
		for k, a := range page {
			a.Source, a.Date, a.Title = "中原区新闻", date, a.Title+" "+date
			arts[k] = a
		}
		if _, err := s.ImportArticles(ctx, arts); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		clk.Set(time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, loc))
		select {
		case n := <-q.got:
			parts += n
		case <-time.After(5 * time.Minute):
			b.Fatal("the slot was not handed to the sender")
		}
		b.StopTimer()
		if err := clk.WaitPending(ctx, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/slot")
	b.ReportMetric(float64(parts)/float64(b.N), "parts/slot")
}

// benchSlotLedger is the ledger's share of a slot: RecordSlots of 10,000
// slots of two 2,000-rune parts and five articles each in one call, then
// Unsent reading the 20,000 rows back, as the dispatcher does.
func benchSlotLedger(b *testing.B, be backend, _ *archive) {
	ctx := context.Background()
	s, err := be.open(ctx, be.place(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	subscribe(b, s)
	subs, err := s.Subscriptions(ctx)
	if err != nil || len(subs) != slotSubs {
		b.Fatalf("Subscriptions: %d, %v", len(subs), err)
	}
	parts := []string{"", ""}
	for len([]rune(parts[0])) < 2000 {
		parts[0] += "中原区新闻摘要一。"
		parts[1] += "须水街道樱花节开幕。"
	}
	base := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	var record, unsent time.Duration
	b.ResetTimer()
	for n := range b.N {
		recs := make([]model.SlotRecord, len(subs))
		for i, sub := range subs {
			recs[i] = model.SlotRecord{SubscriptionID: sub.ID, Slot: base.Add(time.Duration(n) * time.Hour),
				Parts: parts, ArticleIDs: []int64{101, 102, 103, 104, 105}}
		}
		t0 := time.Now()
		created, err := s.RecordSlots(ctx, recs)
		if err != nil || len(created) != len(subs) || !created[0] {
			b.Fatalf("RecordSlots: %v", err)
		}
		t1 := time.Now()
		ds, err := s.Unsent(ctx)
		if err != nil || len(ds) != 2*len(subs)*(n+1) {
			b.Fatalf("Unsent: %d rows, %v", len(ds), err)
		}
		record, unsent = record+t1.Sub(t0), unsent+time.Since(t1)
	}
	b.ReportMetric(float64(record.Milliseconds())/float64(b.N), "ms/RecordSlots")
	b.ReportMetric(float64(unsent.Milliseconds())/float64(b.N), "ms/Unsent")
}
