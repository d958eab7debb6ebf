package wechat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
)

// freeAddr is a loopback address nothing listens on (for now).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	must(t, ln.Close())
	return addr
}

// `run` without network: one line says WeChat cannot be reached (with the
// address), the retries after it are quiet, and one line says when it is
// back; then the login goes through.
func TestUnreachableLoggedOnceThenBack(t *testing.T) {
	addr := freeAddr(t)
	log := &syncBuf{}
	tr, err := New(Config{
		ServerURL:   "http://" + addr,
		StoragePath: filepath.Join(t.TempDir(), "wechat-session.json"),
		Logger:      slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	must(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("transport log:\n%s", log.String())
		}
	})
	const downFor = 5 // failed attempts before WeChat comes up
	var waits atomic.Int32
	srv := wechattest.New(wechattest.Options{})
	t.Cleanup(srv.Close)
	tr.sleep = func(ctx context.Context, d time.Duration) error {
		if waits.Add(1) == downFor {
			if _, err := srv.Start(addr); err != nil {
				return fmt.Errorf("start the fake on %s: %w", addr, err)
			}
		}
		return ctx.Err()
	}
	r := start(t, tr)
	st := r.loggedIn(t, 1)
	if st.LastErr != "" {
		t.Errorf("state after login %+v", st)
	}
	if n := waits.Load(); n != downFor {
		t.Errorf("%d waits before the login, want %d", n, downFor)
	}
	out := log.String()
	down := strings.Count(out, "WeChat cannot be reached")
	if down != 1 {
		t.Errorf("%d \"cannot be reached\" lines over %d failed attempts, want 1", down, downFor)
	}
	if !strings.Contains(out, "connection refused") || !strings.Contains(out, "addr="+addr) || !strings.Contains(out, "host=login.wx.qq.com") {
		t.Errorf("the line does not say why and where:\n%s", out)
	}
	if n := strings.Count(out, "WeChat can be reached again"); n != 1 {
		t.Errorf("%d \"reached again\" lines, want 1", n)
	}
	for _, quiet := range []string{"login failed", "login attempt failed", "too many logins"} {
		if strings.Contains(out, quiet) {
			t.Errorf("log has %q during the outage:\n%s", quiet, out)
		}
	}
	if n := strings.Count(out, `msg="wechat: logging in"`); n != 1 {
		t.Errorf("%d \"logging in\" lines, want only the first attempt's", n)
	}
	// Nothing at all is logged between the outage and its end.
	lines := strings.Split(out, "\n")
	for k, l := range lines {
		if strings.Contains(l, "cannot be reached") && (k+1 == len(lines) || !strings.Contains(lines[k+1], "reached again")) {
			t.Errorf("the line after the outage's is not its end:\n%s", out)
		}
	}
}

func TestUnreachableErrors(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}, Err: syscall.ECONNREFUSED}
	for _, tt := range []struct {
		name string
		err  error
		want unreach
		ok   bool
	}{
		{"refused", &url.Error{Op: "Get", URL: "https://login.wx.qq.com/jslogin", Err: dial},
			unreach{"login.wx.qq.com", "127.0.0.1:9", "connection refused"}, true},
		{"dns", fmt.Errorf("wrapped: %w", &url.Error{Op: "Post", URL: "https://wx2.qq.com/x", Err: &net.OpError{Op: "dial", Net: "tcp",
			Err: &net.DNSError{Err: "no such host", Name: "wx2.qq.com", IsNotFound: true}}}),
			unreach{"wx2.qq.com", "wx2.qq.com", "DNS lookup failed"}, true},
		{"reset after connecting", &url.Error{Op: "Get", URL: "https://login.wx.qq.com/", Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}},
			unreach{}, false},
		{"not a network error", errors.New("uuid not found"), unreach{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := unreachable(tt.err)
			if ok != tt.ok || ok && got != tt.want {
				t.Errorf("unreachable = %+v %v, want %+v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
