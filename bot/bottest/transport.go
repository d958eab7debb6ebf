package bottest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/wxdigest/wxdigest/bot"
)

// Sent is one Send call the Transport saw.
type Sent struct {
	To   bot.Target
	Text string
	At   time.Time // the transport's clock at the call
	Err  error     // what Send returned; nil for a message that went out
}

// Transport is an in-memory bot.Transport. It starts logged in as
// "wxdigest". Safe for concurrent use.
type Transport struct {
	mu       sync.Mutex
	now      func() time.Time
	state    bot.LoginState
	script   []error
	hook     func(to bot.Target, text string) error
	calls    []Sent
	inbox    []bot.Message
	bound    []string
	running  bool
	changed  chan struct{} // closed and replaced on every change
	runWakes chan struct{} // nudges Run when a message is injected
}

var _ bot.Transport = (*Transport)(nil)

// NewTransport returns a logged-in transport whose clock is time.Now until
// SetClock replaces it.
func NewTransport() *Transport {
	return &Transport{
		now:      time.Now,
		state:    bot.LoginState{LoggedIn: true, Self: "wxdigest", Uin: 1, Logins: 1},
		changed:  make(chan struct{}),
		runWakes: make(chan struct{}, 1),
	}
}

// SetClock makes Send stamp calls with now (e.g. a fake Clock's Now).
func (t *Transport) SetClock(now func() time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.now = now
}

// Run delivers injected messages to handle, in order, from one goroutine,
// until ctx is done; then it returns nil.
func (t *Transport) Run(ctx context.Context, handle func(bot.Message)) error {
	t.mu.Lock()
	if t.running {
		t.mu.Unlock()
		return fmt.Errorf("bottest: run: already running")
	}
	t.running = true
	t.signalLocked()
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.running = false
		t.signalLocked()
		t.mu.Unlock()
	}()
	for {
		t.mu.Lock()
		var m *bot.Message
		if len(t.inbox) > 0 {
			m = &t.inbox[0]
			t.inbox = t.inbox[1:]
		}
		t.mu.Unlock()
		if m != nil {
			handle(*m)
			t.mu.Lock()
			t.signalLocked()
			t.mu.Unlock()
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.runWakes:
		}
	}
}

// Inject queues an incoming message for Run's handler.
func (t *Transport) Inject(m bot.Message) {
	t.mu.Lock()
	t.inbox = append(t.inbox, m)
	t.signalLocked()
	t.mu.Unlock()
	select {
	case t.runWakes <- struct{}{}:
	default:
	}
}

// Send records the message. A scripted error (FailNext) or the hook's
// error is returned first; when logged out it returns bot.ErrLoggedOut.
func (t *Transport) Send(ctx context.Context, to bot.Target, text string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var err error
	switch {
	case len(t.script) > 0:
		err = t.script[0]
		t.script = t.script[1:]
	case t.hook != nil:
		err = t.hook(to, text)
	}
	if err == nil && !t.state.LoggedIn {
		err = fmt.Errorf("bottest: send: %w", bot.ErrLoggedOut)
	}
	t.calls = append(t.calls, Sent{To: to, Text: text, At: t.now(), Err: err})
	t.signalLocked()
	return err
}

// FailNext makes the next len(errs) Send calls return errs in order (a nil
// entry lets that call through).
func (t *Transport) FailNext(errs ...error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.script = append(t.script, errs...)
}

// SetSendHook decides the outcome of every Send not covered by FailNext;
// nil removes it. It is called with the transport's lock held, so it must
// not call the Transport.
func (t *Transport) SetSendHook(hook func(to bot.Target, text string) error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.hook = hook
}

// State reports the login state.
func (t *Transport) State() bot.LoginState {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.state
	s.Problems = append([]string(nil), s.Problems...)
	return s
}

// SetLoginState replaces the login state.
func (t *Transport) SetLoginState(s bot.LoginState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.state = s
	t.signalLocked()
}

// SetLoggedIn flips only LoggedIn, counting a login when it becomes true.
func (t *Transport) SetLoggedIn(in bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if in && !t.state.LoggedIn {
		t.state.Logins++
		t.state.Since = t.now()
	}
	if !in {
		t.state.Since = time.Time{}
	}
	t.state.LoggedIn = in
	t.signalLocked()
}

// BindGroups records the names.
func (t *Transport) BindGroups(names []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.bound = append([]string(nil), names...)
	t.signalLocked()
}

// Bound returns the names of the last BindGroups call.
func (t *Transport) Bound() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.bound...)
}

// Sent lists the messages that went out, in order.
func (t *Transport) Sent() []Sent {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sentLocked()
}

func (t *Transport) sentLocked() []Sent {
	var out []Sent
	for _, c := range t.calls {
		if c.Err == nil {
			out = append(out, c)
		}
	}
	return out
}

// Calls lists every Send call, failed ones included, in order.
func (t *Transport) Calls() []Sent {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Sent(nil), t.calls...)
}

// SentTo lists the texts that went out to one chat, in order.
func (t *Transport) SentTo(to bot.Target) []string {
	var out []string
	for _, s := range t.Sent() {
		if s.To == to {
			out = append(out, s.Text)
		}
	}
	return out
}

// Pending is how many injected messages Run has not handled yet.
func (t *Transport) Pending() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.inbox)
}

// WaitSent waits until at least n messages went out and returns them, or
// fails when ctx is done.
func (t *Transport) WaitSent(ctx context.Context, n int) ([]Sent, error) {
	var got []Sent
	err := t.WaitFor(ctx, func() bool {
		got = t.Sent()
		return len(got) >= n
	})
	if err != nil {
		return got, fmt.Errorf("bottest: wait for %d sent messages (have %d): %w", n, len(got), err)
	}
	return got, nil
}

// WaitFor waits until cond holds, re-checking it after every change (a
// send, a state change, an injected message handled). cond may call the
// Transport.
func (t *Transport) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		t.mu.Lock()
		ch := t.changed
		t.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (t *Transport) signalLocked() {
	close(t.changed)
	t.changed = make(chan struct{})
}
