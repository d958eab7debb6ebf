package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/wxdigest/wxdigest/card"
	"github.com/wxdigest/wxdigest/model"
)

// Pacing defaults (see SenderConfig).
const (
	DefaultMinGap         = 3 * time.Second
	DefaultJitter         = 4 * time.Second
	DefaultRateLimitPause = 5 * time.Minute
	DefaultMaxPause       = 2 * time.Hour
	DefaultPerMinute      = 20
	DefaultPerDay         = 2000
	DefaultMaxAttempts    = 3
	DefaultRetryBackoff   = 30 * time.Second
	DefaultLoginPoll      = 5 * time.Second
)

// SentLedger is what the sender records in the ledger: every Ledger has it.
type SentLedger interface {
	MarkSent(ctx context.Context, id int64, at time.Time) error
	MarkFailed(ctx context.Context, id int64, errText string) error
}

// AwaitLedger is a SentLedger that can also record a part that became a
// task waiting for a person to confirm it (*data.Store has it).
type AwaitLedger interface {
	SentLedger
	MarkAwaiting(ctx context.Context, id int64, remoteID string) error
}

// TaskSender is a Transport whose digests become tasks a person confirms
// before they go out (WeCom customer-group mass sending). The sender calls
// SendTask for ledger parts and records them awaiting; a TaskWatcher
// records them sent once confirmed.
type TaskSender interface {
	SendTask(ctx context.Context, to Target, text string) (remoteID string, err error)
}

// ReplyStore keeps replies until they are sent, so a process that dies
// loses none (*data.Store has it).
type ReplyStore interface {
	QueueReply(ctx context.Context, r model.QueuedReply) (int64, error)
	DoneReply(ctx context.Context, id int64) error
	QueuedReplies(ctx context.Context, channel string) ([]model.QueuedReply, error)
}

// CardRenderer draws an image card (*card.Renderer is one).
type CardRenderer interface {
	Render(c card.Card) ([]byte, error)
}

// errNoImages: an image part on a channel that cannot send pictures, or
// without a font to draw it. Retrying cannot help.
var errNoImages = fmt.Errorf("this channel cannot send images: %w", ErrUndeliverable)

// SenderConfig configures NewSender. Zero durations and counts mean the
// defaults above; a negative value turns that limit off (no gap, no
// jitter, no cap).
type SenderConfig struct {
	Transport Transport
	// Ledger records the outcome of ledger deliveries; nil only when the
	// sender never gets any (Deliver then refuses them).
	Ledger SentLedger
	Clock  Clock // default SystemClock
	// Rand returns the jitter fraction in [0,1); default math/rand/v2.
	// Tests pass a seeded source.
	Rand func() float64
	// MinGap plus Rand()*Jitter is the least time between the starts of
	// any two sends.
	MinGap, Jitter time.Duration
	// RateLimitPause is the first pause after a rate limit (1205); it
	// doubles for each rate limit until a send succeeds, up to MaxPause.
	RateLimitPause, MaxPause time.Duration
	// PerMinute caps sends in any sliding minute; PerDay those of one
	// calendar day in Zone. Over a cap the sender waits; it never drops.
	PerMinute, PerDay int
	// MaxAttempts bounds sends of one message that fail with any other
	// error; the waits between them start at RetryBackoff and double.
	MaxAttempts  int
	RetryBackoff time.Duration
	// LoginPoll is how often a logged-out transport is checked again.
	LoginPoll time.Duration
	Zone      *time.Location // default Asia/Shanghai (UTC when not loadable)
	Admin     Target         // who hears about pauses; default the file helper
	Logger    *slog.Logger   // default: discard
	// Name is the channel as admins read it, e.g. 个人微信 or
	// 群机器人「幸福里」; default 个人微信.
	Name string
	// PauseHint ends the pause notice with what to change; default the
	// personal account's (--min-gap). NoNotices sends none at all (a
	// channel whose pauses an Alerter reports, and whose chat is residents').
	PauseHint string
	NoNotices bool
	// Cards draws image parts; without it image parts fail.
	Cards CardRenderer
	// OnGiveUp is told about a message the sender gave up on (failed
	// MaxAttempts times, or refused for good), e.g. to tell admins.
	OnGiveUp func(to Target, err error)
	// Replies keeps replies until sent, under Channel (default "wechat"),
	// for Restore after a crash; nil keeps them in memory only.
	Replies ReplyStore
	Channel string
	// Claim is asked just before a ledger part is sent. false means it is
	// not this sender's to send (another process claimed its slot, or it
	// is no longer unsent): the part leaves the queue, and a later catch-up
	// queues it again should the other claimant die. nil: every part is
	// this sender's.
	Claim func(ctx context.Context, id int64) (bool, error)
	// OnSend is told the outcome of every send attempt (for metrics);
	// nil: nobody is.
	OnSend func(SendEvent)
}

