package bot_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/bottest"
	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
)

// scShanghai is the product zone.
func scShanghai(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// scWait bounds every wait on the code under test, in real time.
const scWait = 10 * time.Second

// scEnv is a bot's delivery side on a real store, a fake clock and an
// in-memory transport.
type scEnv struct {
	t     testing.TB
	ctx   context.Context
	loc   *time.Location
	clk   *bottest.Clock
	tr    *bottest.Transport
	store *data.Store
	opts  scOpts

	pacer *bot.Pacer
	disp  *bot.Scheduler

	mu    sync.Mutex
	shown map[string][]int64

	cancel   context.CancelFunc
	done     []chan error
	running  bool
	withDisp bool // the dispatcher runs
	subs     int  // subscriptions made through sub
}

type scOpts struct {
	grace  time.Duration
	budget int
	// sender adjusts the sender's config (pacing) before NewSender.
	sender func(*bot.SenderConfig)
	// store wraps the store the dispatcher sees, to break or hide methods.
	store func(bot.DispatchStore) bot.DispatchStore
	// dispClock is the dispatcher's view of the fake clock; default the
	// clock itself.
	dispClock func(*bottest.Clock) bot.Clock
	// formats is the dispatcher's Formats.
	formats func(channel string) bot.Format
	// approvals is the dispatcher's Approvals.
	approvals bot.ApprovalStore
	// holderGone is the dispatcher's HolderGone.
	holderGone func(string) bool
}

func scNewEnv(t testing.TB, start time.Time, opts scOpts) *scEnv {
	t.Helper()
	e := &scEnv{t: t, ctx: context.Background(), loc: scShanghai(t), clk: bottest.NewClock(start),
		tr: bottest.NewTransport(), opts: opts, shown: make(map[string][]int64)}
	e.tr.SetClock(e.clk.Now)
	st, err := data.Open(e.ctx, filepath.Join(t.TempDir(), "bot.db"), data.Options{Now: e.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.store = st
	e.build()
	return e
}

// build makes a fresh sender and dispatcher, as a process start does.
func (e *scEnv) build() {
	e.t.Helper()
	cfg := bot.SenderConfig{
		Transport: e.tr,
		Ledger:    e.store,
		Clock:     e.clk,
		Rand:      rand.New(rand.NewPCG(1, 2)).Float64,
		Zone:      e.loc,
	}
	if e.opts.sender != nil {
		e.opts.sender(&cfg)
	}
	e.pacer = bot.NewSender(cfg)
	var st bot.DispatchStore = e.store
	if e.opts.store != nil {
		st = e.opts.store(st)
	}
	var clk bot.Clock = e.clk
	if e.opts.dispClock != nil {
		clk = e.opts.dispClock(e.clk)
	}
	d, err := bot.NewDispatcher(bot.DispatcherConfig{
		Store:      st,
		Outbox:     e.pacer,
		Clock:      clk,
		Zone:       e.loc,
		Budget:     e.opts.budget,
		Grace:      e.opts.grace,
		Formats:    e.opts.formats,
		Approvals:  e.opts.approvals,
		HolderGone: e.opts.holderGone,
		OnShown: func(chat bot.Target, ids []int64) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.shown[chat.Name] = append([]int64(nil), ids...)
		},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.disp = d
}

// start runs the sender and the dispatcher; stop (also at cleanup) ends
// them and fails the test if either does not return.
func (e *scEnv) start(withDispatcher bool) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(e.ctx)
	e.cancel = cancel
	e.running = true
	e.withDisp = withDispatcher
	run := func(f func(context.Context) error) {
		ch := make(chan error, 1)
		e.done = append(e.done, ch)
		go func() { ch <- f(ctx) }()
	}
	run(e.pacer.Run)
	if withDispatcher {
		run(e.disp.Run)
	}
	e.t.Cleanup(e.stop)
}

func (e *scEnv) stop() {
	if !e.running {
		return
	}
	e.running = false
	e.cancel()
	deadline := time.After(scWait)
	for _, ch := range e.done {
		select {
		case err := <-ch:
			if err != nil {
				e.t.Errorf("Run returned %v after cancel", err)
			}
		case <-deadline:
			e.t.Fatalf("Run did not return after cancel")
		}
	}
	e.done = nil
}

// restart stops the processes and starts fresh ones on the same store,
// transport and clock.
func (e *scEnv) restart() {
	e.t.Helper()
	e.stop()
	e.build()
	e.start(true)
}

func (e *scEnv) at(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, e.loc)
}

func (e *scEnv) sub(group, spec string, weekdays bool) data.Subscription {
	e.t.Helper()
	s, err := e.store.PutSubscription(e.ctx, data.Subscription{Group: group, Kind: data.ScheduleAt,
		Spec: spec, TZ: "Asia/Shanghai", Weekdays: weekdays, Enabled: true})
	if err != nil {
		e.t.Fatal(err)
	}
	e.subs++
	return s
}

// importDay stores articles titled titles for date, returning their ids.
func (e *scEnv) importDay(date string, titles ...string) []int64 {
	e.t.Helper()
	arts := make([]digest.Article, len(titles))
	for i, title := range titles {
		arts[i] = digest.Article{Source: "中原区新闻", Date: date, Title: title,
			Lead: title + "的导语，说明这条新闻的要点。", Body: title + "的导语，说明这条新闻的要点。\n第二段正文。"}
	}
	res, err := e.store.ImportArticles(e.ctx, arts)
	if err != nil {
		e.t.Fatal(err)
	}
	return res.IDs
}

// expectParts renders what a slot owes: the articles with ids, of date.
func (e *scEnv) expectParts(date string, ids []int64) []string {
	e.t.Helper()
	all, err := e.store.ArticlesByDate(e.ctx, date)
	if err != nil {
		e.t.Fatal(err)
	}
	want := make(map[int64]bool)
	for _, id := range ids {
		want[id] = true
	}
	var arts []digest.Article
	for _, a := range all {
		if want[a.ID] {
			arts = append(arts, a)
		}
	}
	day, err := time.ParseInLocation(time.DateOnly, date, e.loc)
	if err != nil {
		e.t.Fatal(err)
	}
	return digest.Render(bot.ComposeDay(arts, day, 0), e.opts.budget)
}

// settled reports whether the running processes wait on the clock: the
// dispatcher armed for its next firing (or an earlier retry), plus the
// sender on a timer while it has work. A process just woken by a nudge
// (Reload, Deliver) still shows its old timer until it stops it, so this
// can hold a moment early; moving the clock then is safe because both arm
// their timers for instants and judge what is due with one reading of the
// clock (TestFiringArmedForItsInstant, TestPauseArmedForItsEnd).
func (e *scEnv) settled() (bool, string) {
	want := 0
	ds := e.clk.Deadlines()
	if e.running && e.withDisp && e.subs > 0 {
		want++
		if next := e.disp.Next(1); len(next) == 1 {
			if len(ds) == 0 || ds[0].After(next[0].At) {
				return false, fmt.Sprintf("dispatcher not armed for %s (timers %v)", next[0].At, ds)
			}
		}
	}
	queued := e.pacer.Stats().Queued
	if e.running && queued > 0 {
		want++
	}
	if len(ds) < want {
		return false, fmt.Sprintf("%d timers pending, want %d (queued %d)", len(ds), want, queued)
	}
	return true, ""
}

// settle waits until the processes wait on the clock.
func (e *scEnv) settle() {
	e.t.Helper()
	deadline := time.Now().Add(scWait)
	for {
		changed := e.clk.Changed()
		ok, why := e.settled()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("not settled: %s", why)
		}
		select {
		case <-changed:
		case <-time.After(time.Millisecond):
		}
	}
}

// runUntil moves the fake clock to until, letting every timer due on the
// way fire in order and the processes react to each.
func (e *scEnv) runUntil(until time.Time) {
	e.t.Helper()
	for i := 0; ; i++ {
		if i > 100000 {
			e.t.Fatal("runUntil: too many timers")
		}
		e.settle()
		ds := e.clk.Deadlines()
		if len(ds) == 0 || ds[0].After(until) {
			e.clk.Set(until)
			e.settle()
			return
		}
		e.clk.AdvanceToNext()
	}
}

// drain moves the clock timer by timer until the sender's queue is empty,
// failing if that takes longer than limit of fake time.
func (e *scEnv) drain(limit time.Duration) {
	e.t.Helper()
	end := e.clk.Now().Add(limit)
	for i := 0; ; i++ {
		e.settle()
		if e.pacer.Stats().Queued == 0 {
			return
		}
		ds := e.clk.Deadlines()
		if len(ds) == 0 {
			e.t.Fatalf("drain: %d queued but no timer", e.pacer.Stats().Queued)
		}
		if ds[0].After(end) {
			e.t.Fatalf("drain: still %d queued after %s", e.pacer.Stats().Queued, limit)
		}
		e.clk.AdvanceToNext()
	}
}

func (e *scEnv) deliveries() []data.Delivery {
	e.t.Helper()
	ds, err := e.store.Deliveries(e.ctx, time.Time{})
	if err != nil {
		e.t.Fatal(err)
	}
	return ds
}

func (e *scEnv) shownIn(group string) []int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.shown[group]
}

