package data_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/data"
)

// btClock is a settable clock shared by the Stores of one test.
type btClock struct {
	mu sync.Mutex
	t  time.Time
}

func newBTClock() *btClock {
	return &btClock{t: time.Date(2026, 3, 2, 0, 30, 0, 0, time.UTC)}
}

func (c *btClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *btClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// btOpen opens a store at path (a new file in t.TempDir() when empty),
// closed at the end of the test.
func btOpen(t testing.TB, path string, clock *btClock) *data.Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "bot.db")
	}
	s, err := data.Open(context.Background(), path, data.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func btSub(t testing.TB, s *data.Store, group string) data.Subscription {
	t.Helper()
	sub, err := s.PutSubscription(context.Background(), data.Subscription{
		Group: group, Kind: data.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai", Enabled: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func btRecord(t testing.TB, s *data.Store, subID int64, slot time.Time, parts []string, ids []int64) {
	t.Helper()
	created, err := s.RecordSlot(context.Background(), subID, slot, parts, ids)
	if err != nil {
		t.Fatal(err)
	}
	if !created {
		t.Fatalf("RecordSlot(%d, %v): created = false, want true", subID, slot)
	}
}

func btDeliveries(t testing.TB, s *data.Store) []data.Delivery {
	t.Helper()
	ds, err := s.Deliveries(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func btUnsent(t testing.TB, s *data.Store) []data.Delivery {
	t.Helper()
	ds, err := s.Unsent(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// btKey is what identifies a ledger row in expectations.
type btKey struct {
	Group string
	Slot  string
	Part  int
	State string
}

func btKeys(ds []data.Delivery) []btKey {
	ks := []btKey{}
	for _, d := range ds {
		ks = append(ks, btKey{d.Group, d.Slot.Format("01-02T15:04"), d.Part, d.State})
	}
	return ks
}

func btDelivered(t testing.TB, s *data.Store, subID int64, ids ...int64) map[int64]bool {
	t.Helper()
	m, err := s.Delivered(context.Background(), subID, ids)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("err = %v, want nil", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
}

func TestRoles(t *testing.T) {
	ctx := context.Background()
	clock := newBTClock()
	s := btOpen(t, "", clock)

	if _, err := s.RoleOf(ctx, "王主任"); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("RoleOf before any grant: err = %v, want ErrNotFound", err)
	}
	steps := []struct {
		name   string
		remark string
		role   data.Role
		want   error
	}{
		{"admin", "王主任", data.RoleAdmin, nil},
		{"staff", "小李", data.RoleStaff, nil},
		{"regrant replaces", "小李", data.RoleAdmin, nil},
		{"unknown role", "老赵", data.Role("owner"), data.ErrInvalid},
		{"resident is not a role", "老赵", data.Role("resident"), data.ErrInvalid},
		{"empty remark", "", data.RoleStaff, data.ErrInvalid},
		{"blank remark", "  ", data.RoleStaff, data.ErrInvalid},
		{"bad utf-8", "\xff", data.RoleStaff, data.ErrInvalid},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clock.Advance(time.Minute)
			wantErr(t, s.GrantRole(ctx, st.remark, st.role, "self"), st.want)
			if st.want != nil {
				return
			}
			got, err := s.RoleOf(ctx, st.remark)
			if err != nil || got != st.role {
				t.Fatalf("RoleOf(%q) = %q, %v; want %q", st.remark, got, err, st.role)
			}
		})
	}
	if _, err := s.RoleOf(ctx, "老赵"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("refused grant stored a role: %v", err)
	}
	gs, err := s.Roles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 3, 2, 0, 30, 0, 0, time.UTC)
	want := []data.Grant{ // by remark: 小 (U+5C0F) before 王 (U+738B)
		{Remark: "小李", Role: data.RoleAdmin, GrantedBy: "self", GrantedAt: base.Add(3 * time.Minute)},
		{Remark: "王主任", Role: data.RoleAdmin, GrantedBy: "self", GrantedAt: base.Add(time.Minute)},
	}
	if !reflect.DeepEqual(gs, want) {
		t.Errorf("Roles() = %+v\nwant %+v", gs, want)
	}

	wantErr(t, s.RevokeRole(ctx, "小李"), nil)
	if _, err := s.RoleOf(ctx, "小李"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("RoleOf after revoke: err = %v, want ErrNotFound", err)
	}
	wantErr(t, s.RevokeRole(ctx, "小李"), data.ErrNotFound)
	// Remarks are exact: a look-alike with a trailing space is someone else.
	if _, err := s.RoleOf(ctx, "王主任 "); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("RoleOf(remark + space): err = %v, want ErrNotFound", err)
	}
}

func TestPutSubscription(t *testing.T) {
	ctx := context.Background()
	clock := newBTClock()
	s := btOpen(t, "", clock)
	t0 := clock.Now()

	first, err := s.PutSubscription(ctx, data.Subscription{
		ID: 99, Group: "幸福小区业主群", Kind: data.ScheduleAt, Spec: "08:00,18:00", TZ: "Asia/Shanghai",
		Weekdays: true, Source: "中原区报", Enabled: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The channel and style default to the personal account and text.
	want := data.Subscription{ID: first.ID, Channel: data.ChannelWeChat, Group: "幸福小区业主群", Kind: data.ScheduleAt, Spec: "08:00,18:00",
		TZ: "Asia/Shanghai", Weekdays: true, Source: "中原区报", Style: data.StyleText, Enabled: true, Created: t0, Updated: t0}
	if first.ID <= 0 || first.ID == 99 || !reflect.DeepEqual(first, want) {
		t.Fatalf("PutSubscription = %+v\nwant %+v (ID assigned by the store)", first, want)
	}

	clock.Advance(time.Hour)
	second, err := s.PutSubscription(ctx, data.Subscription{
		Group: "幸福小区业主群", Kind: data.ScheduleCron, Spec: "0 9 * * *", TZ: "UTC",
	})
	if err != nil {
		t.Fatal(err)
	}
	want = data.Subscription{ID: first.ID, Channel: data.ChannelWeChat, Group: "幸福小区业主群", Kind: data.ScheduleCron, Spec: "0 9 * * *",
		TZ: "UTC", Style: data.StyleText, Created: t0, Updated: t0.Add(time.Hour)}
	if !reflect.DeepEqual(second, want) {
		t.Fatalf("replacing: %+v\nwant %+v (same ID and Created)", second, want)
	}
	got, err := s.Subscription(ctx, "幸福小区业主群")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Subscription() = %+v, %v\nwant %+v", got, err, want)
	}
	if _, err := s.Subscription(ctx, "别的群"); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("Subscription(unknown): err = %v, want ErrNotFound", err)
	}

	bad := []struct {
		name string
		sub  data.Subscription
	}{
		{"empty group", data.Subscription{Kind: data.ScheduleAt, Spec: "08:00"}},
		{"unknown kind", data.Subscription{Group: "g", Kind: "every", Spec: "08:00"}},
		{"empty spec", data.Subscription{Group: "g", Kind: data.ScheduleCron, Spec: " "}},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.PutSubscription(ctx, c.sub)
			wantErr(t, err, data.ErrInvalid)
		})
	}

	btSub(t, s, "A群")
	subs, err := s.Subscriptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var groups []string
	for _, sub := range subs {
		groups = append(groups, sub.Group)
	}
	if want := []string{"A群", "幸福小区业主群"}; !reflect.DeepEqual(groups, want) {
		t.Errorf("Subscriptions() groups = %q, want %q", groups, want)
	}
}

func TestRemoveSubscriptionKeepsHistory(t *testing.T) {
	ctx := context.Background()
	clock := newBTClock()
	s := btOpen(t, "", clock)
	sub := btSub(t, s, "幸福小区业主群")
	slot1 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	slot2 := slot1.Add(10 * time.Hour)
	btRecord(t, s, sub.ID, slot1, []string{"第一条"}, []int64{1})
	btRecord(t, s, sub.ID, slot2, []string{"第二条"}, []int64{2})
	ds := btDeliveries(t, s)
	if err := s.MarkSent(ctx, ds[0].ID, time.Time{}); err != nil {
		t.Fatal(err)
	}

	wantErr(t, s.RemoveSubscription(ctx, "幸福小区业主群"), nil)
	wantErr(t, s.RemoveSubscription(ctx, "幸福小区业主群"), data.ErrNotFound)
	if subs, _ := s.Subscriptions(ctx); len(subs) != 0 {
		t.Fatalf("Subscriptions() after remove = %+v", subs)
	}
	if u := btUnsent(t, s); len(u) != 0 {
		t.Fatalf("Unsent() after remove = %+v, want none", u)
	}
	ds = btDeliveries(t, s)
	if len(ds) != 2 {
		t.Fatalf("history after remove: %+v", ds)
	}
	for _, d := range ds {
		if d.SubscriptionID != 0 || d.Group != "幸福小区业主群" {
			t.Errorf("orphaned row %+v: want SubscriptionID 0 and the group's name", d)
		}
	}
	if ds[0].State != data.DeliverySent || ds[1].State != data.DeliveryMissed || ds[1].Error != "subscription removed" {
		t.Errorf("states after remove: %+v", ds)
	}

	// Subscribing again starts afresh and may record the same slot.
	again := btSub(t, s, "幸福小区业主群")
	if again.ID == sub.ID {
		t.Errorf("new subscription reused id %d", sub.ID)
	}
	if m := btDelivered(t, s, again.ID, 1, 2); len(m) != 0 {
		t.Errorf("Delivered after resubscribe = %v, want none", m)
	}
	btRecord(t, s, again.ID, slot2, []string{"第二条"}, []int64{2})
	if _, err := s.LastSlot(ctx, sub.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("LastSlot(removed subscription): err = %v, want ErrNotFound", err)
	}
}

func TestRenameGroup(t *testing.T) {
	ctx := context.Background()
	clock := newBTClock()
	slot := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

	cases := []struct {
		name      string
		old, new  string
		want      error
		wantGroup []string // subscriptions afterwards
	}{
		{"rename follows", "老名字", "新名字", nil, []string{"新名字", "别的群"}},
		{"same name", "老名字", "老名字", nil, []string{"老名字", "别的群"}},
		{"unsubscribed group", "没订阅的群", "还是没订阅", nil, []string{"老名字", "别的群"}},
		{"onto a subscribed name", "老名字", "别的群", data.ErrExists, []string{"老名字", "别的群"}},
		{"empty new name", "老名字", "", data.ErrInvalid, []string{"老名字", "别的群"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := btOpen(t, "", clock)
			sub := btSub(t, s, "老名字")
			btSub(t, s, "别的群")
			btRecord(t, s, sub.ID, slot, []string{"一", "二"}, []int64{7})

			err := s.RenameGroup(ctx, c.old, c.new)
			wantErr(t, err, c.want)
			subs, err := s.Subscriptions(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, sub := range subs {
				got[sub.Group] = true
			}
			for _, g := range c.wantGroup {
				if !got[g] {
					t.Errorf("after rename, subscriptions %+v lack %q", subs, g)
				}
			}
			if len(subs) != len(c.wantGroup) {
				t.Errorf("after rename: %d subscriptions, want %d", len(subs), len(c.wantGroup))
			}
			// Pending parts go to the group under its current name.
			wantTo := "老名字"
			if c.want == nil && c.old == "老名字" {
				wantTo = c.new
			}
			for _, d := range btUnsent(t, s) {
				if d.Group != wantTo {
					t.Errorf("unsent part for %q, want %q", d.Group, wantTo)
				}
			}
			if m := btDelivered(t, s, sub.ID, 7); !m[7] {
				t.Errorf("rename lost what the group was handed")
			}
		})
	}
}

func TestRecordSlot(t *testing.T) {
	ctx := context.Background()
	clock := newBTClock()
	shanghai := time.FixedZone("CST", 8*3600) // stands in for Asia/Shanghai without tzdata
	slot := time.Date(2026, 3, 2, 8, 0, 0, 0, shanghai)

	cases := []struct {
		name        string
		first       []string
		firstIDs    []int64
		second      []string // recorded again afterwards, same slot
		secondIDs   []int64
		wantRows    []btKey
		wantParts   int
		wantHanded  []int64
		wantMissing []int64
	}{
		{
			name: "two parts", first: []string{"第一部分", "第二部分"}, firstIDs: []int64{1, 2, 3},
			second: []string{"第一部分", "第二部分"}, secondIDs: []int64{1, 2, 3},
			wantRows:  []btKey{{"g", "03-02T00:00", 1, "pending"}, {"g", "03-02T00:00", 2, "pending"}},
			wantParts: 2, wantHanded: []int64{1, 2, 3}, wantMissing: []int64{4},
		},
		{
			name: "again with other content changes nothing", first: []string{"旧"}, firstIDs: []int64{1},
			second: []string{"新一", "新二", "新三"}, secondIDs: []int64{1, 2},
			wantRows:  []btKey{{"g", "03-02T00:00", 1, "pending"}},
			wantParts: 1, wantHanded: []int64{1}, wantMissing: []int64{2},
		},
		{
			name: "skipped", first: nil, second: nil,
			wantRows:  []btKey{{"g", "03-02T00:00", 0, "skipped"}},
			wantParts: 0, wantMissing: []int64{1},
		},
		{
			name: "skipped then parts changes nothing", first: nil, second: []string{"迟到的"}, secondIDs: []int64{5},
			wantRows:  []btKey{{"g", "03-02T00:00", 0, "skipped"}},
			wantParts: 0, wantMissing: []int64{5},
		},
		{
			name: "parts then skipped changes nothing", first: []string{"有"}, firstIDs: []int64{5}, second: nil,
			wantRows:  []btKey{{"g", "03-02T00:00", 1, "pending"}},
			wantParts: 1, wantHanded: []int64{5},
		},
		{
			name: "duplicate article ids", first: []string{"一"}, firstIDs: []int64{9, 9, 9},
			second:   []string{"一"},
			wantRows: []btKey{{"g", "03-02T00:00", 1, "pending"}}, wantParts: 1, wantHanded: []int64{9},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := btOpen(t, "", clock)
			sub := btSub(t, s, "g")
			btRecord(t, s, sub.ID, slot, c.first, c.firstIDs)
			created, err := s.RecordSlot(ctx, sub.ID, slot, c.second, c.secondIDs)
			if err != nil || created {
				t.Fatalf("second RecordSlot = %v, %v; want false, nil", created, err)
			}
			ds := btDeliveries(t, s)
			if got := btKeys(ds); !reflect.DeepEqual(got, c.wantRows) {
				t.Fatalf("rows %+v\nwant %+v", got, c.wantRows)
			}
			for i, d := range ds {
				if d.Parts != c.wantParts || d.SubscriptionID != sub.ID || !d.Slot.Equal(slot) ||
					d.Slot.Location() != time.UTC || !d.Created.Equal(clock.Now()) || !d.SentAt.IsZero() {
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
			m := btDelivered(t, s, sub.ID, append(append([]int64{}, c.wantHanded...), c.wantMissing...)...)
			for _, id := range c.wantHanded {
				if !m[id] {
					t.Errorf("Delivered lacks %d: %v", id, m)
				}
			}
			for _, id := range c.wantMissing {
				if m[id] {
					t.Errorf("Delivered reports %d, never handed: %v", id, m)
				}
			}
			last, err := s.LastSlot(ctx, sub.ID)
			if err != nil || !last.Equal(slot) {
				t.Errorf("LastSlot = %v, %v; want %v", last, err, slot)
			}
		})
	}
}

func TestRecordSlotRefuses(t *testing.T) {
	ctx := context.Background()
	s := btOpen(t, "", newBTClock())
	sub := btSub(t, s, "g")
	slot := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		subID int64
		slot  time.Time
		parts []string
		ids   []int64
		want  error
	}{
		{"unknown subscription", sub.ID + 1, slot, []string{"x"}, nil, data.ErrNotFound},
		{"zero subscription id", 0, slot, []string{"x"}, nil, data.ErrInvalid},
		{"zero slot", sub.ID, time.Time{}, []string{"x"}, nil, data.ErrInvalid},
		{"slot beyond year 9999", sub.ID, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), []string{"x"}, nil, data.ErrInvalid},
		{"empty part", sub.ID, slot, []string{"x", ""}, nil, data.ErrInvalid},
		{"articles without parts", sub.ID, slot, nil, []int64{1}, data.ErrInvalid},
		{"bad article id", sub.ID, slot, []string{"x"}, []int64{0}, data.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			created, err := s.RecordSlot(ctx, c.subID, c.slot, c.parts, c.ids)
			wantErr(t, err, c.want)
			if created {
				t.Error("created = true with an error")
			}
		})
	}
	if ds := btDeliveries(t, s); len(ds) != 0 {
		t.Errorf("refused slots wrote %+v", ds)
	}
}