// SendEvent is one send attempt's outcome.
type SendEvent struct {
	// Ledger: the message was a digest part of the ledger, not a reply or
	// a notice.
	Ledger bool
	// Reason is "" when it was sent, else why not, as a fixed word:
	// "rate_limited", "logged_out", "rejected", "undeliverable" or "error".
	Reason string
}

// Message lanes, sent in this order: a notice for admins first, then
// replies to staff, then replies to residents waiting in a chat, then
// scheduled digests.
const (
	laneNotice = iota
	laneStaff  // replies to staff and admins: ahead of residents
	laneReply
	laneDelivery
	laneCount
)

type outItem struct {
	to        Target
	kind      string // model.PartText ("") or model.PartImage
	text      string
	textFn    func() string // computed at send time (notices)
	delivery  int64         // ledger row id; 0 for replies and notices
	saved     int64         // outbox row id of a kept reply; 0 when not kept
	sub       int64         // the delivery's subscription
	attempts  int           // failed sends in this process
	notBefore time.Time     // retry backoff
}

// Pacer is the account's one paced sender queue; it implements Outbox
// and also sends ledger deliveries (Deliver), recording each outcome.
// Create it with NewSender and run it with Run.
type Pacer struct {
	cfg SenderConfig
	log *slog.Logger

	mu          sync.Mutex
	lanes       [laneCount][]*outItem
	held        map[int64]bool // delivery ids queued or in flight
	inflight    int
	nextAt      time.Time   // gap: earliest start of the next send
	window      []time.Time // send starts within the last minute
	day         string      // calendar day of dayCount
	dayCount    int         // send attempts today
	sentToday   int
	lastSend    time.Time
	lastErr     string
	pausedUntil time.Time
	pauseLevel  int           // rate limits since the last success
	pausedFor   time.Duration // total pause since the last success
	noticeQd    bool          // a pause notice is waiting
	loginWait   time.Time     // after ErrLoggedOut, do not retry before
	holding     bool          // logged out, waiting
	wake        chan struct{}

	cardMu sync.Mutex
	cards  map[string][]byte // rendered image parts by their JSON; a fan-out draws each card once
}

var _ Outbox = (*Pacer)(nil)

