package data_test

import (
	"context"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/data"
)

func TestOutbox(t *testing.T) {
	ctx := context.Background()
	clock := newBTClock()
	s := btOpen(t, "", clock)
	a, err := s.QueueReply(ctx, data.QueuedReply{Channel: "wechat", TargetKind: "group", TargetName: "幸福里", TargetID: "@@abc", Text: "已推送"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if _, err := s.QueueReply(ctx, data.QueuedReply{Channel: "机器人", TargetKind: "group", TargetName: "机器人", Text: "告警"}); err != nil {
		t.Fatal(err)
	}
	b, _ := s.QueueReply(ctx, data.QueuedReply{Channel: "wechat", TargetKind: "self", Text: "报告"})
	got, err := s.QueuedReplies(ctx, "wechat")
	if err != nil || len(got) != 2 || got[0].ID != a || got[1].ID != b || got[0].TargetName != "幸福里" || got[0].TargetID != "@@abc" ||
		got[0].Text != "已推送" || !got[0].Created.Equal(clock.Now().Add(-time.Minute)) {
		t.Fatalf("QueuedReplies = %+v, %v", got, err)
	}
	if err := s.DoneReply(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.QueuedReplies(ctx, "wechat"); len(got) != 1 || got[0].ID != b {
		t.Fatalf("after DoneReply: %+v", got)
	}
	if _, err := s.QueueReply(ctx, data.QueuedReply{Text: "x"}); err == nil {
		t.Fatal("a reply without a channel was queued")
	}
}
