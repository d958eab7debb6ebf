package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/bottest"
	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
)

// BenchmarkSlot10k measures one firing for 10,000 subscriptions: finding
// each group's new items, rendering, and writing every slot to the ledger
// on a real store, up to the rows being handed to the sender. Pacing is
// left out (the queue only counts). Target: under 2 s per slot.
func BenchmarkSlot10k(b *testing.B) {
	if testing.Short() {
		b.Skip("10,000 subscriptions: skipped with -short")
	}
	const subs = 10_000
	ctx := context.Background()
	loc := scShanghai(b)
	start := time.Date(2024, 3, 14, 7, 0, 0, 0, loc)
	clk := bottest.NewClock(start)
	st, err := data.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), data.Options{Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for i := range subs {
		if _, err := st.PutSubscription(ctx, data.Subscription{Group: fmt.Sprintf("小区%05d群", i), Kind: data.ScheduleAt,
			Spec: "08:00", TZ: "Asia/Shanghai", Enabled: true}); err != nil {
			b.Fatal(err)
		}
	}
	page, err := digest.ParsePage(digest.SamplePage)
	if err != nil {
		b.Fatal(err)
	}
	q := &scQueue{got: make(chan int, 1)}
	d, err := bot.NewDispatcher(bot.DispatcherConfig{Store: st, Outbox: q, Clock: clk, Zone: loc})
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
		if _, err := st.ImportArticles(ctx, arts); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		clk.Set(time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, loc))
		select {
		case n := <-q.got:
			parts += n
		case <-time.After(time.Minute):
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