// NewSender returns a sender for cfg with defaults filled in.
func NewSender(cfg SenderConfig) *Pacer {
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	dur := func(v *time.Duration, def time.Duration) {
		switch {
		case *v == 0:
			*v = def
		case *v < 0:
			*v = 0
		}
	}
	dur(&cfg.MinGap, DefaultMinGap)
	dur(&cfg.Jitter, DefaultJitter)
	dur(&cfg.RateLimitPause, DefaultRateLimitPause)
	dur(&cfg.MaxPause, DefaultMaxPause)
	dur(&cfg.RetryBackoff, DefaultRetryBackoff)
	dur(&cfg.LoginPoll, DefaultLoginPoll)
	if cfg.LoginPoll == 0 {
		cfg.LoginPoll = time.Second // never poll in a hot loop
	}
	if cfg.RateLimitPause == 0 {
		cfg.RateLimitPause = time.Second
	}
	if cfg.MaxPause < cfg.RateLimitPause {
		cfg.MaxPause = cfg.RateLimitPause
	}
	cnt := func(v *int, def int) {
		switch {
		case *v == 0:
			*v = def
		case *v < 0:
			*v = 0 // no cap
		}
	}
	cnt(&cfg.PerMinute, DefaultPerMinute)
	cnt(&cfg.PerDay, DefaultPerDay)
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Zone == nil {
		cfg.Zone = loadZone(DefaultZone)
	}
	if cfg.Admin.Kind == "" {
		cfg.Admin = Target{Kind: ChatSelf}
	}
	if cfg.Name == "" {
		cfg.Name = "个人微信"
	}
	if cfg.Channel == "" {
		cfg.Channel = model.ChannelWeChat
	}
	if cfg.PauseHint == "" {
		cfg.PauseHint = "如经常出现，请调大发送间隔（--min-gap）。"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Pacer{cfg: cfg, log: log, held: make(map[int64]bool), wake: make(chan struct{}, 1)}
}

// loadZone loads name, falling back to UTC so a missing tzdata never stops
// the bot (main imports time/tzdata).
func loadZone(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

// Reply queues parts for one chat, in order; empty parts are dropped.
// With a ReplyStore each part is kept until it is sent.
func (p *Pacer) Reply(to Target, parts ...string) { p.reply(laneReply, to, parts) }

// ReplyFirst is Reply ahead of residents' replies and digests: a staff
// member waiting for 状态 is not held behind a long fan-out.
func (p *Pacer) ReplyFirst(to Target, parts ...string) { p.reply(laneStaff, to, parts) }

func (p *Pacer) reply(lane int, to Target, parts []string) {
	var items []*outItem
	for _, t := range parts {
		if strings.TrimSpace(t) == "" {
			continue
		}
		it := &outItem{to: to, text: t}
		if p.cfg.Replies != nil {
			id, err := p.cfg.Replies.QueueReply(context.Background(), model.QueuedReply{
				Channel: p.cfg.Channel, TargetKind: string(to.Kind), TargetName: to.Name, TargetID: to.ID, Text: t})
			if err != nil {
				p.log.Error("bot: sender: keep reply", "to", to.Name, "err", err)
			}
			it.saved = id
		}
		items = append(items, it)
	}
	p.mu.Lock()
	for _, it := range items {
		p.pushLocked(lane, it)
	}
	p.mu.Unlock()
	p.nudge()
}

// Restore queues the replies a previous process kept but did not send:
// those younger than maxAge go out (a staff member still waits for
// "已推送…"), older ones are dropped with a log line, as their moment has
// passed. It reports how many were queued and dropped.
func (p *Pacer) Restore(ctx context.Context, maxAge time.Duration) (queued, dropped int, err error) {
	if p.cfg.Replies == nil {
		return 0, 0, nil
	}
	rows, err := p.cfg.Replies.QueuedReplies(ctx, p.cfg.Channel)
	if err != nil {
		return 0, 0, fmt.Errorf("bot: sender: restore replies: %w", err)
	}
	now := p.cfg.Clock.Now()
	var items []*outItem
	for _, r := range rows {
		if now.Sub(r.Created) > maxAge {
			p.log.Warn("bot: sender: dropped a reply left by a previous run", "channel", p.cfg.Channel,
				"to", r.TargetName, "age", now.Sub(r.Created).Round(time.Second), "text", rtCut(r.Text, 60))
			if err := p.cfg.Replies.DoneReply(ctx, r.ID); err != nil {
				p.log.Error("bot: sender: forget reply", "id", r.ID, "err", err)
			}
			dropped++
			continue
		}
		// The old session's id stays with the target: the transport cannot
		// use it, and so will not take a nickname for someone's remark.
		items = append(items, &outItem{to: Target{Kind: ChatKind(r.TargetKind), Name: r.TargetName, ID: r.TargetID}, text: r.Text, saved: r.ID})
	}
	p.mu.Lock()
	for _, it := range items {
		p.pushLocked(laneReply, it)
	}
	p.mu.Unlock()
	if len(items) > 0 {
		p.log.Info("bot: sender: sending replies left by a previous run", "channel", p.cfg.Channel, "replies", len(items))
		p.nudge()
	}
	return len(items), dropped, nil
}

// forget drops a kept reply once it is sent or given up.
func (p *Pacer) forget(ctx context.Context, it *outItem) {
	if it.saved == 0 || p.cfg.Replies == nil {
		return
	}
	if err := p.cfg.Replies.DoneReply(context.WithoutCancel(ctx), it.saved); err != nil {
		p.log.Error("bot: sender: forget reply", "id", it.saved, "err", err)
	}
}

// Deliver queues ledger deliveries (pending or failed parts) for their
// groups, in the given order, and reports how many were queued. Rows
// already queued or being sent, and rows with nothing to send, are left
// out, so the dispatcher may hand the same rows over again.
func (p *Pacer) Deliver(ds ...model.Delivery) int {
	if p.cfg.Ledger == nil {
		p.log.Error("bot: sender: deliveries without a ledger are not sent", "count", len(ds))
		return 0
	}
	n := 0
	p.mu.Lock()
	for _, d := range ds {
		if d.ID == 0 || d.Part < 1 || p.held[d.ID] || strings.TrimSpace(d.Text) == "" ||
			(d.State != model.DeliveryPending && d.State != model.DeliveryFailed) {
			continue
		}
		p.held[d.ID] = true
		p.pushLocked(laneDelivery, &outItem{to: Target{Kind: ChatGroup, Name: d.Group}, kind: d.Kind, text: d.Text, delivery: d.ID, sub: d.SubscriptionID})
		n++
	}
	p.mu.Unlock()
	if n > 0 {
		p.nudge()
	}
	return n
}

// Cancel drops the queued deliveries of subscription subID (one being
// sent is let finish) and reports how many. Their ledger rows stay as
// they are.
func (p *Pacer) Cancel(subID int64) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	kept := p.lanes[laneDelivery][:0]
	for _, it := range p.lanes[laneDelivery] {
		if it.sub == subID {
			delete(p.held, it.delivery)
			n++
			continue
		}
		kept = append(kept, it)
	}
	clear(p.lanes[laneDelivery][len(kept):])
	p.lanes[laneDelivery] = kept
	return n
}

// Holds reports whether delivery id is queued or being sent.
func (p *Pacer) Holds(id int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held[id]
}

// Stats reports the queue.
func (p *Pacer) Stats() OutboxStats {
	now := p.cfg.Clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	st := OutboxStats{Queued: p.inflight, LastSend: p.lastSend, LastErr: p.lastErr}
	for _, l := range p.lanes {
		st.Queued += len(l)
	}
	if now.Before(p.pausedUntil) {
		st.PausedUntil = p.pausedUntil
	}
	if p.day == p.dayKey(now) {
		st.SentToday = p.sentToday
	}
	return st
}

// pushLocked appends it to a lane, behind any retry of the same chat in
// that lane so a chat's messages keep their order.
func (p *Pacer) pushLocked(lane int, it *outItem) {
	for _, o := range p.lanes[lane] {
		if o.to.Key() == it.to.Key() && o.notBefore.After(it.notBefore) {
			it.notBefore = o.notBefore
		}
	}
	p.lanes[lane] = append(p.lanes[lane], it)
}

func (p *Pacer) nudge() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *Pacer) dayKey(t time.Time) string { return t.In(p.cfg.Zone).Format(time.DateOnly) }

