package wecom_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/wecom"
	"github.com/wxdigest/wxdigest/source"
)

const testKey = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"

func newRobot(t *testing.T, base string) *wecom.Robot {
	t.Helper()
	r, err := wecom.NewRobot(wecom.RobotConfig{URL: base + "/cgi-bin/webhook/send?key=" + testKey, AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// cjk returns exactly n bytes of UTF-8: three-byte 新 runes, then ASCII.
func cjk(n int) string {
	return strings.Repeat("新", n/3) + strings.Repeat("a", n%3)
}

func TestRobotSendsEachMessageType(t *testing.T) {
	fake, srv, _ := newFake(t)
	fake.AddRobot(testKey, "幸福里业主群")
	r := newRobot(t, srv.URL)
	ctx := context.Background()
	png := []byte("\x89PNG\r\n\x1a\nnot really a picture")
	sum := md5.Sum(png)
	tests := []struct {
		name    string
		send    func() error
		msgtype string
		content string
		bytes   int
		md5     string
	}{
		{"text", func() error { return r.Text(ctx, "今日新闻") }, "text", "今日新闻", 12, ""},
		{"markdown", func() error { return r.Markdown(ctx, "**今日**") }, "markdown", "**今日**", 10, ""},
		{"image", func() error { return r.Image(ctx, png) }, "image", "", len(png), hex.EncodeToString(sum[:])},
		{"news", func() error {
			return r.News(ctx, []wecom.NewsArticle{{Title: "一", URL: "https://example.com/1"}, {Title: "二", URL: "https://example.com/2"}})
		}, "news", "一\n二", 7, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.send(); err != nil {
				t.Fatal(err)
			}
			sent := fake.Sent()
			if len(sent) != i+1 {
				t.Fatalf("sent %d messages, want %d", len(sent), i+1)
			}
			m := sent[i]
			if m.API != "webhook" || m.Key != testKey || m.Group != "幸福里业主群" || m.MsgType != tt.msgtype ||
				m.Content != tt.content || m.Bytes != tt.bytes || m.MD5 != tt.md5 {
				t.Fatalf("sent %+v", m)
			}
		})
	}
}

func TestRobotLimits(t *testing.T) {
	fake, srv, _ := newFake(t)
	fake.AddRobot(testKey, "g")
	r := newRobot(t, srv.URL)
	ctx := context.Background()
	arts := func(n int) []wecom.NewsArticle {
		a := make([]wecom.NewsArticle, n)
		for i := range a {
			a[i] = wecom.NewsArticle{Title: "标题", URL: "https://example.com/"}
		}
		return a
	}
	tests := []struct {
		name string
		send func() error
		ok   bool
	}{
		{"text at limit", func() error { return r.Text(ctx, cjk(wecom.TextMaxBytes)) }, true},
		{"text one byte over", func() error { return r.Text(ctx, cjk(wecom.TextMaxBytes+1)) }, false},
		{"markdown at limit", func() error { return r.Markdown(ctx, cjk(wecom.MarkdownMaxBytes)) }, true},
		{"markdown one byte over", func() error { return r.Markdown(ctx, cjk(wecom.MarkdownMaxBytes+1)) }, false},
		{"image at limit", func() error { return r.Image(ctx, make([]byte, wecom.ImageMaxBytes)) }, true},
		{"image one byte over", func() error { return r.Image(ctx, make([]byte, wecom.ImageMaxBytes+1)) }, false},
		{"news 8", func() error { return r.News(ctx, arts(8)) }, true},
		{"news 9", func() error { return r.News(ctx, arts(9)) }, false},
		{"news 0", func() error { return r.News(ctx, nil) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(fake.Requests())
			err := tt.send()
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, wecom.ErrTooLarge) {
				t.Fatalf("err = %v, want ErrTooLarge", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			if n := len(fake.Requests()); n != before {
				t.Fatalf("a request was sent for a message over the limit")
			}
		})
	}
}

func TestRobotErrorMapping(t *testing.T) {
	fake, srv, _ := newFake(t)
	fake.AddRobot(testKey, "g")
	r := newRobot(t, srv.URL)
	ctx := context.Background()

	t.Run("45009 is rate limited", func(t *testing.T) {
		fake.Fault(45009, 1)
		err := r.Text(ctx, "x")
		var ae *wecom.APIError
		if !errors.Is(err, bot.ErrRateLimited) || !errors.As(err, &ae) || ae.Code != 45009 {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("system busy is a network error", func(t *testing.T) {
		fake.Fault(-1, 1)
		if err := r.Text(ctx, "x"); !errors.Is(err, bot.ErrNetwork) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("removed robot is rejected", func(t *testing.T) {
		fake.RemoveRobot(testKey)
		err := r.Text(ctx, "x")
		if !errors.Is(err, bot.ErrRejected) || errors.Is(err, bot.ErrRateLimited) {
			t.Fatalf("err = %v", err)
		}
		if strings.Contains(err.Error(), testKey) {
			t.Fatalf("error leaks the key: %v", err)
		}
	})
}

func TestRobotNeverShowsKey(t *testing.T) {
	srv := serve(t, nil)
	r := newRobot(t, srv.URL)
	srv.Close() // every send now fails in the transport, whose error quotes the URL
	if s := r.String(); strings.Contains(s, testKey) || !strings.HasSuffix(s, "…5aaa") {
		t.Fatalf("String() = %q", s)
	}
	err := r.Text(context.Background(), "x")
	if !errors.Is(err, bot.ErrNetwork) || strings.Contains(err.Error(), testKey) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v", err)
	}
	if r.Key() != testKey {
		t.Fatalf("Key() = %q", r.Key())
	}
}

func TestRobotDialerRefusesPrivateNames(t *testing.T) {
	srv := serve(t, nil)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	// A name passes CheckURL; the address it resolves to is refused when
	// the connection is made.
	r, err := wecom.NewRobot(wecom.RobotConfig{URL: "https://localhost:" + port + "/cgi-bin/webhook/send?key=" + testKey})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Text(context.Background(), "x")
	if !errors.Is(err, source.ErrBlockedAddress) || !errors.Is(err, bot.ErrRejected) {
		t.Fatalf("err = %v, want blocked address", err)
	}
}

func TestParseRobotURL(t *testing.T) {
	tests := []struct {
		raw, endpoint, key string
		ok                 bool
	}{
		{"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K1", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "K1", true},
		{"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?debug=1&key=K2", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "K2", true},
		{"https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "", "", false},
		{"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=", "", "", false},
		{"::not a url", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			ep, key, err := wecom.ParseRobotURL(tt.raw)
			if (err == nil) != tt.ok || ep != tt.endpoint || key != tt.key {
				t.Fatalf("got %q %q %v", ep, key, err)
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		name, raw    string
		allowPrivate bool
		ok           bool
	}{
		{"https public", "https://qyapi.weixin.qq.com", false, true},
		{"https public IP", "https://101.91.0.1/cgi-bin", false, true},
		{"http public refused", "http://qyapi.weixin.qq.com", false, false},
		{"https loopback refused", "https://127.0.0.1:8443", false, false},
		{"https private refused", "https://[::ffff:10.0.0.1]/", false, false},
		{"http public allowed with allowPrivate", "http://qyapi.weixin.qq.com", true, true},
		{"https loopback allowed with allowPrivate", "https://127.0.0.1:8443", true, true},
		{"http loopback allowed with allowPrivate", "http://127.0.0.1:8089", true, true},
		{"name allowed at check time", "https://intranet.local", false, true},
		{"garbage", "%%garbage%%", false, false},
		{"no scheme", "qyapi.weixin.qq.com/cgi-bin", false, false},
		{"ftp", "ftp://qyapi.weixin.qq.com", true, false},
		{"no host", "https:///x", false, false},
		{"user info", "https://u:p@qyapi.weixin.qq.com", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := wecom.CheckURL(tt.raw, tt.allowPrivate)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && (strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "u:p")) {
				t.Fatalf("error %q", err)
			}
		})
	}
}
