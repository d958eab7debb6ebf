package bot

import (
	"sync"
	"time"
)

// Limits keep residents from flooding a group through the bot. Staff and
// admins are never limited. Zero fields take the defaults of
// DefaultLimits; a negative count or duration turns that limit off.
type Limits struct {
	// PerSender commands a resident may give per SenderWindow; after that
	// one short notice, then silence until the window has room again.
	PerSender    int
	SenderWindow time.Duration
	// PerChat resident commands one chat answers per ChatWindow, however
	// many people ask.
	PerChat    int
	ChatWindow time.Duration
	// DigestEvery: a chat gets the same day's full digest on demand at most
	// once per this; later asks get one short pointer, then silence.
	DigestEvery time.Duration
}

// DefaultLimits: 6 commands a minute per resident, 20 a minute per chat,
// and one on-demand digest per day and chat every 5 minutes.
func DefaultLimits() Limits {
	return Limits{PerSender: 6, SenderWindow: time.Minute, PerChat: 20, ChatWindow: time.Minute, DigestEvery: 5 * time.Minute}
}

// withDefaults fills zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.PerSender == 0 {
		l.PerSender = d.PerSender
	}
	if l.SenderWindow == 0 {
		l.SenderWindow = d.SenderWindow
	}
	if l.PerChat == 0 {
		l.PerChat = d.PerChat
	}
	if l.ChatWindow == 0 {
		l.ChatWindow = d.ChatWindow
	}
	if l.DigestEvery == 0 {
		l.DigestEvery = d.DigestEvery
	}
	return l
}

// rateVerdict is what a limiter says about one more event.
type rateVerdict int

const (
	rateAllow  rateVerdict = iota // go ahead
	rateNotice                    // over the limit: say so once
	rateSilent                    // over the limit and already told
)

// rateWindow is a sliding-window counter per key: at most n events in
// any span of length window. It keeps only the last n times per key and
// forgets keys idle for a whole window, so memory follows active senders.
type rateWindow struct {
	n      int
	window time.Duration

	mu        sync.Mutex
	keys      map[string]*rateKey
	lastSweep time.Time
}

type rateKey struct {
	times    []time.Time // oldest first, at most n
	noticed  bool        // the over-limit notice was given in this stretch
	lastSeen time.Time
}

func newRateWindow(n int, window time.Duration) *rateWindow {
	return &rateWindow{n: n, window: window, keys: make(map[string]*rateKey)}
}

// take records one event for key at now if the limit allows it.
func (w *rateWindow) take(key string, now time.Time) rateVerdict {
	if w == nil || w.n < 0 || w.window < 0 {
		return rateAllow
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sweep(now)
	k := w.keys[key]
	if k == nil {
		k = &rateKey{times: make([]time.Time, 0, w.n)}
		w.keys[key] = k
	}
	k.lastSeen = now
	// Drop events that left the window.
	i := 0
	for i < len(k.times) && now.Sub(k.times[i]) >= w.window {
		i++
	}
	k.times = append(k.times[:0], k.times[i:]...)
	if len(k.times) < w.n {
		k.times = append(k.times, now)
		k.noticed = false
		return rateAllow
	}
	if k.noticed {
		return rateSilent
	}
	k.noticed = true
	return rateNotice
}

// wait is how long until key may have one more event (0: now).
func (w *rateWindow) wait(key string, now time.Time) time.Duration {
	if w == nil {
		return 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	k := w.keys[key]
	if k == nil || len(k.times) < w.n || len(k.times) == 0 {
		return 0
	}
	return max(k.times[0].Add(w.window).Sub(now), 0)
}

// sweep forgets keys idle for a whole window, at most once per window.
func (w *rateWindow) sweep(now time.Time) {
	if now.Sub(w.lastSweep) < w.window {
		return
	}
	w.lastSweep = now
	for key, k := range w.keys {
		if now.Sub(k.lastSeen) >= w.window {
			delete(w.keys, key)
		}
	}
}

// rateOnce lets one thing happen per key at most once per every, with a
// single follow-up (a pointer to what was already said) in between.
type rateOnce struct {
	every time.Duration

	mu        sync.Mutex
	keys      map[string]*rateOnceKey
	lastSweep time.Time
}

type rateOnceKey struct {
	at      time.Time
	pointed bool
}

func newRateOnce(every time.Duration) *rateOnce {
	return &rateOnce{every: every, keys: make(map[string]*rateOnceKey)}
}

// take reports rateAllow (and records now) when key last happened at
// least every ago, rateNotice for the first ask in between, rateSilent
// after that.
func (o *rateOnce) take(key string, now time.Time) rateVerdict {
	if o == nil || o.every < 0 {
		return rateAllow
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if now.Sub(o.lastSweep) >= o.every {
		o.lastSweep = now
		for k, v := range o.keys {
			if now.Sub(v.at) >= o.every {
				delete(o.keys, k)
			}
		}
	}
	k := o.keys[key]
	if k == nil || now.Sub(k.at) >= o.every || now.Before(k.at) {
		o.keys[key] = &rateOnceKey{at: now}
		return rateAllow
	}
	if k.pointed {
		return rateSilent
	}
	k.pointed = true
	return rateNotice
}