// TestRecordSlotConcurrent records one slot from many goroutines, through
// one Store and through two Stores on one file (two processes): exactly
// one call creates it.
func TestRecordSlotConcurrent(t *testing.T) {
	for _, handles := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d stores", handles), func(t *testing.T) {
			ctx := context.Background()
			clock := newBTClock()
			path := filepath.Join(t.TempDir(), "bot.db")
			stores := []*data.Store{btOpen(t, path, clock)}
			for len(stores) < handles {
				stores = append(stores, btOpen(t, path, clock))
			}
			sub := btSub(t, stores[0], "g")
			slot := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

			const n = 8
			var wg sync.WaitGroup
			results := make([]bool, n)
			errs := make([]error, n)
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i], errs[i] = stores[i%handles].RecordSlot(ctx, sub.ID, slot,
						[]string{"一", "二"}, []int64{1, 2, 3, 4, 5})
				}()
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
			if ds := btDeliveries(t, stores[0]); len(ds) != 2 {
				t.Errorf("%d ledger rows, want 2: %+v", len(ds), ds)
			}
		})
	}
}

func TestRecordSlots(t *testing.T) {
	ctx := context.Background()
	s := btOpen(t, "", newBTClock())
	a, b, c := btSub(t, s, "a"), btSub(t, s, "b"), btSub(t, s, "c")
	slot := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	btRecord(t, s, b.ID, slot, []string{"b已有"}, []int64{1})

	created, err := s.RecordSlots(ctx, []data.SlotRecord{
		{SubscriptionID: a.ID, Slot: slot, Parts: []string{"a1", "a2"}, ArticleIDs: []int64{1, 2}},
		{SubscriptionID: b.ID, Slot: slot, Parts: []string{"b新"}, ArticleIDs: []int64{2}},
		{SubscriptionID: c.ID, Slot: slot},
		{SubscriptionID: a.ID, Slot: slot, Parts: []string{"a again"}}, // same slot twice in one batch
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false, true, false}; !reflect.DeepEqual(created, want) {
		t.Errorf("created = %v, want %v", created, want)
	}
	want := []btKey{
		{"a", "03-02T00:00", 1, "pending"}, {"a", "03-02T00:00", 2, "pending"},
		{"b", "03-02T00:00", 1, "pending"}, {"c", "03-02T00:00", 0, "skipped"},
	}
	if got := btKeys(btDeliveries(t, s)); !reflect.DeepEqual(got, want) {
		t.Errorf("rows %+v\nwant %+v", got, want)
	}
	if m := btDelivered(t, s, b.ID, 1, 2); !m[1] || m[2] {
		t.Errorf("b delivered %v, want only 1 (its second recording changed nothing)", m)
	}

	// All or nothing: one bad record stores none of the others.
	next := slot.Add(time.Hour)
	for _, bad := range []data.SlotRecord{
		{SubscriptionID: 12345, Slot: next, Parts: []string{"x"}},
		{SubscriptionID: c.ID, Slot: next, Parts: []string{""}},
	} {
		_, err := s.RecordSlots(ctx, []data.SlotRecord{
			{SubscriptionID: a.ID, Slot: next, Parts: []string{"ok"}, ArticleIDs: []int64{3}},
			bad,
		})
		if err == nil {
			t.Fatalf("RecordSlots with %+v: no error", bad)
		}
	}
	if got := len(btDeliveries(t, s)); got != 4 {
		t.Errorf("a failed batch wrote rows: %d, want 4", got)
	}
	if m := btDelivered(t, s, a.ID, 3); m[3] {
		t.Error("a failed batch handed article 3")
	}
	if created, err := s.RecordSlots(ctx, nil); err != nil || len(created) != 0 {
		t.Errorf("RecordSlots(nil) = %v, %v", created, err)
	}
}

func TestDeliveryTransitions(t *testing.T) {
	ctx := context.Background()
	clock := newBTClock()
	s := btOpen(t, "", clock)
	sub := btSub(t, s, "g")
	slot := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	btRecord(t, s, sub.ID, slot, []string{"一"}, nil)
	btRecord(t, s, sub.ID, slot.Add(time.Hour), nil, nil)
	ds := btDeliveries(t, s)
	part, skipped := ds[0].ID, ds[1].ID
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
		{"fail once", func() error { return s.MarkFailed(ctx, part, "ret 1100") }, nil, "failed", 1, "ret 1100", 1},
		{"fail again", func() error { return s.MarkFailed(ctx, part, "ret 1205") }, nil, "failed", 2, "ret 1205", 1},
		{"sent", func() error { return s.MarkSent(ctx, part, sentAt) }, nil, "sent", 2, "ret 1205", 0},
		{"sent again is a no-op", func() error { return s.MarkSent(ctx, part, sentAt.Add(time.Hour)) }, nil, "sent", 2, "ret 1205", 0},
		{"a sent part cannot fail", func() error { return s.MarkFailed(ctx, part, "late") }, data.ErrInvalid, "sent", 2, "ret 1205", 0},
		{"a skipped row cannot be sent", func() error { return s.MarkSent(ctx, skipped, sentAt) }, data.ErrInvalid, "sent", 2, "ret 1205", 0},
		{"a skipped row cannot fail", func() error { return s.MarkFailed(ctx, skipped, "x") }, data.ErrInvalid, "sent", 2, "ret 1205", 0},
		{"unknown id sent", func() error { return s.MarkSent(ctx, 999, sentAt) }, data.ErrNotFound, "sent", 2, "ret 1205", 0},
		{"unknown id failed", func() error { return s.MarkFailed(ctx, 999, "x") }, data.ErrNotFound, "sent", 2, "ret 1205", 0},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			wantErr(t, st.do(), st.want)
			d := btDeliveries(t, s)[0]
			if d.State != st.wantState || d.Attempts != st.wantAttempts || d.Error != st.wantError {
				t.Errorf("row %+v, want state %s attempts %d error %q", d, st.wantState, st.wantAttempts, st.wantError)
			}
			if u := btUnsent(t, s); len(u) != st.wantUnsent {
				t.Errorf("Unsent() = %d rows, want %d", len(u), st.wantUnsent)
			}
		})
	}
	d := btDeliveries(t, s)[0]
	if !d.SentAt.Equal(sentAt) || d.SentAt.Location() != time.UTC {
		t.Errorf("SentAt = %v, want %v in UTC (the first send)", d.SentAt, sentAt)
	}

	// A zero time means the store's clock; a missed part that did go out
	// counts as sent.
	btRecord(t, s, sub.ID, slot.Add(2*time.Hour), []string{"二"}, nil)
	wantErr(t, s.MarkSlotMissed(ctx, sub.ID, slot.Add(2*time.Hour)), nil)
	late := btDeliveries(t, s)[2]
	wantErr(t, s.MarkSent(ctx, late.ID, time.Time{}), nil)
	late = btDeliveries(t, s)[2]
	if late.State != data.DeliverySent || !late.SentAt.Equal(clock.Now()) {
		t.Errorf("missed then sent: %+v, want sent at %v", late, clock.Now())
	}
}

