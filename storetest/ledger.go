package storetest

import (
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/model"
)

var ledgerCases = []testCase{
	{"RecordSlot", testRecordSlot},
	{"RecordSlotRefuses", testRecordSlotRefuses},
	{"RecordSlotConcurrent", testRecordSlotConcurrent},
	{"RecordSlots", testRecordSlots},
	{"Transitions", testDeliveryTransitions},
	{"UnsentAndDeliveriesOrder", testUnsentAndDeliveriesOrder},
	{"MarkSlotMissed", testMarkSlotMissed},
	{"AwaitingTasks", testAwaiting},
	{"MarkShown", testMarkShown},
	{"DeliveredManyIDs", testDeliveredManyIDs},
	{"LastSlot", testLastSlot},
	{"NUL", testLedgerNUL},
}

func (e *env) record(t *testing.T, subID int64, slot time.Time, parts []string, ids []int64) {
	t.Helper()
	created, err := e.s.RecordSlot(e.ctx, subID, slot, parts, ids)
	if err != nil {
		t.Fatalf("RecordSlot(%d, %v): %v", subID, slot, err)
	}
	if !created {
		t.Fatalf("RecordSlot(%d, %v): created = false, want true", subID, slot)
	}
}

func (e *env) deliveries(t *testing.T) []model.Delivery {
	t.Helper()
	ds, err := e.s.Deliveries(e.ctx, time.Time{})
	if err != nil {
		t.Fatalf("Deliveries: %v", err)
	}
	return ds
}

func (e *env) unsent(t *testing.T) []model.Delivery {
	t.Helper()
	ds, err := e.s.Unsent(e.ctx)
	if err != nil {
		t.Fatalf("Unsent: %v", err)
	}
	return ds
}

func (e *env) delivered(t *testing.T, subID int64, ids ...int64) map[int64]bool {
	t.Helper()
	m, err := e.s.Delivered(e.ctx, subID, ids)
	if err != nil {
		t.Fatalf("Delivered: %v", err)
	}
	return m
}

// rowKey is what identifies a ledger row in expectations.
type rowKey struct {
	Group string
	Slot  string
	Part  int
	State string
}

func rowKeys(ds []model.Delivery) []rowKey {
	ks := []rowKey{}
	for _, d := range ds {
		ks = append(ks, rowKey{d.Group, d.Slot.UTC().Format("01-02T15:04"), d.Part, d.State})
	}
	return ks
}

