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
	Changed  bool // approved, but the digest changed since: pending again
	HasParts bool // there is something to approve
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
	sched, err := bot.NewSchedule(sub)
	if err != nil {
		return time.Time{}, false
	}
	loc := s.subZone(sub)
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	end := start.AddDate(0, 0, 1)
	from := start.Add(-time.Nanosecond)
	if earliest := s.cfg.Now().Add(-bot.DefaultGrace); earliest.After(from) {
		from = earliest
	}
	t := sched.Next(from)
	if t.IsZero() || !t.Before(end) {
		return time.Time{}, false
	}
	return slotKey(t), true
}

// slotKey is a slot as the ledger keys it: UTC, to the microsecond.
func slotKey(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// approvalState says where the approval of sub's slot stands given the
// parts it would send now.
func (s *Server) approvalState(ctx context.Context, sub model.Subscription, slot time.Time, parts []string) (approvalView, error) {
	v := approvalView{SubID: sub.ID, Target: target(sub), Slot: slot, State: model.ApprovalPending, HasParts: len(parts) > 0,
		Date: slot.In(s.subZone(sub)).Format(time.DateOnly)}
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
	case a.Covers(parts):
		v.State = model.ApprovalApproved
	case a.State == model.ApprovalApproved:
		v.Changed = true
	}
	return v, nil
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
