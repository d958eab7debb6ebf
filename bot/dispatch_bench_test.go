package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
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
	benchSlot(b, func(ctx context.Context, st *data.Store, i int) data.Subscription {
		return data.Subscription{Group: fmt.Sprintf("小区%05d群", i)}
	}, nil)
}

// BenchmarkSlot10kChannels is BenchmarkSlot10k across three channels:
// a third personal-WeChat groups (text, image cards, or both), a third
// WeCom robots (text split by bytes, and cards), a third customer-group
// tasks. The cards are JSON here; each distinct card is drawn once, when
// sent (BenchmarkRenderSampleDay in card measures that). Target: < 2 s.
func BenchmarkSlot10kChannels(b *testing.B) {
	styles := []string{data.StyleText, data.StyleImage, data.StyleBoth}
	benchSlot(b, func(ctx context.Context, st *data.Store, i int) data.Subscription {
		switch i % 3 {
		case 0:
			return data.Subscription{Group: fmt.Sprintf("小区%05d群", i), Style: styles[i/3%3]}
		case 1:
			name := fmt.Sprintf("机器人%05d", i)
			if _, err := st.AddChannel(ctx, data.Channel{Name: name, Kind: data.ChannelWeComRobot,
				URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", Enabled: true}); err != nil {
				b.Fatal(err)
			}
			return data.Subscription{Channel: name, Style: data.StyleBoth}
		default:
			name := fmt.Sprintf("客户群%05d", i)
			if _, err := st.AddChannel(ctx, data.Channel{Name: name, Kind: data.ChannelWeComTask,
				CorpID: "ww", Secret: "s", Sender: "u", Enabled: true}); err != nil {
				b.Fatal(err)
			}
			return data.Subscription{Channel: name}
		}
	}, func(channel string) bot.Format {
		switch {
		case strings.HasPrefix(channel, "机器人"):
			return bot.Format{Bytes: 2048, Images: true}
		case strings.HasPrefix(channel, "客户群"):
			return bot.Format{Bytes: 4000}
		}
		return bot.Format{Images: true}
	})
}

// benchSlot fires one slot a day for 10,000 subscriptions made by sub.
func benchSlot(b *testing.B, sub func(context.Context, *data.Store, int) data.Subscription, formats func(string) bot.Format) {
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
		s := sub(ctx, st, i)
		s.Kind, s.Spec, s.TZ, s.Enabled = data.ScheduleAt, "08:00", "Asia/Shanghai", true
		if _, err := st.PutSubscription(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	page, err := digest.ParsePage(digest.SamplePage)
	if err != nil {
		b.Fatal(err)
	}
	q := &scQueue{got: make(chan int, 1)}
	d, err := bot.NewDispatcher(bot.DispatcherConfig{Store: st, Outbox: q, Clock: clk, Zone: loc, Formats: formats})
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
