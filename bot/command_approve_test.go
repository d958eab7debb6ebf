package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/model"
)

// TestApproveCommand: 批准 shows what waits, in full, to staff in a
// private chat; 批准 N approves exactly what was shown, and a digest that
// changed since must be read again.
func TestApproveCommand(t *testing.T) {
	ap := &MemApprovals{}
	e := newRTEnv(t, func(cfg *RouterConfig) { cfg.Approvals = ap })
	e.subscribe("中原区居民群", "08:00")
	sub := e.subs()[0]
	slot := time.Date(2023, 2, 13, 0, 0, 0, 0, time.UTC)
	parts := []string{"【中原区新闻】第一部分", "第二部分"}
	if _, err := ap.PutApproval(context.Background(), model.Approval{SubscriptionID: sub.ID, Slot: slot, State: model.ApprovalPending,
		Text: strings.Join(parts, model.PartSeparator), TextHash: model.DigestHash(parts)}); err != nil {
		t.Fatal(err)
	}
	staffChat := Target{Kind: ChatFriend, Name: "李干事"}

	if got := e.one(staffChat, rtResident, "批准"); !strings.Contains(got, "需要") {
		t.Errorf("a resident's 批准: %q", got)
	}
	if got := e.one(rtGroup, rtStaff, "批准"); !strings.Contains(got, "私信") {
		t.Errorf("批准 in a group: %q", got)
	}
	if got := e.one(staffChat, rtStaff, "批准 1"); !strings.Contains(got, "先发送“批准”") {
		t.Errorf("批准 1 before the list was seen: %q", got)
	}
	shown := e.say(staffChat, rtStaff, "批准")
	all := ""
	for _, s := range shown {
		all += s.text() + "\n"
	}
	if !strings.Contains(all, "待审核 1") || !strings.Contains(all, "中原区居民群") || !strings.Contains(all, "第二部分") ||
		!strings.Contains(all, "2月13日 08:00") {
		t.Fatalf("批准 showed %q", all)
	}
	// The digest changes after it was shown.
	changed := []string{"【中原区新闻】第一部分（改）", "第二部分"}
	a := ap.Get(0)
	a.Text, a.TextHash = strings.Join(changed, model.PartSeparator), model.DigestHash(changed)
	if _, err := ap.PutApproval(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if got := e.one(staffChat, rtStaff, "批准 1"); !strings.Contains(got, "重新查看") {
		t.Fatalf("approving a changed digest: %q", got)
	}
	if ap.Get(0).State != model.ApprovalPending {
		t.Fatal("a changed digest was approved")
	}
	e.say(staffChat, rtStaff, "批准")
	if got := e.one(staffChat, rtStaff, "批准1"); !strings.Contains(got, "已批准") {
		t.Fatalf("批准1: %q", got)
	}
	got := ap.Get(0)
	if got.State != model.ApprovalApproved || got.By != "李干事" || !got.Covers(changed) {
		t.Errorf("approval %+v", got)
	}
	if _, reloads := e.disp.counts(); reloads == 0 {
		t.Error("the dispatcher was not told to look again")
	}
	log := e.auditLog()
	if len(log) == 0 || log[0].Action != "approve" || log[0].Who != "李干事" {
		t.Errorf("audit %+v", log)
	}
	if got := e.one(staffChat, rtStaff, "批准"); !strings.Contains(got, "没有等待审核") {
		t.Errorf("批准 with nothing waiting: %q", got)
	}
}

// TestPushAwaitingApproval: a push the dispatcher holds for approval says
// so, in the group and in 推送 全部's summary.
func TestPushAwaitingApproval(t *testing.T) {
	e := newRTEnv(t)
	e.subscribe(rtGroup.Name, "08:00")
	e.disp.pushNow = func(ctx context.Context, groups []string) ([]PushResult, error) {
		return []PushResult{{Group: rtGroup.Name, Err: ErrAwaitingApproval}, {Group: "别的群", Items: 3, Parts: 1}}[:max(1, 2-len(groups))], nil
	}
	if got := e.one(rtGroup, rtStaff, "推送"); !strings.Contains(got, "审核") || strings.Contains(got, "失败") {
		t.Errorf("推送 held for approval: %q", got)
	}
	if got := e.one(rtGroup, rtStaff, "推送 全部"); !strings.Contains(got, "1 个群的摘要待审核") || !strings.Contains(got, "待审核，未推送") || strings.Contains(got, "失败") {
		t.Errorf("推送 全部 with a held group: %q", got)
	}
}
