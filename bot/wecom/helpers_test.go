package wecom_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot/wecom/wecomtest"
)

// clock is a settable clock shared by the fake server and the client.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// serve starts h on 127.0.0.1 (never another interface).
func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func newFake(t *testing.T) (*wecomtest.Server, *httptest.Server, *clock) {
	t.Helper()
	clk := newClock()
	fake := wecomtest.New(wecomtest.Config{Now: clk.Now})
	return fake, serve(t, fake.Handler()), clk
}

func countAPI(fake *wecomtest.Server, api string) int {
	n := 0
	for _, r := range fake.Requests() {
		if r.API == api {
			n++
		}
	}
	return n
}
