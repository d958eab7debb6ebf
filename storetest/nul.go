package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/model"
)

// NUL characters (U+0000). PostgreSQL's text cannot hold one; SQLite can.
// Every store does the same with them:
//
//   - a name or key holding one (group names, filter words, sources,
//     channel names and settings, remarks, lease names and holders, meta
//     keys, accounts, claim holders, reply targets, remote ids) is refused
//     with an error wrapping model.ErrInvalid that names the field and
//     says NUL, and nothing changes: a name is compared byte for byte, so
//     dropping the NUL would make it another name;
//   - free text that comes from outside and must not be lost (an audit
//     detail, a reply's text, a delivery part's text, an error text, a
//     meta value) is kept with its NUL characters removed. A part that is
//     nothing but NULs is then empty, and refused as such;
//   - a lookup by a name holding one (Subscription, Channel, RoleOf,
//     Lease, Meta) finds nothing: model.ErrNotFound.
//
// Articles refuse a NUL in any field (see RunArticleLimits).

// wantNUL fails t unless err wraps ErrInvalid and names field and NUL.
func wantNUL(t *testing.T, what, field string, err error) {
	t.Helper()
	if !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("%s: err = %v, want %v", what, err, model.ErrInvalid)
	}
	if msg := err.Error(); !strings.Contains(msg, field) || !strings.Contains(msg, "NUL") {
		t.Errorf("%s: err = %q, want it to name the %s and say NUL", what, msg, field)
	}
}