func testRecordSlot(t *testing.T, e *env) {
	cst := time.FixedZone("CST", 8*3600)
	slot := time.Date(2026, 3, 2, 8, 0, 0, 0, cst)
	type ids = []int64
	cases := []struct {
		name                  string
		first                 []string
		firstIDs              ids // indexes into the test's articles
		second                []string
		secondIDs             ids
		wantRows              []rowKey
		wantParts             int
		wantHanded, wantUnset ids
	}{
		{
			name: "two parts", first: []string{"第一部分", "第二部分"}, firstIDs: ids{0, 1, 2},
			second: []string{"第一部分", "第二部分"}, secondIDs: ids{0, 1, 2},
			wantRows:  []rowKey{{"g", "03-02T00:00", 1, "pending"}, {"g", "03-02T00:00", 2, "pending"}},
			wantParts: 2, wantHanded: ids{0, 1, 2}, wantUnset: ids{3},
		},
		{
			name: "again with other content changes nothing", first: []string{"旧"}, firstIDs: ids{0},
			second: []string{"新一", "新二", "新三"}, secondIDs: ids{0, 1},
			wantRows:  []rowKey{{"g", "03-02T00:00", 1, "pending"}},
			wantParts: 1, wantHanded: ids{0}, wantUnset: ids{1},
		},
		{
			name: "skipped", first: nil, second: nil,
			wantRows:  []rowKey{{"g", "03-02T00:00", 0, "skipped"}},
			wantParts: 0, wantUnset: ids{0},
		},
		{
			name: "skipped then parts changes nothing", first: nil, second: []string{"迟到的"}, secondIDs: ids{4},
			wantRows:  []rowKey{{"g", "03-02T00:00", 0, "skipped"}},
			wantParts: 0, wantUnset: ids{4},
		},
		{
			name: "parts then skipped changes nothing", first: []string{"有"}, firstIDs: ids{4}, second: nil,
			wantRows:  []rowKey{{"g", "03-02T00:00", 1, "pending"}},
			wantParts: 1, wantHanded: ids{4},
		},
		{
			name: "duplicate article ids", first: []string{"一"}, firstIDs: ids{3, 3, 3},
			second:   []string{"一"},
			wantRows: []rowKey{{"g", "03-02T00:00", 1, "pending"}}, wantParts: 1, wantHanded: ids{3},
		},
		{
			name: "the same text in two parts", first: []string{"同", "同"}, second: []string{"同"},
			wantRows:  []rowKey{{"g", "03-02T00:00", 1, "pending"}, {"g", "03-02T00:00", 2, "pending"}},
			wantParts: 2,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := e.fresh(t)
			arts := e.articleIDs(t, 5)
			pick := func(ix ids) []int64 {
				var out []int64
				for _, i := range ix {
					out = append(out, arts[i])
				}
				return out
			}
			sub := e.sub(t, "g")
			e.record(t, sub.ID, slot, c.first, pick(c.firstIDs))
			created, err := e.s.RecordSlot(e.ctx, sub.ID, slot.UTC(), c.second, pick(c.secondIDs))
			if err != nil || created {
				t.Fatalf("second RecordSlot = %v, %v; want false, nil", created, err)
			}
			ds := e.deliveries(t)
			if got := rowKeys(ds); !reflect.DeepEqual(got, c.wantRows) {
				t.Fatalf("rows %+v\nwant %+v", got, c.wantRows)
			}
			for i, d := range ds {
				if d.ID <= 0 || d.Parts != c.wantParts || d.SubscriptionID != sub.ID || !d.Slot.Equal(slot) ||
					d.Slot.Location() != time.UTC || !d.Created.Equal(e.clock.Now()) || !d.SentAt.IsZero() ||
					d.Channel != model.ChannelWeChat || d.Kind != model.PartText || d.Attempts != 0 || d.Error != "" || d.RemoteID != "" {
					t.Errorf("row %+v", d)
				}
				wantText := ""
				if c.first != nil {
					wantText = c.first[i]
				}
				if d.Text != wantText {
					t.Errorf("row %d text %q, want %q", i, d.Text, wantText)
				}
			}
			m := e.delivered(t, sub.ID, arts...)
			for _, id := range pick(c.wantHanded) {
				if !m[id] {
					t.Errorf("Delivered lacks %d: %v", id, m)
				}
			}
			for _, id := range pick(c.wantUnset) {
				if m[id] {
					t.Errorf("Delivered reports %d, never handed: %v", id, m)
				}
			}
			if len(m) != len(c.wantHanded) {
				t.Errorf("Delivered = %v, want %d ids", m, len(c.wantHanded))
			}
			last, err := e.s.LastSlot(e.ctx, sub.ID)
			if err != nil || !last.Equal(slot) {
				t.Errorf("LastSlot = %v, %v; want %v", last, err, slot)
			}
		})
	}
}

func testRecordSlotRefuses(t *testing.T, e *env) {
	sub := e.sub(t, "g")
	slot := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		subID int64
		slot  time.Time
		parts []string
		ids   []int64
		want  error
	}{
		{"unknown subscription", sub.ID + 1000, slot, []string{"x"}, nil, model.ErrNotFound},
		{"zero subscription id", 0, slot, []string{"x"}, nil, model.ErrInvalid},
		{"zero slot", sub.ID, time.Time{}, []string{"x"}, nil, model.ErrInvalid},
		{"slot beyond year 9999", sub.ID, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), []string{"x"}, nil, model.ErrInvalid},
		{"empty part", sub.ID, slot, []string{"x", ""}, nil, model.ErrInvalid},
		{"blank part", sub.ID, slot, []string{" \n"}, nil, model.ErrInvalid},
		{"articles without parts", sub.ID, slot, nil, []int64{1}, model.ErrInvalid},
		{"bad article id", sub.ID, slot, []string{"x"}, []int64{0}, model.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			created, err := e.s.RecordSlot(e.ctx, c.subID, c.slot, c.parts, c.ids)
			wantErr(t, "RecordSlot", err, c.want)
			if created {
				t.Error("created = true with an error")
			}
		})
	}
	if ds := e.deliveries(t); len(ds) != 0 {
		t.Errorf("refused slots wrote %+v", ds)
	}
	if _, err := e.s.LastSlot(e.ctx, sub.ID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("LastSlot after refused slots: %v, want ErrNotFound", err)
	}
}

