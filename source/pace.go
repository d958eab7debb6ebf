package source

import (
	"context"
	"sync"
	"time"
)

// pacer keeps at least gap between the starts of two requests to one host.
// Each caller reserves the next free slot under the lock, then waits for it
// outside the lock, so concurrent callers for one host queue up in order.
type pacer struct {
	gap  time.Duration
	now  func() time.Time
	mu   sync.Mutex
	next map[string]time.Time // host → earliest start of its next request
}

// maxPacedHosts bounds the map; past slots are pruned when it is reached.
const maxPacedHosts = 1024

func newPacer(gap time.Duration, now func() time.Time) *pacer {
	return &pacer{gap: gap, now: now, next: make(map[string]time.Time)}
}

// wait blocks until host may be asked again, or ctx ends.
func (p *pacer) wait(ctx context.Context, host string) error {
	if p.gap <= 0 {
		return ctx.Err()
	}
	p.mu.Lock()
	now := p.now()
	if len(p.next) >= maxPacedHosts {
		for h, t := range p.next {
			if !t.After(now) {
				delete(p.next, h)
			}
		}
	}
	at := now
	if t, ok := p.next[host]; ok && t.After(now) {
		at = t
	}
	p.next[host] = at.Add(p.gap)
	p.mu.Unlock()
	d := at.Sub(now)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