// Run sends queued messages until ctx is done, then returns nil. Messages
// still queued stay unsent; ledger rows among them stay pending for the
// next start's catch-up.
func (p *Pacer) Run(ctx context.Context) error {
	for {
		if ctx.Err() != nil {
			return nil
		}
		it, lane, until, interruptible := p.next()
		if it != nil {
			p.send(ctx, it, lane)
			continue
		}
		if until.IsZero() {
			// Idle: wait for work.
			select {
			case <-ctx.Done():
				return nil
			case <-p.wake:
			}
			continue
		}
		// An instant, armed as one: a wait measured from the Now that
		// next read would end late by however far the clock moved since.
		t := timerAt(p.cfg.Clock, until)
		if interruptible {
			select {
			case <-ctx.Done():
			case <-t.C():
			case <-p.wake:
			}
		} else {
			select {
			case <-ctx.Done():
			case <-t.C():
			}
		}
		t.Stop()
	}
}

// next picks the message to send now, or says until when to wait (zero:
// until work arrives). interruptible says new work may end the wait early
// (a retry backoff); gaps, pauses, caps and login holds are not shortened.
func (p *Pacer) next() (it *outItem, lane int, until time.Time, interruptible bool) {
	now := p.cfg.Clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Before(p.pausedUntil) {
		return nil, 0, p.pausedUntil, false
	}
	lane, idx := -1, -1
	var earliest time.Time
	for l := range p.lanes {
		for i, o := range p.lanes[l] {
			if !o.notBefore.After(now) {
				lane, idx = l, i
				break
			}
			if earliest.IsZero() || o.notBefore.Before(earliest) {
				earliest = o.notBefore
			}
		}
		if idx >= 0 {
			break
		}
	}
	if idx < 0 {
		if earliest.IsZero() {
			return nil, 0, time.Time{}, false
		}
		return nil, 0, earliest, true
	}
	if now.Before(p.nextAt) {
		return nil, 0, p.nextAt, false
	}
	if p.cfg.PerMinute > 0 {
		cut := now.Add(-time.Minute)
		k := 0
		for k < len(p.window) && !p.window[k].After(cut) {
			k++
		}
		p.window = p.window[k:]
		if len(p.window) >= p.cfg.PerMinute {
			return nil, 0, p.window[0].Add(time.Minute), false
		}
	}
	if day := p.dayKey(now); day != p.day {
		p.day, p.dayCount, p.sentToday = day, 0, 0
	}
	if p.cfg.PerDay > 0 && p.dayCount >= p.cfg.PerDay {
		l := now.In(p.cfg.Zone)
		midnight := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, p.cfg.Zone)
		return nil, 0, midnight, false
	}
	if now.Before(p.loginWait) {
		return nil, 0, p.loginWait, false
	}
	if !p.cfg.Transport.State().LoggedIn {
		if !p.holding {
			p.holding = true
			p.log.Warn("bot: sender: logged out, holding the queue", "queued", p.queuedLocked())
		}
		return nil, 0, now.Add(p.cfg.LoginPoll), false
	}
	if p.holding {
		p.holding = false
		p.log.Info("bot: sender: logged in again, sending", "queued", p.queuedLocked())
	}
	it = p.lanes[lane][idx]
	p.lanes[lane] = append(p.lanes[lane][:idx], p.lanes[lane][idx+1:]...)
	p.inflight++
	return it, lane, time.Time{}, false
}