// Many goroutines record one slot through one Store: exactly one creates
// it.
func testRecordSlotConcurrent(t *testing.T, e *env) {
	ids := e.articleIDs(t, 3)
	sub := e.sub(t, "g")
	slot := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	const n = 8
	var wg sync.WaitGroup
	results := make([]bool, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			results[i], errs[i] = e.s.RecordSlot(e.ctx, sub.ID, slot, []string{"一", "二"}, ids)
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
	if ds := e.deliveries(t); len(ds) != 2 {
		t.Errorf("%d ledger rows, want 2: %+v", len(ds), ds)
	}
}

func testRecordSlots(t *testing.T, e *env) {
	art := e.articleIDs(t, 3)
	a, b, c := e.sub(t, "a"), e.sub(t, "b"), e.sub(t, "c")
	slot := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	e.record(t, b.ID, slot, []string{"b已有"}, art[:1])

	created, err := e.s.RecordSlots(e.ctx, []model.SlotRecord{
		{SubscriptionID: a.ID, Slot: slot, Parts: []string{"a1", "a2"}, Kinds: []string{model.PartImage, model.PartText}, ArticleIDs: art[:2]},
		{SubscriptionID: b.ID, Slot: slot, Parts: []string{"b新"}, ArticleIDs: art[1:2]},
		{SubscriptionID: c.ID, Slot: slot},
		{SubscriptionID: a.ID, Slot: slot, Parts: []string{"a again"}}, // the same slot twice in one batch
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false, true, false}; !reflect.DeepEqual(created, want) {
		t.Errorf("created = %v, want %v", created, want)
	}
	ds := e.deliveries(t)
	want := []rowKey{
		{"a", "03-02T00:00", 1, "pending"}, {"a", "03-02T00:00", 2, "pending"},
		{"b", "03-02T00:00", 1, "pending"}, {"c", "03-02T00:00", 0, "skipped"},
	}
	if got := rowKeys(ds); !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %+v\nwant %+v", got, want)
	}
	if ds[0].Kind != model.PartImage || ds[0].Text != "a1" || ds[1].Kind != model.PartText || ds[2].Text != "b已有" || ds[3].Kind != model.PartText {
		t.Errorf("kinds and texts: %+v", ds)
	}
	if m := e.delivered(t, b.ID, art[0], art[1]); !m[art[0]] || m[art[1]] {
		t.Errorf("b delivered %v, want only %d (its second recording changed nothing)", m, art[0])
	}
	if m := e.delivered(t, a.ID, art...); !m[art[0]] || !m[art[1]] || m[art[2]] {
		t.Errorf("a delivered %v", m)
	}

	// All or nothing: one bad record stores none of the others.
	next := slot.Add(time.Hour)
	for _, bad := range []struct {
		rec  model.SlotRecord
		want error
	}{
		{model.SlotRecord{SubscriptionID: c.ID + 1000, Slot: next, Parts: []string{"x"}}, model.ErrNotFound},
		{model.SlotRecord{SubscriptionID: c.ID, Slot: next, Parts: []string{""}}, model.ErrInvalid},
		{model.SlotRecord{SubscriptionID: c.ID, Slot: next, Parts: []string{"x"}, Kinds: []string{"video"}}, model.ErrInvalid},
		{model.SlotRecord{SubscriptionID: c.ID, Slot: next, Parts: []string{"x", "y"}, Kinds: []string{model.PartText}}, model.ErrInvalid},
	} {
		_, err := e.s.RecordSlots(e.ctx, []model.SlotRecord{
			{SubscriptionID: a.ID, Slot: next, Parts: []string{"ok"}, ArticleIDs: art[2:]},
			bad.rec,
		})
		wantErr(t, "RecordSlots with a bad record", err, bad.want)
	}
	if got := len(e.deliveries(t)); got != 4 {
		t.Errorf("a failed batch wrote rows: %d, want 4", got)
	}
	if m := e.delivered(t, a.ID, art[2]); m[art[2]] {
		t.Error("a failed batch handed an article")
	}
	if created, err := e.s.RecordSlots(e.ctx, nil); err != nil || len(created) != 0 {
		t.Errorf("RecordSlots(nil) = %v, %v", created, err)
	}
}

// pending → failed → sent; sent is final; skipped has nothing to send.
func testDeliveryTransitions(t *testing.T, e *env) {
	sub := e.sub(t, "g")
	slot := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	e.record(t, sub.ID, slot, []string{"一"}, nil)
	e.record(t, sub.ID, slot.Add(time.Hour), nil, nil)
	ds := e.deliveries(t)
	part, skipped := ds[0].ID, ds[1].ID
	missing := max(part, skipped) + 1000
	sentAt := time.Date(2026, 3, 2, 8, 0, 5, 0, time.FixedZone("CST", 8*3600))

	steps := []struct {
		name         string
		do           func() error
		want         error
		wantState    string
		wantAttempts int
		wantError    string
		wantUnsent   int
	}{
		{"fail once", func() error { return e.s.MarkFailed(e.ctx, part, "ret 1100") }, nil, "failed", 1, "ret 1100", 1},
		{"fail again", func() error { return e.s.MarkFailed(e.ctx, part, "ret 1205") }, nil, "failed", 2, "ret 1205", 1},
		{"sent", func() error { return e.s.MarkSent(e.ctx, part, sentAt) }, nil, "sent", 2, "ret 1205", 0},
		{"sent again is a no-op", func() error { return e.s.MarkSent(e.ctx, part, sentAt.Add(time.Hour)) }, nil, "sent", 2, "ret 1205", 0},
		{"a sent part cannot fail", func() error { return e.s.MarkFailed(e.ctx, part, "late") }, model.ErrInvalid, "sent", 2, "ret 1205", 0},
		{"a sent part cannot await", func() error { return e.s.MarkAwaiting(e.ctx, part, "msg") }, model.ErrInvalid, "sent", 2, "ret 1205", 0},
		{"a skipped row cannot be sent", func() error { return e.s.MarkSent(e.ctx, skipped, sentAt) }, model.ErrInvalid, "sent", 2, "ret 1205", 0},
		{"a skipped row cannot fail", func() error { return e.s.MarkFailed(e.ctx, skipped, "x") }, model.ErrInvalid, "sent", 2, "ret 1205", 0},
		{"a skipped row cannot await", func() error { return e.s.MarkAwaiting(e.ctx, skipped, "x") }, model.ErrInvalid, "sent", 2, "ret 1205", 0},
		{"unknown id sent", func() error { return e.s.MarkSent(e.ctx, missing, sentAt) }, model.ErrNotFound, "sent", 2, "ret 1205", 0},
		{"unknown id failed", func() error { return e.s.MarkFailed(e.ctx, missing, "x") }, model.ErrNotFound, "sent", 2, "ret 1205", 0},
		{"unknown id awaiting", func() error { return e.s.MarkAwaiting(e.ctx, missing, "x") }, model.ErrNotFound, "sent", 2, "ret 1205", 0},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			wantErr(t, st.name, st.do(), st.want)
			d := e.deliveries(t)[0]
			if d.State != st.wantState || d.Attempts != st.wantAttempts || d.Error != st.wantError {
				t.Errorf("row %+v, want state %s attempts %d error %q", d, st.wantState, st.wantAttempts, st.wantError)
			}
			if u := e.unsent(t); len(u) != st.wantUnsent {
				t.Errorf("Unsent() = %d rows, want %d", len(u), st.wantUnsent)
			}
		})
	}
	d := e.deliveries(t)[0]
	if !d.SentAt.Equal(sentAt) || d.SentAt.Location() != time.UTC {
		t.Errorf("SentAt = %v, want %v in UTC (the first send)", d.SentAt, sentAt)
	}
	if s := e.deliveries(t)[1]; s.State != model.DeliverySkipped || !s.SentAt.IsZero() || s.Part != 0 || s.Parts != 0 || s.Text != "" {
		t.Errorf("skipped row %+v", s)
	}

	// A zero time is the store's clock; a missed part that did go out
	// counts as sent.
	e.clock.Advance(time.Minute)
	late := slot.Add(2 * time.Hour)
	e.record(t, sub.ID, late, []string{"二"}, nil)
	wantErr(t, "MarkSlotMissed", e.s.MarkSlotMissed(e.ctx, sub.ID, late), nil)
	row := e.deliveries(t)[2]
	if row.State != model.DeliveryMissed {
		t.Fatalf("after MarkSlotMissed: %+v", row)
	}
	wantErr(t, "a missed part cannot fail", e.s.MarkFailed(e.ctx, row.ID, "x"), model.ErrInvalid)
	wantErr(t, "a missed part cannot await", e.s.MarkAwaiting(e.ctx, row.ID, "x"), model.ErrInvalid)
	wantErr(t, "MarkSent of a missed part", e.s.MarkSent(e.ctx, row.ID, time.Time{}), nil)
	row = e.deliveries(t)[2]
	if row.State != model.DeliverySent || !row.SentAt.Equal(e.clock.Now()) {
		t.Errorf("missed then sent: %+v, want sent at %v", row, e.clock.Now())
	}
}

