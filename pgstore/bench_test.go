package pgstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/internal/pgtest"
	"github.com/wxdigest/wxdigest/model"
	"github.com/wxdigest/wxdigest/pgstore"
)

// BenchmarkRecordSlots10k records one firing's fan-out to 10,000 groups (two
// parts of 2,000 runes, five articles each) in one RecordSlots, and lists it
// back with Unsent; PutSubscription for the groups is not timed.
func BenchmarkRecordSlots10k(b *testing.B) {
	if testing.Short() {
		b.Skip("sets up 10,000 subscriptions; not under -short")
	}
	const subs = 10000
	ctx := context.Background()
	s, err := pgstore.Open(ctx, pgtest.URL(b), pgstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	parts := []string{strings.Repeat("中原区新闻摘要一。", 222), strings.Repeat("须水街道樱花节开幕。", 200)}
	ids := make([]int64, subs)
	for i := range subs {
		sub, err := s.PutSubscription(ctx, model.Subscription{Group: fmt.Sprintf("小区业主群%05d", i), Kind: model.ScheduleAt, Spec: "08:00", Enabled: true})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = sub.ID
	}
	base := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	var record, unsent time.Duration
	for n := range b.N {
		recs := make([]model.SlotRecord, subs)
		for i, id := range ids {
			recs[i] = model.SlotRecord{SubscriptionID: id, Slot: base.Add(time.Duration(n) * time.Hour), Parts: parts, ArticleIDs: []int64{101, 102, 103, 104, 105}}
		}
		t0 := time.Now()
		created, err := s.RecordSlots(ctx, recs)
		if err != nil || len(created) != subs || !created[0] {
			b.Fatalf("RecordSlots: %v", err)
		}
		t1 := time.Now()
		ds, err := s.Unsent(ctx)
		if err != nil || len(ds) != 2*subs*(n+1) {
			b.Fatalf("Unsent: %d rows, %v", len(ds), err)
		}
		record, unsent = record+t1.Sub(t0), unsent+time.Since(t1)
	}
	b.ReportMetric(float64(record.Milliseconds())/float64(b.N), "ms/RecordSlots-10k")
	b.ReportMetric(float64(unsent.Milliseconds())/float64(b.N), "ms/Unsent")
}
