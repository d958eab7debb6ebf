package bottest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/bottest"
)

var t0 = time.Date(2024, 3, 14, 8, 0, 0, 0, time.UTC)

func TestClockFiresInOrderOnlyWhenMoved(t *testing.T) {
	c := bottest.NewClock(t0)
	late := c.NewTimer(2 * time.Second)
	early := c.NewTimer(time.Second)
	stopped := c.NewTimer(time.Second)
	if !stopped.Stop() || stopped.Stop() {
		t.Error("Stop of a pending timer should report true once")
	}
	now := c.NewTimer(0)
	select {
	case at := <-now.C():
		if !at.Equal(t0) {
			t.Errorf("zero timer fired at %s", at)
		}
	default:
		t.Error("a zero-duration timer has not fired")
	}
	if n := c.Pending(); n != 2 {
		t.Fatalf("Pending = %d, want 2", n)
	}
	select {
	case <-early.C():
		t.Fatal("fired before the clock moved")
	default:
	}
	c.Advance(1500 * time.Millisecond)
	select {
	case at := <-early.C():
		if !at.Equal(t0.Add(1500 * time.Millisecond)) {
			t.Errorf("fired with %s", at)
		}
	default:
		t.Fatal("due timer did not fire")
	}
	if !c.AdvanceToNext() || !c.Now().Equal(t0.Add(2*time.Second)) {
		t.Errorf("AdvanceToNext moved to %s", c.Now())
	}
	<-late.C()
	if c.AdvanceToNext() {
		t.Error("AdvanceToNext with no timers reported true")
	}
	if late.Stop() {
		t.Error("Stop of a fired timer reported true")
	}
	c.Set(t0) // never backwards
	if !c.Now().Equal(t0.Add(2 * time.Second)) {
		t.Errorf("Set moved the clock back to %s", c.Now())
	}
}

func TestClockWaitPending(t *testing.T) {
	c := bottest.NewClock(t0)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tm := c.NewTimer(time.Minute)
		<-tm.C()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitPending(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if ds := c.Deadlines(); len(ds) != 1 || !ds[0].Equal(t0.Add(time.Minute)) {
		t.Errorf("Deadlines = %v", ds)
	}
	c.AdvanceToNext()
	wg.Wait()
	short, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := c.WaitPending(short, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitPending on a done context = %v", err)
	}
}

func TestTransport(t *testing.T) {
	c := bottest.NewClock(t0)
	tr := bottest.NewTransport()
	tr.SetClock(c.Now)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	g := bot.Target{Kind: bot.ChatGroup, Name: "群"}

	if err := tr.Send(ctx, g, "一"); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	tr.FailNext(boom, nil)
	if err := tr.Send(ctx, g, "二"); !errors.Is(err, boom) {
		t.Errorf("scripted send = %v", err)
	}
	c.Advance(time.Second)
	if err := tr.Send(ctx, g, "三"); err != nil {
		t.Errorf("nil script entry = %v", err)
	}
	tr.SetLoggedIn(false)
	if err := tr.Send(ctx, g, "四"); !errors.Is(err, bot.ErrLoggedOut) {
		t.Errorf("logged-out send = %v", err)
	}
	tr.SetLoggedIn(true)
	if s := tr.State(); !s.LoggedIn || s.Logins != 2 {
		t.Errorf("state %+v", s)
	}
	tr.SetSendHook(func(to bot.Target, text string) error {
		if text == "坏" {
			return bot.ErrNetwork
		}
		return nil
	})
	if err := tr.Send(ctx, g, "坏"); !errors.Is(err, bot.ErrNetwork) {
		t.Errorf("hooked send = %v", err)
	}
	sent, err := tr.WaitSent(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != 2 || sent[0].Text != "一" || !sent[1].At.Equal(t0.Add(time.Second)) {
		t.Errorf("sent %+v", sent)
	}
	if calls := tr.Calls(); len(calls) != 5 {
		t.Errorf("%d calls, want 5", len(calls))
	}
	if got := tr.SentTo(g); len(got) != 2 || got[1] != "三" {
		t.Errorf("SentTo = %q", got)
	}
	tr.BindGroups([]string{"群"})
	if b := tr.Bound(); len(b) != 1 || b[0] != "群" {
		t.Errorf("Bound = %q", b)
	}

	// Run hands injected messages to the handler in order.
	var mu sync.Mutex
	var got []string
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- tr.Run(runCtx, func(m bot.Message) {
			mu.Lock()
			got = append(got, m.Text)
			mu.Unlock()
			// A handler may reply through the transport.
			tr.Send(runCtx, m.Chat, "收到"+m.Text)
		})
	}()
	tr.Inject(bot.Message{ID: "1", Chat: g, Text: "帮助"})
	tr.Inject(bot.Message{ID: "2", Chat: g, Text: "新闻"})
	if _, err := tr.WaitSent(ctx, 4); err != nil {
		t.Fatal(err)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0] != "帮助" || got[1] != "新闻" || tr.Pending() != 0 {
		t.Errorf("handled %q", got)
	}
	if err := tr.Send(runCtx, g, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("send on a done context = %v", err)
	}
}

func TestTransportWaitSentTimesOut(t *testing.T) {
	tr := bottest.NewTransport()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tr.WaitSent(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitSent = %v", err)
	}
}

// NewTimerAt arms for the instant, wherever the clock stands by then.
func TestClockNewTimerAt(t *testing.T) {
	c := bottest.NewClock(t0)
	c.Advance(time.Minute)
	at := c.NewTimerAt(t0.Add(5 * time.Minute))
	past := c.NewTimerAt(t0)
	select {
	case got := <-past.C():
		if !got.Equal(t0.Add(time.Minute)) {
			t.Errorf("a timer for a passed instant fired with %s", got)
		}
	default:
		t.Error("a timer for a passed instant has not fired")
	}
	if ds := c.Deadlines(); len(ds) != 1 || !ds[0].Equal(t0.Add(5*time.Minute)) {
		t.Fatalf("Deadlines = %v, want only %s", ds, t0.Add(5*time.Minute))
	}
	c.Advance(3 * time.Minute)
	select {
	case <-at.C():
		t.Fatal("fired before its instant")
	default:
	}
	if !c.AdvanceToNext() || !c.Now().Equal(t0.Add(5*time.Minute)) {
		t.Fatalf("AdvanceToNext moved to %s", c.Now())
	}
	if got := <-at.C(); !got.Equal(t0.Add(5 * time.Minute)) {
		t.Errorf("fired with %s", got)
	}
	if at.Stop() || c.Pending() != 0 {
		t.Errorf("after firing: Stop true or %d pending", c.Pending())
	}
}