func testUnsentAndDeliveriesOrder(t *testing.T, e *env) {
	b := e.sub(t, "b群")
	a := e.sub(t, "a群") // higher id, earlier name
	t8 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	t18 := t8.Add(10 * time.Hour)
	// Recorded out of order.
	e.record(t, a.ID, t18, []string{"a18-1", "a18-2"}, nil)
	e.record(t, b.ID, t18, []string{"b18-1"}, nil)
	e.record(t, a.ID, t8, []string{"a8-1", "a8-2", "a8-3"}, nil)
	e.record(t, b.ID, t8, nil, nil)
	for _, d := range e.deliveries(t) {
		if d.Text == "a8-2" {
			wantErr(t, "MarkSent", e.s.MarkSent(e.ctx, d.ID, t8), nil)
		}
		if d.Text == "a18-2" {
			wantErr(t, "MarkFailed", e.s.MarkFailed(e.ctx, d.ID, "timeout"), nil)
		}
	}
	var got []string
	for _, d := range e.unsent(t) {
		got = append(got, d.Text)
	}
	// Slot, then subscription id (b before a), then part; sent and skipped
	// rows left out.
	if want := []string{"a8-1", "a8-3", "b18-1", "a18-1", "a18-2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Unsent() = %q\nwant %q", got, want)
	}
	cases := []struct {
		name  string
		since time.Time
		want  []rowKey
	}{
		{"all", time.Time{}, []rowKey{
			{"a群", "03-02T00:00", 1, "pending"}, {"a群", "03-02T00:00", 2, "sent"}, {"a群", "03-02T00:00", 3, "pending"},
			{"b群", "03-02T00:00", 0, "skipped"},
			{"a群", "03-02T10:00", 1, "pending"}, {"a群", "03-02T10:00", 2, "failed"},
			{"b群", "03-02T10:00", 1, "pending"},
		}},
		{"after the first slot", t8.Add(time.Second), []rowKey{
			{"a群", "03-02T10:00", 1, "pending"}, {"a群", "03-02T10:00", 2, "failed"},
			{"b群", "03-02T10:00", 1, "pending"},
		}},
		{"at the second slot, in another zone", t18.In(time.FixedZone("CST", 8*3600)), []rowKey{
			{"a群", "03-02T10:00", 1, "pending"}, {"a群", "03-02T10:00", 2, "failed"},
			{"b群", "03-02T10:00", 1, "pending"},
		}},
		{"a microsecond later", t18.Add(time.Microsecond), []rowKey{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds, err := e.s.Deliveries(e.ctx, c.since)
			if err != nil {
				t.Fatal(err)
			}
			if got := rowKeys(ds); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Deliveries(%v) = %+v\nwant %+v", c.since, got, c.want)
			}
		})
	}
}

