package wechattest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eatmoreapple/openwechat"

	"github.com/wxdigest/wxdigest/bot/wechat"
	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
)

// redirect points a bot at the fake through wechat.RedirectTransport (the
// same rewrite production uses), tagging each request with the bot it came
// from and, with a tap, keeping the raw answers.
type redirect struct {
	host string
	bot  string // X-Test-Bot header, to tell bots apart in the request log
	base http.RoundTripper
	tap  *tap
}

// tap keeps the raw response bodies the bots received, by path suffix.
type tap struct {
	mu     sync.Mutex
	bodies map[string][][]byte
}

func (t *tap) add(path string, b []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := strings.LastIndex(path, "/")
	t.bodies[path[i+1:]] = append(t.bodies[path[i+1:]], b)
}

func (t *tap) get(endpoint string) [][]byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([][]byte(nil), t.bodies[endpoint]...)
}

func (r redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	rt, err := wechat.RedirectTransport("http://"+r.host, r.base)
	if err != nil {
		return nil, err
	}
	c := req.Clone(req.Context())
	c.Header.Set("X-Test-Bot", r.bot)
	resp, err := rt.RoundTrip(c)
	if err != nil || r.tap == nil {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.tap.add(req.URL.Path, b)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// env is a started fake with its own client transport, so idle client
// connections can be closed and goroutines counted.
type env struct {
	srv  *wechattest.Server
	url  string
	tr   *http.Transport
	stop map[*openwechat.Bot]context.CancelFunc
	tap  *tap
}

func newEnv(t *testing.T, opts wechattest.Options) *env {
	t.Helper()
	srv := wechattest.New(opts)
	e := &env{srv: srv, url: srv.StartTest(), tr: &http.Transport{}, stop: map[*openwechat.Bot]context.CancelFunc{}, tap: &tap{bodies: map[string][][]byte{}}}
	t.Cleanup(func() {
		srv.Close()
		e.tr.CloseIdleConnections()
	})
	return e
}

// seed adds the cast used by most tests: a friend with a remark, a saved
// group with that friend, a plain member and a spoofer with the friend's
// nick, and an unsaved group.
func (e *env) seed(t *testing.T) {
	t.Helper()
	must(t, e.srv.AddFriend("王主任", "admin:王主任"))
	must(t, e.srv.AddFriend("张三", ""))
	must(t, e.srv.AddGroup(wechattest.Group{Name: "幸福里业主群", Saved: true, SelfDisplay: "小助手", Members: []wechattest.Member{
		{Friend: "王主任"}, {ID: "li", Nick: "李阿姨"}, {ID: "x1", Nick: "王主任"},
	}}))
	must(t, e.srv.AddGroup(wechattest.Group{Name: "未保存群", Saved: false, Members: []wechattest.Member{
		{ID: "li", Nick: "李阿姨"}, {Friend: "张三"},
	}}))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newBot is a real openwechat Desktop bot pointed at the fake. Callbacks
// that print or open a browser are removed. The bot is stopped by
// cancelling its context: Bot.Exit from another goroutine races with
// openwechat's sync goroutine (it writes b.self unsynchronised).
func (e *env) newBot(t *testing.T) *openwechat.Bot {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	b := openwechat.DefaultBot(openwechat.Desktop, openwechat.WithContextOption(ctx))
	e.stop[b] = cancel
	b.UUIDCallback = func(string) {}
	b.ScanCallBack = nil
	b.LoginCallBack = nil
	b.SyncCheckCallback = nil
	b.Caller.Client.HTTPClient().Transport = redirect{host: strings.TrimPrefix(e.url, "http://"), bot: fmt.Sprint(len(e.stop)), base: e.tr, tap: e.tap}
	return b
}

// seen is what a handler observed, computed on openwechat's sync
// goroutine (its caches are not safe to read from elsewhere).
type seen struct {
	msg        *openwechat.Message
	text       bool
	article    bool
	self       bool
	group      bool
	at         bool
	sender     *openwechat.User // Sender(): the group for group messages
	inGroup    *openwechat.User // SenderInGroup()
	inGroupErr error
	replyErr   error
	groups     []string // Groups() nick names at the time
	media      *openwechat.AppMessageData
	// remark is the RemarkName of the friend whose UserName is the
	// sender's (in-group sender for group messages); "" if not a friend.
	remark   string
	isFriend bool
}

// collect installs a handler that reports every message (MsgType 51
// notifies excluded) on the returned channel; reply, if set, is sent back
// with ReplyText for text messages.
func collect(b *openwechat.Bot, reply func(*openwechat.Message) string) <-chan seen {
	ch := make(chan seen, 64)
	b.MessageHandler = func(m *openwechat.Message) {
		if m.MsgType == 51 {
			return
		}
		s := seen{msg: m, text: m.IsText(), article: m.IsArticle(), self: m.IsSendBySelf(), group: m.IsComeFromGroup(), at: m.IsAt()}
		if u, err := m.Sender(); err == nil {
			s.sender = u
		}
		if s.group {
			s.inGroup, s.inGroupErr = m.SenderInGroup()
		}
		if gs, err := m.Owner().Groups(); err == nil {
			for _, g := range gs {
				s.groups = append(s.groups, g.NickName)
			}
		}
		un := m.FromUserName
		if s.inGroup != nil {
			un = s.inGroup.UserName
		}
		if fs, err := m.Owner().Friends(); err == nil {
			if f := fs.SearchByUserName(1, un); f.Count() == 1 {
				s.isFriend, s.remark = true, f.First().RemarkName
			}
		}
		if m.IsMedia() {
			s.media, _ = m.MediaData()
		}
		if reply != nil && s.text && !s.self {
			if r := reply(m); r != "" {
				_, s.replyErr = m.ReplyText(r)
			}
		}
		ch <- s
	}
	return ch
}

func next(t *testing.T, ch <-chan seen) seen {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no message within 10s")
		return seen{}
	}
}

// login runs a scan login and waits until the fake reports it.
func (e *env) login(t *testing.T, b *openwechat.Bot) {
	t.Helper()
	must(t, b.Login())
	if _, err := e.srv.WaitStatus(ctxT(t), func(s wechattest.Status) bool { return s.LoggedIn }); err != nil {
		t.Fatal(err)
	}
}

// byBot keeps the requests made by bot number n (in newBot order from 1).
func byBot(rs []wechattest.RequestRecord, n int) []wechattest.RequestRecord {
	var out []wechattest.RequestRecord
	for _, r := range rs {
		if r.Header.Get("X-Test-Bot") == fmt.Sprint(n) {
			out = append(out, r)
		}
	}
	return out
}

func reqsTo(rs []wechattest.RequestRecord, path string) []wechattest.RequestRecord {
	var out []wechattest.RequestRecord
	for _, r := range rs {
		if strings.HasSuffix(r.Path, path) {
			out = append(out, r)
		}
	}
	return out
}

// memStorage is an in-memory openwechat HotReloadStorage: each Write
// replaces the content (openwechat writes the JSON in one call).
type memStorage struct {
	mu   sync.Mutex
	data []byte
	off  int
}

func newStorage(b []byte) *memStorage { return &memStorage{data: append([]byte(nil), b...)} }

func (m *memStorage) Read(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.off >= len(m.data) {
		return 0, io.EOF
	}
	n := copy(p, m.data[m.off:])
	m.off += n
	return n, nil
}

func (m *memStorage) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data, m.off = append([]byte(nil), p...), 0
	return len(p), nil
}

func (m *memStorage) Bytes() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]byte(nil), m.data...)
}

// retOf extracts openwechat's Ret code from an error (0 if none).
func retOf(err error) int {
	var r openwechat.Ret
	if errors.As(err, &r) {
		return int(r)
	}
	return 0
}

// block waits, on its own goroutine, for what b.Block would return. Not
// Block itself: it reads b.self unsynchronised, racing with the sync
// goroutine's ExitWith on a kick; the context's Done orders CrashReason.
func block(b *openwechat.Bot) <-chan error {
	ch := make(chan error, 1)
	go func() {
		<-b.Context().Done()
		ch <- b.CrashReason()
	}()
	return ch
}

func waitErr(t *testing.T, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Block did not return within 10s")
		return nil
	}
}
