package bot_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/bottest"
	"github.com/wxdigest/wxdigest/data"
)

// A day of slots: 08:00 sends the morning's items once, 12:00 has nothing
// new and is skipped, 18:00 carries only what was added in between.
func TestSlotsOfOneDay(t *testing.T) {
	for _, batch := range []bool{true, false} {
		name := "batch ledger writes"
		if !batch {
			name = "slot by slot ledger writes"
		}
		t.Run(name, func(t *testing.T) {
			opts := scOpts{budget: 200}
			if !batch {
				opts.store = func(s bot.DispatchStore) bot.DispatchStore { return &scStore{DispatchStore: s} }
			}
			e := scNewEnv(t, time.Date(2024, 3, 14, 7, 0, 0, 0, scShanghai(t)), opts)
			morning := e.importDay("2024-03-14", scTitles("上午", 6)...)
			e.importDay("2024-03-13", "昨天的新闻") // another date: never in today's slots
			e.sub("示范群", "08:00,12:00,18:00", false)
			e.start(true)

			e.runUntil(e.at(2024, 3, 14, 8, 0))
			e.drain(10 * time.Minute)
			want := e.expectParts("2024-03-14", morning)
			if len(want) < 2 {
				t.Fatalf("test needs a multi-part digest, got %d part(s)", len(want))
			}
			got := e.tr.SentTo(scGroup("示范群"))
			if !slices.Equal(got, want) {
				t.Fatalf("08:00 sent\n%s\nwant\n%s", scJoin(got), scJoin(want))
			}
			if !slices.Equal(e.shownIn("示范群"), morning) {
				t.Errorf("OnShown got %v, want %v", e.shownIn("示范群"), morning)
			}
			for _, d := range e.deliveries() {
				if d.State != data.DeliverySent || d.SentAt.IsZero() || d.Attempts != 0 {
					t.Errorf("row %+v, want sent on first attempt", d)
				}
			}

			e.runUntil(e.at(2024, 3, 14, 12, 30))
			if n := len(e.tr.Sent()); n != len(want) {
				t.Fatalf("12:00 with nothing new sent %d more messages", n-len(want))
			}
			skipped := 0
			for _, d := range e.deliveries() {
				if d.State == data.DeliverySkipped {
					skipped++
					if !d.Slot.Equal(e.at(2024, 3, 14, 12, 0)) || d.Part != 0 {
						t.Errorf("skipped row %+v, want the 12:00 slot, part 0", d)
					}
				}
			}
			if skipped != 1 {
				t.Errorf("%d skipped rows, want 1", skipped)
			}

			afternoon := e.importDay("2024-03-14", scTitles("下午", 2)...)
			e.runUntil(e.at(2024, 3, 14, 18, 0))
			e.drain(10 * time.Minute)
			got = e.tr.SentTo(scGroup("示范群"))[len(want):]
			want2 := e.expectParts("2024-03-14", afternoon)
			if !slices.Equal(got, want2) {
				t.Fatalf("18:00 sent\n%s\nwant only the afternoon's\n%s", scJoin(got), scJoin(want2))
			}
			if strings.Contains(strings.Join(got, ""), "上午") {
				t.Error("18:00 repeated a morning item")
			}
			if !slices.Equal(e.shownIn("示范群"), afternoon) {
				t.Errorf("OnShown got %v, want %v", e.shownIn("示范群"), afternoon)
			}
		})
	}
}