// Missing a slot marks its unsent parts missed and releases its articles,
// unless another slot handed them too; a slot with nothing unsent keeps
// them.
func testMarkSlotMissed(t *testing.T, e *env) {
	art := e.articleIDs(t, 5)
	sub := e.sub(t, "g")
	other := e.sub(t, "other")
	s1 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	s2 := s1.Add(10 * time.Hour)
	s3 := s1.Add(20 * time.Hour)
	// art[2] was handed in two slots (a push and a schedule that raced).
	e.record(t, sub.ID, s1, []string{"一", "二"}, art[0:3])
	e.record(t, sub.ID, s2, []string{"三"}, art[2:4])
	e.record(t, sub.ID, s3, []string{"五"}, art[4:5])
	e.record(t, other.ID, s1, []string{"别的"}, art[0:1])
	ds := e.deliveries(t)
	wantErr(t, "MarkSent", e.s.MarkSent(e.ctx, ds[0].ID, s1), nil) // s1 part 1 went out before the crash
	for _, d := range ds {
		if d.Slot.Equal(s3) {
			wantErr(t, "MarkSent", e.s.MarkSent(e.ctx, d.ID, s3), nil)
		}
	}
	steps := []struct {
		name      string
		subID     int64
		slot      time.Time
		want      error
		delivered []int64 // indexes into art, of sub afterwards
	}{
		{"slot with one part sent", sub.ID, s1, nil, []int64{2, 3, 4}},
		{"again changes nothing", sub.ID, s1, nil, []int64{2, 3, 4}},
		{"fully sent slot keeps its articles", sub.ID, s3, nil, []int64{2, 3, 4}},
		{"never recorded", sub.ID, s1.Add(time.Minute), model.ErrNotFound, []int64{2, 3, 4}},
		{"unknown subscription", other.ID + 1000, s1, model.ErrNotFound, []int64{2, 3, 4}},
		{"second slot", sub.ID, s2, nil, []int64{4}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			wantErr(t, "MarkSlotMissed", e.s.MarkSlotMissed(e.ctx, st.subID, st.slot), st.want)
			m := e.delivered(t, sub.ID, art...)
			var got []int64
			for i, id := range art {
				if m[id] {
					got = append(got, int64(i))
				}
			}
			if !reflect.DeepEqual(got, st.delivered) {
				t.Errorf("Delivered = articles %v, want %v", got, st.delivered)
			}
		})
	}
	want := []rowKey{
		{"g", "03-02T00:00", 1, "sent"}, {"g", "03-02T00:00", 2, "missed"},
		{"other", "03-02T00:00", 1, "pending"},
		{"g", "03-02T10:00", 1, "missed"},
		{"g", "03-02T20:00", 1, "sent"},
	}
	if got := rowKeys(e.deliveries(t)); !reflect.DeepEqual(got, want) {
		t.Errorf("rows %+v\nwant %+v", got, want)
	}
	if m := e.delivered(t, other.ID, art[0]); !m[art[0]] {
		t.Error("missing a slot of one group released another group's articles")
	}
	// A missed slot's articles may go out in a later slot.
	e.record(t, sub.ID, s3.Add(time.Hour), []string{"补发"}, art[0:2])
	if m := e.delivered(t, sub.ID, art[0], art[1]); !m[art[0]] || !m[art[1]] {
		t.Errorf("released articles handed again: %v", m)
	}
}