func scGroup(name string) bot.Target { return bot.Target{Kind: bot.ChatGroup, Name: name} }

var scSelf = bot.Target{Kind: bot.ChatSelf}

// scTitles makes n distinct titles with a prefix.
func scTitles(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s第%d条", prefix, i+1)
	}
	return out
}

// scStore wraps the dispatcher's store; set fields break methods. It
// hides RecordSlots, so the dispatcher records slot by slot.
type scStore struct {
	bot.DispatchStore
	unsent    func(ctx context.Context) ([]data.Delivery, error)
	delivered func(ctx context.Context, subID int64, ids []int64) (map[int64]bool, error)
}

func (s *scStore) Unsent(ctx context.Context) ([]data.Delivery, error) {
	if s.unsent != nil {
		return s.unsent(ctx)
	}
	return s.DispatchStore.Unsent(ctx)
}

func (s *scStore) Delivered(ctx context.Context, subID int64, ids []int64) (map[int64]bool, error) {
	if s.delivered != nil {
		return s.delivered(ctx, subID, ids)
	}
	return s.DispatchStore.Delivered(ctx, subID, ids)
}

// scQueue is a DeliveryQueue that only counts, for the benchmark.
type scQueue struct {
	mu      sync.Mutex
	rows    int
	replies int
	got     chan int
}