func (p *Pacer) queuedLocked() int {
	n := p.inflight
	for _, l := range p.lanes {
		n += len(l)
	}
	return n
}

// send makes one attempt and acts on its outcome.
func (p *Pacer) send(ctx context.Context, it *outItem, lane int) {
	if it.delivery != 0 && p.cfg.Claim != nil && !p.claim(ctx, it, lane) {
		return
	}
	text := it.text
	if it.textFn != nil {
		text = it.textFn()
	}
	start := p.cfg.Clock.Now()
	p.mu.Lock()
	p.nextAt = start.Add(p.cfg.MinGap + time.Duration(p.cfg.Rand()*float64(p.cfg.Jitter)))
	p.window = append(p.window, start)
	p.dayCount++
	p.mu.Unlock()

	remote, err := p.transmit(ctx, it, text)
	now := p.cfg.Clock.Now()
	if p.cfg.OnSend != nil && ctx.Err() == nil {
		p.cfg.OnSend(SendEvent{Ledger: it.delivery != 0, Reason: sendReason(err)})
	}

	switch {
	case err == nil:
		if it.delivery != 0 {
			// The one window where a crash repeats a message: sent,
			// not yet recorded.
			if merr := p.record(context.WithoutCancel(ctx), it.delivery, remote, now); merr != nil {
				p.log.Error("bot: sender: record sent", "delivery", it.delivery, "err", merr)
			}
		}
		p.forget(ctx, it)
		p.mu.Lock()
		p.inflight--
		delete(p.held, it.delivery)
		p.lastSend = now
		p.sentToday++
		p.pauseLevel, p.pausedFor = 0, 0
		if it.textFn != nil {
			p.noticeQd = false
		}
		p.mu.Unlock()
	case ctx.Err() != nil:
		// Shutting down: the message stays as it was (a ledger row stays
		// pending for the next start).
		p.requeue(it, lane)
	case errors.Is(err, ErrRateLimited):
		p.mu.Lock()
		pause := p.cfg.RateLimitPause << min(p.pauseLevel, 20)
		if pause > p.cfg.MaxPause || pause <= 0 {
			pause = p.cfg.MaxPause
		}
		p.pauseLevel++
		p.pausedFor += pause
		p.pausedUntil = now.Add(pause)
		p.lastErr = err.Error()
		if !p.noticeQd && !p.cfg.NoNotices {
			p.noticeQd = true
			p.lanes[laneNotice] = append(p.lanes[laneNotice], &outItem{to: p.cfg.Admin, textFn: p.pauseNotice})
		}
		p.mu.Unlock()
		p.requeue(it, lane)
		p.log.Warn("bot: sender: rate limited, pausing all sends", "pause", pause, "until", now.Add(pause), "to", it.to.Name)
	case errors.Is(err, ErrLoggedOut), errors.Is(err, ErrRejected):
		// Nothing is wrong with the message: the channel is down until
		// someone logs in again or fixes its key. Hold, count nothing.
		p.mu.Lock()
		p.lastErr = err.Error()
		p.loginWait = now.Add(p.cfg.LoginPoll)
		p.mu.Unlock()
		p.requeue(it, lane)
		p.log.Warn("bot: sender: channel down, holding the queue", "channel", p.cfg.Name, "to", it.to.Name, "err", err)
	default:
		it.attempts++
		p.mu.Lock()
		p.lastErr = err.Error()
		p.mu.Unlock()
		if it.delivery != 0 {
			if merr := p.cfg.Ledger.MarkFailed(context.WithoutCancel(ctx), it.delivery, err.Error()); merr != nil {
				p.log.Error("bot: sender: record failure", "delivery", it.delivery, "err", merr)
			}
		}
		if it.attempts >= p.cfg.MaxAttempts || errors.Is(err, ErrUndeliverable) {
			p.mu.Lock()
			p.inflight--
			delete(p.held, it.delivery)
			if it.textFn != nil {
				p.noticeQd = false
			}
			p.mu.Unlock()
			p.forget(ctx, it)
			p.log.Error("bot: sender: giving up", "channel", p.cfg.Name, "to", it.to.Name, "attempts", it.attempts, "delivery", it.delivery, "err", err)
			if p.cfg.OnGiveUp != nil && it.textFn == nil {
				p.cfg.OnGiveUp(it.to, err)
			}
			return
		}
		it.notBefore = now.Add(p.cfg.RetryBackoff << (it.attempts - 1))
		p.requeue(it, lane)
		p.log.Warn("bot: sender: send failed, will retry", "to", it.to.Name, "attempts", it.attempts, "retry_at", it.notBefore, "err", err)
	}
}

