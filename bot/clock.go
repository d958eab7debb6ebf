package bot

import (
	"context"
	"time"
)

// Clock is the time source of the dispatcher and the sender, so tests can
// drive schedules and pacing without waiting (bottest.Clock is the fake).
type Clock interface {
	Now() time.Time
	// NewTimer fires once after d (at once when d ≤ 0). Stop releases it;
	// loops that stop waiting early must call it, so a fake clock knows
	// which timers are still being waited on.
	NewTimer(d time.Duration) Timer
}

// DeadlineClock is a Clock that can arm a timer for an instant. The
// dispatcher and the sender wait for instants (a slot, the end of a
// pause); arming one with a duration measured from an earlier Now would
// fire late by however far the clock moved in between, so they use
// NewTimerAt when the clock has it (bottest.Clock does, as its time jumps).
type DeadlineClock interface {
	Clock
	// NewTimerAt fires once when the clock reaches at (at once when it
	// already has).
	NewTimerAt(at time.Time) Timer
}

// timerAt returns a timer of c that fires at at.
func timerAt(c Clock, at time.Time) Timer {
	if dc, ok := c.(DeadlineClock); ok {
		return dc.NewTimerAt(at)
	}
	return c.NewTimer(at.Sub(c.Now()))
}

// Timer is a one-shot timer of a Clock.
type Timer interface {
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it did.
	Stop() bool
}

// SystemClock is the machine's clock. The zero value is ready to use.
type SystemClock struct{}

var _ DeadlineClock = SystemClock{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// NewTimer returns a time.Timer.
func (SystemClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

// NewTimerAt returns a time.Timer for the time until at.
func (SystemClock) NewTimerAt(at time.Time) Timer { return systemTimer{time.NewTimer(time.Until(at))} }

type systemTimer struct{ t *time.Timer }

func (s systemTimer) C() <-chan time.Time { return s.t.C }
func (s systemTimer) Stop() bool          { return s.t.Stop() }

// clockSleep waits d on c, or until done is closed; it reports whether the
// full wait elapsed.
func clockSleep(c Clock, d time.Duration, done <-chan struct{}) bool {
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-done:
		return false
	}
}

// every calls f at once and then every d of c until ctx is done.
func every(ctx context.Context, c Clock, d time.Duration, f func()) error {
	for {
		f()
		t := c.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C():
		}
	}
}