func TestUnsentAndDeliveriesOrder(t *testing.T) {
	ctx := context.Background()
	s := btOpen(t, "", newBTClock())
	b := btSub(t, s, "b群")
	a := btSub(t, s, "a群") // higher id, earlier name
	t8 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	t18 := t8.Add(10 * time.Hour)
	// Recorded out of order.
	btRecord(t, s, a.ID, t18, []string{"a18-1", "a18-2"}, nil)
	btRecord(t, s, b.ID, t18, []string{"b18-1"}, nil)
	btRecord(t, s, a.ID, t8, []string{"a8-1", "a8-2", "a8-3"}, nil)
	btRecord(t, s, b.ID, t8, nil, nil)
	all := btDeliveries(t, s)
	for _, d := range all {
		if d.Text == "a8-2" {
			wantErr(t, s.MarkSent(ctx, d.ID, t8), nil)
		}
		if d.Text == "a18-2" {
			wantErr(t, s.MarkFailed(ctx, d.ID, "timeout"), nil)
		}
	}

	var got []string
	for _, d := range btUnsent(t, s) {
		got = append(got, d.Text)
	}
	// Slot, then subscription id (b before a), then part; sent and skipped
	// rows left out.
	if want := []string{"a8-1", "a8-3", "b18-1", "a18-1", "a18-2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Unsent() = %q\nwant %q", got, want)
	}

	cases := []struct {
		since time.Time
		want  []btKey
	}{
		{time.Time{}, []btKey{
			{"a群", "03-02T00:00", 1, "pending"}, {"a群", "03-02T00:00", 2, "sent"}, {"a群", "03-02T00:00", 3, "pending"},
			{"b群", "03-02T00:00", 0, "skipped"},
			{"a群", "03-02T10:00", 1, "pending"}, {"a群", "03-02T10:00", 2, "failed"},
			{"b群", "03-02T10:00", 1, "pending"},
		}},
		{t8.Add(time.Second), []btKey{
			{"a群", "03-02T10:00", 1, "pending"}, {"a群", "03-02T10:00", 2, "failed"},
			{"b群", "03-02T10:00", 1, "pending"},
		}},
		{t18.In(time.FixedZone("CST", 8*3600)), []btKey{ // any zone: compared as instants
			{"a群", "03-02T10:00", 1, "pending"}, {"a群", "03-02T10:00", 2, "failed"},
			{"b群", "03-02T10:00", 1, "pending"},
		}},
		{t18.Add(time.Microsecond), []btKey{}},
	}
	for _, c := range cases {
		t.Run(c.since.String(), func(t *testing.T) {
			ds, err := s.Deliveries(ctx, c.since)
			if err != nil {
				t.Fatal(err)
			}
			if got := btKeys(ds); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Deliveries(%v) = %+v\nwant %+v", c.since, got, c.want)
			}
		})
	}
}

