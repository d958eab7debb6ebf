package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
)

// syncBuffer is a bytes.Buffer safe to read while the command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunAgainstFakeWeChat runs `wxdigest run --wechat-server` against the
// fake server: the real openwechat code logs in, reports it is online, and a
// message posted through the control API reaches the bot.
func TestRunAgainstFakeWeChat(t *testing.T) {
	srv := wechattest.New(wechattest.Options{})
	url := srv.StartTest()
	defer srv.Close()

	dir := t.TempDir()
	var out, errb syncBuffer
	a := &app{
		stdin:  strings.NewReader(""),
		stdout: &out,
		stderr: &errb,
		getenv: func(string) string { return "" },
		now:    time.Now, // the fake and openwechat compare real timestamps
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() {
		code <- a.main(ctx, []string{"run", "--db", filepath.Join(dir, "bot.db"), "--wechat-server", url, "--http", "off"})
	}()

	deadline, stop := context.WithTimeout(ctx, 20*time.Second)
	defer stop()
	if _, err := srv.WaitStatus(deadline, func(s wechattest.Status) bool { return s.LoggedIn }); err != nil {
		t.Fatalf("never logged in: %v\nstderr: %s", err, errb.String())
	}
	if _, err := srv.PostSelfMessage("filehelper", "ping"); err != nil {
		t.Fatal(err)
	}
	sent, err := srv.WaitSent(deadline, 1)
	if err != nil {
		t.Fatalf("no reply: %v\nstderr: %s", err, errb.String())
	}
	if sent[0].Text != "pong" || sent[0].Kind != "self" {
		t.Errorf("reply = %+v, want pong to self", sent[0])
	}
	for !strings.Contains(out.String(), "已登录") {
		select {
		case <-deadline.Done():
			t.Fatalf("stdout never said it is online: %q", out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("run exited %d: %s", c, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
}
