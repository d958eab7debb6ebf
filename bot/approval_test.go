package bot_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/model"
)

func approveSub(t *testing.T, e *scEnv, group, spec string) data.Subscription {
	t.Helper()
	s, err := e.store.PutSubscription(e.ctx, data.Subscription{Group: group, Kind: data.ScheduleAt,
		Spec: spec, TZ: "Asia/Shanghai", Enabled: true, Approve: true})
	if err != nil {
		t.Fatal(err)
	}
	e.subs++
	return s
}

// TestApprovalHoldsTheSlot: a slot of a subscription that requires
// approval waits, and staff are told what to approve; approved, it goes
// out as approved.
func TestApprovalHoldsTheSlot(t *testing.T) {
	ap := &bot.MemApprovals{}
	e := scNewEnv(t, time.Date(2024, 3, 14, 7, 0, 0, 0, scShanghai(t)), scOpts{grace: 2 * time.Hour, approvals: ap})
	ids := e.importDay("2024-03-14", scTitles("新闻", 2)...)
	sub := approveSub(t, e, "街道群", "08:00")
	e.start(true)
	e.runUntil(e.at(2024, 3, 14, 8, 1))
	e.drain(time.Hour)
	if got := e.tr.SentTo(scGroup("街道群")); len(got) != 0 {
		t.Fatalf("sent before approval: %q", got)
	}
	if ds := e.deliveries(); len(ds) != 0 {
		t.Fatalf("ledger rows before approval: %+v", ds)
	}
	want := e.expectParts("2024-03-14", ids)
	a := ap.Only(t)
	if a.State != model.ApprovalPending || a.SubscriptionID != sub.ID || !a.Slot.Equal(e.at(2024, 3, 14, 8, 0)) ||
		a.Text != strings.Join(want, model.PartSeparator) || a.TextHash != model.DigestHash(want) {
		t.Fatalf("approval %+v, want pending with the slot's parts", a)
	}
	notes := e.tr.SentTo(scSelf)
	if len(notes) != 1 || !strings.Contains(notes[0], "待审核") || !strings.Contains(notes[0], "街道群") || !strings.Contains(notes[0], "3月14日 08:00") {
		t.Fatalf("admins were told %q", notes)
	}
	// Firing again while it waits tells nobody twice.
	e.runUntil(e.at(2024, 3, 14, 8, 5))
	if n := len(e.tr.SentTo(scSelf)); n != 1 {
		t.Errorf("%d notices while waiting, want 1", n)
	}
	ap.Approve(t, "李干事")
	if err := e.disp.Reload(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.drain(time.Hour)
	if got := e.tr.SentTo(scGroup("街道群")); !slices.Equal(got, want) {
		t.Fatalf("after approval the group got %q, want %q", got, want)
	}
	for _, d := range e.deliveries() {
		if d.State != data.DeliverySent || !d.Slot.Equal(e.at(2024, 3, 14, 8, 0)) {
			t.Errorf("ledger row %+v, want the 08:00 slot sent", d)
		}
	}
}

// TestApprovalUndoneByAnEdit: a digest that changed after it was approved
// waits for approval again.
func TestApprovalUndoneByAnEdit(t *testing.T) {
	ap := &bot.MemApprovals{}
	e := scNewEnv(t, time.Date(2024, 3, 14, 7, 0, 0, 0, scShanghai(t)), scOpts{grace: 2 * time.Hour, approvals: ap})
	e.importDay("2024-03-14", scTitles("新闻", 2)...)
	approveSub(t, e, "街道群", "08:00")
	e.start(true)
	e.runUntil(e.at(2024, 3, 14, 8, 1))
	ap.Approve(t, "李干事")
	// Before it goes out, a third item arrives: the digest is not the one
	// approved.
	e.importDay("2024-03-14", "新到的一条")
	if err := e.disp.Reload(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.drain(time.Hour)
	if got := e.tr.SentTo(scGroup("街道群")); len(got) != 0 {
		t.Fatalf("a changed digest went out on an old approval: %q", got)
	}
	if a := ap.Only(t); a.State != model.ApprovalPending || !strings.Contains(a.Text, "新到的一条") {
		t.Fatalf("approval %+v, want pending with the new text", a)
	}
	notes := e.tr.SentTo(scSelf)
	if len(notes) != 2 || !strings.Contains(notes[1], "重新审核") {
		t.Fatalf("notices %q, want a second one asking to approve again", notes)
	}
}

// TestApprovalMissed: nobody approves within the grace window: the slot is
// missed, admins are told, nothing is sent.
func TestApprovalMissed(t *testing.T) {
	ap := &bot.MemApprovals{}
	e := scNewEnv(t, time.Date(2024, 3, 14, 7, 0, 0, 0, scShanghai(t)), scOpts{grace: time.Hour, approvals: ap})
	e.importDay("2024-03-14", scTitles("新闻", 2)...)
	approveSub(t, e, "街道群", "08:00")
	e.start(true)
	e.runUntil(e.at(2024, 3, 14, 9, 30))
	if err := e.disp.Reload(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.drain(time.Hour)
	if a := ap.Only(t); a.State != model.ApprovalMissed {
		t.Fatalf("approval %+v, want missed", a)
	}
	notes := e.tr.SentTo(scSelf)
	if len(notes) != 2 || !strings.Contains(notes[1], "未审核") || !strings.Contains(notes[1], "街道群") {
		t.Fatalf("notices %q", notes)
	}
	// Approving it late sends nothing.
	ap.Approve(t, "李干事")
	if err := e.disp.Reload(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.drain(time.Hour)
	if got := e.tr.SentTo(scGroup("街道群")); len(got) != 0 {
		t.Fatalf("sent after the slot was missed: %q", got)
	}
}

// TestApprovalPush: a push to a subscription that requires approval goes
// out only when today's approval covers what it would send.
func TestApprovalPush(t *testing.T) {
	ap := &bot.MemApprovals{}
	e := scNewEnv(t, time.Date(2024, 3, 14, 10, 0, 0, 0, scShanghai(t)), scOpts{approvals: ap})
	ids := e.importDay("2024-03-14", scTitles("新闻", 2)...)
	sub := approveSub(t, e, "街道群", "18:00")
	e.start(true)
	e.settle()
	res, err := e.disp.PushNow(e.ctx, []string{"街道群"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || !errors.Is(res[0].Err, bot.ErrAwaitingApproval) {
		t.Fatalf("push without approval: %+v", res)
	}
	want := e.expectParts("2024-03-14", ids)
	if _, err := ap.PutApproval(e.ctx, model.Approval{SubscriptionID: sub.ID, Slot: e.at(2024, 3, 14, 18, 0), State: model.ApprovalApproved,
		By: "web:王主任", At: time.Now(), Text: strings.Join(want, model.PartSeparator), TextHash: model.DigestHash(want)}); err != nil {
		t.Fatal(err)
	}
	res, err = e.disp.PushNow(e.ctx, []string{"街道群"})
	if err != nil || len(res) != 1 || res[0].Err != nil || res[0].Items != 2 {
		t.Fatalf("push after approval: %+v, %v", res, err)
	}
	e.drain(time.Hour)
	if got := e.tr.SentTo(scGroup("街道群")); !slices.Equal(got, want) {
		t.Fatalf("pushed %q, want %q", got, want)
	}
}

// TestDeadClaimantsPartsTaken: parts a dead process claimed (on this
// host) are taken over at the next catch-up; those of a live claimant are
// left to it until its claim runs out.
func TestDeadClaimantsPartsTaken(t *testing.T) {
	for _, dead := range []bool{true, false} {
		t.Run(map[bool]string{true: "dead", false: "alive"}[dead], func(t *testing.T) {
			const other = "elsewhere pid 1 (00)"
			e := scNewEnv(t, time.Date(2024, 3, 14, 8, 0, 30, 0, scShanghai(t)), scOpts{grace: time.Hour,
				holderGone: func(h string) bool { return dead && h == other }})
			ids := e.importDay("2024-03-14", scTitles("新闻", 2)...)
			sub := e.sub("街道群", "08:00", false)
			parts := e.expectParts("2024-03-14", ids)
			if _, err := e.store.RecordSlot(e.ctx, sub.ID, e.at(2024, 3, 14, 8, 0), parts, ids); err != nil {
				t.Fatal(err)
			}
			d := e.deliveries()[0]
			if ok, err := e.store.ClaimDelivery(e.ctx, d.ID, model.Claim{Holder: other, Account: "乙", TTL: time.Minute}); err != nil || !ok {
				t.Fatalf("the other process's claim: %v %v", ok, err)
			}
			e.start(true)
			e.settle()
			e.drain(time.Minute)
			got := e.tr.SentTo(scGroup("街道群"))
			if dead && !slices.Equal(got, parts) {
				t.Fatalf("a dead claimant's parts: sent %q, want %q", got, parts)
			}
			if !dead && len(got) != 0 {
				t.Fatalf("a live claimant's parts were sent: %q", got)
			}
		})
	}
}