func TestMarkSlotMissed(t *testing.T) {
	ctx := context.Background()
	s := btOpen(t, "", newBTClock())
	sub := btSub(t, s, "g")
	other := btSub(t, s, "other")
	s1 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	s2 := s1.Add(10 * time.Hour)
	s3 := s1.Add(20 * time.Hour)
	// Article 3 was handed in two slots (a push and a schedule that raced).
	btRecord(t, s, sub.ID, s1, []string{"一", "二"}, []int64{1, 2, 3})
	btRecord(t, s, sub.ID, s2, []string{"三"}, []int64{3, 4})
	btRecord(t, s, sub.ID, s3, []string{"五"}, []int64{5})
	btRecord(t, s, other.ID, s1, []string{"别的"}, []int64{1})
	ds := btDeliveries(t, s)
	wantErr(t, s.MarkSent(ctx, ds[0].ID, s1), nil) // s1 part 1 went out before the crash
	for _, d := range ds {
		if d.Slot.Equal(s3) {
			wantErr(t, s.MarkSent(ctx, d.ID, s3), nil)
		}
	}

	steps := []struct {
		name      string
		subID     int64
		slot      time.Time
		want      error
		delivered []int64 // of sub afterwards, among 1..5
	}{
		{"slot with one part sent", sub.ID, s1, nil, []int64{3, 4, 5}},
		{"again changes nothing", sub.ID, s1, nil, []int64{3, 4, 5}},
		{"fully sent slot keeps its articles", sub.ID, s3, nil, []int64{3, 4, 5}},
		{"never recorded", sub.ID, s1.Add(time.Minute), data.ErrNotFound, []int64{3, 4, 5}},
		{"other subscription's slot", 9999, s1, data.ErrNotFound, []int64{3, 4, 5}},
		{"second slot", sub.ID, s2, nil, []int64{5}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			wantErr(t, s.MarkSlotMissed(ctx, st.subID, st.slot), st.want)
			m := btDelivered(t, s, sub.ID, 1, 2, 3, 4, 5)
			var got []int64
			for id := int64(1); id <= 5; id++ {
				if m[id] {
					got = append(got, id)
				}
			}
			if !reflect.DeepEqual(got, st.delivered) {
				t.Errorf("Delivered = %v, want %v", got, st.delivered)
			}
		})
	}
	want := []btKey{
		{"g", "03-02T00:00", 1, "sent"}, {"g", "03-02T00:00", 2, "missed"},
		{"other", "03-02T00:00", 1, "pending"},
		{"g", "03-02T10:00", 1, "missed"},
		{"g", "03-02T20:00", 1, "sent"},
	}
	if got := btKeys(btDeliveries(t, s)); !reflect.DeepEqual(got, want) {
		t.Errorf("rows %+v\nwant %+v", got, want)
	}
	if m := btDelivered(t, s, other.ID, 1); !m[1] {
		t.Error("missing a slot of one group released another group's articles")
	}
}