// A task part waits as awaiting (not unsent), then becomes sent, or missed
// with its slot.
func testAwaiting(t *testing.T, e *env) {
	art := e.articleIDs(t, 2)
	if _, err := e.s.AddChannel(e.ctx, model.Channel{Name: "客户群", Kind: model.ChannelWeComTask, CorpID: "c", Secret: "s", Sender: "u", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	sub, err := e.s.PutSubscription(e.ctx, model.Subscription{Channel: "客户群", Kind: model.ScheduleAt, Spec: "08:00", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	slot := e.clock.Now()
	created, err := e.s.RecordSlots(e.ctx, []model.SlotRecord{{SubscriptionID: sub.ID, Slot: slot,
		Parts: []string{`{"date":"2026-03-02"}`, "【本报】摘要"}, Kinds: []string{model.PartImage, model.PartText}, ArticleIDs: art[:1]}})
	if err != nil || len(created) != 1 || !created[0] {
		t.Fatalf("RecordSlots = %v, %v", created, err)
	}
	if aw, err := e.s.Awaiting(e.ctx); err != nil || len(aw) != 0 {
		t.Fatalf("Awaiting before any task = %+v, %v", aw, err)
	}
	unsent := e.unsent(t)
	if len(unsent) != 2 {
		t.Fatalf("Unsent = %+v", unsent)
	}
	for i, kind := range []string{model.PartImage, model.PartText} {
		if unsent[i].Channel != "客户群" || unsent[i].Group != "客户群" || unsent[i].Kind != kind {
			t.Fatalf("part %d = %+v, want channel 客户群 kind %s", i+1, unsent[i], kind)
		}
	}
	task := unsent[1].ID
	wantErr(t, "MarkAwaiting", e.s.MarkAwaiting(e.ctx, task, "msgABC"), nil)
	wantErr(t, "MarkAwaiting twice", e.s.MarkAwaiting(e.ctx, task, "msgABC"), nil)
	wantErr(t, "MarkAwaiting with an empty remote id", e.s.MarkAwaiting(e.ctx, task, ""), model.ErrInvalid)
	wantErr(t, "an awaiting part cannot fail", e.s.MarkFailed(e.ctx, task, "x"), model.ErrInvalid)
	if left := e.unsent(t); len(left) != 1 || left[0].ID != unsent[0].ID {
		t.Fatalf("Unsent with one part awaiting = %+v", left)
	}
	aw, err := e.s.Awaiting(e.ctx)
	if err != nil || len(aw) != 1 || aw[0].ID != task || aw[0].RemoteID != "msgABC" || aw[0].State != model.DeliveryAwaiting ||
		aw[0].Text != "【本报】摘要" || aw[0].SubscriptionID != sub.ID || !aw[0].Slot.Equal(slot) {
		t.Fatalf("Awaiting = %+v, %v", aw, err)
	}
	wantErr(t, "MarkSent of an awaiting part", e.s.MarkSent(e.ctx, task, e.clock.Now()), nil)
	if aw, _ = e.s.Awaiting(e.ctx); len(aw) != 0 {
		t.Fatalf("still awaiting after sent: %+v", aw)
	}
	if ds := e.deliveries(t); ds[1].State != model.DeliverySent || ds[1].RemoteID != "msgABC" {
		t.Fatalf("the confirmed task: %+v", ds[1])
	}

	// A task never confirmed: missed with its slot, its articles released.
	slot2 := slot.Add(24 * time.Hour)
	if _, err := e.s.RecordSlots(e.ctx, []model.SlotRecord{{SubscriptionID: sub.ID, Slot: slot2, Parts: []string{"第二天"}, ArticleIDs: art[1:]}}); err != nil {
		t.Fatal(err)
	}
	var id int64
	for _, d := range e.unsent(t) {
		if d.Slot.Equal(slot2) {
			id = d.ID
		}
	}
	wantErr(t, "MarkAwaiting", e.s.MarkAwaiting(e.ctx, id, "msgDEF"), nil)
	wantErr(t, "MarkSlotMissed", e.s.MarkSlotMissed(e.ctx, sub.ID, slot2), nil)
	if got := e.delivered(t, sub.ID, art[1]); got[art[1]] {
		t.Fatal("a missed task's article is still counted as handed")
	}
	if aw, _ := e.s.Awaiting(e.ctx); len(aw) != 0 {
		t.Fatalf("a missed task still awaits: %+v", aw)
	}
	all, err := e.s.Deliveries(e.ctx, slot2)
	if err != nil || len(all) != 1 || all[0].State != model.DeliveryMissed || all[0].RemoteID != "msgDEF" {
		t.Fatalf("missed task row = %+v, %v", all, err)
	}
}

// Items a group saw on demand count as handed to it; nothing is sent.
func testMarkShown(t *testing.T, e *env) {
	art := e.articleIDs(t, 3)
	sub := e.sub(t, "g")
	other := e.sub(t, "other")
	wantErr(t, "MarkShown", e.s.MarkShown(e.ctx, sub.ID, e.clock.Now(), art[:2]), nil)
	wantErr(t, "MarkShown again", e.s.MarkShown(e.ctx, sub.ID, e.clock.Now(), art[:1]), nil)
	wantErr(t, "MarkShown of nothing", e.s.MarkShown(e.ctx, sub.ID, e.clock.Now(), nil), nil)
	got := e.delivered(t, sub.ID, art...)
	if !got[art[0]] || !got[art[1]] || got[art[2]] || len(got) != 2 {
		t.Fatalf("Delivered = %v", got)
	}
	if m := e.delivered(t, other.ID, art...); len(m) != 0 {
		t.Fatalf("another group's Delivered = %v", m)
	}
	if ds := e.deliveries(t); len(ds) != 0 {
		t.Fatalf("marking shown wrote deliveries: %+v", ds)
	}
	if _, err := e.s.LastSlot(e.ctx, sub.ID); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("marking shown recorded a slot: %v", err)
	}
	wantErr(t, "MarkShown to an unknown subscription", e.s.MarkShown(e.ctx, other.ID+1000, e.clock.Now(), art[:1]), model.ErrNotFound)
	wantErr(t, "MarkShown at the zero time", e.s.MarkShown(e.ctx, sub.ID, time.Time{}, art[:1]), model.ErrInvalid)
}

func testDeliveredManyIDs(t *testing.T, e *env) {
	art := e.articleIDs(t, 1500)
	sub := e.sub(t, "g")
	var handed []int64
	for i, id := range art {
		if i%3 == 0 {
			handed = append(handed, id)
		}
	}
	e.record(t, sub.ID, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), []string{"x"}, handed)
	m := e.delivered(t, sub.ID, art...)
	if len(m) != len(handed) {
		t.Fatalf("Delivered: %d ids, want %d", len(m), len(handed))
	}
	for _, id := range handed {
		if !m[id] {
			t.Fatalf("Delivered lacks %d", id)
		}
	}
	if m := e.delivered(t, sub.ID); len(m) != 0 {
		t.Errorf("Delivered(no ids) = %v", m)
	}
}

// LastSlot is the latest slot recorded in any state, to the microsecond.
func testLastSlot(t *testing.T, e *env) {
	sub := e.sub(t, "g")
	if _, err := e.s.LastSlot(e.ctx, sub.ID); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("LastSlot before any slot: err = %v, want ErrNotFound", err)
	}
	if _, err := e.s.LastSlot(e.ctx, sub.ID+1000); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("LastSlot of an unknown subscription: err = %v, want ErrNotFound", err)
	}
	base := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		slot  time.Time
		parts []string
		want  time.Time
	}{
		{base.Add(10 * time.Hour), []string{"x"}, base.Add(10 * time.Hour)},
		{base, []string{"y"}, base.Add(10 * time.Hour)}, // an earlier slot recorded later
		{base.Add(34 * time.Hour), nil, base.Add(34 * time.Hour)},
		{base.Add(34*time.Hour + 1200*time.Nanosecond), []string{"z"}, base.Add(34*time.Hour + time.Microsecond)},
	} {
		e.record(t, sub.ID, c.slot, c.parts, nil)
		got, err := e.s.LastSlot(e.ctx, sub.ID)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("after %v: LastSlot = %v, %v; want %v", c.slot, got, err, c.want)
		}
	}
	// The slot kept to the microsecond is the slot: recording it again
	// finds it.
	created, err := e.s.RecordSlot(e.ctx, sub.ID, base.Add(34*time.Hour+time.Microsecond), []string{"again"}, nil)
	if err != nil || created {
		t.Errorf("recording the kept slot again = %v, %v; want false, nil", created, err)
	}
}
