package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wxdigest/wxdigest/card"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

// DefaultGrace is how old an unsent slot may be and still be sent after a
// restart.
const DefaultGrace = 2 * time.Hour

// ErrNotSubscribed is a PushResult.Err for a group without an enabled
// subscription.
var ErrNotSubscribed = errors.New("group not subscribed")

// DispatchStore is what the dispatcher reads and writes; every Store has
// it.
type DispatchStore interface {
	Articles
	Subscriptions
	Ledger
}

// claimReleaser ends a holder's claims on unsent parts (*data.Store and
// *pgstore.Store have it).
type claimReleaser interface {
	ReleaseClaims(ctx context.Context, holder string) error
}

// slotBatcher is the optional batch form of RecordSlot (*data.Store has
// it): one transaction for a fan-out instead of one per group.
type slotBatcher interface {
	RecordSlots(ctx context.Context, recs []model.SlotRecord) ([]bool, error)
}

// DeliveryQueue is where the dispatcher hands slots for sending; *Pacer is
// one.
type DeliveryQueue interface {
	// Deliver queues ledger rows, skipping those already held.
	Deliver(ds ...model.Delivery) int
	// Holds reports whether a ledger row is queued or being sent.
	Holds(id int64) bool
	// Reply queues a plain message (reports to admins).
	Reply(to Target, parts ...string)
	// Cancel drops the queued (not in-flight) rows of a subscription
	// and reports how many.
	Cancel(subID int64) int
}

// DispatcherConfig configures NewDispatcher. Store and Outbox are required.
type DispatcherConfig struct {
	Store  DispatchStore
	Outbox DeliveryQueue
	Clock  Clock        // default SystemClock
	Logger *slog.Logger // default: discard
	// Zone reads subscriptions without a TZ; default Asia/Shanghai.
	Zone *time.Location
	// Budget is the size of one message part, LeadBudget of one lead, in
	// runes; ≤ 0 means the digest package defaults (2000, 120).
	Budget, LeadBudget int
	// Grace is how late a slot may still be sent (after a restart, or a
	// firing the process slept through); older unsent slots are marked
	// missed and reported. Default DefaultGrace.
	Grace time.Duration
	// OnShown is told which articles a group was shown in a slot, so 详情 N
	// there refers to them (Router.Shown). Optional.
	OnShown func(chat Target, ids []int64)
	// Admin hears about missed slots; default the file helper.
	Admin Target
	// Formats says how each channel takes a digest (byte limits, images);
	// nil or a zero Format means text parts of Budget runes.
	Formats func(channel string) Format
	// Holder names this process as it claims ledger parts; rows another
	// holder has a live claim on are left to it.
	Holder string
	// Approvals keeps the 审核 of subscriptions that require it; without
	// it their slots are not sent (each firing fails, and says why).
	Approvals ApprovalStore
	// HolderGone reports whether another claimant is known to be dead (a
	// process of this host that is gone): its claims are ended at once
	// rather than waited out. nil: claims run out by themselves.
	HolderGone func(holder string) bool
}

// Format is how a channel takes a digest.
type Format struct {
	// Bytes > 0 measures text parts in UTF-8 bytes (a WeCom robot's text
	// is limited to 2,048 bytes) instead of Budget runes.
	Bytes int
	// Images: the channel can send the day as image cards. A subscription
	// asking for images on a channel that cannot gets text.
	Images bool
}

// Scheduler runs subscriptions: it implements Dispatcher. Create it with
// NewDispatcher and run it with Run.
type Scheduler struct {
	cfg DispatcherConfig
	log *slog.Logger

	mu     sync.Mutex
	subs   []*schedSub // enabled subscriptions with a readable schedule
	retry  time.Time   // a failed firing is tried again then
	fireMu sync.Mutex  // one firing (or catch-up) at a time
	wake   chan struct{}
}