func TestDeliveredManyIDs(t *testing.T) {
	s := btOpen(t, "", newBTClock())
	sub := btSub(t, s, "g")
	var handed, ask []int64
	for id := int64(1); id <= 1500; id++ {
		if id%3 == 0 {
			handed = append(handed, id)
		}
		ask = append(ask, id)
	}
	btRecord(t, s, sub.ID, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), []string{"x"}, handed)
	m := btDelivered(t, s, sub.ID, ask...)
	if len(m) != len(handed) {
		t.Fatalf("Delivered: %d ids, want %d", len(m), len(handed))
	}
	for _, id := range handed {
		if !m[id] {
			t.Fatalf("Delivered lacks %d", id)
		}
	}
	if m := btDelivered(t, s, sub.ID); len(m) != 0 {
		t.Errorf("Delivered(no ids) = %v", m)
	}
}

func TestLastSlot(t *testing.T) {
	ctx := context.Background()
	s := btOpen(t, "", newBTClock())
	sub := btSub(t, s, "g")
	if _, err := s.LastSlot(ctx, sub.ID); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("LastSlot before any slot: err = %v, want ErrNotFound", err)
	}
	base := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		slot  time.Time
		parts []string
		want  time.Time
	}{
		{base.Add(10 * time.Hour), []string{"x"}, base.Add(10 * time.Hour)},
		{base, []string{"y"}, base.Add(10 * time.Hour)}, // earlier slot recorded later
		{base.Add(34 * time.Hour), nil, base.Add(34 * time.Hour)},
		{base.Add(34*time.Hour + 1500*time.Nanosecond), []string{"z"}, base.Add(34*time.Hour + time.Microsecond)},
	} {
		btRecord(t, s, sub.ID, c.slot, c.parts, nil)
		got, err := s.LastSlot(ctx, sub.ID)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("after %v: LastSlot = %v, %v; want %v", c.slot, got, err, c.want)
		}
	}
}

