package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/model"
)

var channelCases = []testCase{
	{"AddListUpdateRemove", testChannels},
	{"Refuses", testChannelsRefuse},
	{"Errors", testChannelErrors},
	{"NUL", testChannelNUL},
}

func robotChannel() model.Channel {
	return model.Channel{Name: "幸福里机器人", Kind: model.ChannelWeComRobot,
		URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcd-1234", Enabled: true}
}

func taskChannel() model.Channel {
	return model.Channel{Name: "客户群", Kind: model.ChannelWeComTask, CorpID: "ww01", Secret: "s3cret",
		Sender: "wangzhuren", ChatIDs: []string{"wrA", "wrB"}, URL: "http://127.0.0.1:9/", AllowPrivate: true, Enabled: true}
}

func testChannels(t *testing.T, e *env) {
	if list, err := e.s.Channels(e.ctx); err != nil || len(list) != 0 {
		t.Fatalf("Channels of a new store = %+v, %v", list, err)
	}
	added := map[string]model.Channel{}
	for _, c := range []model.Channel{robotChannel(), taskChannel()} {
		in := c
		in.ID, in.LastError, in.LastErrorAt = 77, "ignored", e.clock.Now()
		got, err := e.s.AddChannel(e.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		want := c
		want.ID, want.Created, want.Updated = got.ID, e.clock.Now(), e.clock.Now()
		if got.ID <= 0 || got.ID == 77 || !same(got, want) {
			t.Fatalf("AddChannel = %+v\nwant %+v", got, want)
		}
		added[c.Name] = got
		e.clock.Advance(time.Second)
	}
	if _, err := e.s.AddChannel(e.ctx, robotChannel()); !errors.Is(err, model.ErrExists) {
		t.Fatalf("adding a taken name: %v, want ErrExists", err)
	}
	// By name, in code point order: 客 (U+5BA2) before 幸 (U+5E78).
	list, err := e.s.Channels(e.ctx)
	if err != nil || len(list) != 2 || !same(list[0], added["客户群"]) || !same(list[1], added["幸福里机器人"]) {
		t.Fatalf("Channels = %+v, %v", list, err)
	}
	if c, err := e.s.Channel(e.ctx, "客户群"); err != nil || !same(c, added["客户群"]) {
		t.Fatalf("Channel(客户群) = %+v, %v", c, err)
	}
	if _, err := e.s.Channel(e.ctx, "无此渠道"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("Channel(unknown): %v, want ErrNotFound", err)
	}

	// Update replaces the settings, the kind included, and keeps the ID and
	// Created.
	e.clock.Advance(time.Minute)
	upd := taskChannel()
	upd.ChatIDs, upd.Secret, upd.Enabled, upd.AllowPrivate = nil, "new-secret", false, false
	got, err := e.s.UpdateChannel(e.ctx, upd)
	if err != nil {
		t.Fatal(err)
	}
	want := upd
	want.ID, want.Created, want.Updated = added["客户群"].ID, added["客户群"].Created, e.clock.Now()
	if !same(got, want) {
		t.Fatalf("UpdateChannel = %+v\nwant %+v", got, want)
	}
	if c, _ := e.s.Channel(e.ctx, "客户群"); !same(c, want) {
		t.Fatalf("after UpdateChannel Channel = %+v\nwant %+v", c, want)
	}
	toRobot := model.Channel{Name: "客户群", Kind: model.ChannelWeComRobot, URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", Enabled: true}
	if c, err := e.s.UpdateChannel(e.ctx, toRobot); err != nil || c.Kind != model.ChannelWeComRobot || c.URL != toRobot.URL || c.Secret != "" || len(c.ChatIDs) != 0 {
		t.Fatalf("UpdateChannel to another kind = %+v, %v", c, err)
	}
	if _, err := e.s.UpdateChannel(e.ctx, model.Channel{Name: "无此渠道", Kind: model.ChannelWeComRobot, URL: "https://x/?key=k"}); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("UpdateChannel of a missing channel: %v, want ErrNotFound", err)
	}
	if _, err := e.s.UpdateChannel(e.ctx, model.Channel{Name: "客户群", Kind: model.ChannelWeComRobot}); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("UpdateChannel to a robot without URL: %v, want ErrInvalid", err)
	}

	// Remove: refused while a subscription delivers through it.
	if _, err := e.s.PutSubscription(e.ctx, model.Subscription{Channel: "幸福里机器人", Kind: model.ScheduleAt, Spec: "08:00", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "RemoveChannel in use", e.s.RemoveChannel(e.ctx, "幸福里机器人"), model.ErrInUse)
	if _, err := e.s.Channel(e.ctx, "幸福里机器人"); err != nil {
		t.Fatalf("a refused remove removed it: %v", err)
	}
	wantErr(t, "RemoveChannelSubscription", e.s.RemoveChannelSubscription(e.ctx, "幸福里机器人"), nil)
	wantErr(t, "RemoveChannel", e.s.RemoveChannel(e.ctx, "幸福里机器人"), nil)
	wantErr(t, "RemoveChannel twice", e.s.RemoveChannel(e.ctx, "幸福里机器人"), model.ErrNotFound)
	if _, err := e.s.Channel(e.ctx, "幸福里机器人"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("Channel after remove: %v", err)
	}
	// The name is free again.
	if _, err := e.s.AddChannel(e.ctx, robotChannel()); err != nil {
		t.Fatalf("adding a removed name again: %v", err)
	}
}

func testChannelsRefuse(t *testing.T, e *env) {
	for name, bad := range map[string]model.Channel{
		"the personal account's name": {Name: model.ChannelWeChat, Kind: model.ChannelWeComRobot, URL: "https://x/?key=k"},
		"no name":                     {Kind: model.ChannelWeComRobot, URL: "https://x/?key=k"},
		"blank name":                  {Name: "  ", Kind: model.ChannelWeComRobot, URL: "https://x/?key=k"},
		"control characters":          {Name: "a\tb", Kind: model.ChannelWeComRobot, URL: "https://x/?key=k"},
		"robot without URL":           {Name: "r", Kind: model.ChannelWeComRobot},
		"task without secret":         {Name: "t", Kind: model.ChannelWeComTask, CorpID: "c", Sender: "u"},
		"task without corp id":        {Name: "t", Kind: model.ChannelWeComTask, Secret: "s", Sender: "u"},
		"task without sender":         {Name: "t", Kind: model.ChannelWeComTask, CorpID: "c", Secret: "s"},
		"unknown kind":                {Name: "x", Kind: "sms", URL: "https://x"},
		"chat id with a comma":        {Name: "t", Kind: model.ChannelWeComTask, CorpID: "c", Secret: "s", Sender: "u", ChatIDs: []string{"a,b"}},
		"empty chat id":               {Name: "t", Kind: model.ChannelWeComTask, CorpID: "c", Secret: "s", Sender: "u", ChatIDs: []string{""}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := e.s.AddChannel(e.ctx, bad); !errors.Is(err, model.ErrInvalid) {
				t.Fatalf("AddChannel(%+v) = %v, want ErrInvalid", bad, err)
			}
		})
	}
	if list, err := e.s.Channels(e.ctx); err != nil || len(list) != 0 {
		t.Errorf("refused channels were stored: %+v, %v", list, err)
	}
}

// SetChannelError records a failure and when it was seen ("" clears it);
// UpdateChannel clears it too.
func testChannelErrors(t *testing.T, e *env) {
	if _, err := e.s.AddChannel(e.ctx, robotChannel()); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	seen := e.clock.Now().In(time.FixedZone("CST", 8*3600))
	wantErr(t, "SetChannelError", e.s.SetChannelError(e.ctx, "幸福里机器人", "93000 invalid webhook url", seen), nil)
	c, err := e.s.Channel(e.ctx, "幸福里机器人")
	if err != nil || c.LastError != "93000 invalid webhook url" || !c.LastErrorAt.Equal(seen) {
		t.Fatalf("after SetChannelError: %+v, %v", c, err)
	}
	wantErr(t, "clearing", e.s.SetChannelError(e.ctx, "幸福里机器人", "", time.Time{}), nil)
	if c, _ = e.s.Channel(e.ctx, "幸福里机器人"); c.LastError != "" || !c.LastErrorAt.IsZero() {
		t.Fatalf("error not cleared: %+v", c)
	}
	wantErr(t, "SetChannelError without a time", e.s.SetChannelError(e.ctx, "幸福里机器人", "x", time.Time{}), model.ErrInvalid)
	wantErr(t, "SetChannelError", e.s.SetChannelError(e.ctx, "幸福里机器人", "93000", e.clock.Now()), nil)
	fixed := robotChannel()
	fixed.URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=new-5678"
	if c, err = e.s.UpdateChannel(e.ctx, fixed); err != nil || c.URL != fixed.URL || c.LastError != "" || !c.LastErrorAt.IsZero() {
		t.Fatalf("UpdateChannel = %+v, %v; want the new URL and no error", c, err)
	}
	wantErr(t, "SetChannelError on a missing channel", e.s.SetChannelError(e.ctx, "无此渠道", "x", e.clock.Now()), model.ErrNotFound)
}
