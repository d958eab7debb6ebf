package bot_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/bottest"
	"github.com/wxdigest/wxdigest/data"
)

// scGaps checks that consecutive Send calls start at least min apart and
// returns the gaps.
func scGaps(t *testing.T, calls []bottest.Sent, min time.Duration) []time.Duration {
	t.Helper()
	var gaps []time.Duration
	for i := 1; i < len(calls); i++ {
		g := calls[i].At.Sub(calls[i-1].At)
		if g < min {
			t.Errorf("send %d came %s after the previous one, below the %s minimum", i+1, g, min)
		}
		gaps = append(gaps, g)
	}
	return gaps
}

func TestPacingGapAndJitter(t *testing.T) {
	e := scNewEnv(t, time.Date(2024, 3, 14, 9, 0, 0, 0, scShanghai(t)), scOpts{})
	e.start(false)
	for i := range 30 {
		e.pacer.Reply(scGroup(fmt.Sprintf("群%d", i%3)), fmt.Sprintf("第%d条", i))
	}
	e.drain(time.Hour)
	calls := e.tr.Calls()
	if len(calls) != 30 {
		t.Fatalf("%d sends, want 30", len(calls))
	}
	gaps := scGaps(t, calls, bot.DefaultMinGap)
	distinct := map[time.Duration]bool{}
	for _, g := range gaps {
		if g > bot.DefaultMinGap+bot.DefaultJitter {
			t.Errorf("gap %s above minimum plus jitter", g)
		}
		distinct[g] = true
	}
	if len(distinct) < 5 {
		t.Errorf("gaps %v: jitter barely varies", gaps)
	}
	for g := range 3 {
		got := e.tr.SentTo(scGroup(fmt.Sprintf("群%d", g)))
		for k, text := range got {
			if want := fmt.Sprintf("第%d条", g+3*k); text != want {
				t.Errorf("群%d message %d = %q, want %q (order kept)", g, k, text, want)
			}
		}
	}
	st := e.pacer.Stats()
	if st.Queued != 0 || st.SentToday != 30 || !st.LastSend.Equal(calls[29].At) || st.LastErr != "" {
		t.Errorf("stats %+v", st)
	}
}

func TestPacingCapsWaitNeverDrop(t *testing.T) {
	e := scNewEnv(t, time.Date(2024, 3, 14, 23, 57, 0, 0, scShanghai(t)), scOpts{sender: func(c *bot.SenderConfig) {
		c.MinGap, c.Jitter, c.PerMinute, c.PerDay = time.Second, -1, 5, 12
	}})
	e.start(false)
	for i := range 20 {
		e.pacer.Reply(scSelf, fmt.Sprintf("消息%d", i))
	}
	e.drain(3 * time.Hour)
	calls := e.tr.Calls()
	if len(calls) != 20 {
		t.Fatalf("%d sends, want all 20", len(calls))
	}
	scGaps(t, calls, time.Second)
	for i := range calls {
		n := 0
		for j := i; j < len(calls) && calls[j].At.Sub(calls[i].At) < time.Minute; j++ {
			n++
		}
		if n > 5 {
			t.Fatalf("%d sends within a minute from %s, cap 5", n, calls[i].At)
		}
	}
	perDay := map[string]int{}
	for _, c := range calls {
		perDay[c.At.In(e.loc).Format(time.DateOnly)]++
	}
	if perDay["2024-03-14"] != 12 || perDay["2024-03-15"] != 8 {
		t.Errorf("sends per day %v, want 12 then 8", perDay)
	}
	if first := calls[12].At; first.Before(e.at(2024, 3, 15, 0, 0)) || first.After(e.at(2024, 3, 15, 0, 1)) {
		t.Errorf("13th send at %s, want just after midnight", first)
	}
}