func TestAuditAndMeta(t *testing.T) {
	ctx := context.Background()
	clock := newBTClock()
	s := btOpen(t, "", clock)
	t0 := clock.Now()
	at := time.Date(2020, 1, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for _, c := range []struct {
		name string
		e    data.AuditEntry
		want error
	}{
		{"clock time", data.AuditEntry{Who: "王主任", Action: "subscribe", Detail: "幸福小区 08:00"}, nil},
		{"own time", data.AuditEntry{At: at, Who: "cli", Action: "role.grant", Detail: "小李 staff"}, nil},
		{"no who", data.AuditEntry{Action: "push"}, data.ErrInvalid},
		{"no action", data.AuditEntry{Who: "self"}, data.ErrInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			clock.Advance(time.Second)
			wantErr(t, s.Audit(ctx, c.e), c.want)
		})
	}
	es, err := s.AuditLog(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []data.AuditEntry{
		{ID: es[0].ID, At: t0.Add(time.Second), Who: "王主任", Action: "subscribe", Detail: "幸福小区 08:00"},
		{ID: es[1].ID, At: at.UTC(), Who: "cli", Action: "role.grant", Detail: "小李 staff"},
	}
	if !reflect.DeepEqual(es, want) {
		t.Errorf("AuditLog = %+v\nwant %+v (newest first)", es, want)
	}
	if es, _ := s.AuditLog(ctx, 1); len(es) != 1 || es[0].Action != "subscribe" {
		t.Errorf("AuditLog(1) = %+v", es)
	}

	if _, err := s.Meta(ctx, "uin"); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("Meta before set: err = %v, want ErrNotFound", err)
	}
	for _, v := range []string{"12345", "67890", ""} {
		wantErr(t, s.SetMeta(ctx, "uin", v), nil)
		if got, err := s.Meta(ctx, "uin"); err != nil || got != v {
			t.Errorf("Meta = %q, %v; want %q", got, err, v)
		}
	}
	wantErr(t, s.SetMeta(ctx, "", "x"), data.ErrInvalid)
}