func testSubscriptionNUL(t *testing.T, e *env) {
	base := model.Subscription{Group: "幸福里", Kind: model.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai", Enabled: true}
	for _, c := range []struct {
		field string
		set   func(*model.Subscription)
	}{
		{"group", func(s *model.Subscription) { s.Group = "幸福\x00里" }},
		{"spec", func(s *model.Subscription) { s.Spec = "08:00\x00" }},
		{"time zone", func(s *model.Subscription) { s.TZ = "Asia/\x00Shanghai" }},
		{"sources", func(s *model.Subscription) { s.Source = "日报\x00" }},
		{"word", func(s *model.Subscription) { s.Include = []string{"樱花", "樱\x00花"} }},
		{"word", func(s *model.Subscription) { s.Exclude = []string{"\x00广告"} }},
	} {
		sub := base
		c.set(&sub)
		_, err := e.s.PutSubscription(e.ctx, sub)
		wantNUL(t, "PutSubscription with a NUL in the "+c.field, c.field, err)
	}
	if groups := e.subGroups(t); len(groups) != 0 {
		t.Fatalf("subscriptions after refused puts: %q, want none", groups)
	}
	e.sub(t, "幸福里")
	wantNUL(t, "RenameGroup to a name with a NUL", "group", e.s.RenameGroup(e.ctx, "幸福里", "幸福\x00里"))
	wantNUL(t, "RenameGroup from a name with a NUL", "group", e.s.RenameGroup(e.ctx, "幸福\x00里", "新村"))
	if groups := e.subGroups(t); !slices.Equal(groups, []string{"幸福里"}) {
		t.Errorf("subscriptions after refused renames: %q, want [幸福里]", groups)
	}
	_, err := e.s.Subscription(e.ctx, "幸福里\x00")
	wantErr(t, "Subscription of a name with a NUL", err, model.ErrNotFound)
	wantErr(t, "RemoveSubscription of a name with a NUL", e.s.RemoveSubscription(e.ctx, "幸福里\x00"), model.ErrNotFound)
	wantErr(t, "RemoveChannelSubscription of a name with a NUL", e.s.RemoveChannelSubscription(e.ctx, "机器\x00人"), model.ErrNotFound)
}

func testChannelNUL(t *testing.T, e *env) {
	for _, c := range []struct {
		field string
		ch    func() model.Channel
	}{
		{"channel name", func() model.Channel { c := robotChannel(); c.Name = "机器\x00人"; return c }},
		{"URL", func() model.Channel { c := robotChannel(); c.URL += "\x00"; return c }},
		{"corp id", func() model.Channel { c := taskChannel(); c.CorpID = "ww\x0001"; return c }},
		{"secret", func() model.Channel { c := taskChannel(); c.Secret = "s3\x00cret"; return c }},
		{"sender", func() model.Channel { c := taskChannel(); c.Sender = "wang\x00"; return c }},
		{"chat id", func() model.Channel { c := taskChannel(); c.ChatIDs = []string{"wrA", "wr\x00B"}; return c }},
	} {
		_, err := e.s.AddChannel(e.ctx, c.ch())
		wantNUL(t, "AddChannel with a NUL in the "+c.field, c.field, err)
	}
	if list, err := e.s.Channels(e.ctx); err != nil || len(list) != 0 {
		t.Fatalf("Channels after refused adds = %+v, %v; want none", list, err)
	}
	robot := robotChannel()
	if _, err := e.s.AddChannel(e.ctx, robot); err != nil {
		t.Fatal(err)
	}
	bad := robot
	bad.URL = "https://qyapi.weixin.qq.com/\x00"
	_, err := e.s.UpdateChannel(e.ctx, bad)
	wantNUL(t, "UpdateChannel with a NUL in the URL", "URL", err)

	at := e.clock.Now()
	wantErr(t, "SetChannelError with a NUL in the error", e.s.SetChannelError(e.ctx, robot.Name, "93000\x00: invalid webhook", at), nil)
	got, err := e.s.Channel(e.ctx, robot.Name)
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != robot.URL || got.LastError != "93000: invalid webhook" {
		t.Errorf("channel after the refused update and the error = URL %q, error %q; want %q, %q",
			got.URL, got.LastError, robot.URL, "93000: invalid webhook")
	}
	wantNUL(t, "SetChannelError of a name with a NUL", "channel name", e.s.SetChannelError(e.ctx, "机器\x00人", "down", at))
	_, err = e.s.Channel(e.ctx, robot.Name+"\x00")
	wantErr(t, "Channel of a name with a NUL", err, model.ErrNotFound)
	wantErr(t, "RemoveChannel of a name with a NUL", e.s.RemoveChannel(e.ctx, robot.Name+"\x00"), model.ErrNotFound)
}

// testSourceNUL: sources refuse a NUL in their name or URL, find nothing
// by such a name, and keep a fetch's error text without its NULs.
func testSourceNUL(t *testing.T, e *env) {
	src := model.Source{Name: "区政府网", Kind: model.SourceFeed, URL: "https://example.gov.cn/rss.xml", Every: 30 * time.Minute, Enabled: true}
	for _, bad := range []model.Source{
		{Name: "区政\x00府网", Kind: src.Kind, URL: src.URL, Every: src.Every},
		{Name: src.Name, Kind: src.Kind, URL: src.URL + "\x00", Every: src.Every},
	} {
		_, err := e.s.AddSource(e.ctx, bad)
		wantErr(t, "AddSource with a NUL", err, model.ErrInvalid)
	}
	if _, err := e.s.AddSource(e.ctx, src); err != nil {
		t.Fatal(err)
	}
	_, err := e.s.Source(e.ctx, src.Name+"\x00")
	wantErr(t, "Source of a name with a NUL", err, model.ErrNotFound)
	wantErr(t, "RemoveSource of a name with a NUL", e.s.RemoveSource(e.ctx, src.Name+"\x00"), model.ErrNotFound)
	wantErr(t, "EnableSource of a name with a NUL", e.s.EnableSource(e.ctx, src.Name+"\x00", false), model.ErrNotFound)
	now := e.clock.Now()
	got, err := e.s.RecordFetch(e.ctx, src.Name, model.FetchOutcome{At: now, Next: now.Add(time.Hour), Err: "HTTP 500\x00 from server"})
	if err != nil || got.LastError != "HTTP 500 from server" {
		t.Errorf("RecordFetch with a NUL in the error = %q, %v; want the text without it", got.LastError, err)
	}
}

func testLedgerNUL(t *testing.T, e *env) {
	sub := e.sub(t, "幸福里")
	slot := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	parts := []string{"第一\x00部分", "第二部分\x00\x00"}
	e.record(t, sub.ID, slot, parts, nil)
	if parts[0] != "第一\x00部分" {
		t.Errorf("RecordSlot changed its caller's parts: %q", parts)
	}
	other := e.sub(t, "新村")
	created, err := e.s.RecordSlots(e.ctx, []model.SlotRecord{
		{SubscriptionID: other.ID, Slot: slot, Parts: []string{"\x00第三部分"}},
		{SubscriptionID: other.ID, Slot: slot.Add(time.Hour), Parts: []string{"第四部分"}},
	})
	if err != nil || len(created) != 2 || !created[0] || !created[1] {
		t.Fatalf("RecordSlots = %v, %v", created, err)
	}
	texts := []string{}
	for _, d := range e.deliveries(t) {
		texts = append(texts, d.Text)
	}
	want := []string{"第一部分", "第二部分", "第三部分", "第四部分"}
	if !slices.Equal(slices.Sorted(slices.Values(texts)), slices.Sorted(slices.Values(want))) {
		t.Errorf("stored parts = %q, want %q", texts, want)
	}
	_, err = e.s.RecordSlot(e.ctx, sub.ID, slot.Add(time.Hour), []string{"\x00"}, nil)
	wantErr(t, "RecordSlot of a part that is only a NUL", err, model.ErrInvalid)

	id := e.unsent(t)[0].ID
	wantErr(t, "MarkFailed with a NUL in the error", e.s.MarkFailed(e.ctx, id, "超时\x00"), nil)
	if got := e.row(t, id); got.Error != "超时" {
		t.Errorf("error after MarkFailed = %q, want 超时", got.Error)
	}
	wantNUL(t, "MarkAwaiting with a NUL in the remote id", "remote id", e.s.MarkAwaiting(e.ctx, id, "msg\x00id"))
	if got := e.row(t, id); got.State != model.DeliveryFailed {
		t.Errorf("state after the refused MarkAwaiting = %q, want %q", got.State, model.DeliveryFailed)
	}
}

func testLeaseNUL(t *testing.T, e *env) {
	const ttl = time.Minute
	_, _, err := e.s.AcquireLease(e.ctx, "run\x00", "a", ttl)
	wantNUL(t, "AcquireLease with a NUL in the name", "lease name", err)
	_, _, err = e.s.AcquireLease(e.ctx, "run", "a\x00", ttl)
	wantNUL(t, "AcquireLease with a NUL in the holder", "holder", err)
	if ok, _, err := e.s.AcquireLease(e.ctx, "run", "a", ttl); err != nil || !ok {
		t.Fatalf("AcquireLease = %v, %v", ok, err)
	}
	_, err = e.s.TakeLease(e.ctx, "run", "b\x00", "a", ttl)
	wantNUL(t, "TakeLease with a NUL in the holder", "holder", err)
	_, err = e.s.TakeLease(e.ctx, "run", "b", "a\x00", ttl)
	wantNUL(t, "TakeLease with a NUL in the former holder", "holder", err)
	_, err = e.s.TakeLease(e.ctx, "ru\x00n", "b", "a", ttl)
	wantNUL(t, "TakeLease with a NUL in the name", "lease name", err)
	if holder, _, err := e.s.Lease(e.ctx, "run"); err != nil || holder != "a" {
		t.Errorf("Lease after refused takes = %q, %v; want a", holder, err)
	}
	_, _, err = e.s.Lease(e.ctx, "run\x00")
	wantErr(t, "Lease of a name with a NUL", err, model.ErrNotFound)
	// Releasing or pruning what cannot exist changes nothing.
	wantErr(t, "ReleaseLease of a name with a NUL", e.s.ReleaseLease(e.ctx, "run\x00", "a"), nil)
	wantErr(t, "ReleaseLease by a holder with a NUL", e.s.ReleaseLease(e.ctx, "run", "a\x00"), nil)
	if n, err := e.s.PruneLeases(e.ctx, "ru\x00"); err != nil || n != 0 {
		t.Errorf("PruneLeases of a prefix with a NUL = %d, %v; want 0, nil", n, err)
	}
	if holder, _, err := e.s.Lease(e.ctx, "run"); err != nil || holder != "a" {
		t.Errorf("Lease after releases by NUL names = %q, %v; want a", holder, err)
	}
}

func testRoleNUL(t *testing.T, e *env) {
	wantNUL(t, "GrantRole with a NUL in the remark", "remark",
		e.s.GrantRole(e.ctx, "王\x00主任", model.RoleAdmin, "owner"))
	wantNUL(t, "GrantRole with a NUL in who granted it", "granted by",
		e.s.GrantRole(e.ctx, "王主任", model.RoleAdmin, "own\x00er"))
	if grants, err := e.s.Roles(e.ctx); err != nil || len(grants) != 0 {
		t.Errorf("Roles after refused grants = %+v, %v; want none", grants, err)
	}
	_, err := e.s.RoleOf(e.ctx, "王\x00主任")
	wantErr(t, "RoleOf a remark with a NUL", err, model.ErrNotFound)
	wantErr(t, "RevokeRole of a remark with a NUL", e.s.RevokeRole(e.ctx, "王\x00主任"), model.ErrNotFound)
}

func testAuditNUL(t *testing.T, e *env) {
	wantNUL(t, "Audit with a NUL in who", "who", e.s.Audit(e.ctx, model.AuditEntry{Who: "cl\x00i", Action: "subscribe"}))
	wantNUL(t, "Audit with a NUL in the action", "action", e.s.Audit(e.ctx, model.AuditEntry{Who: "cli", Action: "sub\x00scribe"}))
	wantErr(t, "Audit with a NUL in the detail",
		e.s.Audit(e.ctx, model.AuditEntry{Who: "cli", Action: "subscribe", Detail: "幸福里\x00 08:00"}), nil)
	log, err := e.s.AuditLog(e.ctx, 0)
	if err != nil || len(log) != 1 || log[0].Detail != "幸福里 08:00" {
		t.Errorf("AuditLog = %+v, %v; want one entry, detail %q", log, err, "幸福里 08:00")
	}

	wantNUL(t, "SetMeta with a NUL in the key", "meta key", e.s.SetMeta(e.ctx, "ui\x00n", "1"))
	wantErr(t, "SetMeta with a NUL in the value", e.s.SetMeta(e.ctx, "uin", "12\x0034"), nil)
	if v, err := e.s.Meta(e.ctx, "uin"); err != nil || v != "1234" {
		t.Errorf("Meta(uin) = %q, %v; want 1234", v, err)
	}
	_, err = e.s.Meta(e.ctx, "ui\x00n")
	wantErr(t, "Meta of a key with a NUL", err, model.ErrNotFound)
}

func testOutboxNUL(t *testing.T, e *env) {
	r := model.QueuedReply{Channel: model.ChannelWeChat, TargetKind: "group", TargetName: "幸福里", TargetID: "@abc"}
	for _, c := range []struct {
		field string
		set   func(*model.QueuedReply)
	}{
		{"channel", func(r *model.QueuedReply) { r.Channel = "wechat\x00" }},
		{"target kind", func(r *model.QueuedReply) { r.TargetKind = "gro\x00up" }},
		{"target name", func(r *model.QueuedReply) { r.TargetName = "幸福\x00里" }},
		{"target id", func(r *model.QueuedReply) { r.TargetID = "@a\x00bc" }},
	} {
		bad := r
		bad.Text = "好"
		c.set(&bad)
		_, err := e.s.QueueReply(e.ctx, bad)
		wantNUL(t, "QueueReply with a NUL in the "+c.field, c.field, err)
	}
	r.Text = "今日\x00新闻"
	if _, err := e.s.QueueReply(e.ctx, r); err != nil {
		t.Fatalf("QueueReply with a NUL in the text: %v", err)
	}
	got, err := e.s.QueuedReplies(e.ctx, model.ChannelWeChat)
	if err != nil || len(got) != 1 || got[0].Text != "今日新闻" {
		t.Errorf("QueuedReplies = %+v, %v; want one reply, text 今日新闻", got, err)
	}
	if got, err := e.s.QueuedReplies(e.ctx, "wechat\x00"); err != nil || len(got) != 0 {
		t.Errorf("QueuedReplies of a channel with a NUL = %+v, %v; want none", got, err)
	}
}

func testClaimNUL(t *testing.T, e *env) {
	ds := e.claimSlot(t, "幸福里")
	for _, c := range []struct {
		field string
		claim model.Claim
	}{
		{"holder", model.Claim{Holder: "A\x00", Account: "甲", TTL: claimTTL}},
		{"account", model.Claim{Holder: "A", Account: "甲\x00", TTL: claimTTL}},
		{"account", model.Claim{Holder: "A", Account: "甲", TTL: claimTTL, BoundAs: "甲\x00"}},
	} {
		_, err := e.s.ClaimDelivery(e.ctx, ds[0].ID, c.claim)
		wantNUL(t, "ClaimDelivery with a NUL in the "+c.field, c.field, err)
	}
	if !e.claim(t, ds[0].ID, "B", "乙", "") {
		t.Error("the part was claimed by a refused claim")
	}
	wantNUL(t, "BindAccount with a NUL in the account", "account",
		e.s.BindAccount(e.ctx, "甲\x00", []string{"幸福里"}, claimTTL))
	wantNUL(t, "BindAccount with a NUL in a group", "group",
		e.s.BindAccount(e.ctx, "甲", []string{"新村", "幸福\x00里"}, claimTTL))
	if m, err := e.s.AccountGroups(e.ctx); err != nil || len(m) != 0 {
		t.Errorf("AccountGroups after refused bindings = %v, %v; want none", m, err)
	}
}
