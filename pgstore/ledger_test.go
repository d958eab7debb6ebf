package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxdigest/wxdigest/internal/pgtest"
	"github.com/wxdigest/wxdigest/model"
	"github.com/wxdigest/wxdigest/pgstore"
)

// The conformance subtests that hand articles to groups import them first,
// and wait for the articles' half. The ledger itself refers to article ids
// without a foreign key, so these tests hand it bare ids: what the
// skipped subtests check of the ledger, on this store, until then.

var slot0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return time.Date(2026, 3, 2, 0, 30, 0, 0, time.UTC) }

func sub(t *testing.T, s *pgstore.Store, group string) model.Subscription {
	t.Helper()
	out, err := s.PutSubscription(context.Background(), model.Subscription{Group: group, Kind: model.ScheduleAt, Spec: "08:00", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func record(t *testing.T, s *pgstore.Store, subID int64, slot time.Time, parts []string, ids []int64) {
	t.Helper()
	created, err := s.RecordSlot(context.Background(), subID, slot, parts, ids)
	if err != nil || !created {
		t.Fatalf("RecordSlot(%d, %v) = %v, %v", subID, slot, created, err)
	}
}

func delivered(t *testing.T, s *pgstore.Store, subID int64, ids ...int64) map[int64]bool {
	t.Helper()
	m, err := s.Delivered(context.Background(), subID, ids)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func allDeliveries(t *testing.T, s *pgstore.Store) []model.Delivery {
	t.Helper()
	ds, err := s.Deliveries(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func count(t *testing.T, url, table string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRecordSlotsBatch(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s, err := pgstore.Open(ctx, url, pgstore.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, b, c := sub(t, s, "a"), sub(t, s, "b"), sub(t, s, "c")
	record(t, s, b.ID, slot0, []string{"b已有"}, []int64{101})
	created, err := s.RecordSlots(ctx, []model.SlotRecord{
		{SubscriptionID: a.ID, Slot: slot0, Parts: []string{"a1", "同"}, Kinds: []string{model.PartImage, model.PartText}, ArticleIDs: []int64{101, 102, 102}},
		{SubscriptionID: b.ID, Slot: slot0, Parts: []string{"b新"}, ArticleIDs: []int64{102}},
		{SubscriptionID: c.ID, Slot: slot0},
		{SubscriptionID: a.ID, Slot: slot0, Parts: []string{"a again"}},
		{SubscriptionID: c.ID, Slot: slot0.Add(time.Hour), Parts: []string{"同", "同"}, ArticleIDs: []int64{103}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false, true, false, true}; !reflect.DeepEqual(created, want) {
		t.Fatalf("created = %v, want %v", created, want)
	}
	type row struct {
		group      string
		part, of   int
		kind, text string
		state      string
	}
	var got []row
	for _, d := range allDeliveries(t, s) {
		got = append(got, row{d.Group, d.Part, d.Parts, d.Kind, d.Text, d.State})
		if d.Slot.Location() != time.UTC || !d.Created.Equal(fixedNow()) {
			t.Errorf("row %+v", d)
		}
	}
	want := []row{
		{"a", 1, 2, "image", "a1", "pending"}, {"a", 2, 2, "text", "同", "pending"},
		{"b", 1, 1, "text", "b已有", "pending"}, {"c", 0, 0, "text", "", "skipped"},
		{"c", 1, 2, "text", "同", "pending"}, {"c", 2, 2, "text", "同", "pending"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %+v\nwant %+v", got, want)
	}
	// Each text once: b已有, a1, 同 (b新 and "a again" went with their
	// slots' refused heads, or not at all).
	if n := count(t, url, "delivery_texts"); n < 3 || n > 5 {
		t.Errorf("%d stored texts, want each distinct text once", n)
	}
	if m := delivered(t, s, a.ID, 101, 102, 103); !m[101] || !m[102] || m[103] || len(m) != 2 {
		t.Errorf("a delivered %v", m)
	}
	if m := delivered(t, s, b.ID, 101, 102); !m[101] || m[102] {
		t.Errorf("b delivered %v (its second recording changed nothing)", m)
	}
	// All or nothing.
	next := slot0.Add(2 * time.Hour)
	_, err = s.RecordSlots(ctx, []model.SlotRecord{
		{SubscriptionID: a.ID, Slot: next, Parts: []string{"ok"}, ArticleIDs: []int64{104}},
		{SubscriptionID: c.ID + 1000, Slot: next, Parts: []string{"x"}},
	})
	if !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("a batch naming a missing subscription: %v, want ErrNotFound", err)
	}
	if n := len(allDeliveries(t, s)); n != 6 {
		t.Errorf("a failed batch wrote rows: %d, want 6", n)
	}
	if m := delivered(t, s, a.ID, 104); m[104] {
		t.Error("a failed batch handed an article")
	}
}

// One slot recorded at once by goroutines of one store and by another
// store: exactly one creates it. Two stores fanning out to the same groups
// in opposite orders both finish, and each slot is recorded once.
func TestRecordSlotConcurrent(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s1, err := pgstore.Open(ctx, url, pgstore.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	s2, err := pgstore.Open(ctx, url, pgstore.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	g := sub(t, s1, "g")
	const n = 8
	var wg sync.WaitGroup
	results := make([]bool, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		s := s1
		if i%2 == 1 {
			s = s2
		}
		wg.Go(func() {
			<-start
			results[i], errs[i] = s.RecordSlot(ctx, g.ID, slot0, []string{"一", "二"}, []int64{1, 2, 3})
		})
	}
	close(start)
	wg.Wait()
	createdN := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if results[i] {
			createdN++
		}
	}
	if createdN != 1 {
		t.Errorf("%d calls created the slot, want exactly 1", createdN)
	}
	if ds := allDeliveries(t, s1); len(ds) != 2 {
		t.Errorf("%d ledger rows, want 2", len(ds))
	}

	var subs []model.Subscription
	for i := range 20 {
		subs = append(subs, sub(t, s1, fmt.Sprintf("群%02d", i)))
	}
	slot := slot0.Add(time.Hour)
	fanout := func(s *pgstore.Store, reverse bool) ([]bool, error) {
		var recs []model.SlotRecord
		for i := range subs {
			j := i
			if reverse {
				j = len(subs) - 1 - i
			}
			recs = append(recs, model.SlotRecord{SubscriptionID: subs[j].ID, Slot: slot,
				Parts: []string{"今日", fmt.Sprintf("第%d", j)}, ArticleIDs: []int64{int64(j + 1)}})
		}
		return s.RecordSlots(ctx, recs)
	}
	var c1, c2 []bool
	var e1, e2 error
	wg.Go(func() { c1, e1 = fanout(s1, false) })
	wg.Go(func() { c2, e2 = fanout(s2, true) })
	wg.Wait()
	if e1 != nil || e2 != nil {
		t.Fatalf("fan-outs: %v; %v", e1, e2)
	}
	for i := range subs {
		if c1[i] == c2[len(subs)-1-i] {
			t.Errorf("group %d: created by both or by neither (%v, %v)", i, c1[i], c2[len(subs)-1-i])
		}
	}
	if ds := allDeliveries(t, s1); len(ds) != 2+2*len(subs) {
		t.Errorf("%d ledger rows after the fan-outs, want %d", len(ds), 2+2*len(subs))
	}
}

// Missing a slot releases its articles unless another slot handed them
// too; a fully sent slot keeps them; showing items on demand hands them.
func TestReleaseAndShown(t *testing.T) {
	ctx := context.Background()
	s, err := pgstore.Open(ctx, pgtest.URL(t), pgstore.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g, other := sub(t, s, "g"), sub(t, s, "other")
	s1, s2, s3 := slot0, slot0.Add(10*time.Hour), slot0.Add(20*time.Hour)
	record(t, s, g.ID, s1, []string{"一", "二"}, []int64{1, 2, 3})
	record(t, s, g.ID, s2, []string{"三"}, []int64{3, 4})
	record(t, s, g.ID, s3, []string{"五"}, []int64{5})
	record(t, s, other.ID, s1, []string{"别的"}, []int64{1})
	for _, d := range allDeliveries(t, s) {
		if d.Slot.Equal(s3) || (d.Slot.Equal(s1) && d.Group == "g" && d.Part == 1) {
			if err := s.MarkSent(ctx, d.ID, d.Slot); err != nil {
				t.Fatal(err)
			}
		}
	}
	handed := func() []int64 {
		m := delivered(t, s, g.ID, 1, 2, 3, 4, 5)
		var out []int64
		for id := int64(1); id <= 5; id++ {
			if m[id] {
				out = append(out, id)
			}
		}
		return out
	}
	for _, st := range []struct {
		name  string
		subID int64
		slot  time.Time
		want  error
		ids   []int64
	}{
		{"slot with one part sent", g.ID, s1, nil, []int64{3, 4, 5}},
		{"again", g.ID, s1, nil, []int64{3, 4, 5}},
		{"fully sent slot", g.ID, s3, nil, []int64{3, 4, 5}},
		{"never recorded", g.ID, s1.Add(time.Minute), model.ErrNotFound, []int64{3, 4, 5}},
		{"unknown subscription", other.ID + 1000, s1, model.ErrNotFound, []int64{3, 4, 5}},
		{"second slot", g.ID, s2, nil, []int64{5}},
	} {
		if err := s.MarkSlotMissed(ctx, st.subID, st.slot); !errors.Is(err, st.want) && err != st.want {
			t.Fatalf("%s: MarkSlotMissed = %v, want %v", st.name, err, st.want)
		}
		if got := handed(); !reflect.DeepEqual(got, st.ids) {
			t.Fatalf("%s: handed %v, want %v", st.name, got, st.ids)
		}
	}
	if m := delivered(t, s, other.ID, 1); !m[1] {
		t.Error("missing a slot of one group released another group's articles")
	}

	if err := s.MarkShown(ctx, g.ID, fixedNow(), []int64{1, 2, 2}); err != nil {
		t.Fatal(err)
	}
	if got := handed(); !reflect.DeepEqual(got, []int64{1, 2, 5}) {
		t.Errorf("after MarkShown: handed %v", got)
	}
	if err := s.MarkShown(ctx, other.ID+1000, fixedNow(), []int64{1}); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("MarkShown to an unknown subscription: %v", err)
	}
	if err := s.MarkShown(ctx, g.ID, time.Time{}, []int64{1}); !errors.Is(err, model.ErrInvalid) {
		t.Errorf("MarkShown at the zero time: %v", err)
	}

	many := make([]int64, 1500)
	for i := range many {
		many[i] = int64(1000 + i)
	}
	record(t, s, other.ID, s2, []string{"多"}, many[:700])
	if m := delivered(t, s, other.ID, many...); len(m) != 700 {
		t.Errorf("Delivered of 1500 ids: %d, want 700", len(m))
	}
}

// Removing a subscription keeps its rows as history and forgets what the
// group was handed; a rename carries the ledger along.
func TestRemoveAndRenameWithLedger(t *testing.T) {
	ctx := context.Background()
	s, err := pgstore.Open(ctx, pgtest.URL(t), pgstore.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g := sub(t, s, "老名字")
	record(t, s, g.ID, slot0, []string{"第一条"}, []int64{1})
	record(t, s, g.ID, slot0.Add(time.Hour), []string{"第二条"}, []int64{2})
	if err := s.RenameGroup(ctx, "老名字", "新名字"); err != nil {
		t.Fatal(err)
	}
	for _, d := range allDeliveries(t, s) {
		if d.Group != "新名字" || d.SubscriptionID != g.ID {
			t.Errorf("after rename: %+v", d)
		}
	}
	if m := delivered(t, s, g.ID, 1, 2); len(m) != 2 {
		t.Errorf("rename lost what the group was handed: %v", m)
	}
	if err := s.MarkSent(ctx, allDeliveries(t, s)[0].ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveSubscription(ctx, "新名字"); err != nil {
		t.Fatal(err)
	}
	ds := allDeliveries(t, s)
	if len(ds) != 2 || ds[0].State != model.DeliverySent || ds[1].State != model.DeliveryMissed ||
		ds[1].Error != "subscription removed" || ds[0].SubscriptionID != 0 || ds[1].Group != "新名字" {
		t.Fatalf("history after remove: %+v", ds)
	}
	again := sub(t, s, "新名字")
	if again.ID == g.ID {
		t.Errorf("the new subscription reused id %d", g.ID)
	}
	if m := delivered(t, s, again.ID, 1, 2); len(m) != 0 {
		t.Errorf("Delivered after resubscribing = %v", m)
	}
	record(t, s, again.ID, slot0.Add(time.Hour), []string{"第二条"}, []int64{2})
	if u, err := s.Unsent(ctx); err != nil || len(u) != 1 || u[0].SubscriptionID != again.ID {
		t.Errorf("Unsent after resubscribing = %+v, %v", u, err)
	}
}