// TestLease plays two bot processes on one store file: two Stores, one
// clock.
func TestLease(t *testing.T) {
	ctx := context.Background()
	clock := newBTClock()
	path := filepath.Join(t.TempDir(), "bot.db")
	p1, p2 := btOpen(t, path, clock), btOpen(t, path, clock)
	const ttl = time.Minute

	steps := []struct {
		name        string
		do          func() (bool, string, error)
		wantOK      bool
		wantCurrent string
		wantErr     error
	}{
		{"first takes it", func() (bool, string, error) { return p1.AcquireLease(ctx, "run", "host-a", ttl) }, true, "host-a", nil},
		{"second is refused", func() (bool, string, error) { return p2.AcquireLease(ctx, "run", "host-b", ttl) }, false, "host-a", nil},
		{"other lease names are free", func() (bool, string, error) { return p2.AcquireLease(ctx, "other", "host-b", ttl) }, true, "host-b", nil},
		{"renew before expiry", func() (bool, string, error) {
			clock.Advance(50 * time.Second)
			return p1.AcquireLease(ctx, "run", "host-a", ttl)
		}, true, "host-a", nil},
		{"still refused after the first expiry (renewed)", func() (bool, string, error) {
			clock.Advance(20 * time.Second) // 70s after taking, 20s after renewing
			return p2.AcquireLease(ctx, "run", "host-b", ttl)
		}, false, "host-a", nil},
		{"expired lease is taken over", func() (bool, string, error) {
			clock.Advance(40 * time.Second) // exactly at expiry: expires_at <= now
			return p2.AcquireLease(ctx, "run", "host-b", ttl)
		}, true, "host-b", nil},
		{"old holder is refused", func() (bool, string, error) { return p1.AcquireLease(ctx, "run", "host-a", ttl) }, false, "host-b", nil},
		{"release of someone else's lease changes nothing", func() (bool, string, error) {
			if err := p1.ReleaseLease(ctx, "run", "host-a"); err != nil {
				return false, "", err
			}
			return p1.AcquireLease(ctx, "run", "host-a", ttl)
		}, false, "host-b", nil},
		{"after release it is free", func() (bool, string, error) {
			if err := p2.ReleaseLease(ctx, "run", "host-b"); err != nil {
				return false, "", err
			}
			return p1.AcquireLease(ctx, "run", "host-a", ttl)
		}, true, "host-a", nil},
		{"zero ttl", func() (bool, string, error) { return p1.AcquireLease(ctx, "run", "host-a", 0) }, false, "", data.ErrInvalid},
		{"empty holder", func() (bool, string, error) { return p1.AcquireLease(ctx, "run", "", ttl) }, false, "", data.ErrInvalid},
		{"empty name", func() (bool, string, error) { return p1.AcquireLease(ctx, "", "host-a", ttl) }, false, "", data.ErrInvalid},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			ok, cur, err := st.do()
			wantErr(t, err, st.wantErr)
			if ok != st.wantOK || cur != st.wantCurrent {
				t.Errorf("got ok=%v current=%q, want ok=%v current=%q", ok, cur, st.wantOK, st.wantCurrent)
			}
		})
	}
}

