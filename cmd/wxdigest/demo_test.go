package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// waitFor polls the command's output until it holds want or the deadline passes.
func waitFor(t *testing.T, ctx context.Context, out *syncBuffer, want string) {
	t.Helper()
	for !strings.Contains(out.String(), want) {
		select {
		case <-ctx.Done():
			t.Fatalf("output never showed %q:\n%s", want, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestDemo drives the offline demo as a user would: the first scheduled
// digest arrives by itself, a resident asks for news and an item, the
// impostor with the admin's nickname is refused, staff sees the status, and
// Ctrl-D (EOF) ends it cleanly.
func TestDemo(t *testing.T) {
	in, feed := io.Pipe()
	var out, errb syncBuffer
	a := &app{stdin: in, stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, now: time.Now}
	code := make(chan int, 1)
	go func() {
		code <- a.main(context.Background(), []string{"demo", "--first-in", "1s", "--min-gap", "10ms", "--jitter", "0"})
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	say := func(line string) {
		if _, err := io.WriteString(feed, line+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, ctx, &out, "约 1 秒后")
	// The scheduled digest: its header, then every item.
	waitFor(t, ctx, &out, "[幸福里业主群] wxdigest：【中原区新闻】")
	waitFor(t, ctx, &out, "5. 中原区举办研发费用入统业务培训会")
	// The WeCom group beside it, through its robot.
	waitFor(t, ctx, &out, "[企业微信·和谐家园群] 群机器人：【中原区新闻】")

	say("详情 2")
	waitFor(t, ctx, &out, "新时代呼唤好少年，好少年需要好榜样。") // read as Chinese: ， for the printed ASCII comma
	say(":as 赵书记(冒名)")
	say("订阅 08:00")
	waitFor(t, ctx, &out, "权限")
	say(":as 王主任")
	say("状态")
	waitFor(t, ctx, &out, "下次推送")
	if err := feed.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("demo exited %d: %s", c, errb.String())
		}
	case <-ctx.Done():
		t.Fatal("demo did not end after EOF")
	}
	if !strings.Contains(out.String(), "演示结束") {
		t.Errorf("no goodbye:\n%s", out.String())
	}
	if n := strings.Count(out.String(), "wxdigest：【中原区新闻】"); n != 1 {
		t.Errorf("the scheduled digest arrived %d times, want once", n)
	}
}
