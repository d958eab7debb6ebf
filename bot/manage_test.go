package bot

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/data"
)

func TestParseSubscribeArgs(t *testing.T) {
	cases := []struct {
		args, tz string
		want     data.Subscription // Enabled is always expected
	}{
		{"08:00", "", data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai"}},
		{"8:00,18:00", "", data.Subscription{Kind: data.ScheduleAt, Spec: "08:00,18:00", TZ: "Asia/Shanghai"}},
		{"18:00 08:00", "", data.Subscription{Kind: data.ScheduleAt, Spec: "08:00,18:00", TZ: "Asia/Shanghai"}},
		{"08:00、18:00", "", data.Subscription{Kind: data.ScheduleAt, Spec: "08:00,18:00", TZ: "Asia/Shanghai"}},
		{"08:00，18:00", "", data.Subscription{Kind: data.ScheduleAt, Spec: "08:00,18:00", TZ: "Asia/Shanghai"}},
		{"０８：００，１８：３０", "", data.Subscription{Kind: data.ScheduleAt, Spec: "08:00,18:30", TZ: "Asia/Shanghai"}},
		{"08:00 08:00", "", data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai"}},
		{"08:00 工作日", "", data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai", Weekdays: true}},
		{"周一至周五 08:00", "", data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai", Weekdays: true}},
		{"08:00,工作日", "", data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai", Weekdays: true}},
		{"每天 7:05", "", data.Subscription{Kind: data.ScheduleAt, Spec: "07:05", TZ: "Asia/Shanghai"}},
		{"8点", "", data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai"}},
		{"8点半", "", data.Subscription{Kind: data.ScheduleAt, Spec: "08:30", TZ: "Asia/Shanghai"}},
		{"18点30分", "", data.Subscription{Kind: data.ScheduleAt, Spec: "18:30", TZ: "Asia/Shanghai"}},
		{"下午6点", "", data.Subscription{Kind: data.ScheduleAt, Spec: "18:00", TZ: "Asia/Shanghai"}},
		{"晚上九点", "", data.Subscription{Kind: data.ScheduleAt, Spec: "21:00", TZ: "Asia/Shanghai"}},
		{"中午12点", "", data.Subscription{Kind: data.ScheduleAt, Spec: "12:00", TZ: "Asia/Shanghai"}},
		{"中午1点", "", data.Subscription{Kind: data.ScheduleAt, Spec: "13:00", TZ: "Asia/Shanghai"}},
		{"上午8点", "", data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai"}},
		{"08:00", "America/New_York", data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", TZ: "America/New_York"}},
		{"08:00 Asia/Tokyo", "", data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", TZ: "Asia/Tokyo"}},
		{"cron 0 8 * * *", "", data.Subscription{Kind: data.ScheduleCron, Spec: "0 8 * * *", TZ: "Asia/Shanghai"}},
		{"CRON 0 0 8 * * *", "", data.Subscription{Kind: data.ScheduleCron, Spec: "0 0 8 * * *", TZ: "Asia/Shanghai"}},
		{"cron 0 8 * * * 工作日", "", data.Subscription{Kind: data.ScheduleCron, Spec: "0 8 * * *", TZ: "Asia/Shanghai", Weekdays: true}},
	}
	for _, c := range cases {
		t.Run(c.args, func(t *testing.T) {
			got, err := ParseSubscribeArgs(c.args, c.tz)
			if err != nil {
				t.Fatal(err)
			}
			c.want.Enabled = true
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
	many := make([]string, 25)
	for i := range many {
		many[i] = time.Date(0, 1, 1, 0, i*2, 0, 0, time.UTC).Format("15:04")
	}
	bad := []string{"", "   ", "25:00", "8:0", "08:60", "-1:00", "abc", "8点钟", "08:00 火星时间",
		"08:00 Mars/Olympus", "cron", "cron 61 * * * *", "cron @every 1h", "cron TZ=UTC 0 8 * * *",
		strings.Join(many, ",")}
	for _, b := range bad {
		t.Run("bad/"+b, func(t *testing.T) {
			_, err := ParseSubscribeArgs(b, "")
			var ae *ArgError
			if !errors.Is(err, ErrBadArgs) || !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an *ArgError", err)
			}
			if ae.Hint == "" || strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "bot: subscribe") {
				t.Fatalf("hint %q, error %q: want a Chinese hint and a one-line bot: error", ae.Hint, err)
			}
		})
	}
}

// rtManager is a Manager over a real store, with a fixed clock.
func rtManager(t *testing.T) (Manager, *rtEnv) {
	e := newRTEnv(t)
	return Manager{Store: e.store, Dispatcher: e.disp, Now: e.clock.Now}, e
}

func TestManagerSubscribe(t *testing.T) {
	ctx := context.Background()
	m, e := rtManager(t)
	got, err := m.Subscribe(ctx, "cli", data.Subscription{Group: " 甲群 ", Kind: data.ScheduleAt, Spec: "08:00,18:00"})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == 0 || got.Group != "甲群" || got.TZ != DefaultZone || !got.Enabled {
		t.Fatalf("saved %+v: want an id, trimmed group, default zone, enabled", got)
	}
	rtWantAudit(t, e, "cli", "subscribe", "group=甲群 at 08:00,18:00 tz=Asia/Shanghai")
	if _, r := e.disp.counts(); r != 1 {
		t.Fatalf("%d reloads", r)
	}

	for name, sub := range map[string]data.Subscription{
		"no group":     {Kind: data.ScheduleAt, Spec: "08:00"},
		"bad spec":     {Group: "乙群", Kind: data.ScheduleAt, Spec: "8"},
		"bad kind":     {Group: "乙群", Kind: "weekly", Spec: "08:00"},
		"bad zone":     {Group: "乙群", Kind: data.ScheduleAt, Spec: "08:00", TZ: "Mars/Olympus"},
		"never fires":  {Group: "乙群", Kind: data.ScheduleCron, Spec: "0 0 30 2 *"},
		"weekend only": {Group: "乙群", Kind: data.ScheduleCron, Spec: "0 8 * * 6,0", Weekdays: true},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := m.Subscribe(ctx, "cli", sub); !errors.Is(err, ErrBadArgs) {
				t.Fatalf("err = %v, want ErrBadArgs", err)
			}
		})
	}
	if n := len(e.subs()); n != 1 {
		t.Fatalf("%d subscriptions after bad input, want 1", n)
	}
	if n := len(e.auditLog()); n != 1 {
		t.Fatalf("%d audit entries after bad input, want 1", n)
	}

	t.Run("no dispatcher, reload failure", func(t *testing.T) {
		m2 := m
		m2.Dispatcher = nil
		if _, err := m2.Subscribe(ctx, "cli", data.Subscription{Group: "丙群", Kind: data.ScheduleAt, Spec: "09:00"}); err != nil {
			t.Fatal(err)
		}
		e.disp.reload = func(context.Context) error { return errors.New("stopped") }
		if _, err := m.Subscribe(ctx, "cli", data.Subscription{Group: "丁群", Kind: data.ScheduleAt, Spec: "09:00"}); err != nil {
			t.Fatalf("a reload failure must not fail the stored change: %v", err)
		}
	})
	t.Run("audit failure is reported, change stands", func(t *testing.T) {
		e.store.audit = func(context.Context, data.AuditEntry) error { return errors.New("gone") }
		defer func() { e.store.audit = nil }()
		_, err := m.Subscribe(ctx, "cli", data.Subscription{Group: "戊群", Kind: data.ScheduleAt, Spec: "09:00"})
		if !errors.Is(err, ErrNotAudited) {
			t.Fatalf("err = %v, want ErrNotAudited", err)
		}
		if _, err := e.db.Subscription(ctx, "戊群"); err != nil {
			t.Fatalf("change not stored: %v", err)
		}
	})

	t.Run("list with next run", func(t *testing.T) {
		if _, err := e.db.PutSubscription(ctx, data.Subscription{Group: "停用群", Kind: data.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai"}); err != nil {
			t.Fatal(err)
		}
		list, err := m.ListSubscriptions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		byGroup := map[string]SubscriptionInfo{}
		for _, s := range list {
			byGroup[s.Group] = s
		}
		a := byGroup["甲群"]
		if a.Schedule != "每天 08:00、18:00" || !a.Next.Equal(time.Date(2023, 2, 13, 18, 0, 0, 0, e.zone)) {
			t.Fatalf("甲群 = %+v", a)
		}
		if off := byGroup["停用群"]; off.Enabled || !off.Next.IsZero() {
			t.Fatalf("disabled = %+v, want no next run", off)
		}
		for i := 1; i < len(list); i++ {
			if list[i-1].Group > list[i].Group {
				t.Fatalf("not sorted by group: %q before %q", list[i-1].Group, list[i].Group)
			}
		}
	})

	t.Run("unsubscribe", func(t *testing.T) {
		if err := m.Unsubscribe(ctx, "self", "甲群"); err != nil {
			t.Fatal(err)
		}
		rtWantAudit(t, e, "self", "unsubscribe", "group=甲群")
		if err := m.Unsubscribe(ctx, "self", "甲群"); !errors.Is(err, data.ErrNotFound) {
			t.Fatalf("second unsubscribe: %v, want ErrNotFound", err)
		}
		if err := m.Unsubscribe(ctx, "self", " "); !errors.Is(err, ErrBadArgs) {
			t.Fatalf("empty group: %v", err)
		}
	})
}

func TestManagerRoles(t *testing.T) {
	ctx := context.Background()
	m, e := rtManager(t)
	if err := m.GrantRole(ctx, "cli", " 赵社工 ", "staff"); err != nil {
		t.Fatal(err)
	}
	rtWantAudit(t, e, "cli", "role.grant", "remark=赵社工 role=staff")
	// Chat sees the grant at once: 赵社工 may now preview.
	zhao := Sender{Remark: "赵社工"}
	got := e.say(rtGroup, zhao, "预览")
	if len(got) != 2 || got[0].To != privateOf(zhao) {
		t.Fatalf("granted staff could not preview: %+v", got)
	}
	// Granting again changes the role.
	if err := m.GrantRole(ctx, "cli", "赵社工", data.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if r, _ := SenderRole(ctx, e.store, zhao); r != RoleAdmin {
		t.Fatalf("role after re-grant = %v", r)
	}

	for name, c := range map[string]struct{ remark, role string }{
		"unknown role": {"钱会计", "owner"},
		"empty remark": {"  ", "staff"},
		"long remark":  {strings.Repeat("长", maxRemark+1), "staff"},
		"line break":   {"a\nb", "staff"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := m.GrantRole(ctx, "cli", c.remark, data.Role(c.role)); !errors.Is(err, ErrBadArgs) {
				t.Fatalf("err = %v, want ErrBadArgs", err)
			}
		})
	}

	grants, err := m.ListRoles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range grants {
		names = append(names, g.Remark+"="+string(g.Role))
	}
	if got := strings.Join(names, ","); got != "李干事=staff,王主任=admin,赵社工=admin" {
		t.Fatalf("roles = %s", got)
	}

	if err := m.RevokeRole(ctx, "self", "赵社工"); err != nil {
		t.Fatal(err)
	}
	rtWantAudit(t, e, "self", "role.revoke", "remark=赵社工")
	rtWantReply(t, e.say(rtGroup, zhao, "预览"), rtGroup, "权限")
	if err := m.RevokeRole(ctx, "self", "赵社工"); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("revoke twice: %v, want ErrNotFound", err)
	}
}

func TestParseRole(t *testing.T) {
	for in, want := range map[string]data.Role{"admin": data.RoleAdmin, " Staff ": data.RoleStaff, "管理员": data.RoleAdmin, "工作人员": data.RoleStaff} {
		if got, err := ParseRole(in); err != nil || got != want {
			t.Errorf("ParseRole(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseRole("resident"); !errors.Is(err, ErrBadArgs) {
		t.Errorf("ParseRole(resident): %v", err)
	}
}

func TestSenderRole(t *testing.T) {
	ctx := context.Background()
	e := newRTEnv(t)
	for _, c := range []struct {
		from Sender
		want Role
	}{
		{rtSelf, RoleAdmin},
		{rtAdmin, RoleAdmin},
		{rtStaff, RoleStaff},
		{rtResident, RoleResident},
		{rtSpoof, RoleResident},
		{Sender{Remark: "陌生人"}, RoleResident},
		{Sender{Self: true, Remark: "李干事"}, RoleAdmin},
	} {
		if got, err := SenderRole(ctx, e.store, c.from); err != nil || got != c.want {
			t.Errorf("SenderRole(%+v) = %v, %v; want %v", c.from, got, err, c.want)
		}
	}
	e.store.roleOf = func(context.Context, string) (data.Role, error) { return "superuser", nil }
	if got, _ := SenderRole(ctx, e.store, rtAdmin); got != RoleResident {
		t.Errorf("unknown stored role gave %v, want resident", got)
	}
}
