package bot

import (
	"log/slog"
	"sync"

	"github.com/wxdigest/wxdigest/model"
)

// Queues routes the dispatcher's ledger rows to the paced queue of their
// channel, so each channel keeps its own pacing and limits and one that is
// down (logged out, its key revoked, rate-limited) holds only its own
// rows. It implements DeliveryQueue.
type Queues struct {
	queues map[string]*Pacer
	admin  func(parts ...string) // reports for admins (missed slots)
	log    *slog.Logger

	mu      sync.Mutex
	unknown map[string]bool // channels with rows but no queue, logged once
}

var _ DeliveryQueue = (*Queues)(nil)

// NewQueues routes rows by channel name (model.ChannelWeChat for the
// personal account) to queues. admin receives reports meant for admins;
// nil logs them only.
func NewQueues(queues map[string]*Pacer, admin func(parts ...string), log *slog.Logger) *Queues {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Queues{queues: queues, admin: admin, log: log, unknown: make(map[string]bool)}
}

// Queue returns the named channel's queue.
func (q *Queues) Queue(channel string) (*Pacer, bool) {
	p, ok := q.queues[channelKey(channel)]
	return p, ok
}

func channelKey(channel string) string {
	if channel == "" {
		return model.ChannelWeChat
	}
	return channel
}

// Deliver hands each row to its channel's queue. Rows of a channel that is
// not running stay pending in the ledger (a later start sends them, or
// marks them missed after the grace window); it says so once.
func (q *Queues) Deliver(ds ...model.Delivery) int {
	by := make(map[string][]model.Delivery)
	var order []string
	for _, d := range ds {
		k := channelKey(d.Channel)
		if _, ok := by[k]; !ok {
			order = append(order, k)
		}
		by[k] = append(by[k], d)
	}
	n := 0
	for _, k := range order {
		p, ok := q.queues[k]
		if !ok {
			q.mu.Lock()
			first := !q.unknown[k]
			q.unknown[k] = true
			q.mu.Unlock()
			if first {
				q.log.Warn("bot: deliveries for a channel that is not running stay pending", "channel", k, "parts", len(by[k]))
			}
			continue
		}
		n += p.Deliver(by[k]...)
	}
	return n
}

// Holds reports whether any queue holds ledger row id.
func (q *Queues) Holds(id int64) bool {
	for _, p := range q.queues {
		if p.Holds(id) {
			return true
		}
	}
	return false
}

// Reply sends a report for admins through the admin route; to is ignored
// (the route decides where admins read).
func (q *Queues) Reply(_ Target, parts ...string) {
	for _, p := range parts {
		q.log.Warn("bot: report for admins", "text", p)
	}
	if q.admin != nil {
		q.admin(parts...)
	}
}

// Cancel drops the queued rows of a subscription from every queue.
func (q *Queues) Cancel(subID int64) int {
	n := 0
	for _, p := range q.queues {
		n += p.Cancel(subID)
	}
	return n
}
