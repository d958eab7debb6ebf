package wechat

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
)

// syncBuf is a bytes.Buffer safe for the goroutines that log into it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a fake WeChat server plus a directory for storage files.
type env struct {
	srv *wechattest.Server
	url string
	dir string
	log *syncBuf
}

func newEnv(t *testing.T, opts wechattest.Options) *env {
	t.Helper()
	srv := wechattest.New(opts)
	e := &env{srv: srv, url: srv.StartTest(), dir: t.TempDir(), log: &syncBuf{}}
	t.Cleanup(func() {
		srv.Close()
		if t.Failed() {
			t.Logf("transport log:\n%s", e.log.String())
		}
	})
	return e
}

// seed adds the usual cast: a friend with a remark, a friend without, a
// saved group with the remarked friend, a plain member and a spoofer
// carrying the friend's nickname, and an unsaved group.
func (e *env) seed(t *testing.T) {
	t.Helper()
	must(t, e.srv.AddFriend("王主任", "王主任(管理员)"))
	must(t, e.srv.AddFriend("张三", ""))
	must(t, e.srv.AddGroup(wechattest.Group{ID: "xfl", Name: "幸福里业主群", Saved: true, SelfDisplay: "小助手", Members: []wechattest.Member{
		{Friend: "王主任"}, {ID: "li", Nick: "李阿姨"}, {ID: "x1", Nick: "王主任"},
	}}))
	must(t, e.srv.AddGroup(wechattest.Group{ID: "wbc", Name: "未保存群", Saved: false, Members: []wechattest.Member{
		{ID: "li", Nick: "李阿姨"}, {Friend: "张三"},
	}}))
}

func (e *env) storage() string { return filepath.Join(e.dir, "wechat-session.json") }

// transport builds a Transport on the fake whose waits return at once
// (recorded in *waits when not nil).
func (e *env) transport(t *testing.T, edit func(*Config)) *Transport {
	t.Helper()
	cfg := Config{
		ServerURL:   e.url,
		StoragePath: e.storage(),
		Logger:      slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(&cfg)
	}
	tr, err := New(cfg)
	must(t, err)
	tr.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	return tr
}

// runner is a Transport running in the background.
type runner struct {
	tr     *Transport
	cancel context.CancelFunc
	done   chan error
	msgs   chan bot.Message
	err    error
	ended  bool
}

func start(t *testing.T, tr *Transport) *runner {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &runner{tr: tr, cancel: cancel, done: make(chan error, 1), msgs: make(chan bot.Message, 256)}
	go func() { r.done <- tr.Run(ctx, func(m bot.Message) { r.msgs <- m }) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels Run and returns what it returned.
func (r *runner) stop(t *testing.T) error {
	t.Helper()
	if r.ended {
		return r.err
	}
	r.cancel()
	select {
	case r.err = <-r.done:
		r.ended = true
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of cancel")
	}
	return r.err
}

// wait returns what Run returned by itself.
func (r *runner) wait(t *testing.T) error {
	t.Helper()
	select {
	case r.err = <-r.done:
		r.ended = true
		return r.err
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s")
		return nil
	}
}

func (r *runner) next(t *testing.T) bot.Message {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message within 10s")
		return bot.Message{}
	}
}

// loggedIn waits until the transport reports a session with at least n
// logins.
func (r *runner) loggedIn(t *testing.T, n int) bot.LoginState {
	t.Helper()
	return waitState(t, r.tr, func(s bot.LoginState) bool { return s.LoggedIn && s.Logins >= n })
}

func waitState(t *testing.T, tr *Transport, cond func(bot.LoginState) bool) bot.LoginState {
	t.Helper()
	var st bot.LoginState
	waitFor(t, "transport state", func() bool { st = tr.State(); return cond(st) })
	return st
}

// waitFor polls cond until it holds, failing after 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mustPost(t)(srv.Post…(…)) returns the MsgId of a post that must work.
func mustPost(t *testing.T) func(id string, err error) string {
	t.Helper()
	return func(id string, err error) string {
		t.Helper()
		must(t, err)
		return id
	}
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func reqsTo(rs []wechattest.RequestRecord, suffix string) []wechattest.RequestRecord {
	var out []wechattest.RequestRecord
	for _, r := range rs {
		if strings.HasSuffix(r.Path, suffix) {
			out = append(out, r)
		}
	}
	return out
}

// settleGoroutines waits until at most base goroutines run.
func settleGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("goroutines: %d > %d after stop\n%s", runtime.NumGoroutine(), base, buf[:n])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func isErr(err, target error) bool { return errors.Is(err, target) }