// sendReason names a send's failure for SendEvent.
func sendReason(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, ErrLoggedOut):
		return "logged_out"
	case errors.Is(err, ErrRejected):
		return "rejected"
	case errors.Is(err, ErrUndeliverable):
		return "undeliverable"
	}
	return "error"
}

// claim asks whether ledger part it is this sender's to send now; when it
// is not, or the store cannot say, it is taken off the queue or put back.
func (p *Pacer) claim(ctx context.Context, it *outItem, lane int) bool {
	ok, err := p.cfg.Claim(ctx, it.delivery)
	switch {
	case ctx.Err() != nil:
		p.requeue(it, lane)
		return false
	case err != nil:
		it.notBefore = p.cfg.Clock.Now().Add(p.cfg.RetryBackoff)
		p.requeue(it, lane)
		p.log.Warn("bot: sender: claim a part", "channel", p.cfg.Name, "delivery", it.delivery, "err", err)
		return false
	case !ok:
		p.mu.Lock()
		p.inflight--
		delete(p.held, it.delivery)
		p.mu.Unlock()
		p.log.Debug("bot: sender: part left to another sender", "channel", p.cfg.Name, "delivery", it.delivery, "to", it.to.Name)
		return false
	}
	return true
}

// requeue puts an unsent message back at the front of its lane; later
// messages to the same chat wait behind it.
func (p *Pacer) requeue(it *outItem, lane int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inflight--
	for _, o := range p.lanes[lane] {
		if o.to.Key() == it.to.Key() && o.notBefore.Before(it.notBefore) {
			o.notBefore = it.notBefore
		}
	}
	p.lanes[lane] = append([]*outItem{it}, p.lanes[lane]...)
}