func (q *scQueue) Deliver(ds ...data.Delivery) int {
	q.mu.Lock()
	q.rows += len(ds)
	q.mu.Unlock()
	if q.got != nil {
		q.got <- len(ds)
	}
	return len(ds)
}

func (q *scQueue) Holds(int64) bool { return false }

func (q *scQueue) Cancel(int64) int { return 0 }

func (q *scQueue) Reply(bot.Target, ...string) {
	q.mu.Lock()
	q.replies++
	q.mu.Unlock()
}

// scCount counts the texts equal to want.
func scCount(texts []string, want string) int {
	n := 0
	for _, s := range texts {
		if s == want {
			n++
		}
	}
	return n
}

// scJoin is for failure messages.
func scJoin(ss []string) string { return strings.Join(ss, "\n---\n") }

// scMovingClock is a fake clock that moves while a timer is being armed,
// as the clock moves for a goroutine that read Now a while before arming
// (a slow store; a test driving its clock from another goroutine).
type scMovingClock struct {
	*bottest.Clock
	arm func() // runs before each timer is armed
}

var _ bot.DeadlineClock = (*scMovingClock)(nil)

func (c *scMovingClock) NewTimer(d time.Duration) bot.Timer {
	c.arm()
	return c.Clock.NewTimer(d)
}

func (c *scMovingClock) NewTimerAt(at time.Time) bot.Timer {
	c.arm()
	return c.Clock.NewTimerAt(at)
}
