package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wxdigest/wxdigest/model"
)

// ApprovalStore is the slice of the store that keeps the 审核 of slots of
// subscriptions that require it (Subscription.Approve).
type ApprovalStore interface {
	Approval(ctx context.Context, subID int64, slot time.Time) (model.Approval, error) // model.ErrNotFound
	PutApproval(ctx context.Context, a model.Approval) (model.Approval, error)
	Approvals(ctx context.Context, since time.Time) ([]model.Approval, error)
}

// ErrAwaitingApproval: a push to a subscription that requires approval,
// whose digest no staff member has approved today.
var ErrAwaitingApproval = errors.New("the digest awaits approval (审核)")

// approvalWindow bounds how far back pending approvals are looked at.
const approvalWindow = 7 * 24 * time.Hour

// approvalGate decides whether a slot of a subscription that requires
// approval may be sent with parts. A scheduled slot needs its own
// approval covering exactly these parts; until then it is held, and a
// pending approval carrying the parts tells staff what to approve (they
// are told once per distinct text). A push needs an approval of the
// subscription's from today that covers the parts.
func (s *Scheduler) approvalGate(ctx context.Context, r slotReq, slot time.Time, parts []string) (ok bool, err error) {
	st := s.cfg.Approvals
	if st == nil {
		return false, fmt.Errorf("bot: dispatcher: %s requires approval, and this store keeps none", r.ss.sub.Group)
	}
	if r.manual {
		day := rtDayOf(slot, r.ss.loc)
		as, err := st.Approvals(ctx, day)
		if err != nil {
			return false, fmt.Errorf("bot: dispatcher: approvals of %s: %w", r.ss.sub.Group, err)
		}
		for _, a := range as {
			if a.SubscriptionID == r.ss.sub.ID && a.Covers(parts) {
				return true, nil
			}
		}
		return false, fmt.Errorf("bot: push %s: %w", r.ss.sub.Group, ErrAwaitingApproval)
	}
	a, err := st.Approval(ctx, r.ss.sub.ID, slot)
	switch {
	case err == nil && a.Covers(parts):
		return true, nil
	case err != nil && !errors.Is(err, model.ErrNotFound):
		return false, fmt.Errorf("bot: dispatcher: approval of %s: %w", r.ss.sub.Group, err)
	}
	hash := model.DigestHash(parts)
	found := err == nil
	if found && (a.State == model.ApprovalMissed || (a.State == model.ApprovalPending && a.TextHash == hash)) {
		return false, nil // given up, or already waiting for this text
	}
	changed := found && a.State == model.ApprovalApproved
	if _, err := st.PutApproval(ctx, model.Approval{SubscriptionID: r.ss.sub.ID, Slot: slot, State: model.ApprovalPending,
		Text: strings.Join(parts, model.PartSeparator), TextHash: hash}); err != nil {
		return false, fmt.Errorf("bot: dispatcher: hold %s for approval: %w", r.ss.sub.Group, err)
	}
	what := "等待审核"
	if changed {
		what = "在批准后内容有改动，需要重新审核"
	}
	s.log.Info("bot: dispatcher: slot held for approval", "group", r.ss.sub.Group, "slot", slot, "changed", changed)
	s.cfg.Outbox.Reply(s.cfg.Admin, fmt.Sprintf("【待审核】%s %s 的摘要%s（%d 条消息）。请在控制台“摘要预览”里批准，或由工作人员私信机器人发送“批准”查看后批准。",
		describeTarget(r.ss.sub.Channel, r.ss.sub.Group), s.slotLabelIn(slot, r.ss.loc), what, len(parts)))
	return false, nil
}

// sweepApprovals gives up approvals still pending after the grace window:
// the slot is missed, and admins are told.
func (s *Scheduler) sweepApprovals(ctx context.Context, now time.Time) error {
	st := s.cfg.Approvals
	if st == nil {
		return nil
	}
	as, err := st.Approvals(ctx, now.Add(-approvalWindow))
	if err != nil {
		return fmt.Errorf("bot: dispatcher: approvals: %w", err)
	}
	var lines []string
	var errs []error
	for _, a := range as {
		if a.State != model.ApprovalPending || now.Sub(a.Slot) <= s.cfg.Grace {
			continue
		}
		a.State = model.ApprovalMissed
		if _, err := st.PutApproval(ctx, a); err != nil {
			errs = append(errs, fmt.Errorf("bot: dispatcher: approval of subscription %d missed: %w", a.SubscriptionID, err))
			continue
		}
		name := fmt.Sprintf("订阅 %d", a.SubscriptionID)
		loc := s.cfg.Zone
		s.mu.Lock()
		for _, ss := range s.subs {
			if ss.sub.ID == a.SubscriptionID {
				name, loc = describeTarget(ss.sub.Channel, ss.sub.Group), ss.loc
			}
		}
		s.mu.Unlock()
		s.log.Warn("bot: dispatcher: slot missed, nobody approved it", "subscription", a.SubscriptionID, "slot", a.Slot)
		lines = append(lines, "· "+name+" "+s.slotLabelIn(a.Slot, loc))
	}
	if len(lines) > 0 {
		if len(lines) > missedReportMax {
			lines = append(lines[:missedReportMax], fmt.Sprintf("……另有 %d 个", len(lines)-missedReportMax))
		}
		s.cfg.Outbox.Reply(s.cfg.Admin, "【未审核】以下摘要在宽限时间内无人批准，没有发送：\n"+strings.Join(lines, "\n"))
	}
	return errors.Join(errs...)
}

// slotLabelIn writes a slot as loc reads it, e.g. "3月14日 08:00".
func (s *Scheduler) slotLabelIn(slot time.Time, loc *time.Location) string {
	if loc == nil {
		loc = s.cfg.Zone
	}
	return slot.In(loc).Format("1月2日 15:04")
}
