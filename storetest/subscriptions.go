package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/model"
)

var subscriptionCases = []testCase{
	{"PutAndReplace", testPutSubscription},
	{"Refuses", testPutSubscriptionRefuses},
	{"Filters", testSubscriptionFilters},
	{"Approve", testSubscriptionApprove},
	{"ThroughChannels", testChannelSubscriptions},
	{"RemoveKeepsHistory", testRemoveSubscription},
	{"RenameGroup", testRenameGroup},
	{"NUL", testSubscriptionNUL},
}

func (e *env) sub(t *testing.T, group string) model.Subscription {
	t.Helper()
	sub, err := e.s.PutSubscription(e.ctx, model.Subscription{
		Group: group, Kind: model.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai", Enabled: true,
	})
	if err != nil {
		t.Fatalf("PutSubscription(%q): %v", group, err)
	}
	return sub
}

func (e *env) subGroups(t *testing.T) []string {
	t.Helper()
	subs, err := e.s.Subscriptions(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, s := range subs {
		out = append(out, s.Group)
	}
	return out
}

func testPutSubscription(t *testing.T, e *env) {
	t0 := e.clock.Now()
	first, err := e.s.PutSubscription(e.ctx, model.Subscription{
		ID: 99, Group: "幸福小区业主群", Kind: model.ScheduleAt, Spec: "08:00,18:00", TZ: "Asia/Shanghai",
		Weekdays: true, Source: "中原区报", Enabled: true,
		Created: t0.Add(-time.Hour), Updated: t0.Add(-time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	// The channel and style default to the personal account and text; ID
	// and times are the store's.
	want := model.Subscription{ID: first.ID, Channel: model.ChannelWeChat, Group: "幸福小区业主群", Kind: model.ScheduleAt, Spec: "08:00,18:00",
		TZ: "Asia/Shanghai", Weekdays: true, Source: "中原区报", Style: model.StyleText, Enabled: true, Created: t0, Updated: t0}
	if first.ID <= 0 || first.ID == 99 || !same(first, want) {
		t.Fatalf("PutSubscription = %+v\nwant %+v (ID assigned by the store)", first, want)
	}
	if got, err := e.s.Subscription(e.ctx, "幸福小区业主群"); err != nil || !same(got, want) {
		t.Fatalf("Subscription() = %+v, %v\nwant %+v", got, err, want)
	}

	// Replacing keeps the ID and Created; everything else is the new one's.
	e.clock.Advance(time.Hour)
	second, err := e.s.PutSubscription(e.ctx, model.Subscription{
		Group: "幸福小区业主群", Kind: model.ScheduleCron, Spec: "0 9 * * *", TZ: "UTC", Style: model.StyleImage,
	})
	if err != nil {
		t.Fatal(err)
	}
	want = model.Subscription{ID: first.ID, Channel: model.ChannelWeChat, Group: "幸福小区业主群", Kind: model.ScheduleCron, Spec: "0 9 * * *",
		TZ: "UTC", Style: model.StyleImage, Created: t0, Updated: t0.Add(time.Hour)}
	if !same(second, want) {
		t.Fatalf("replacing: %+v\nwant %+v (same ID and Created)", second, want)
	}
	if got, err := e.s.Subscription(e.ctx, "幸福小区业主群"); err != nil || !same(got, want) {
		t.Fatalf("Subscription() = %+v, %v\nwant %+v", got, err, want)
	}
	if _, err := e.s.Subscription(e.ctx, "别的群"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("Subscription(unknown): err = %v, want ErrNotFound", err)
	}
	// Group names are exact.
	if _, err := e.s.Subscription(e.ctx, "幸福小区业主群 "); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("Subscription(name + space): err = %v, want ErrNotFound", err)
	}
	both, err := e.s.PutSubscription(e.ctx, model.Subscription{Group: "Z群", Kind: model.ScheduleAt, Spec: "07:00", Style: model.StyleBoth, Enabled: true})
	if err != nil || both.Style != model.StyleBoth || both.ID == first.ID {
		t.Fatalf("PutSubscription(both) = %+v, %v", both, err)
	}
	e.sub(t, "A群")
	// By group name, in code point order.
	if got, want := e.subGroups(t), []string{"A群", "Z群", "幸福小区业主群"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Subscriptions() groups = %q, want %q", got, want)
	}
	subs, _ := e.s.Subscriptions(e.ctx)
	if len(subs) == 3 && !same(subs[2], want) {
		t.Errorf("Subscriptions()[2] = %+v\nwant %+v", subs[2], want)
	}
}

func testPutSubscriptionRefuses(t *testing.T, e *env) {
	bad := []struct {
		name string
		sub  model.Subscription
	}{
		{"empty group", model.Subscription{Kind: model.ScheduleAt, Spec: "08:00"}},
		{"blank group", model.Subscription{Group: "  ", Kind: model.ScheduleAt, Spec: "08:00"}},
		{"bad utf-8 group", model.Subscription{Group: "\xff", Kind: model.ScheduleAt, Spec: "08:00"}},
		{"unknown kind", model.Subscription{Group: "g", Kind: "every", Spec: "08:00"}},
		{"empty spec", model.Subscription{Group: "g", Kind: model.ScheduleCron, Spec: " "}},
		{"unknown style", model.Subscription{Group: "g", Kind: model.ScheduleAt, Spec: "08:00", Style: "video"}},
		{"empty include word", model.Subscription{Group: "g", Kind: model.ScheduleAt, Spec: "08:00", Include: []string{""}}},
		{"blank exclude word", model.Subscription{Group: "g", Kind: model.ScheduleAt, Spec: "08:00", Exclude: []string{" "}}},
		{"word with a comma", model.Subscription{Group: "g", Kind: model.ScheduleAt, Spec: "08:00", Include: []string{"a,b"}}},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.s.PutSubscription(e.ctx, c.sub)
			wantErr(t, "PutSubscription", err, model.ErrInvalid)
		})
	}
	if got := e.subGroups(t); len(got) != 0 {
		t.Errorf("refused subscriptions were stored: %q", got)
	}
	_, err := e.s.PutSubscription(e.ctx, model.Subscription{Channel: "无此渠道", Kind: model.ScheduleAt, Spec: "08:00"})
	wantErr(t, "a subscription through a missing channel", err, model.ErrNotFound)
}

// Filters round-trip and are replaced with the subscription.
func testSubscriptionFilters(t *testing.T, e *env) {
	sub, err := e.s.PutSubscription(e.ctx, model.Subscription{Group: "g", Kind: model.ScheduleAt, Spec: "08:00", Enabled: true,
		Source: "中原区新闻,郑州日报", Include: []string{"公园", "地铁", "5G"}, Exclude: []string{"广告"}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sub.Include, []string{"公园", "地铁", "5G"}) || !reflect.DeepEqual(sub.Exclude, []string{"广告"}) {
		t.Fatalf("PutSubscription returned %+v", sub)
	}
	got, err := e.s.Subscription(e.ctx, "g")
	if err != nil || got.Source != "中原区新闻,郑州日报" || !reflect.DeepEqual(got.Include, []string{"公园", "地铁", "5G"}) ||
		!reflect.DeepEqual(got.Exclude, []string{"广告"}) || got.ID != sub.ID {
		t.Fatalf("read back %+v, %v", got, err)
	}
	if _, err := e.s.PutSubscription(e.ctx, model.Subscription{Group: "g", Kind: model.ScheduleAt, Spec: "08:00", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if got, _ = e.s.Subscription(e.ctx, "g"); len(got.Include) != 0 || len(got.Exclude) != 0 || got.Source != "" {
		t.Fatalf("filters not replaced: %+v", got)
	}
}

// Approve (审核) round-trips and is replaced with the subscription; a
// change of it alone is a change like any other (Updated moves).
func testSubscriptionApprove(t *testing.T, e *env) {
	base := model.Subscription{Group: "g", Kind: model.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai", Enabled: true}
	created := e.clock.Now()
	for _, st := range []struct {
		name    string
		approve bool
	}{
		{"off by default", false},
		{"on", true},
		{"on again", true},
		{"off", false},
		{"on once more", true},
	} {
		t.Run(st.name, func(t *testing.T) {
			e.clock.Advance(time.Minute)
			sub := base
			sub.Approve = st.approve
			put, err := e.s.PutSubscription(e.ctx, sub)
			if err != nil {
				t.Fatal(err)
			}
			if put.Approve != st.approve || !put.Updated.Equal(e.clock.Now()) || !put.Created.Equal(created.Add(time.Minute)) {
				t.Fatalf("PutSubscription = %+v; want Approve %v, Updated %v", put, st.approve, e.clock.Now())
			}
			got, err := e.s.Subscription(e.ctx, "g")
			if err != nil || !same(got, put) {
				t.Fatalf("Subscription() = %+v, %v\nwant %+v", got, err, put)
			}
			subs, err := e.s.Subscriptions(e.ctx)
			if err != nil || len(subs) != 1 || !same(subs[0], put) {
				t.Fatalf("Subscriptions() = %+v, %v\nwant [%+v]", subs, err, put)
			}
		})
	}
	// Other subscriptions keep their own.
	other, err := e.s.PutSubscription(e.ctx, model.Subscription{Group: "h", Kind: model.ScheduleAt, Spec: "09:00", Enabled: true})
	if err != nil || other.Approve {
		t.Fatalf("another group's subscription = %+v, %v; want Approve off", other, err)
	}
	if got, _ := e.s.Subscription(e.ctx, "g"); !got.Approve {
		t.Errorf("subscribing another group changed g's Approve: %+v", got)
	}
}

// A subscription through a channel names the channel as its group; a
// WeChat group of the same name is another subscription.
func testChannelSubscriptions(t *testing.T, e *env) {
	robot := model.Channel{Name: "幸福里机器人", Kind: model.ChannelWeComRobot, URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", Enabled: true}
	if _, err := e.s.AddChannel(e.ctx, robot); err != nil {
		t.Fatal(err)
	}
	sub, err := e.s.PutSubscription(e.ctx, model.Subscription{Channel: robot.Name, Group: "ignored", Kind: model.ScheduleAt,
		Spec: "08:00", Style: model.StyleBoth, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if sub.Channel != robot.Name || sub.Group != robot.Name || sub.Style != model.StyleBoth {
		t.Fatalf("channel subscription = %+v", sub)
	}
	// Subscription reads the personal account's only.
	if _, err := e.s.Subscription(e.ctx, robot.Name); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("Subscription(channel name) before the group subscribed: %v, want ErrNotFound", err)
	}
	// Subscribing the channel again replaces its subscription.
	again, err := e.s.PutSubscription(e.ctx, model.Subscription{Channel: robot.Name, Kind: model.ScheduleAt, Spec: "09:00", Enabled: true})
	if err != nil || again.ID != sub.ID || again.Spec != "09:00" || again.Style != model.StyleText {
		t.Fatalf("replacing the channel's subscription = %+v, %v", again, err)
	}
	group, err := e.s.PutSubscription(e.ctx, model.Subscription{Group: robot.Name, Kind: model.ScheduleAt, Spec: "10:00", Enabled: true})
	if err != nil || group.ID == sub.ID || group.Channel != model.ChannelWeChat {
		t.Fatalf("the WeChat group of the channel's name = %+v, %v", group, err)
	}
	subs, err := e.s.Subscriptions(e.ctx)
	if err != nil || len(subs) != 2 {
		t.Fatalf("subscriptions = %+v, %v; want the channel's and the group's", subs, err)
	}
	// Same group name: by channel, in code point order ("wechat" before 幸).
	if subs[0].Channel != model.ChannelWeChat || subs[1].Channel != robot.Name {
		t.Errorf("subscriptions of one name by channel: %+v", subs)
	}
	wantErr(t, "RemoveChannel in use", e.s.RemoveChannel(e.ctx, robot.Name), model.ErrInUse)
	wantErr(t, "RemoveChannelSubscription", e.s.RemoveChannelSubscription(e.ctx, robot.Name), nil)
	wantErr(t, "RemoveChannelSubscription again", e.s.RemoveChannelSubscription(e.ctx, robot.Name), model.ErrNotFound)
	wantErr(t, "RemoveChannelSubscription of no channel", e.s.RemoveChannelSubscription(e.ctx, "无此渠道"), model.ErrNotFound)
	if got, err := e.s.Subscription(e.ctx, robot.Name); err != nil || got.ID != group.ID {
		t.Fatalf("the WeChat group's subscription after removing the channel's: %+v, %v", got, err)
	}
	wantErr(t, "RemoveChannel", e.s.RemoveChannel(e.ctx, robot.Name), nil)
	// RemoveSubscription is the personal account's.
	wantErr(t, "RemoveSubscription", e.s.RemoveSubscription(e.ctx, robot.Name), nil)
	if got := e.subGroups(t); len(got) != 0 {
		t.Errorf("subscriptions left: %q", got)
	}
}

// Removing a subscription keeps its ledger rows as history, no longer
// linked; unsent parts become missed; what the group was handed is
// forgotten.
func testRemoveSubscription(t *testing.T, e *env) {
	ids := e.articleIDs(t, 2)
	sub := e.sub(t, "幸福小区业主群")
	slot1 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	slot2 := slot1.Add(10 * time.Hour)
	e.record(t, sub.ID, slot1, []string{"第一条"}, ids[:1])
	e.record(t, sub.ID, slot2, []string{"第二条"}, ids[1:])
	ds := e.deliveries(t)
	wantErr(t, "MarkSent", e.s.MarkSent(e.ctx, ds[0].ID, time.Time{}), nil)

	wantErr(t, "RemoveSubscription", e.s.RemoveSubscription(e.ctx, "幸福小区业主群"), nil)
	wantErr(t, "RemoveSubscription again", e.s.RemoveSubscription(e.ctx, "幸福小区业主群"), model.ErrNotFound)
	wantErr(t, "RemoveSubscription of no group", e.s.RemoveSubscription(e.ctx, "没订阅的群"), model.ErrNotFound)
	if got := e.subGroups(t); len(got) != 0 {
		t.Fatalf("Subscriptions() after remove = %q", got)
	}
	if u := e.unsent(t); len(u) != 0 {
		t.Fatalf("Unsent() after remove = %+v, want none", u)
	}
	ds = e.deliveries(t)
	if len(ds) != 2 {
		t.Fatalf("history after remove: %+v", ds)
	}
	for _, d := range ds {
		if d.SubscriptionID != 0 || d.Group != "幸福小区业主群" {
			t.Errorf("orphaned row %+v: want SubscriptionID 0 and the group's name", d)
		}
	}
	if ds[0].State != model.DeliverySent || ds[1].State != model.DeliveryMissed || ds[1].Error != "subscription removed" {
		t.Errorf("states after remove: %+v", ds)
	}
	if _, err := e.s.LastSlot(e.ctx, sub.ID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("LastSlot(removed subscription): err = %v, want ErrNotFound", err)
	}

	// Subscribing again starts afresh and may record the same slot.
	again := e.sub(t, "幸福小区业主群")
	if again.ID == sub.ID {
		t.Errorf("the new subscription reused id %d", sub.ID)
	}
	if m := e.delivered(t, again.ID, ids...); len(m) != 0 {
		t.Errorf("Delivered after resubscribing = %v, want none", m)
	}
	e.record(t, again.ID, slot2, []string{"第二条"}, ids[1:])
	if len(e.deliveries(t)) != 3 {
		t.Errorf("deliveries after resubscribing: %+v", e.deliveries(t))
	}
}

func testRenameGroup(t *testing.T, e *env) {
	slot := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name      string
		old, new  string
		want      error
		wantGroup []string // subscriptions afterwards
	}{
		{"rename follows", "老名字", "新名字", nil, []string{"新名字", "别的群"}},
		{"same name", "老名字", "老名字", nil, []string{"老名字", "别的群"}},
		{"unsubscribed group", "没订阅的群", "还是没订阅", nil, []string{"老名字", "别的群"}},
		{"onto a subscribed name", "老名字", "别的群", model.ErrExists, []string{"老名字", "别的群"}},
		{"empty new name", "老名字", "", model.ErrInvalid, []string{"老名字", "别的群"}},
		{"blank new name", "老名字", " ", model.ErrInvalid, []string{"老名字", "别的群"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := e.fresh(t)
			ids := e.articleIDs(t, 1)
			sub := e.sub(t, "老名字")
			other := e.sub(t, "别的群")
			e.record(t, sub.ID, slot, []string{"一", "二"}, ids)
			e.clock.Advance(time.Minute)

			wantErr(t, "RenameGroup", e.s.RenameGroup(e.ctx, c.old, c.new), c.want)
			got := map[string]bool{}
			for _, g := range e.subGroups(t) {
				got[g] = true
			}
			for _, g := range c.wantGroup {
				if !got[g] {
					t.Errorf("after rename, subscriptions %v lack %q", got, g)
				}
			}
			if len(got) != len(c.wantGroup) {
				t.Errorf("after rename: %d subscriptions, want %d", len(got), len(c.wantGroup))
			}
			renamed := c.want == nil && c.old == "老名字" && c.new != c.old
			// Pending parts go to the group under its current name; the
			// subscription keeps its ID and Created.
			wantTo := "老名字"
			if renamed {
				wantTo = c.new
			}
			for _, d := range e.unsent(t) {
				if d.Group != wantTo {
					t.Errorf("unsent part for %q, want %q", d.Group, wantTo)
				}
			}
			cur, err := e.s.Subscription(e.ctx, wantTo)
			if err != nil || cur.ID != sub.ID || !cur.Created.Equal(sub.Created) {
				t.Errorf("Subscription(%q) = %+v, %v; want id %d", wantTo, cur, err, sub.ID)
			}
			if renamed && !cur.Updated.Equal(e.clock.Now()) {
				t.Errorf("renamed subscription Updated = %v, want %v", cur.Updated, e.clock.Now())
			}
			if renamed {
				if _, err := e.s.Subscription(e.ctx, c.old); !errors.Is(err, model.ErrNotFound) {
					t.Errorf("the old name still has a subscription: %v", err)
				}
			}
			// The ledger names the group by its current name, sent rows
			// included.
			if ds := e.deliveries(t); len(ds) > 0 {
				wantErr(t, "MarkSent", e.s.MarkSent(e.ctx, ds[0].ID, time.Time{}), nil)
			}
			for _, d := range e.deliveries(t) {
				if d.Group != wantTo || d.SubscriptionID != sub.ID {
					t.Errorf("ledger row %+v, want group %q", d, wantTo)
				}
			}
			if m := e.delivered(t, sub.ID, ids...); !m[ids[0]] {
				t.Errorf("rename lost what the group was handed")
			}
			if o, _ := e.s.Subscription(e.ctx, "别的群"); o.ID != other.ID {
				t.Errorf("the other group's subscription changed: %+v", o)
			}
		})
	}
}
