package web

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/model"
)

// approvalView is a slot's 审核 as the console shows it.
type approvalView struct {
	SubID    int64
	Target   string
	Slot     time.Time
	Date     string // the slot's issue date
	State    string // model.ApprovalPending, …Approved or …Missed, as it stands now
	By       string
	At       time.Time
	Changed  bool // approved, but the digest still waiting differs: pending again
	HasParts bool // there is something to approve
	// Ledger is what the delivery ledger says of the slot once its parts
	// were written there (sent, queued, failed…); nil before.
	Ledger *ledgerView
	Future bool // the slot has not fired yet
}

// ledgerView sums up the ledger rows of one slot of a subscription.
type ledgerView struct {
	State  string // one of the ledger* constants
	Parts  int
	Sent   int
	SentAt time.Time // the last part's, when all were sent
	Err    string    // the first failed part's error
}

// Where a slot stands in the ledger, as a whole.
const (
	ledgerSent     = "sent"
	ledgerQueued   = "queued"
	ledgerAwaiting = "awaiting"
	ledgerFailed   = "failed"
	ledgerMissed   = "missed"
	ledgerSkipped  = "skipped"
)

// summarize reads a slot's ledger rows; nil when there are none.
func summarize(rows []model.Delivery) *ledgerView {
	if len(rows) == 0 {
		return nil
	}
	v := &ledgerView{Parts: len(rows)}
	n := map[string]int{}
	for _, d := range rows {
		n[d.State]++
		if d.State == model.DeliverySent {
			v.Sent++
			if d.SentAt.After(v.SentAt) {
				v.SentAt = d.SentAt
			}
		}
		if d.State == model.DeliveryFailed && v.Err == "" {
			v.Err = oneLine(d.Error)
		}
	}
	switch {
	case n[model.DeliveryFailed] > 0:
		v.State = ledgerFailed
	case n[model.DeliveryPending] > 0:
		v.State = ledgerQueued
	case n[model.DeliveryAwaiting] > 0:
		v.State = ledgerAwaiting
	case n[model.DeliveryMissed] > 0:
		v.State = ledgerMissed
	case n[model.DeliverySent] > 0:
		v.State = ledgerSent
	default:
		v.State = ledgerSkipped
	}
	if v.State != ledgerSent {
		v.SentAt = time.Time{}
	}
	return v
}

// slotLedger indexes ledger rows by subscription and slot.
type slotLedger map[string][]model.Delivery

func ledgerKey(subID int64, slot time.Time) string {
	return fmt.Sprintf("%d|%s", subID, slotKey(slot).Format(time.RFC3339Nano))
}

func newSlotLedger(ds []model.Delivery) slotLedger {
	l := slotLedger{}
	for _, d := range ds {
		k := ledgerKey(d.SubscriptionID, d.Slot)
		l[k] = append(l[k], d)
	}
	return l
}

func (l slotLedger) rows(subID int64, slot time.Time) []model.Delivery {
	return l[ledgerKey(subID, slot)]
}

// ledgerAround reads the ledger rows of slots near the civil date day.
func (s *Server) ledgerAround(ctx context.Context, day time.Time) (slotLedger, error) {
	ds, err := s.cfg.Deliveries.Deliveries(ctx, day.AddDate(0, 0, -1))
	if err != nil {
		return nil, fmt.Errorf("web: deliveries: %w", err)
	}
	return newSlotLedger(ds), nil
}

// subZone is the zone a subscription's schedule is read in.
func (s *Server) subZone(sub model.Subscription) *time.Location {
	if sub.TZ != "" {
		if loc, err := time.LoadLocation(sub.TZ); err == nil {
			return loc
		}
	}
	return s.cfg.Zone
}

// approvalSlot is the slot of sub on the civil date day that approval is
// about: its first firing on that day not older than the grace window.
// ok is false when the day has none left.
func (s *Server) approvalSlot(sub model.Subscription, day time.Time) (time.Time, bool) {
	slots := s.approvalSlots(sub, day, 1)
	if len(slots) == 0 {
		return time.Time{}, false
	}
	return slots[0], true
}

// approvalSlots lists up to max firings of sub on the civil date day not
// older than the grace window, in order.
func (s *Server) approvalSlots(sub model.Subscription, day time.Time, max int) []time.Time {
	sched, err := bot.NewSchedule(sub)
	if err != nil {
		return nil
	}
	loc := s.subZone(sub)
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	end := start.AddDate(0, 0, 1)
	from := start.Add(-time.Nanosecond)
	if earliest := s.cfg.Now().Add(-bot.DefaultGrace); earliest.After(from) {
		from = earliest
	}
	var out []time.Time
	for len(out) < max {
		t := sched.Next(from)
		if t.IsZero() || !t.Before(end) {
			break
		}
		out = append(out, slotKey(t))
		from = t
	}
	return out
}

