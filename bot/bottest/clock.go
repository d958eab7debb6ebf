package bottest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/wxdigest/wxdigest/bot"
)

// Clock is a fake bot.Clock (a bot.DeadlineClock). Time stands still
// until Advance, Set or AdvanceToNext moves it; then due timers fire in
// deadline order. Pending tells how many timers are being waited on, so a
// test can wait for the code under test to settle before it moves time.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	seq     int
	timers  []*clockTimer
	changed chan struct{} // closed and replaced on every change
}

// NewClock returns a fake clock standing at start.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start, changed: make(chan struct{})}
}

var _ bot.DeadlineClock = (*Clock)(nil)

type clockTimer struct {
	c   *Clock
	at  time.Time
	seq int // creation order, to fire equal deadlines in order
	ch  chan time.Time
}

func (t *clockTimer) C() <-chan time.Time { return t.ch }

func (t *clockTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	for i, o := range t.c.timers {
		if o == t {
			t.c.timers = append(t.c.timers[:i], t.c.timers[i+1:]...)
			t.c.signalLocked()
			return true
		}
	}
	return false
}

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer that fires when the clock reaches now+d; with
// d ≤ 0 it has fired already.
func (c *Clock) NewTimer(d time.Duration) bot.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.timerLocked(c.now.Add(d))
}

// NewTimerAt returns a timer that fires when the clock reaches at; when it
// has already, the timer has fired. Unlike NewTimer it does not depend on
// where the clock stands when it is called, so code that computed at
// before the test moved the clock still fires on time.
func (c *Clock) NewTimerAt(at time.Time) bot.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.timerLocked(at)
}

func (c *Clock) timerLocked(at time.Time) *clockTimer {
	c.seq++
	t := &clockTimer{c: c, at: at, seq: c.seq, ch: make(chan time.Time, 1)}
	if !at.After(c.now) {
		t.ch <- c.now
		return t
	}
	c.timers = append(c.timers, t)
	c.signalLocked()
	return t
}

// Advance moves the clock forward by d, firing every timer that falls due.
func (c *Clock) Advance(d time.Duration) {
	c.Set(c.Now().Add(d))
}

// Set moves the clock to t (never backwards), firing due timers.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	c.fireLocked()
	c.signalLocked()
}

// AdvanceToNext moves the clock to the earliest pending deadline (if it is
// ahead) and fires the timers due then. It reports false when no timer is
// pending.
func (c *Clock) AdvanceToNext() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		return false
	}
	next := c.timers[0].at
	for _, t := range c.timers[1:] {
		if t.at.Before(next) {
			next = t.at
		}
	}
	if next.After(c.now) {
		c.now = next
	}
	c.fireLocked()
	c.signalLocked()
	return true
}

// Pending is the number of timers not yet fired or stopped.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// Deadlines lists the pending timers' deadlines, earliest first.
func (c *Clock) Deadlines() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]time.Time, len(c.timers))
	for i, t := range c.timers {
		out[i] = t.at
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// WaitPending waits until at least n timers are pending, or ctx is done.
func (c *Clock) WaitPending(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		got, ch := len(c.timers), c.changed
		c.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("bottest: wait for %d pending timers (have %d): %w", n, got, ctx.Err())
		}
	}
}

// Changed returns a channel closed at the next change: a timer created,
// stopped or fired, or time moved.
func (c *Clock) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

func (c *Clock) fireLocked() {
	var due, keep []*clockTimer
	for _, t := range c.timers {
		if t.at.After(c.now) {
			keep = append(keep, t)
		} else {
			due = append(due, t)
		}
	}
	sort.Slice(due, func(i, j int) bool {
		if !due[i].at.Equal(due[j].at) {
			return due[i].at.Before(due[j].at)
		}
		return due[i].seq < due[j].seq
	})
	c.timers = keep
	for _, t := range due {
		t.ch <- c.now
	}
}

func (c *Clock) signalLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}
