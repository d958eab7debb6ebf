package data_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
)

// btBenchParts renders a day's digest as a scheduled slot would push it,
// at the default 2,000-rune part budget, and returns its first two parts:
// real digest text, as long as chat parts get. The sample page is repeated
// (as the next pages of the day) until the digest needs two parts.
func btBenchParts(b *testing.B) []string {
	b.Helper()
	page, err := digest.ParsePage(digest.SamplePage)
	if err != nil {
		b.Fatal(err)
	}
	var arts []digest.Article
	for round := 1; round <= 20; round++ {
		for _, a := range page {
			a.Source = "中原区报"
			a.Title = fmt.Sprintf("%s（%d）", a.Title, round)
			arts = append(arts, a)
		}
		d := digest.Compose(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), arts, digest.Options{})
		if parts := digest.Render(d, 2000); len(parts) >= 2 {
			return parts[:2]
		}
	}
	b.Fatal("the sample digest never needs two parts")
	return nil
}

// BenchmarkRecordSlot10k writes one slot of 10,000 subscriptions to the
// ledger, each slot two rendered parts handing five articles: the ledger
// share of issue 4's "scheduling + rendering + ledger writes for 10,000
// subscriptions in one slot < 2 s". single calls RecordSlot per
// subscription (one transaction each).
func BenchmarkRecordSlot10k(b *testing.B) {
	if testing.Short() {
		b.Skip("sets up 10,000 subscriptions; not under -short")
	}
	const subs = 10000
	parts := btBenchParts(b)
	ids := []int64{101, 102, 103, 104, 105}
	b.Logf("parts of %d and %d runes", utf8.RuneCountInString(parts[0]), utf8.RuneCountInString(parts[1]))

	setup := func(b *testing.B) (*data.Store, []int64) {
		ctx := context.Background()
		s := btOpen(b, filepath.Join(b.TempDir(), "bench.db"), newBTClock())
		subIDs := make([]int64, subs)
		for i := range subs {
			sub, err := s.PutSubscription(ctx, data.Subscription{
				Group: fmt.Sprintf("小区业主群%05d", i), Kind: data.ScheduleAt, Spec: "08:00",
				TZ: "Asia/Shanghai", Enabled: true,
			})
			if err != nil {
				b.Fatal(err)
			}
			subIDs[i] = sub.ID
		}
		return s, subIDs
	}
	report := func(b *testing.B, elapsed time.Duration) {
		b.ReportMetric(float64(subs*b.N)/elapsed.Seconds(), "slots/s")
		b.ReportMetric(float64(elapsed.Milliseconds())/float64(b.N), "ms/10k-slots")
	}
	base := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

	b.Run("single", func(b *testing.B) {
		ctx := context.Background()
		s, subIDs := setup(b)
		b.ResetTimer()
		start := time.Now()
		for n := range b.N {
			slot := base.Add(time.Duration(n) * time.Hour)
			for _, id := range subIDs {
				created, err := s.RecordSlot(ctx, id, slot, parts, ids)
				if err != nil || !created {
					b.Fatalf("RecordSlot = %v, %v", created, err)
				}
			}
		}
		report(b, time.Since(start))
	})
	// batch writes the whole fan-out in one transaction; batch1000 in
	// transactions of 1,000 slots, which holds the write lock ~1/10 as long
	// at a time for other writers (commands, audit).
	for _, bc := range []struct {
		name  string
		chunk int
	}{{"batch", subs}, {"batch1000", 1000}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			s, subIDs := setup(b)
			recs := make([]data.SlotRecord, subs)
			b.ResetTimer()
			start := time.Now()
			for n := range b.N {
				slot := base.Add(time.Duration(n) * time.Hour)
				for i, id := range subIDs {
					recs[i] = data.SlotRecord{SubscriptionID: id, Slot: slot, Parts: parts, ArticleIDs: ids}
				}
				for from := 0; from < subs; from += bc.chunk {
					chunk := recs[from:min(from+bc.chunk, subs)]
					created, err := s.RecordSlots(ctx, chunk)
					if err != nil || !created[len(chunk)-1] {
						b.Fatalf("RecordSlots: %v", err)
					}
				}
			}
			report(b, time.Since(start))
		})
	}
}

// BenchmarkUnsent10k reads back a just-recorded fan-out to 10,000 groups
// (20,000 pending parts), as the dispatcher does to queue it and as a
// restart does to catch up. Rows of one digest share one text string, so
// the read allocates the texts once, not per row.
func BenchmarkUnsent10k(b *testing.B) {
	if testing.Short() {
		b.Skip("sets up 10,000 subscriptions; not under -short")
	}
	const subs = 10000
	ctx := context.Background()
	parts := btBenchParts(b)
	s := btOpen(b, filepath.Join(b.TempDir(), "bench.db"), newBTClock())
	slot := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	recs := make([]data.SlotRecord, subs)
	for i := range subs {
		sub, err := s.PutSubscription(ctx, data.Subscription{
			Group: fmt.Sprintf("小区业主群%05d", i), Kind: data.ScheduleAt, Spec: "08:00", Enabled: true,
		})
		if err != nil {
			b.Fatal(err)
		}
		recs[i] = data.SlotRecord{SubscriptionID: sub.ID, Slot: slot, Parts: parts, ArticleIDs: []int64{1, 2, 3, 4, 5}}
	}
	if _, err := s.RecordSlots(ctx, recs); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ds, err := s.Unsent(ctx)
		if err != nil || len(ds) != 2*subs {
			b.Fatalf("Unsent: %d rows, %v", len(ds), err)
		}
	}
}