// slotKey is a slot as the ledger keys it: UTC, to the microsecond.
func slotKey(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// approvalState says where the approval of sub's slot stands given the
// parts it would send now and the slot's rows in the ledger. Once the
// slot's parts are in the ledger, the approval stands as it was given and
// the ledger says how the sending went: the digest now holds only what is
// new since, so comparing it with the approved text would mean nothing.
func (s *Server) approvalState(ctx context.Context, sub model.Subscription, slot time.Time, parts []string, rows []model.Delivery) (approvalView, error) {
	v := approvalView{SubID: sub.ID, Target: target(sub), Slot: slot, State: model.ApprovalPending, HasParts: len(parts) > 0,
		Date: slot.In(s.subZone(sub)).Format(time.DateOnly), Ledger: summarize(rows), Future: slot.After(s.cfg.Now())}
	a, err := s.cfg.Approvals.Approval(ctx, sub.ID, slot)
	if errors.Is(err, model.ErrNotFound) {
		return v, nil
	}
	if err != nil {
		return v, fmt.Errorf("web: approval: %w", err)
	}
	v.By, v.At = a.By, a.At
	switch {
	case a.State == model.ApprovalMissed:
		v.State = model.ApprovalMissed
	case v.Ledger != nil && a.State == model.ApprovalApproved:
		v.State = model.ApprovalApproved
	case a.Covers(parts):
		v.State = model.ApprovalApproved
	case a.State == model.ApprovalApproved && len(parts) > 0:
		v.Changed = true
	case a.State == model.ApprovalApproved:
		// Approved, and nothing waits to be sent: nothing changed.
		v.State = model.ApprovalApproved
	}
	return v, nil
}

// slotApprovals is what 摘要预览 shows of the approval of sub's slots on
// day: the last slot already in the ledger (how it went), and the next
// one still to send when there is something to approve for it, or when
// no slot was sent yet.
func (s *Server) slotApprovals(ctx context.Context, sub model.Subscription, day time.Time, parts []string, led slotLedger) ([]approvalView, error) {
	var sent, next *time.Time
	for _, slot := range s.approvalSlots(sub, day, 48) {
		if len(led.rows(sub.ID, slot)) > 0 {
			sent = &slot
			continue
		}
		next = &slot
		break
	}
	var out []approvalView
	if sent != nil {
		v, err := s.approvalState(ctx, sub, *sent, nil, led.rows(sub.ID, *sent))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if next != nil && (sent == nil || len(parts) > 0) {
		v, err := s.approvalState(ctx, sub, *next, parts, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// errNothingToApprove: the slot would send nothing.
var errNothingToApprove = errors.New("nothing to approve")

// errApprovalMissed: the slot was missed; approving it is too late.
var errApprovalMissed = errors.New("slot already missed")

// approve records that p approved exactly what sub's slot would send now.
func (s *Server) approve(ctx context.Context, p *principal, sub model.Subscription, slot time.Time) (model.Approval, []string, error) {
	slot = slotKey(slot)
	day := slot.In(s.subZone(sub))
	civil := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, s.cfg.Zone)
	pv, err := s.cfg.Digests.Preview(ctx, sub, civil)
	if err != nil {
		return model.Approval{}, nil, fmt.Errorf("web: approve: %w", err)
	}
	if len(pv.Parts) == 0 {
		return model.Approval{}, nil, errNothingToApprove
	}
	if old, err := s.cfg.Approvals.Approval(ctx, sub.ID, slot); err == nil && old.State == model.ApprovalMissed {
		return model.Approval{}, nil, errApprovalMissed
	} else if err != nil && !errors.Is(err, model.ErrNotFound) {
		return model.Approval{}, nil, fmt.Errorf("web: approve: %w", err)
	}
	a := model.Approval{SubscriptionID: sub.ID, Slot: slot, State: model.ApprovalApproved, By: p.Who(), At: s.cfg.Now(),
		Text: strings.Join(pv.Parts, model.PartSeparator), TextHash: model.DigestHash(pv.Parts)}
	saved, err := s.cfg.Approvals.PutApproval(ctx, a)
	if err != nil {
		return model.Approval{}, nil, fmt.Errorf("web: approve: %w", err)
	}
	if err := s.cfg.Audit.Audit(ctx, model.AuditEntry{At: s.cfg.Now(), Who: p.Who(), Action: "approve",
		Detail: fmt.Sprintf("%s slot=%s parts=%d hash=%s", targetDetail(sub), slot.Format(time.RFC3339), len(pv.Parts), a.TextHash[:16])}); err != nil {
		s.log.Error("web: audit approve", "err", err)
	}
	// A slot held for this approval goes out now, not at the dispatcher's
	// next look.
	if s.cfg.Pusher != nil {
		if err := s.cfg.Pusher.Reload(ctx); err != nil {
			s.log.Warn("web: approve: reload the dispatcher", "err", err)
		}
	}
	return saved, pv.Parts, nil
}

// target names where a subscription delivers, for people.
func target(sub model.Subscription) string {
	if sub.Channel == "" || sub.Channel == model.ChannelWeChat {
		return sub.Group
	}
	return "渠道「" + sub.Channel + "」"
}

// targetDetail names a subscription in audit details.
func targetDetail(sub model.Subscription) string {
	if sub.Channel == "" || sub.Channel == model.ChannelWeChat {
		return "group=" + sub.Group
	}
	return "channel=" + sub.Channel
}