// schedSub is a loaded subscription.
type schedSub struct {
	sub   model.Subscription
	sched Schedule
	loc   *time.Location
	done  time.Time // firings up to here are handled
}

var _ Dispatcher = (*Scheduler)(nil)

// retryDelay is how soon a firing that failed on a store error is retried.
const retryDelay = time.Minute

// missedReportMax bounds the lines of one missed-slot report.
const missedReportMax = 20

// NewDispatcher checks cfg and fills in defaults.
func NewDispatcher(cfg DispatcherConfig) (*Scheduler, error) {
	if cfg.Store == nil {
		return nil, errors.New("bot: dispatcher: no store")
	}
	if cfg.Outbox == nil {
		return nil, errors.New("bot: dispatcher: no outbox")
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Zone == nil {
		cfg.Zone = loadZone(DefaultZone)
	}
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.Admin.Kind == "" {
		cfg.Admin = Target{Kind: ChatSelf}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{cfg: cfg, log: log, wake: make(chan struct{}, 1)}, nil
}

// Run loads the subscriptions, catches up (see Reload) and fires slots on
// schedule until ctx is done; then it returns nil. It fails only when the
// store cannot be read at start.
func (s *Scheduler) Run(ctx context.Context) error {
	if err := s.load(ctx); err != nil {
		return fmt.Errorf("bot: dispatcher: %w", err)
	}
	judged, err := s.catchUp(ctx)
	if err != nil {
		s.log.Error("bot: dispatcher: catch up", "err", err)
	}
	for {
		// The wake-up is an instant, armed as one: the clock may move
		// while it is worked out (a slow store, a test moving its clock),
		// and a wait measured from an earlier Now would fire that much
		// late.
		at, ok := s.nextWake(judged)
		var timer Timer
		var fired <-chan time.Time
		if ok {
			timer = timerAt(s.cfg.Clock, at)
			fired = timer.C()
		}
		select {
		case <-ctx.Done():
		case <-fired:
		case <-s.wake:
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return nil
		}
		// Whatever woke us, fire what is due: a timer that fired while a
		// nudge was being handled is not lost, and firing is idempotent.
		judged = s.fireDue(ctx)
	}
}

// nextWake is when to fire next: the earliest firing after judged (the
// instant fireDue last looked at), or the retry of one at or before it
// that was not handled there (it failed). A firing that fell due after
// judged gives a wake-up in the past, so it fires at once rather than
// being taken for a failure.
func (s *Scheduler) nextWake(judged time.Time) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, ss := range s.subs {
		from := judged.Add(-s.cfg.Grace)
		if ss.done.After(from) {
			from = ss.done
		}
		n := ss.sched.Next(from)
		if !n.IsZero() && !n.After(judged) {
			n = s.retry
			if n.IsZero() {
				n = judged.Add(retryDelay)
			}
		}
		consider(n)
	}
	consider(s.retry)
	return next, !next.IsZero()
}

// Reload re-reads the subscriptions and catches up: unsent ledger rows of
// slots inside Grace are queued again (unless the Outbox holds them),
// older ones are marked missed and reported to admins, and a subscription
// whose firing passed unhandled within Grace (the process was down) fires
// it now — only the latest such firing, never a backlog.
func (s *Scheduler) Reload(ctx context.Context) error {
	if err := s.load(ctx); err != nil {
		return err
	}
	_, err := s.catchUp(ctx)
	s.nudge()
	return err
}

// catchUp sweeps the ledger and fires what is due; it returns the instant
// it judged what was due at (see fireDue).
func (s *Scheduler) catchUp(ctx context.Context) (time.Time, error) {
	s.fireMu.Lock()
	err := errors.Join(s.sweepLedger(ctx), s.sweepApprovals(ctx, s.cfg.Clock.Now()))
	s.fireMu.Unlock()
	return s.fireDue(ctx), err
}

func (s *Scheduler) nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// load reads the subscriptions and where each one's firings stand.
func (s *Scheduler) load(ctx context.Context) error {
	all, err := s.cfg.Store.Subscriptions(ctx)
	if err != nil {
		return fmt.Errorf("bot: dispatcher: load subscriptions: %w", err)
	}
	s.mu.Lock()
	prev := make(map[int64]*schedSub, len(s.subs))
	for _, ss := range s.subs {
		prev[ss.sub.ID] = ss
	}
	s.mu.Unlock()
	var subs []*schedSub
	for _, sub := range all {
		if !sub.Enabled {
			continue
		}
		if old, ok := prev[sub.ID]; ok && sameSub(old.sub, sub) {
			// Unchanged: keep its schedule and where it stands.
			subs = append(subs, old)
			delete(prev, sub.ID)
			continue
		}
		delete(prev, sub.ID)
		ss, err := s.prepare(sub)
		if err != nil {
			s.log.Warn("bot: dispatcher: subscription not scheduled", "group", sub.Group, "err", err)
			continue
		}
		last, err := s.cfg.Store.LastSlot(ctx, sub.ID)
		switch {
		case errors.Is(err, model.ErrNotFound):
		case err != nil:
			return fmt.Errorf("bot: dispatcher: load %s: %w", sub.Group, err)
		default:
			ss.done = last
		}
		// A firing before the subscription took its current shape is not
		// its to catch up.
		if sub.Updated.After(ss.done) {
			ss.done = sub.Updated
		}
		subs = append(subs, ss)
	}
	s.mu.Lock()
	s.subs = subs
	s.mu.Unlock()
	// Removed or disabled (left in prev): what is still queued for the
	// group is not sent; the ledger rows stay as they are.
	for id := range prev {
		if n := s.cfg.Outbox.Cancel(id); n > 0 {
			s.log.Info("bot: dispatcher: dropped queued parts of a stopped subscription", "subscription", id, "parts", n)
		}
	}
	return nil
}

// sameSub reports whether two reads of a subscription agree.
func sameSub(a, b model.Subscription) bool {
	ta, tb := a.Updated, b.Updated
	ca, cb := a.Created, b.Created
	ia, ib, ea, eb := a.Include, b.Include, a.Exclude, b.Exclude
	a.Updated, b.Updated, a.Created, b.Created = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	a.Include, b.Include, a.Exclude, b.Exclude = nil, nil, nil, nil
	return reflect.DeepEqual(a, b) && ta.Equal(tb) && ca.Equal(cb) &&
		slices.Equal(ia, ib) && slices.Equal(ea, eb)
}

// prepare reads a subscription's schedule in its zone (cfg.Zone if none).
func (s *Scheduler) prepare(sub model.Subscription) (*schedSub, error) {
	zoned := sub
	if strings.TrimSpace(zoned.TZ) == "" {
		zoned.TZ = s.cfg.Zone.String()
	}
	sched, err := NewSchedule(zoned)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(zoned.TZ)
	if err != nil {
		return nil, fmt.Errorf("bot: dispatcher: zone %q: %w", zoned.TZ, err)
	}
	return &schedSub{sub: sub, sched: sched, loc: loc}, nil
}

// lastDue is the latest firing of ss in (max(ss.done, now-Grace), now], or
// the zero time.
func (s *Scheduler) lastDue(ss *schedSub, now time.Time) time.Time {
	from := now.Add(-s.cfg.Grace)
	if ss.done.After(from) {
		from = ss.done
	}
	f := ss.sched.Next(from)
	if f.IsZero() || f.After(now) {
		return time.Time{}
	}
	// Dense specs: bounded, and Grace bounds the walk anyway.
	for i := 0; i < 1_000_000; i++ {
		n := ss.sched.Next(f)
		if n.IsZero() || n.After(now) {
			break
		}
		f = n
	}
	return f
}

// fireDue fires every subscription whose firing is due and returns the
// instant it judged that at: a firing up to then that is still not
// handled failed.
func (s *Scheduler) fireDue(ctx context.Context) time.Time {
	now := s.cfg.Clock.Now()
	s.mu.Lock()
	var reqs []slotReq
	for _, ss := range s.subs {
		if f := s.lastDue(ss, now); !f.IsZero() {
			reqs = append(reqs, slotReq{ss: ss, slot: f})
		}
	}
	s.retry = time.Time{}
	s.mu.Unlock()
	if len(reqs) == 0 {
		return now
	}
	results, err := s.fire(ctx, reqs)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range reqs {
		if err == nil && results[i].err == nil && !results[i].held {
			r.ss.done = r.slot
		}
	}
	if err != nil || anyErr(results) {
		s.retry = now.Add(retryDelay)
	}
	return now
}

func anyErr(rs []slotResult) bool {
	for _, r := range rs {
		if r.err != nil {
			return true
		}
	}
	return false
}

type slotReq struct {
	ss     *schedSub
	slot   time.Time
	resend bool // carry the day's items even if the group has them (推送 重发)
	manual bool // a push, not a scheduled firing
}

type slotResult struct {
	items, parts int
	held         bool // waiting for approval: not recorded, tried again
	err          error
}

// fire runs slots: each one's digest holds the items of the slot's local
// date the group has not received; it is written to the ledger before
// anything is queued. A slot with nothing new is recorded as skipped.
// err is a failure of the whole batch; results[i].err of one slot.
func (s *Scheduler) fire(ctx context.Context, reqs []slotReq) ([]slotResult, error) {
	s.fireMu.Lock()
	defer s.fireMu.Unlock()
	results := make([]slotResult, len(reqs))
	byDate := make(map[string][]digest.Article)
	type slotWork struct {
		slot time.Time
		day  time.Time
		date string
		cand []digest.Article
		ids  []int64
		got  map[int64]bool
	}
	work := make([]slotWork, len(reqs))
	for i, r := range reqs {
		w := &work[i]
		w.slot = r.slot.UTC().Truncate(time.Microsecond)
		w.day = r.slot.In(r.ss.loc)
		w.date = w.day.Format(time.DateOnly)
		arts, ok := byDate[w.date]
		if !ok {
			var err error
			arts, err = s.cfg.Store.ArticlesByDate(ctx, w.date)
			if err != nil {
				return nil, fmt.Errorf("bot: dispatcher: articles of %s: %w", w.date, err)
			}
			byDate[w.date] = arts
		}
		f := newSubFilter(r.ss.sub)
		for _, a := range arts {
			if f.keep(a) {
				w.cand = append(w.cand, a)
				w.ids = append(w.ids, a.ID)
			}
		}
	}
	// What each group already has: one query per group, a few at a time
	// (the store reads through a pool), which dominates a big fan-out.
	s.parallel(len(reqs), func(i int) {
		if len(work[i].ids) == 0 || reqs[i].resend {
			return
		}
		got, err := s.cfg.Store.Delivered(ctx, reqs[i].ss.sub.ID, work[i].ids)
		if err != nil {
			results[i].err = fmt.Errorf("bot: dispatcher: %s: delivered: %w", reqs[i].ss.sub.Group, err)
			return
		}
		work[i].got = got
	})
	type renderedSlot struct{ parts, kinds []string }
	rendered := make(map[string]renderedSlot)
	recs := make([]model.SlotRecord, 0, len(reqs))
	recIdx := make([]int, 0, len(reqs)) // recs[k] is reqs[recIdx[k]]
	for i, r := range reqs {
		if results[i].err != nil {
			continue
		}
		w := &work[i]
		var fresh []digest.Article
		var freshIDs []int64
		for _, a := range w.cand {
			if !w.got[a.ID] {
				fresh = append(fresh, a)
				freshIDs = append(freshIDs, a.ID)
			}
		}
		rec := model.SlotRecord{SubscriptionID: r.ss.sub.ID, Slot: w.slot}
		if len(fresh) > 0 {
			// Groups that are owed the same items in the same form get
			// the same parts: render them once.
			f := s.format(r.ss.sub.Channel)
			style := r.ss.sub.Style
			if !f.Images {
				style = model.StyleText
			}
			key := fmt.Sprintf("%s|%s|%d|%s", w.date, style, f.Bytes, joinIDs(freshIDs))
			rs, ok := rendered[key]
			if !ok {
				rs.parts, rs.kinds = s.render(ComposeDay(fresh, w.day, s.cfg.LeadBudget), f, style)
				rendered[key] = rs
			}
			rec.Parts, rec.Kinds, rec.ArticleIDs = rs.parts, rs.kinds, freshIDs
		}
		if len(rec.Parts) > 0 && r.ss.sub.Approve {
			ok, err := s.approvalGate(ctx, r, w.slot, rec.Parts)
			if err != nil {
				results[i].err = err
				continue
			}
			if !ok {
				results[i].held = true
				continue
			}
		}
		recs = append(recs, rec)
		recIdx = append(recIdx, i)
	}
	created, err := s.record(ctx, recs)
	if err != nil {
		return nil, err
	}
	want := make(map[slotKey]bool)
	for k, rec := range recs {
		i := recIdx[k]
		if !created[k] {
			// Recorded already: by this process (its parts are held or
			// done) or by another sharing the store, whose parts this one
			// may send too when it claims them first.
			want[slotKey{rec.SubscriptionID, rec.Slot.UnixMicro()}] = true
			continue
		}
		if len(rec.Parts) == 0 {
			s.log.Debug("bot: dispatcher: slot skipped, nothing new", "group", reqs[i].ss.sub.Group, "slot", rec.Slot)
			continue
		}
		results[i].items, results[i].parts = len(rec.ArticleIDs), len(rec.Parts)
		want[slotKey{rec.SubscriptionID, rec.Slot.UnixMicro()}] = true
		if s.cfg.OnShown != nil && isWeChat(reqs[i].ss.sub.Channel) {
			// 详情 N is asked in the chat; only the personal account
			// reads the chats it sends to.
			s.cfg.OnShown(Target{Kind: ChatGroup, Name: reqs[i].ss.sub.Group}, rec.ArticleIDs)
		}
		s.log.Info("bot: dispatcher: slot recorded", "group", reqs[i].ss.sub.Group, "slot", rec.Slot,
			"items", len(rec.ArticleIDs), "parts", len(rec.Parts))
	}
	if len(want) == 0 {
		return results, nil
	}
	unsent, err := s.cfg.Store.Unsent(ctx)
	if err != nil {
		// Recorded but not queued: the next catch-up sends them.
		return nil, fmt.Errorf("bot: dispatcher: read recorded slots: %w", err)
	}
	var queue []model.Delivery
	now := s.cfg.Clock.Now()
	for _, d := range unsent {
		if want[slotKey{d.SubscriptionID, d.Slot.UnixMicro()}] && !s.claimedElsewhere(d, now) {
			queue = append(queue, d)
		}
	}
	if len(queue) > 0 {
		s.cfg.Outbox.Deliver(queue...)
	}
	return results, nil
}

// format is how channel takes a digest.
func (s *Scheduler) format(channel string) Format {
	if s.cfg.Formats == nil {
		return Format{}
	}
	return s.cfg.Formats(channel)
}

// render turns a slot's digest into its parts in the subscription's style:
// image cards (their JSON, rendered when sent), text parts, or the cards
// then the text.
func (s *Scheduler) render(d digest.Digest, f Format, style string) (parts, kinds []string) {
	return renderParts(d, f, style, s.cfg.Budget)
}

// renderParts is render with the part budget given.
func renderParts(d digest.Digest, f Format, style string, budget int) (parts, kinds []string) {
	if !f.Images {
		style = model.StyleText
	}
	if style == model.StyleImage || style == model.StyleBoth {
		for _, c := range card.FromDigest(d) {
			parts = append(parts, c.Marshal())
			kinds = append(kinds, model.PartImage)
		}
	}
	if style != model.StyleImage {
		var text []string
		if f.Bytes > 0 {
			text = digest.RenderBytes(d, f.Bytes)
		} else {
			text = digest.Render(d, budget)
		}
		for _, t := range text {
			parts = append(parts, t)
			kinds = append(kinds, model.PartText)
		}
	}
	return parts, kinds
}

// isWeChat reports whether a subscription's channel is the personal
// account.
func isWeChat(channel string) bool { return channel == "" || channel == model.ChannelWeChat }

// parallelReads bounds concurrent store reads of one firing.
const parallelReads = 4

// parallel runs f(0..n-1) on a few goroutines and waits for them.
func (s *Scheduler) parallel(n int, f func(i int)) {
	if n < 2*parallelReads {
		for i := range n {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range parallelReads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

type slotKey struct {
	sub  int64
	slot int64 // UnixMicro
}

// record writes slots to the ledger, in one transaction when the store can.
func (s *Scheduler) record(ctx context.Context, recs []model.SlotRecord) ([]bool, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	if b, ok := s.cfg.Store.(slotBatcher); ok {
		created, err := b.RecordSlots(ctx, recs)
		if err != nil {
			return nil, fmt.Errorf("bot: dispatcher: record slots: %w", err)
		}
		return created, nil
	}
	created := make([]bool, len(recs))
	for i, r := range recs {
		c, err := s.cfg.Store.RecordSlot(ctx, r.SubscriptionID, r.Slot, r.Parts, r.ArticleIDs)
		if err != nil {
			return nil, fmt.Errorf("bot: dispatcher: record slot: %w", err)
		}
		created[i] = c
	}
	return created, nil
}

func joinIDs(ids []int64) string {
	b := make([]byte, 0, len(ids)*6)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(b)
}

// sweepLedger queues unsent rows inside Grace and gives up older slots.
func (s *Scheduler) sweepLedger(ctx context.Context) error {
	unsent, err := s.cfg.Store.Unsent(ctx)
	if err != nil {
		return fmt.Errorf("bot: dispatcher: catch up: %w", err)
	}
	now := s.cfg.Clock.Now()
	s.releaseDeadClaims(ctx, unsent, now)
	active := make(map[int64]bool)
	s.mu.Lock()
	for _, ss := range s.subs {
		active[ss.sub.ID] = true
	}
	s.mu.Unlock()
	var queue []model.Delivery
	type missed struct {
		d     model.Delivery
		parts int
	}
	var gone []missed
	seen := make(map[slotKey]int)
	for _, d := range unsent {
		if s.cfg.Outbox.Holds(d.ID) {
			continue
		}
		if s.claimedElsewhere(d, now) && now.Sub(d.Slot) <= s.cfg.Grace {
			continue // another process is sending it
		}
		if now.Sub(d.Slot) <= s.cfg.Grace {
			if !active[d.SubscriptionID] {
				continue // disabled: kept for when it is enabled again
			}
			queue = append(queue, d)
			continue
		}
		k := slotKey{d.SubscriptionID, d.Slot.UnixMicro()}
		if i, ok := seen[k]; ok {
			gone[i].parts++
			continue
		}
		seen[k] = len(gone)
		gone = append(gone, missed{d: d, parts: 1})
	}
	if len(queue) > 0 {
		n := s.cfg.Outbox.Deliver(queue...)
		s.log.Info("bot: dispatcher: catch-up queued unsent parts", "parts", n)
	}
	var lines []string
	var errs []error
	for _, m := range gone {
		if err := s.cfg.Store.MarkSlotMissed(ctx, m.d.SubscriptionID, m.d.Slot); err != nil {
			errs = append(errs, fmt.Errorf("bot: dispatcher: mark %s %s missed: %w", m.d.Group, m.d.Slot, err))
			continue
		}
		s.log.Warn("bot: dispatcher: slot missed", "group", m.d.Group, "slot", m.d.Slot, "parts", m.parts)
		lines = append(lines, fmt.Sprintf("· %s %s（%d 条未发）", describeTarget(m.d.Channel, m.d.Group), s.slotLabel(m.d), m.parts))
	}
	if len(lines) > 0 {
		s.cfg.Outbox.Reply(s.cfg.Admin, s.missedReport(lines))
	}
	return errors.Join(errs...)
}

// releaseDeadClaims ends the claims of claimants known to be dead, and
// clears them from rows (which the caller then treats as unclaimed).
func (s *Scheduler) releaseDeadClaims(ctx context.Context, rows []model.Delivery, now time.Time) {
	if s.cfg.HolderGone == nil {
		return
	}
	cr, ok := s.cfg.Store.(claimReleaser)
	if !ok {
		return
	}
	dead := map[string]bool{}
	for i, d := range rows {
		if !s.claimedElsewhere(d, now) {
			continue
		}
		gone, seen := dead[d.ClaimedBy]
		if !seen {
			gone = s.cfg.HolderGone(d.ClaimedBy)
			if gone {
				if err := cr.ReleaseClaims(ctx, d.ClaimedBy); err != nil {
					s.log.Warn("bot: dispatcher: end a dead process's claims", "holder", d.ClaimedBy, "err", err)
					gone = false
				} else {
					s.log.Warn("bot: dispatcher: took over the parts a dead process had claimed", "holder", d.ClaimedBy)
				}
			}
			dead[d.ClaimedBy] = gone
		}
		if gone {
			rows[i].ClaimUntil = time.Time{}
		}
	}
}

// claimedElsewhere reports whether another process holds a live claim on
// ledger row d.
func (s *Scheduler) claimedElsewhere(d model.Delivery, now time.Time) bool {
	return d.ClaimedBy != "" && d.ClaimedBy != s.cfg.Holder && d.ClaimUntil.After(now)
}

// slotLabel writes a slot as its group's zone reads it, e.g. "3月14日 08:00".
func (s *Scheduler) slotLabel(d model.Delivery) string {
	loc := s.cfg.Zone
	s.mu.Lock()
	for _, ss := range s.subs {
		if ss.sub.ID == d.SubscriptionID {
			loc = ss.loc
		}
	}
	s.mu.Unlock()
	t := d.Slot.In(loc)
	return fmt.Sprintf("%d月%d日 %02d:%02d", int(t.Month()), t.Day(), t.Hour(), t.Minute())
}

func (s *Scheduler) missedReport(lines []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "有 %d 次定时推送超过补发时限（%s）没能发出，已标记为错过：\n", len(lines), zhDuration(s.cfg.Grace))
	for i, l := range lines {
		if i == missedReportMax {
			fmt.Fprintf(&b, "……另有 %d 次\n", len(lines)-missedReportMax)
			break
		}
		b.WriteString(l + "\n")
	}
	b.WriteString("需要补发时，工作人员发送“推送 全部”（或在该群发送“推送”）即可推送当天还没发过的新闻。")
	return b.String()
}

// PushNow fires a slot now for each named group (every enabled
// subscription when groups is nil) through the same path as a scheduled
// firing. A group without an enabled subscription gets ErrNotSubscribed
// in its result; the error is for a store failure.
func (s *Scheduler) PushNow(ctx context.Context, groups []string) ([]PushResult, error) {
	return s.push(ctx, groups, false)
}

// PushAgain is PushNow carrying all of the day's items the groups' filters
// take, also those they already received (推送 重发): for a group that lost
// its messages.
func (s *Scheduler) PushAgain(ctx context.Context, groups []string) ([]PushResult, error) {
	return s.push(ctx, groups, true)
}

func (s *Scheduler) push(ctx context.Context, groups []string, resend bool) ([]PushResult, error) {
	all, err := s.cfg.Store.Subscriptions(ctx)
	if err != nil {
		return nil, fmt.Errorf("bot: push: %w", err)
	}
	// Named groups are the personal account's chats; nil means every
	// enabled subscription, on every channel.
	byGroup := make(map[string]model.Subscription)
	var every []model.Subscription
	for _, sub := range all {
		if !sub.Enabled {
			continue
		}
		every = append(every, sub)
		if isWeChat(sub.Channel) {
			byGroup[sub.Group] = sub
		}
	}
	if groups == nil {
		sort.SliceStable(every, func(i, j int) bool { return every[i].Group < every[j].Group })
		byGroup = make(map[string]model.Subscription)
		for _, sub := range every {
			g := describeTarget(sub.Channel, sub.Group)
			groups = append(groups, g)
			byGroup[g] = sub
		}
	}
	now := s.cfg.Clock.Now()
	out := make([]PushResult, len(groups))
	var reqs []slotReq
	var idx []int
	for i, g := range groups {
		out[i].Group = g
		sub, ok := byGroup[g]
		if !ok {
			out[i].Err = fmt.Errorf("bot: push %s: %w", g, ErrNotSubscribed)
			continue
		}
		ss, err := s.prepare(sub)
		if err != nil {
			out[i].Err = fmt.Errorf("bot: push %s: %w", g, err)
			continue
		}
		reqs = append(reqs, slotReq{ss: ss, slot: now, resend: resend, manual: true})
		idx = append(idx, i)
	}
	if len(reqs) == 0 {
		return out, nil
	}
	results, err := s.fire(ctx, reqs)
	if err != nil {
		return nil, fmt.Errorf("bot: push: %w", err)
	}
	for k, r := range results {
		i := idx[k]
		out[i].Items, out[i].Parts, out[i].Err = r.items, r.parts, r.err
	}
	return out, nil
}

// Next lists the next n scheduled slots across all loaded subscriptions,
// soonest first.
func (s *Scheduler) Next(n int) []Upcoming {
	if n <= 0 {
		return nil
	}
	now := s.cfg.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Upcoming
	for _, ss := range s.subs {
		t := now
		for range n {
			t = ss.sched.Next(t)
			if t.IsZero() {
				break
			}
			out = append(out, Upcoming{Group: describeTarget(ss.sub.Channel, ss.sub.Group), At: t})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].Group < out[j].Group
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// describeTarget names where a subscription delivers, for people: a
// personal-WeChat group by its name, a channel as 渠道「name」.
func describeTarget(channel, group string) string {
	if isWeChat(channel) {
		return group
	}
	return "渠道「" + channel + "」"
}

// SlotPreview is what a slot of sub would send on day: the items of that
// date its filter takes and its group has not received yet, in its
// channel's format f and its style — the parts, their kinds, and the
// articles they carry (none: the slot would be skipped).
func SlotPreview(ctx context.Context, st DispatchStore, sub model.Subscription, day time.Time, f Format, budget, leadBudget int) (parts, kinds []string, ids []int64, err error) {
	arts, err := st.ArticlesByDate(ctx, day.Format(time.DateOnly))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("bot: preview: %w", err)
	}
	arts = FilterArticles(sub, arts)
	for _, a := range arts {
		ids = append(ids, a.ID)
	}
	if len(ids) > 0 && sub.ID > 0 {
		got, err := st.Delivered(ctx, sub.ID, ids)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("bot: preview: %w", err)
		}
		fresh := arts[:0]
		ids = ids[:0]
		for _, a := range arts {
			if !got[a.ID] {
				fresh = append(fresh, a)
				ids = append(ids, a.ID)
			}
		}
		arts = fresh
	}
	if len(arts) == 0 {
		return nil, nil, nil, nil
	}
	parts, kinds = renderParts(ComposeDay(arts, day, leadBudget), f, sub.Style, budget)
	return parts, kinds, ids, nil
}
