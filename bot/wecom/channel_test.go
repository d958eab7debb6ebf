package wecom_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/wecom"
)

func TestRobotChannel(t *testing.T) {
	ctx := context.Background()
	fake, srv, clk := newFake(t)
	fake.AddRobot("key-old", "幸福里业主群")
	ch, err := wecom.NewRobotChannel("幸福里", wecom.RobotConfig{URL: srv.URL + "/cgi-bin/webhook/send?key=key-old", AllowPrivate: true}, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	if !ch.State().LoggedIn {
		t.Fatal("a new robot channel is down")
	}
	if err := ch.Send(ctx, bot.Target{Kind: bot.ChatGroup, Name: "任意"}, "【本报】今日新闻"); err != nil {
		t.Fatal(err)
	}
	png := []byte("\x89PNG\r\n\x1a\nfake")
	if err := ch.SendImage(ctx, bot.Target{}, png); err != nil {
		t.Fatal(err)
	}
	sent := fake.Sent()
	if len(sent) != 2 || sent[0].MsgType != "text" || sent[0].Content != "【本报】今日新闻" || sent[1].MsgType != "image" || sent[1].Bytes != len(png) {
		t.Fatalf("sent %+v", sent)
	}

	// The robot is removed from the group: the key is rejected and the
	// channel is down, with the error, until a new URL comes.
	fake.RemoveRobot("key-old")
	err = ch.Send(ctx, bot.Target{}, "第二条")
	if !errors.Is(err, bot.ErrRejected) {
		t.Fatalf("send with a removed key: %v, want ErrRejected", err)
	}
	st := ch.State()
	if st.LoggedIn || st.LastErr == "" {
		t.Fatalf("state after rejection: %+v", st)
	}
	for _, s := range []string{st.LastErr, err.Error(), ch.String()} {
		if strings.Contains(s, "key-old") {
			t.Fatalf("the key leaks: %q", s)
		}
	}
	// Ten minutes on it lets one send through to probe.
	clk.Advance(10 * time.Minute)
	if !ch.State().LoggedIn {
		t.Fatal("no probe after ten minutes")
	}
	if err := ch.Send(ctx, bot.Target{}, "探测"); !errors.Is(err, bot.ErrRejected) || ch.State().LoggedIn {
		t.Fatalf("probe with the dead key: %v, state %+v", err, ch.State())
	}
	fake.AddRobot("key-new", "幸福里业主群")
	if err := ch.SetURL(srv.URL + "/cgi-bin/webhook/send?key=key-new"); err != nil {
		t.Fatal(err)
	}
	if !ch.State().LoggedIn {
		t.Fatal("a new key did not clear the failure")
	}
	if err := ch.Send(ctx, bot.Target{}, "第二条"); err != nil {
		t.Fatal(err)
	}
	if err := ch.SetURL("ftp://example.com/x"); err == nil {
		t.Fatal("SetURL took a bad URL")
	}
	// A rate limit is not a failure of the channel.
	fake.Fault(45009, 1)
	if err := ch.Send(ctx, bot.Target{}, "限流"); !errors.Is(err, bot.ErrRateLimited) || !ch.State().LoggedIn {
		t.Fatalf("45009: %v, state %+v", err, ch.State())
	}
}

func TestTaskChannel(t *testing.T) {
	ctx := context.Background()
	fake, srv, clk := newFake(t)
	fake.AddCorp("ww01", "s3cret", "wangzhuren")
	ch, err := wecom.NewTaskChannel("客户群", wecom.CorpConfig{API: srv.URL, CorpID: "ww01", Secret: "s3cret", AllowPrivate: true, Now: clk.Now},
		"wangzhuren", []string{"wrA", "wrB"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Send(ctx, bot.Target{}, "告警"); !errors.Is(err, wecom.ErrNotTask) {
		t.Fatalf("plain Send: %v", err)
	}
	id, err := ch.SendTask(ctx, bot.Target{}, "【本报】今日新闻")
	if err != nil || id == "" {
		t.Fatalf("SendTask = %q, %v", id, err)
	}
	if ok, err := ch.TaskConfirmed(ctx, id); ok || err != nil {
		t.Fatalf("before confirmation: %v, %v", ok, err)
	}
	if err := fake.Confirm(id); err != nil {
		t.Fatal(err)
	}
	if ok, err := ch.TaskConfirmed(ctx, id); !ok || err != nil {
		t.Fatalf("after confirmation: %v, %v", ok, err)
	}
	bad, err := wecom.NewTaskChannel("坏", wecom.CorpConfig{API: srv.URL, CorpID: "ww01", Secret: "wrong", AllowPrivate: true, Now: clk.Now}, "wangzhuren", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.SendTask(ctx, bot.Target{}, "x"); !errors.Is(err, bot.ErrRejected) || bad.State().LoggedIn {
		t.Fatalf("bad secret: %v, state %+v", err, bad.State())
	}
	if _, err := wecom.NewTaskChannel("x", wecom.CorpConfig{API: srv.URL, CorpID: "c", Secret: "s", AllowPrivate: true}, "", nil); err == nil {
		t.Fatal("a task channel without a sender")
	}
}