// 1205 in the middle of a fan-out to 20 groups: everything pauses, the
// admins hear about it first, and every group gets its digest once.
func TestRateLimitDuringFanOut(t *testing.T) {
	e := scNewEnv(t, time.Date(2024, 3, 14, 7, 0, 0, 0, scShanghai(t)), scOpts{budget: 200})
	ids := e.importDay("2024-03-14", scTitles("新闻", 6)...)
	for i := range 20 {
		e.sub(fmt.Sprintf("小区%02d群", i+1), "08:00", false)
	}
	script := make([]error, 7)
	script = append(script, fmt.Errorf("wechat: send: ret 1205: %w", bot.ErrRateLimited))
	e.tr.FailNext(script...)
	e.start(true)
	e.runUntil(e.at(2024, 3, 14, 8, 0))
	// Into the pause.
	e.runUntil(e.at(2024, 3, 14, 8, 1))
	st := e.pacer.Stats()
	if st.PausedUntil.IsZero() || !strings.Contains(st.LastErr, "rate limited") {
		t.Errorf("during the pause stats = %+v", st)
	}
	// Subscriptions change during the pause: Reload must not queue the
	// rows the sender already holds a second time.
	if err := e.disp.Reload(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.drain(2 * time.Hour)

	want := e.expectParts("2024-03-14", ids)
	for i := range 20 {
		g := fmt.Sprintf("小区%02d群", i+1)
		if got := e.tr.SentTo(scGroup(g)); !slices.Equal(got, want) {
			t.Errorf("%s got %d parts %q, want its digest once", g, len(got), got)
		}
	}
	calls := e.tr.Calls()
	scGaps(t, calls, bot.DefaultMinGap)
	if len(calls) != 20*len(want)+2 {
		t.Errorf("%d sends, want %d parts + 1 refused + 1 notice", len(calls), 20*len(want))
	}
	failed := calls[7]
	if !errors.Is(failed.Err, bot.ErrRateLimited) {
		t.Fatalf("send 8 = %+v, want the scripted 1205", failed)
	}
	resumed := calls[8]
	if resumed.To != scSelf || !strings.Contains(resumed.Text, "暂停") || !strings.Contains(resumed.Text, "5分钟") {
		t.Errorf("first send after the pause = %+v, want the admin notice", resumed)
	}
	if gap := resumed.At.Sub(failed.At); gap < bot.DefaultRateLimitPause {
		t.Errorf("resumed %s after the 1205, want at least %s", gap, bot.DefaultRateLimitPause)
	}
	for _, d := range e.deliveries() {
		if d.State != data.DeliverySent || d.Attempts != 0 {
			t.Errorf("row %+v: want sent, the 1205 not counted against it", d)
		}
	}
	if st := e.pacer.Stats(); !st.PausedUntil.IsZero() || st.Queued != 0 {
		t.Errorf("after: stats %+v", st)
	}
}

func TestRateLimitBackoffDoublesAndResets(t *testing.T) {
	e := scNewEnv(t, time.Date(2024, 3, 14, 9, 0, 0, 0, scShanghai(t)), scOpts{})
	rl := fmt.Errorf("ret 1205: %w", bot.ErrRateLimited)
	// reply, then the notice twice, then the notice goes out, the reply
	// goes out, the second reply is refused again.
	e.tr.FailNext(rl, rl, nil, nil, rl)
	e.start(false)
	e.pacer.Reply(scGroup("群"), "一", "二")
	e.drain(3 * time.Hour)
	calls := e.tr.Calls()
	var at []time.Duration
	for _, c := range calls[1:] {
		at = append(at, c.At.Sub(calls[0].At))
	}
	if len(calls) != 7 {
		t.Fatalf("calls %+v", calls)
	}
	// Pauses: 5m, then 10m (doubled), success resets, then 5m again.
	wantMin := []time.Duration{5 * time.Minute, 15 * time.Minute}
	for i, w := range wantMin {
		if at[i] < w || at[i] > w+8*time.Second {
			t.Errorf("call %d at +%s, want +%s", i+2, at[i], w)
		}
	}
	if g := calls[5].At.Sub(calls[4].At); g < 5*time.Minute || g > 5*time.Minute+8*time.Second {
		t.Errorf("pause after the reset = %s, want 5m", g)
	}
	notices := e.tr.SentTo(scSelf)
	if len(notices) != 2 || !strings.Contains(notices[0], "15分钟") || !strings.Contains(notices[1], "5分钟") {
		t.Errorf("notices %q: want one per pause episode with its total", notices)
	}
	if got := e.tr.SentTo(scGroup("群")); !slices.Equal(got, []string{"一", "二"}) {
		t.Errorf("群 got %q", got)
	}
}

func TestLoggedOutHoldsTheQueue(t *testing.T) {
	e := scNewEnv(t, time.Date(2024, 3, 14, 7, 0, 0, 0, scShanghai(t)), scOpts{})
	ids := e.importDay("2024-03-14", "新闻")
	sub := e.sub("群", "08:00", false)
	parts := e.expectParts("2024-03-14", ids)
	if _, err := e.store.RecordSlot(e.ctx, sub.ID, e.at(2024, 3, 14, 7, 0), parts, ids); err != nil {
		t.Fatal(err)
	}
	unsent, err := e.store.Unsent(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.tr.SetLoggedIn(false)
	e.start(false)
	if n := e.pacer.Deliver(unsent...); n != len(parts) {
		t.Fatalf("Deliver queued %d, want %d", n, len(parts))
	}
	if n := e.pacer.Deliver(unsent...); n != 0 {
		t.Errorf("Deliver of held rows queued %d again", n)
	}
	if !e.pacer.Holds(unsent[0].ID) {
		t.Error("Holds(queued row) = false")
	}
	e.pacer.Reply(scSelf, "回复")
	e.runUntil(e.at(2024, 3, 14, 7, 30))
	if calls := e.tr.Calls(); len(calls) != 0 {
		t.Fatalf("sent while logged out: %+v", calls)
	}
	if st := e.pacer.Stats(); st.Queued != len(parts)+1 {
		t.Errorf("stats while held %+v", st)
	}
	e.tr.SetLoggedIn(true)
	// The session drops again under the first send.
	e.tr.FailNext(fmt.Errorf("ret 1101: %w", bot.ErrLoggedOut))
	e.drain(time.Hour)
	if got := e.tr.SentTo(scGroup("群")); !slices.Equal(got, parts) {
		t.Errorf("群 got %q", got)
	}
	if got := e.tr.SentTo(scSelf); !slices.Equal(got, []string{"回复"}) {
		t.Errorf("file helper got %q", got)
	}
	for _, d := range e.deliveries() {
		if d.State != data.DeliverySent || d.Attempts != 0 {
			t.Errorf("row %+v: want sent, logged-out not counted as an attempt", d)
		}
	}
	if e.pacer.Holds(unsent[0].ID) {
		t.Error("Holds(sent row) = true")
	}
}

// Other errors: the row is marked failed and retried with backoff; after
// MaxAttempts it is left failed. A chat's parts keep their order and
// other chats are not held up.
func TestSendFailuresRetryThenGiveUp(t *testing.T) {
	e := scNewEnv(t, time.Date(2024, 3, 14, 7, 0, 0, 0, scShanghai(t)), scOpts{budget: 200})
	ids := e.importDay("2024-03-14", scTitles("新闻", 6)...)
	flaky := e.sub("偶尔失败群", "08:00", false)
	e.sub("找不到的群", "08:00", false)
	e.sub("正常群", "08:00", false)
	e.tr.SetSendHook(func(to bot.Target, text string) error {
		if to.Name == "找不到的群" {
			return fmt.Errorf("wechat: send: %w", bot.ErrNoSuchChat)
		}
		return nil
	})
	// 偶尔失败群 is first in the fan-out; its first part fails once.
	e.tr.FailNext(fmt.Errorf("wechat: send: %w", bot.ErrNetwork))
	e.start(true)
	e.runUntil(e.at(2024, 3, 14, 8, 0))
	e.drain(time.Hour)

	parts := e.expectParts("2024-03-14", ids)
	if got := e.tr.SentTo(scGroup("偶尔失败群")); !slices.Equal(got, parts) {
		t.Errorf("偶尔失败群 got %q, want its parts in order", got)
	}
	if got := e.tr.SentTo(scGroup("正常群")); !slices.Equal(got, parts) {
		t.Errorf("正常群 got %q", got)
	}
	calls := e.tr.Calls()
	scGaps(t, calls, bot.DefaultMinGap)
	var firstFail, retry time.Time
	for _, c := range calls {
		if c.To.Name == "偶尔失败群" {
			if c.Err != nil {
				firstFail = c.At
			} else if retry.IsZero() {
				retry = c.At
			}
		}
	}
	if retry.Sub(firstFail) < bot.DefaultRetryBackoff {
		t.Errorf("retried %s after the failure, want at least %s", retry.Sub(firstFail), bot.DefaultRetryBackoff)
	}
	if normal := e.tr.SentTo(scGroup("正常群")); len(normal) > 0 {
		for _, c := range calls {
			if c.To.Name == "正常群" && c.At.After(retry) {
				t.Errorf("正常群 waited for the other group's retry")
				break
			}
		}
	}
	for _, d := range e.deliveries() {
		switch {
		case d.SubscriptionID == flaky.ID && d.Part == 1:
			if d.State != data.DeliverySent || d.Attempts != 1 || !strings.Contains(d.Error, "network") {
				t.Errorf("flaky part 1 %+v, want sent after 1 failed attempt", d)
			}
		case d.Group == "找不到的群":
			if d.State != data.DeliveryFailed || d.Attempts != bot.DefaultMaxAttempts || !strings.Contains(d.Error, "no such chat") {
				t.Errorf("row %+v, want failed after %d attempts", d, bot.DefaultMaxAttempts)
			}
		default:
			if d.State != data.DeliverySent {
				t.Errorf("row %+v, want sent", d)
			}
		}
	}
	if st := e.pacer.Stats(); st.Queued != 0 || !strings.Contains(st.LastErr, "no such chat") {
		t.Errorf("stats %+v", st)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	e := scNewEnv(t, time.Date(2024, 3, 14, 7, 0, 0, 0, scShanghai(t)), scOpts{})
	e.importDay("2024-03-14", "新闻")
	e.sub("群", "08:00", false)
	base := runtime.NumGoroutine()
	e.tr.SetLoggedIn(false)
	e.start(true)
	e.pacer.Reply(scSelf, "挂起的回复")
	e.runUntil(e.at(2024, 3, 14, 8, 0)) // the sender holds, the dispatcher waits
	e.stop()
	deadline := time.Now().Add(scWait)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after stop, %d before start:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		select {
		case <-e.clk.Changed():
		case <-time.After(time.Millisecond):
		}
	}
	if n := e.clk.Pending(); n != 0 {
		t.Errorf("%d timers left pending after stop", n)
	}
}

func TestDeliverRefusesRowsWithoutText(t *testing.T) {
	e := scNewEnv(t, time.Date(2024, 3, 14, 7, 0, 0, 0, scShanghai(t)), scOpts{})
	n := e.pacer.Deliver(
		data.Delivery{ID: 1, Group: "群", Part: 0, State: data.DeliverySkipped},
		data.Delivery{ID: 2, Group: "群", Part: 1, Text: "x", State: data.DeliverySent},
		data.Delivery{ID: 3, Group: "群", Part: 1, Text: "  ", State: data.DeliveryPending},
		data.Delivery{ID: 0, Group: "群", Part: 1, Text: "x", State: data.DeliveryPending},
	)
	if n != 0 || e.pacer.Stats().Queued != 0 {
		t.Errorf("queued %d rows with nothing to send", n)
	}
	noLedger := bot.NewSender(bot.SenderConfig{Transport: e.tr, Clock: e.clk})
	if n := noLedger.Deliver(data.Delivery{ID: 4, Group: "群", Part: 1, Text: "x", State: data.DeliveryPending}); n != 0 {
		t.Errorf("a sender without a ledger queued %d rows", n)
	}
	noLedger.Reply(scSelf, "", " ")
	if q := noLedger.Stats().Queued; q != 0 {
		t.Errorf("empty replies queued: %d", q)
	}
}

func TestSenderStopsWhileSending(t *testing.T) {
	// Run returns promptly when cancelled in every wait: gap, pause,
	// login hold, retry backoff and idle.
	for _, tc := range []struct {
		name  string
		setup func(e *scEnv)
	}{
		{"idle", func(e *scEnv) {}},
		{"gap", func(e *scEnv) { e.pacer.Reply(scSelf, "1", "2") }},
		{"pause", func(e *scEnv) {
			e.tr.FailNext(bot.ErrRateLimited)
			e.pacer.Reply(scSelf, "1")
		}},
		{"login hold", func(e *scEnv) {
			e.tr.SetLoggedIn(false)
			e.pacer.Reply(scSelf, "1")
		}},
		{"retry backoff", func(e *scEnv) {
			e.tr.FailNext(bot.ErrNetwork)
			e.pacer.Reply(scSelf, "1")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := scNewEnv(t, time.Date(2024, 3, 14, 7, 0, 0, 0, scShanghai(t)), scOpts{})
			e.start(false)
			tc.setup(e)
			e.settle()
			ctx, cancel := context.WithTimeout(context.Background(), scWait)
			defer cancel()
			e.stop()
			if ctx.Err() != nil {
				t.Fatal("stop took too long")
			}
		})
	}
}

// A pause lasts to its end, not longer, even when the clock moves while
// the sender arms its timer: the sender waits for the instant.
func TestPauseArmedForItsEnd(t *testing.T) {
	var moved atomic.Bool
	e := scNewEnv(t, time.Date(2024, 3, 14, 9, 0, 0, 0, scShanghai(t)), scOpts{sender: func(c *bot.SenderConfig) {
		clk := c.Clock.(*bottest.Clock)
		c.Clock = &scMovingClock{Clock: clk, arm: func() {
			if !moved.Swap(true) {
				clk.Advance(time.Minute)
			}
		}}
	}})
	e.tr.FailNext(fmt.Errorf("ret 1205: %w", bot.ErrRateLimited))
	e.start(false)
	e.pacer.Reply(scGroup("群"), "一")
	ctx, cancel := context.WithTimeout(e.ctx, scWait)
	defer cancel()
	if err := e.clk.WaitPending(ctx, 1); err != nil {
		t.Fatal(err)
	}
	end := e.at(2024, 3, 14, 9, 5)
	if !moved.Load() || !e.clk.Now().Equal(e.at(2024, 3, 14, 9, 1)) {
		t.Fatalf("the clock did not move while arming: now %s", e.clk.Now())
	}
	if st := e.pacer.Stats(); !st.PausedUntil.Equal(end) {
		t.Fatalf("paused until %s, want %s", st.PausedUntil, end)
	}
	if ds := e.clk.Deadlines(); len(ds) != 1 || !ds[0].Equal(end) {
		t.Fatalf("armed for %v, want the end of the pause %s", ds, end)
	}
	e.drain(time.Hour)
	calls := e.tr.Calls()
	if len(calls) != 3 || !calls[1].At.Equal(end) || calls[1].To != scSelf {
		t.Fatalf("calls %+v, want the admin notice at %s", calls, end)
	}
	if got := e.tr.SentTo(scGroup("群")); !slices.Equal(got, []string{"一"}) {
		t.Errorf("群 got %q", got)
	}
}
