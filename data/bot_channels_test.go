package data_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/data"
)

func TestChannels(t *testing.T) {
	ctx := context.Background()
	clock := newBTClock()
	s := btOpen(t, "", clock)

	robot := data.Channel{Name: "幸福里机器人", Kind: data.ChannelWeComRobot,
		URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcd-1234", Enabled: true}
	task := data.Channel{Name: "客户群", Kind: data.ChannelWeComTask, CorpID: "ww01", Secret: "s3cret",
		Sender: "wangzhuren", ChatIDs: []string{"wrA", "wrB"}, URL: "http://127.0.0.1:9/", AllowPrivate: true, Enabled: true}
	for _, c := range []data.Channel{robot, task} {
		got, err := s.AddChannel(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		want := c
		want.ID, want.Created, want.Updated = got.ID, clock.Now(), clock.Now()
		if got.ID <= 0 || !reflect.DeepEqual(got, want) {
			t.Fatalf("AddChannel = %+v\nwant %+v", got, want)
		}
	}
	if _, err := s.AddChannel(ctx, robot); !errors.Is(err, data.ErrExists) {
		t.Fatalf("adding a taken name: %v, want ErrExists", err)
	}
	for name, bad := range map[string]data.Channel{
		"the personal account's name": {Name: data.ChannelWeChat, Kind: data.ChannelWeComRobot, URL: "https://x/?key=k"},
		"no name":                     {Kind: data.ChannelWeComRobot, URL: "https://x/?key=k"},
		"robot without URL":           {Name: "r", Kind: data.ChannelWeComRobot},
		"task without secret":         {Name: "t", Kind: data.ChannelWeComTask, CorpID: "c", Sender: "u"},
		"unknown kind":                {Name: "x", Kind: "sms", URL: "https://x"},
		"chat id with a comma":        {Name: "t", Kind: data.ChannelWeComTask, CorpID: "c", Secret: "s", Sender: "u", ChatIDs: []string{"a,b"}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := s.AddChannel(ctx, bad); !errors.Is(err, data.ErrInvalid) {
				t.Fatalf("AddChannel(%+v) = %v, want ErrInvalid", bad, err)
			}
		})
	}

	list, err := s.Channels(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "客户群" || list[1].Name != "幸福里机器人" {
		t.Fatalf("Channels = %+v, %v", list, err)
	}
	if !reflect.DeepEqual(list[0].ChatIDs, []string{"wrA", "wrB"}) || list[0].Secret != "s3cret" {
		t.Fatalf("task channel read back as %+v", list[0])
	}

	clock.Advance(time.Minute)
	if err := s.SetChannelError(ctx, "幸福里机器人", "93000 invalid webhook url", clock.Now()); err != nil {
		t.Fatal(err)
	}
	c, err := s.Channel(ctx, "幸福里机器人")
	if err != nil || c.LastError != "93000 invalid webhook url" || !c.LastErrorAt.Equal(clock.Now()) {
		t.Fatalf("after SetChannelError: %+v, %v", c, err)
	}
	if err := s.SetChannelError(ctx, "幸福里机器人", "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if c, _ = s.Channel(ctx, "幸福里机器人"); c.LastError != "" || !c.LastErrorAt.IsZero() {
		t.Fatalf("error not cleared: %+v", c)
	}
	// A new URL replaces the old one and clears the error.
	if err := s.SetChannelError(ctx, "幸福里机器人", "93000", clock.Now()); err != nil {
		t.Fatal(err)
	}
	fixed := robot
	fixed.URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=new-5678"
	if c, err = s.UpdateChannel(ctx, fixed); err != nil || c.URL != fixed.URL || c.LastError != "" || c.Kind != data.ChannelWeComRobot {
		t.Fatalf("UpdateChannel = %+v, %v", c, err)
	}
	if _, err := s.UpdateChannel(ctx, data.Channel{Name: "无此渠道", Kind: data.ChannelWeComRobot, URL: "https://x/?key=k"}); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("UpdateChannel of a missing channel: %v", err)
	}
	if err := s.SetChannelError(ctx, "无此渠道", "x", clock.Now()); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("SetChannelError on a missing channel: %v", err)
	}

	// A subscription through a channel: its group is the channel.
	sub, err := s.PutSubscription(ctx, data.Subscription{Channel: "幸福里机器人", Group: "ignored", Kind: data.ScheduleAt,
		Spec: "08:00", Style: data.StyleBoth, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if sub.Channel != "幸福里机器人" || sub.Group != "幸福里机器人" || sub.Style != data.StyleBoth {
		t.Fatalf("channel subscription = %+v", sub)
	}
	// A WeChat group of the same name is a different subscription.
	if _, err := s.PutSubscription(ctx, data.Subscription{Group: "幸福里机器人", Kind: data.ScheduleAt, Spec: "09:00", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if subs, _ := s.Subscriptions(ctx); len(subs) != 2 {
		t.Fatalf("subscriptions = %+v, want the channel's and the group's", subs)
	}
	if _, err := s.PutSubscription(ctx, data.Subscription{Channel: "无此渠道", Kind: data.ScheduleAt, Spec: "08:00"}); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("subscription through a missing channel: %v", err)
	}
	if _, err := s.PutSubscription(ctx, data.Subscription{Group: "g", Kind: data.ScheduleAt, Spec: "08:00", Style: "video"}); !errors.Is(err, data.ErrInvalid) {
		t.Fatalf("unknown style: %v", err)
	}

	if err := s.RemoveChannel(ctx, "幸福里机器人"); !errors.Is(err, data.ErrInUse) {
		t.Fatalf("removing a channel in use: %v, want ErrInUse", err)
	}
	if err := s.RemoveChannelSubscription(ctx, "幸福里机器人"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveChannel(ctx, "幸福里机器人"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveChannel(ctx, "幸福里机器人"); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("removing twice: %v", err)
	}
	// The WeChat group's subscription was not touched.
	if _, err := s.Subscription(ctx, "幸福里机器人"); err != nil {
		t.Fatal(err)
	}
}

// TestLedgerChannelsAndTasks: a slot through a channel records the channel
// and each part's kind; a task part waits as awaiting (not unsent), then
// becomes sent, or missed with its slot.
func TestLedgerChannelsAndTasks(t *testing.T) {
	ctx := context.Background()
	clock := newBTClock()
	s := btOpen(t, "", clock)
	if _, err := s.AddChannel(ctx, data.Channel{Name: "客户群", Kind: data.ChannelWeComTask, CorpID: "c", Secret: "s", Sender: "u", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	sub, err := s.PutSubscription(ctx, data.Subscription{Channel: "客户群", Kind: data.ScheduleAt, Spec: "08:00", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	slot := clock.Now()
	created, err := s.RecordSlots(ctx, []data.SlotRecord{{SubscriptionID: sub.ID, Slot: slot,
		Parts: []string{`{"date":"2026-03-02"}`, "【本报】摘要"}, Kinds: []string{data.PartImage, data.PartText}, ArticleIDs: []int64{1}}})
	if err != nil || !created[0] {
		t.Fatalf("RecordSlots = %v, %v", created, err)
	}
	if _, err := s.RecordSlots(ctx, []data.SlotRecord{{SubscriptionID: sub.ID, Slot: slot.Add(time.Hour),
		Parts: []string{"x"}, Kinds: []string{"video"}}}); !errors.Is(err, data.ErrInvalid) {
		t.Fatalf("unknown part kind: %v", err)
	}
	unsent, err := s.Unsent(ctx)
	if err != nil || len(unsent) != 2 {
		t.Fatalf("Unsent = %+v, %v", unsent, err)
	}
	for i, kind := range []string{data.PartImage, data.PartText} {
		if unsent[i].Channel != "客户群" || unsent[i].Group != "客户群" || unsent[i].Kind != kind {
			t.Fatalf("part %d = %+v, want channel 客户群 kind %s", i+1, unsent[i], kind)
		}
	}
	if err := s.MarkAwaiting(ctx, unsent[1].ID, "msgABC"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkAwaiting(ctx, unsent[1].ID, "msgABC"); err != nil {
		t.Fatalf("marking awaiting twice: %v", err)
	}
	if err := s.MarkAwaiting(ctx, unsent[1].ID, ""); !errors.Is(err, data.ErrInvalid) {
		t.Fatalf("empty remote id: %v", err)
	}
	if err := s.MarkFailed(ctx, unsent[1].ID, "x"); !errors.Is(err, data.ErrInvalid) {
		t.Fatalf("an awaiting part cannot fail: %v", err)
	}
	if left, _ := s.Unsent(ctx); len(left) != 1 || left[0].ID != unsent[0].ID {
		t.Fatalf("Unsent with one part awaiting = %+v", left)
	}
	aw, err := s.Awaiting(ctx)
	if err != nil || len(aw) != 1 || aw[0].RemoteID != "msgABC" || aw[0].State != data.DeliveryAwaiting || aw[0].Text != "【本报】摘要" {
		t.Fatalf("Awaiting = %+v, %v", aw, err)
	}
	if err := s.MarkSent(ctx, aw[0].ID, clock.Now()); err != nil {
		t.Fatalf("confirming an awaiting part: %v", err)
	}
	if aw, _ = s.Awaiting(ctx); len(aw) != 0 {
		t.Fatalf("still awaiting after sent: %+v", aw)
	}

	// A task never confirmed: missed with its slot, and its articles released.
	slot2 := slot.Add(24 * time.Hour)
	if _, err := s.RecordSlots(ctx, []data.SlotRecord{{SubscriptionID: sub.ID, Slot: slot2, Parts: []string{"第二天"}, ArticleIDs: []int64{2}}}); err != nil {
		t.Fatal(err)
	}
	u2, _ := s.Unsent(ctx)
	var id int64
	for _, d := range u2 {
		if d.Slot.Equal(slot2) {
			id = d.ID
		}
	}
	if err := s.MarkAwaiting(ctx, id, "msgDEF"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSlotMissed(ctx, sub.ID, slot2); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Delivered(ctx, sub.ID, []int64{2}); got[2] {
		t.Fatal("a missed task's article is still counted as handed")
	}
	all, _ := s.Deliveries(ctx, slot2)
	if len(all) != 1 || all[0].State != data.DeliveryMissed || all[0].RemoteID != "msgDEF" {
		t.Fatalf("missed task row = %+v", all)
	}
}

// Filters round-trip, replace with the subscription, and refuse words that
// would not survive the store.
func TestSubscriptionFilters(t *testing.T) {
	ctx := context.Background()
	s := btOpen(t, "", newBTClock())
	sub, err := s.PutSubscription(ctx, data.Subscription{Group: "g", Kind: data.ScheduleAt, Spec: "08:00", Enabled: true,
		Source: "中原区新闻,郑州日报", Include: []string{"公园", "地铁"}, Exclude: []string{"广告"}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Subscription(ctx, "g")
	if got.Source != "中原区新闻,郑州日报" || !reflect.DeepEqual(got.Include, []string{"公园", "地铁"}) ||
		!reflect.DeepEqual(got.Exclude, []string{"广告"}) || got.ID != sub.ID {
		t.Fatalf("read back %+v", got)
	}
	if _, err := s.PutSubscription(ctx, data.Subscription{Group: "g", Kind: data.ScheduleAt, Spec: "08:00", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Subscription(ctx, "g"); got.Include != nil || got.Exclude != nil || got.Source != "" {
		t.Fatalf("filters not replaced: %+v", got)
	}
	for _, bad := range [][]string{{""}, {"a,b"}} {
		if _, err := s.PutSubscription(ctx, data.Subscription{Group: "g", Kind: data.ScheduleAt, Spec: "08:00", Include: bad}); !errors.Is(err, data.ErrInvalid) {
			t.Fatalf("include %q: %v", bad, err)
		}
	}
}

// Items a group saw on demand count as handed to it; nothing is sent.
func TestMarkShown(t *testing.T) {
	ctx := context.Background()
	clock := newBTClock()
	s := btOpen(t, "", clock)
	sub, err := s.PutSubscription(ctx, data.Subscription{Group: "g", Kind: data.ScheduleAt, Spec: "08:00", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkShown(ctx, sub.ID, clock.Now(), []int64{7, 8}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkShown(ctx, sub.ID, clock.Now(), []int64{7}); err != nil {
		t.Fatalf("marking again: %v", err)
	}
	got, _ := s.Delivered(ctx, sub.ID, []int64{7, 8, 9})
	if !got[7] || !got[8] || got[9] {
		t.Fatalf("Delivered = %v", got)
	}
	if ds, _ := s.Deliveries(ctx, time.Time{}); len(ds) != 0 {
		t.Fatalf("marking shown wrote deliveries: %+v", ds)
	}
	if err := s.MarkShown(ctx, 999, clock.Now(), []int64{1}); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("unknown subscription: %v", err)
	}
}
