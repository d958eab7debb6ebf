package bot

import (
	"context"
	"time"
)

// Outbox is the account's one paced sender queue. Everything the bot says —
// replies and scheduled digests — goes through it.
type Outbox interface {
	// Reply queues parts for one chat, to be sent in order, paced with
	// everything else. It does not wait for the sending.
	Reply(to Target, parts ...string)
	// Stats reports the queue for 状态.
	Stats() OutboxStats
}

// OutboxStats is a snapshot of the sender queue.
type OutboxStats struct {
	Queued      int       // messages waiting
	LastSend    time.Time // zero if nothing sent yet
	LastErr     string    // last send error, if any
	PausedUntil time.Time // set while paused after a rate limit
	SentToday   int
}

// PushResult is what a push did for one group.
type PushResult struct {
	Group string
	Items int // items in the pushed digest; 0 when nothing was new
	Parts int // message parts queued
	Err   error
}

// Upcoming is a scheduled slot.
type Upcoming struct {
	Group string
	At    time.Time
}

// Dispatcher runs subscriptions: it fires slots on schedule, writes them to
// the ledger and hands them to the Outbox. The router uses it for 推送,
// 状态 and after subscriptions change.
type Dispatcher interface {
	// PushNow fires a slot now for each named group (every subscribed
	// group when groups is nil) through the ledger, carrying the day's
	// items the group has not received yet.
	PushNow(ctx context.Context, groups []string) ([]PushResult, error)
	// Next lists the next n scheduled slots across all subscriptions.
	Next(n int) []Upcoming
	// Reload re-reads subscriptions after they changed.
	Reload(ctx context.Context) error
}