// pauseNotice is the admins' message after a rate-limit pause, written
// when it is sent so the numbers are current.
func (p *Pacer) pauseNotice() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	// The notice itself is in flight, not waiting.
	waiting := p.queuedLocked() - 1
	return fmt.Sprintf("%s提示发送过于频繁，已暂停这个渠道的全部发送共%s，现在恢复发送，还有 %d 条待发。%s",
		p.cfg.Name, zhDuration(p.pausedFor), max(waiting, 0), p.cfg.PauseHint)
}

// transmit makes one send of it: text, an image card, or (for a ledger
// part on a task channel) a task, whose remote id it returns.
func (p *Pacer) transmit(ctx context.Context, it *outItem, text string) (remote string, err error) {
	if it.kind == model.PartImage {
		img, ok := p.cfg.Transport.(ImageSender)
		if !ok {
			return "", fmt.Errorf("%s: %w", p.cfg.Name, errNoImages)
		}
		png, err := p.drawCard(text)
		if err != nil {
			return "", err
		}
		return "", img.SendImage(ctx, it.to, png)
	}
	if ts, ok := p.cfg.Transport.(TaskSender); ok && it.delivery != 0 {
		return ts.SendTask(ctx, it.to, text)
	}
	return "", p.cfg.Transport.Send(ctx, it.to, text)
}

// record marks a ledger part sent, or awaiting when it became a task.
func (p *Pacer) record(ctx context.Context, id int64, remote string, at time.Time) error {
	if remote == "" {
		return p.cfg.Ledger.MarkSent(ctx, id, at)
	}
	al, ok := p.cfg.Ledger.(AwaitLedger)
	if !ok {
		return fmt.Errorf("task %s: the ledger cannot record tasks", remote)
	}
	return al.MarkAwaiting(ctx, id, remote)
}

// cardCacheSize bounds the rendered cards kept: a day has a few, and a
// fan-out sends the same ones to every group.
const cardCacheSize = 8

// drawCard renders an image part's card JSON, once per distinct card.
func (p *Pacer) drawCard(js string) ([]byte, error) {
	p.cardMu.Lock()
	defer p.cardMu.Unlock()
	if png, ok := p.cards[js]; ok {
		return png, nil
	}
	if p.cfg.Cards == nil {
		return nil, fmt.Errorf("no font to draw the image card: %w", errNoImages)
	}
	c, err := card.Parse(js)
	if err != nil {
		return nil, fmt.Errorf("image card: %w: %w", err, errNoImages)
	}
	png, err := p.cfg.Cards.Render(c)
	if err != nil {
		return nil, fmt.Errorf("image card: %w: %w", err, errNoImages)
	}
	if p.cards == nil || len(p.cards) >= cardCacheSize {
		p.cards = make(map[string][]byte)
	}
	p.cards[js] = png
	return png, nil
}

// zhDuration writes d the way a Chinese reader expects: 5分钟, 1小时30分钟, 45秒.
func zhDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	var b strings.Builder
	if h > 0 {
		fmt.Fprintf(&b, "%d小时", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%d分钟", m)
	}
	if s > 0 || b.Len() == 0 {
		fmt.Fprintf(&b, "%d秒", s)
	}
	return b.String()
}