// Source filter and weekdays-only subscriptions.
func TestSlotSourceAndWeekdays(t *testing.T) {
	e := scNewEnv(t, time.Date(2024, 3, 15, 7, 0, 0, 0, scShanghai(t)), scOpts{}) // a Friday
	ids := e.importDay("2024-03-15", "区里的新闻")
	e.importDay("2024-03-16", "周六的新闻")
	if _, err := e.store.PutSubscription(e.ctx, data.Subscription{Group: "只看区报", Kind: data.ScheduleAt, Spec: "08:00",
		TZ: "Asia/Shanghai", Source: "别的报纸", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	e.subs++
	e.sub("工作日群", "08:00", true)
	e.start(true)
	e.runUntil(e.at(2024, 3, 17, 9, 0)) // through Saturday and Sunday
	e.drain(time.Hour)
	if got := e.tr.SentTo(scGroup("只看区报")); len(got) != 0 {
		t.Errorf("source-filtered group got %q", got)
	}
	got := e.tr.SentTo(scGroup("工作日群"))
	if !slices.Equal(got, e.expectParts("2024-03-15", ids)) {
		t.Errorf("weekday group got %q, want only Friday's digest", got)
	}
	for _, d := range e.deliveries() {
		if d.Group == "工作日群" && d.Slot.In(e.loc).Weekday() == time.Saturday {
			t.Errorf("weekday subscription fired on Saturday: %+v", d)
		}
	}
}

// A restart inside the grace window sends the parts that were recorded
// but not sent, each once; a firing missed while down fires once.
func TestRestartCatchUpInsideGrace(t *testing.T) {
	e := scNewEnv(t, time.Date(2024, 3, 14, 6, 0, 0, 0, scShanghai(t)), scOpts{budget: 200})
	ids := e.importDay("2024-03-14", scTitles("新闻", 6)...)
	e.sub("一群", "08:00", false)
	e.sub("二群", "08:00,08:30", false)
	e.start(true)
	e.runUntil(e.at(2024, 3, 14, 7, 59))

	// At 08:00 the slot is recorded; the process dies after one part.
	e.runUntil(e.at(2024, 3, 14, 8, 0))
	if _, err := e.tr.WaitSent(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	e.stop()
	want := e.expectParts("2024-03-14", ids)
	if got := e.tr.SentTo(scGroup("一群")); len(got) > 1 {
		t.Fatalf("before the crash %d parts went out, want at most 1", len(got))
	}

	// Back at 09:10: inside the 2h grace.
	e.clk.Set(e.at(2024, 3, 14, 9, 10))
	e.restart()
	e.drain(time.Hour)
	got := e.tr.SentTo(scGroup("一群"))
	if !slices.Equal(got, want) {
		t.Errorf("一群 got\n%s\nwant each part once\n%s", scJoin(got), scJoin(want))
	}
	// 二群 had 08:00 pending (or partly sent) and 08:30 passed while down:
	// its digest arrives once, and 08:30 is a skipped slot.
	if got := e.tr.SentTo(scGroup("二群")); !slices.Equal(got, want) {
		t.Errorf("二群 got\n%s\nwant\n%s", scJoin(got), scJoin(want))
	}
	slots := map[string]int{}
	for _, d := range e.deliveries() {
		slots[d.Group+" "+d.Slot.In(e.loc).Format("15:04")+" "+d.State]++
		if d.State != data.DeliverySent && d.State != data.DeliverySkipped {
			t.Errorf("row %+v left %s", d, d.State)
		}
	}
	if slots["二群 08:30 skipped"] != 1 {
		t.Errorf("slots %v: want 二群's 08:30 recorded as skipped", slots)
	}
}

func TestRestartFiresOnlyTheLatestPassedSlot(t *testing.T) {
	e := scNewEnv(t, time.Date(2024, 3, 14, 6, 0, 0, 0, scShanghai(t)), scOpts{})
	ids := e.importDay("2024-03-14", "一条新闻")
	e.sub("群", "08:00,08:20,08:40,09:00", false)
	// Down from 06:00 to 09:30: four firings passed.
	e.clk.Set(e.at(2024, 3, 14, 9, 30))
	e.start(true)
	e.settle()
	e.drain(time.Hour)
	if got := e.tr.SentTo(scGroup("群")); !slices.Equal(got, e.expectParts("2024-03-14", ids)) {
		t.Errorf("got %q", got)
	}
	ds := e.deliveries()
	if len(ds) != 1 || !ds[0].Slot.Equal(e.at(2024, 3, 14, 9, 0)) {
		t.Errorf("ledger %+v, want only the 09:00 slot", ds)
	}
}

// Outside the grace window unsent slots are marked missed and the admins
// told; their articles go with the next slot.
func TestRestartOutsideGraceMarksMissed(t *testing.T) {
	e := scNewEnv(t, time.Date(2024, 3, 14, 6, 0, 0, 0, scShanghai(t)), scOpts{grace: time.Hour})
	ids := e.importDay("2024-03-14", "早上的新闻")
	sub := e.sub("街道群", "08:00,18:00", false)
	// The slot was recorded at 08:00, then the process died.
	parts := e.expectParts("2024-03-14", ids)
	if _, err := e.store.RecordSlot(e.ctx, sub.ID, e.at(2024, 3, 14, 8, 0), parts, ids); err != nil {
		t.Fatal(err)
	}
	e.clk.Set(e.at(2024, 3, 14, 11, 0))
	e.start(true)
	e.settle()
	e.drain(time.Hour)
	if got := e.tr.SentTo(scGroup("街道群")); len(got) != 0 {
		t.Fatalf("a slot past grace was sent: %q", got)
	}
	for _, d := range e.deliveries() {
		if d.State != data.DeliveryMissed {
			t.Errorf("row %+v, want missed", d)
		}
	}
	report := e.tr.SentTo(scSelf)
	if len(report) != 1 || !strings.Contains(report[0], "街道群") || !strings.Contains(report[0], "3月14日 08:00") ||
		!strings.Contains(report[0], "错过") {
		t.Fatalf("admin report %q", report)
	}
	// Released articles go out at 18:00.
	e.runUntil(e.at(2024, 3, 14, 18, 0))
	e.drain(time.Hour)
	if got := e.tr.SentTo(scGroup("街道群")); !slices.Equal(got, parts) {
		t.Errorf("18:00 got %q, want the released items %q", got, parts)
	}
}

func TestPushNow(t *testing.T) {
	e := scNewEnv(t, time.Date(2024, 3, 14, 10, 0, 0, 0, scShanghai(t)), scOpts{})
	ids := e.importDay("2024-03-14", scTitles("新闻", 3)...)
	e.sub("甲群", "18:00", false)
	e.sub("乙群", "18:00", false)
	if _, err := e.store.PutSubscription(e.ctx, data.Subscription{Group: "停用群", Kind: data.ScheduleAt, Spec: "18:00", Enabled: false}); err != nil {
		t.Fatal(err)
	}
	e.start(true)
	e.settle()

	res, err := e.disp.PushNow(e.ctx, []string{"甲群", "没订阅的群", "停用群"})
	if err != nil {
		t.Fatal(err)
	}
	want := e.expectParts("2024-03-14", ids)
	if len(res) != 3 || res[0].Group != "甲群" || res[0].Items != 3 || res[0].Parts != len(want) || res[0].Err != nil {
		t.Errorf("甲群 result %+v", res[0])
	}
	for _, r := range res[1:] {
		if !errors.Is(r.Err, bot.ErrNotSubscribed) {
			t.Errorf("%s result %+v, want ErrNotSubscribed", r.Group, r)
		}
	}
	e.drain(time.Hour)
	if got := e.tr.SentTo(scGroup("甲群")); !slices.Equal(got, want) {
		t.Errorf("甲群 got %q", got)
	}

	// All groups: 甲群 has nothing new, 乙群 gets the day.
	e.clk.Advance(time.Minute)
	res, err = e.disp.PushNow(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Group != "乙群" || res[0].Items != 3 || res[1].Group != "甲群" || res[1].Items != 0 || res[1].Parts != 0 {
		t.Errorf("push all results %+v", res)
	}
	e.drain(time.Hour)
	if got := e.tr.SentTo(scGroup("甲群")); len(got) != len(want) {
		t.Errorf("甲群 got %d parts, want %d (nothing new the second time)", len(got), len(want))
	}
	if got := e.tr.SentTo(scGroup("乙群")); !slices.Equal(got, want) {
		t.Errorf("乙群 got %q", got)
	}
	// The 18:00 slot then has nothing new for either group.
	e.runUntil(e.at(2024, 3, 14, 18, 1))
	if n := len(e.tr.Sent()); n != 2*len(want) {
		t.Errorf("%d sent after 18:00, want %d", n, 2*len(want))
	}
}

func TestNextAndReload(t *testing.T) {
	e := scNewEnv(t, time.Date(2024, 3, 14, 10, 0, 0, 0, scShanghai(t)), scOpts{})
	e.sub("甲群", "08:00,18:00", false)
	e.start(true)
	e.settle()
	got := e.disp.Next(3)
	want := []bot.Upcoming{
		{Group: "甲群", At: e.at(2024, 3, 14, 18, 0)},
		{Group: "甲群", At: e.at(2024, 3, 15, 8, 0)},
		{Group: "甲群", At: e.at(2024, 3, 15, 18, 0)},
	}
	if !slices.EqualFunc(got, want, func(a, b bot.Upcoming) bool { return a.Group == b.Group && a.At.Equal(b.At) }) {
		t.Errorf("Next(3) = %v, want %v", got, want)
	}
	if n := e.disp.Next(0); n != nil {
		t.Errorf("Next(0) = %v", n)
	}

	// A subscription added while running fires after Reload.
	ids := e.importDay("2024-03-14", "新消息")
	e.sub("乙群", "12:00", false)
	if err := e.disp.Reload(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.disp.Next(1); len(got) != 1 || got[0].Group != "乙群" || !got[0].At.Equal(e.at(2024, 3, 14, 12, 0)) {
		t.Errorf("Next(1) after Reload = %v", got)
	}
	e.runUntil(e.at(2024, 3, 14, 12, 0))
	e.drain(time.Hour)
	if got := e.tr.SentTo(scGroup("乙群")); !slices.Equal(got, e.expectParts("2024-03-14", ids)) {
		t.Errorf("乙群 got %q", got)
	}
}

// A store failure while firing is retried a minute later, and the slot is
// recorded once.
func TestSlotRetriedAfterStoreError(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	var st *scStore
	e := scNewEnv(t, time.Date(2024, 3, 14, 7, 0, 0, 0, scShanghai(t)), scOpts{store: func(s bot.DispatchStore) bot.DispatchStore {
		st = &scStore{DispatchStore: s}
		return st
	}})
	st.delivered = func(ctx context.Context, subID int64, ids []int64) (map[int64]bool, error) {
		if fail.Load() {
			return nil, errors.New("disk on fire")
		}
		return st.DispatchStore.Delivered(ctx, subID, ids)
	}
	ids := e.importDay("2024-03-14", "新闻")
	e.sub("群", "08:00", false)
	e.start(true)
	e.runUntil(e.at(2024, 3, 14, 8, 0))
	if len(e.deliveries()) != 0 {
		t.Fatal("a failed firing wrote to the ledger")
	}
	fail.Store(false)
	e.runUntil(e.at(2024, 3, 14, 8, 1))
	e.drain(time.Hour)
	if got := e.tr.SentTo(scGroup("群")); !slices.Equal(got, e.expectParts("2024-03-14", ids)) {
		t.Errorf("got %q", got)
	}
	if ds := e.deliveries(); len(ds) != 1 || !ds[0].Slot.Equal(e.at(2024, 3, 14, 8, 0)) {
		t.Errorf("ledger %+v, want the 08:00 slot once", ds)
	}
}

func TestNewDispatcherNeedsStoreAndOutbox(t *testing.T) {
	if _, err := bot.NewDispatcher(bot.DispatcherConfig{Outbox: &scQueue{}}); err == nil {
		t.Error("no store: no error")
	}
	e := scNewEnv(t, time.Date(2024, 3, 14, 7, 0, 0, 0, scShanghai(t)), scOpts{})
	if _, err := bot.NewDispatcher(bot.DispatcherConfig{Store: e.store}); err == nil {
		t.Error("no outbox: no error")
	}
}

// Stopping a subscription while its digest waits in the queue (here:
// behind a rate-limit pause) drops what was not sent yet.
func TestStoppedSubscriptionDropsQueuedParts(t *testing.T) {
	e := scNewEnv(t, time.Date(2024, 3, 14, 7, 0, 0, 0, scShanghai(t)), scOpts{})
	ids := e.importDay("2024-03-14", "新闻")
	e.sub("留下的群", "08:00", false)
	e.sub("退订的群", "08:00", false)
	off := e.sub("停用的群", "08:00", false)
	e.tr.FailNext(bot.ErrRateLimited)
	e.start(true)
	e.runUntil(e.at(2024, 3, 14, 8, 1))
	// Three digests and the admins' pause notice.
	if st := e.pacer.Stats(); st.PausedUntil.IsZero() || st.Queued != 4 {
		t.Fatalf("want a pause with 4 queued, stats %+v", st)
	}
	if err := e.store.RemoveSubscription(e.ctx, "退订的群"); err != nil {
		t.Fatal(err)
	}
	off.Enabled = false
	if _, err := e.store.PutSubscription(e.ctx, off); err != nil {
		t.Fatal(err)
	}
	if err := e.disp.Reload(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.subs = 1
	if q := e.pacer.Stats().Queued; q != 2 {
		t.Errorf("queued after stopping two groups = %d, want 2", q)
	}
	e.drain(time.Hour)
	if got := e.tr.SentTo(scGroup("留下的群")); !slices.Equal(got, e.expectParts("2024-03-14", ids)) {
		t.Errorf("留下的群 got %q", got)
	}
	for _, g := range []string{"退订的群", "停用的群"} {
		if got := e.tr.SentTo(scGroup(g)); len(got) != 0 {
			t.Errorf("%s got %q after it stopped", g, got)
		}
	}
	// A restart inside grace does not send the disabled group's row either.
	e.restart()
	e.drain(time.Hour)
	if got := e.tr.SentTo(scGroup("停用的群")); len(got) != 0 {
		t.Errorf("停用的群 got %q after a restart", got)
	}
}

// The dispatcher's wake-up is the firing itself: when the clock moves
// while the timer is being armed, the slot still fires at its time, not
// that much later. (A Reload's nudge, handled while a test moved the fake
// clock, once left the next day's 08:00 armed for 08:04.)
func TestFiringArmedForItsInstant(t *testing.T) {
	var moved atomic.Bool
	e := scNewEnv(t, time.Date(2024, 3, 14, 7, 0, 0, 0, scShanghai(t)), scOpts{
		dispClock: func(c *bottest.Clock) bot.Clock {
			return &scMovingClock{Clock: c, arm: func() {
				if !moved.Swap(true) {
					c.Advance(4 * time.Minute)
				}
			}}
		},
	})
	ids := e.importDay("2024-03-14", "新闻")
	e.sub("群", "08:00", false)
	e.start(true)
	ctx, cancel := context.WithTimeout(e.ctx, scWait)
	defer cancel()
	if err := e.clk.WaitPending(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if !moved.Load() || !e.clk.Now().Equal(e.at(2024, 3, 14, 7, 4)) {
		t.Fatalf("the clock did not move while arming: now %s", e.clk.Now())
	}
	if ds := e.clk.Deadlines(); len(ds) != 1 || !ds[0].Equal(e.at(2024, 3, 14, 8, 0)) {
		t.Fatalf("armed for %v, want the 08:00 firing", ds)
	}
	e.runUntil(e.at(2024, 3, 14, 8, 0))
	e.drain(time.Hour)
	calls := e.tr.Calls()
	if len(calls) == 0 || !calls[0].At.Equal(e.at(2024, 3, 14, 8, 0)) {
		t.Fatalf("sends %+v, want the first at 08:00", calls)
	}
	if got := e.tr.SentTo(scGroup("群")); !slices.Equal(got, e.expectParts("2024-03-14", ids)) {
		t.Errorf("got %q", got)
	}
}

// A firing that falls due while another one is being fired (a slow store)
// fires as soon as that one is done; it is not taken for a failed firing
// and put off to the retry a minute later.
func TestFiringDueDuringAnotherFiresAtOnce(t *testing.T) {
	var slow atomic.Bool
	var e *scEnv
	e = scNewEnv(t, time.Date(2024, 3, 14, 7, 0, 0, 0, scShanghai(t)), scOpts{
		store: func(s bot.DispatchStore) bot.DispatchStore {
			st := &scStore{DispatchStore: s}
			st.delivered = func(ctx context.Context, subID int64, ids []int64) (map[int64]bool, error) {
				if !slow.Swap(true) {
					// The 08:00 firing takes until 08:03.
					e.clk.Set(e.at(2024, 3, 14, 8, 3))
				}
				return s.Delivered(ctx, subID, ids)
			}
			return st
		},
	})
	ids := e.importDay("2024-03-14", "新闻")
	e.sub("八点群", "08:00", false)
	e.sub("八点二分群", "08:02", false)
	e.start(true)
	e.runUntil(e.at(2024, 3, 14, 8, 0))
	if now := e.clk.Now(); !now.Equal(e.at(2024, 3, 14, 8, 3)) {
		t.Fatalf("clock at %s, want 08:03 after the slow firing", now)
	}
	slots := map[string]time.Time{}
	for _, d := range e.deliveries() {
		slots[d.Group] = d.Slot.In(e.loc)
	}
	for g, want := range map[string]time.Time{"八点群": e.at(2024, 3, 14, 8, 0), "八点二分群": e.at(2024, 3, 14, 8, 2)} {
		if got := slots[g]; !got.Equal(want) {
			t.Errorf("by 08:03 %s has slot %s recorded, want %s (ledger %v)", g, got, want, slots)
		}
	}
	e.drain(time.Hour)
	want := e.expectParts("2024-03-14", ids)
	for _, g := range []string{"八点群", "八点二分群"} {
		if got := e.tr.SentTo(scGroup(g)); !slices.Equal(got, want) {
			t.Errorf("%s got %q", g, got)
		}
	}
}
