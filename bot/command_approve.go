package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wxdigest/wxdigest/model"
)

// approveCmd: 批准 /approve [N] — the 审核 of digests held for approval.
// Without N it shows what waits, each digest in full, numbered; 批准 N
// approves the N-th exactly as it was shown.
type approveCmd struct{}

func (approveCmd) info() commandInfo {
	return commandInfo{words: []string{"批准", "审核"}, alias: "approve", args: "[序号]",
		help: "查看等待审核的摘要；看过后发送“批准 序号”批准发送", role: RoleStaff, takesArgs: true, attached: rtIsNumber}
}

// maxApprovalList bounds the digests one 批准 shows.
const maxApprovalList = 5

func (approveCmd) run(ctx context.Context, c *call) {
	st := c.r.approvals
	if st == nil {
		c.reply("审核暂不可用：这个机器人没有启用审核")
		return
	}
	to, ok := privateTarget(c.m.From)
	if !ok {
		c.reply("审核只能私信进行，请先加为好友")
		return
	}
	if to.Key() != c.m.Chat.Key() {
		c.reply("请私信机器人发送“批准”进行审核，群里不显示待审核的内容")
		return
	}
	pending, names, err := c.r.pendingApprovals(ctx, c.now)
	if err != nil {
		c.r.log.Error("approve: read approvals", "err", err)
		c.reply("暂时读不到待审核的摘要，请稍后再试")
		return
	}
	arg := strings.TrimSpace(c.args)
	if arg == "" {
		if len(pending) == 0 {
			c.reply("现在没有等待审核的摘要")
			return
		}
		c.r.mu.Lock()
		c.r.approvalsShown[to.Key()] = pending
		c.r.mu.Unlock()
		var parts []string
		for i, a := range pending {
			if i == maxApprovalList {
				parts = append(parts, fmt.Sprintf("另有 %d 个等待审核，请先处理以上几个或在控制台查看", len(pending)-i))
				break
			}
			head := fmt.Sprintf("【待审核 %d】%s %s", i+1, names[a.SubscriptionID], a.Slot.In(c.r.zone).Format("1月2日 15:04"))
			parts = append(parts, head)
			for _, p := range strings.Split(a.Text, model.PartSeparator) {
				if strings.HasPrefix(p, "{") {
					p = "（图片：早报图）"
				}
				parts = append(parts, p)
			}
		}
		parts = append(parts, "核对无误后，发送“批准 序号”批准发送，如“批准 1”")
		c.r.out.Reply(to, parts...)
		return
	}
	n, err := strconv.Atoi(arg)
	c.r.mu.Lock()
	shown := c.r.approvalsShown[to.Key()]
	c.r.mu.Unlock()
	if err != nil || n < 1 || n > len(shown) {
		c.reply("请先发送“批准”查看等待审核的摘要，再发送“批准 序号”")
		return
	}
	want := shown[n-1]
	// Approve exactly what was shown: a digest that changed since (an
	// item corrected or withdrawn) must be read again.
	var cur model.Approval
	found := false
	for _, a := range pending {
		if a.SubscriptionID == want.SubscriptionID && a.Slot.Equal(want.Slot) {
			cur, found = a, true
		}
	}
	switch {
	case !found:
		c.reply("这个摘要已经不在待审核中（已批准、已错过或已取消）。发送“批准”查看最新情况")
		return
	case cur.TextHash != want.TextHash:
		c.reply("这个摘要在您查看后有改动，请发送“批准”重新查看后再批准")
		return
	}
	cur.State, cur.By, cur.At = model.ApprovalApproved, c.who(), c.now
	if _, err := st.PutApproval(ctx, cur); err != nil {
		c.r.log.Error("approve: record", "err", err)
		c.reply("批准没有记下，请稍后再试")
		return
	}
	_ = c.r.audit(ctx, c.who(), "approve", fmt.Sprintf("%s %s %s", names[cur.SubscriptionID], cur.Slot.Format(time.RFC3339), cur.TextHash[:12]))
	if c.r.disp != nil {
		if err := c.r.disp.Reload(ctx); err != nil {
			c.r.log.Warn("approve: reload the dispatcher", "err", err)
		}
	}
	c.reply(fmt.Sprintf("已批准%s %s 的摘要，马上发送", names[cur.SubscriptionID], cur.Slot.In(c.r.zone).Format("1月2日 15:04")))
}

// pendingApprovals lists the approvals waiting now, oldest first, and the
// names of their subscriptions' targets.
func (r *Router) pendingApprovals(ctx context.Context, now time.Time) ([]model.Approval, map[int64]string, error) {
	as, err := r.approvals.Approvals(ctx, now.Add(-approvalWindow))
	if err != nil {
		return nil, nil, err
	}
	subs, err := r.store.Subscriptions(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[int64]string, len(subs))
	for _, s := range subs {
		names[s.ID] = describeTarget(s.Channel, s.Group)
	}
	var out []model.Approval
	for _, a := range as {
		if _, ok := names[a.SubscriptionID]; ok && a.State == model.ApprovalPending {
			out = append(out, a)
		}
	}
	return out, names, nil
}

// rtIsNumber: "批准1" is 批准 1.
func rtIsNumber(s string) bool {
	_, err := strconv.Atoi(strings.TrimSpace(s))
	return err == nil && len(s) <= 3
}
