package data

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBotTextsStoredOnce: a fan-out of one digest to many groups stores
// its text once, through single calls and batches alike, and every row
// still reads its own text.
func TestBotTextsStoredOnce(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "texts.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	slot := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	long := strings.Repeat("今日要闻导语。", 300)
	var recs []SlotRecord
	for i, g := range []string{"一群", "二群", "三群", "四群"} {
		sub, err := s.PutSubscription(ctx, Subscription{Group: g, Kind: ScheduleAt, Spec: "08:00"})
		if err != nil {
			t.Fatal(err)
		}
		parts := []string{long, "第二部分"}
		if i == 3 {
			parts = []string{long, "不同的第二部分"}
		}
		if i%2 == 0 {
			if _, err := s.RecordSlot(ctx, sub.ID, slot, parts, nil); err != nil {
				t.Fatal(err)
			}
		} else {
			recs = append(recs, SlotRecord{SubscriptionID: sub.ID, Slot: slot, Parts: parts})
		}
	}
	if _, err := s.RecordSlots(ctx, recs); err != nil {
		t.Fatal(err)
	}
	var texts int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM delivery_texts`).Scan(&texts); err != nil {
		t.Fatal(err)
	}
	if texts != 3 {
		t.Errorf("%d stored texts, want 3 (the long part once, two second parts)", texts)
	}
	ds, err := s.Deliveries(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 8 {
		t.Fatalf("%d rows, want 8", len(ds))
	}
	for _, d := range ds {
		want := map[int]string{1: long, 2: "第二部分"}[d.Part]
		if d.Group == "四群" && d.Part == 2 {
			want = "不同的第二部分"
		}
		if d.Text != want {
			t.Errorf("%s part %d reads %.20q, want %.20q", d.Group, d.Part, d.Text, want)
		}
	}
}