// TestLeaseRace has many would-be holders on two Stores ask at once:
// exactly one wins and everyone else is told who.
func TestLeaseRace(t *testing.T) {
	ctx := context.Background()
	clock := newBTClock()
	path := filepath.Join(t.TempDir(), "bot.db")
	stores := []*data.Store{btOpen(t, path, clock), btOpen(t, path, clock)}
	const n = 16
	type result struct {
		ok  bool
		cur string
		err error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ok, cur, err := stores[i%2].AcquireLease(ctx, "run", fmt.Sprintf("holder-%d", i), time.Minute)
			results[i] = result{ok, cur, err}
		}()
	}
	close(start)
	wg.Wait()
	winner := ""
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("holder-%d: %v", i, r.err)
		}
		if r.ok {
			if winner != "" {
				t.Fatalf("two winners: %s and holder-%d", winner, i)
			}
			winner = fmt.Sprintf("holder-%d", i)
		}
	}
	if winner == "" {
		t.Fatal("nobody got the lease")
	}
	for i, r := range results {
		if r.cur != winner {
			t.Errorf("holder-%d was told %q holds it, want %q", i, r.cur, winner)
		}
	}
}

func TestBotCanceledAndClosed(t *testing.T) {
	clock := newBTClock()
	path := filepath.Join(t.TempDir(), "bot.db")
	s, err := data.Open(context.Background(), path, data.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	sub := btSub(t, s, "g")
	slot := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.RecordSlots(canceled, []data.SlotRecord{{SubscriptionID: sub.ID, Slot: slot, Parts: []string{"x"}}}); !errors.Is(err, context.Canceled) {
		t.Errorf("RecordSlots(canceled): err = %v, want context.Canceled", err)
	}
	if _, _, err := s.AcquireLease(canceled, "run", "a", time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("AcquireLease(canceled): err = %v, want context.Canceled", err)
	}
	if ds := btDeliveries(t, s); len(ds) != 0 {
		t.Errorf("a canceled RecordSlots wrote %+v", ds)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	for _, c := range []struct {
		name string
		call func() error
	}{
		{"RecordSlot", func() error { _, err := s.RecordSlot(ctx, sub.ID, slot, []string{"x"}, nil); return err }},
		{"Unsent", func() error { _, err := s.Unsent(ctx); return err }},
		{"GrantRole", func() error { return s.GrantRole(ctx, "r", data.RoleStaff, "cli") }},
		{"RoleOf", func() error { _, err := s.RoleOf(ctx, "r"); return err }},
		{"AcquireLease", func() error { _, _, err := s.AcquireLease(ctx, "run", "a", time.Minute); return err }},
		{"Audit", func() error { return s.Audit(ctx, data.AuditEntry{Who: "cli", Action: "x"}) }},
	} {
		name, call := c.name, c.call
		t.Run(name, func(t *testing.T) {
			if err := call(); err == nil || errors.Is(err, data.ErrNotFound) {
				t.Errorf("%s on a closed store: err = %v, want a closed-database error", name, err)
			}
		})
	}
}
