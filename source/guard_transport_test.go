package source_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/source"
)

// GuardTransport refuses loopback unless allowed, as the source client does.
func TestGuardTransport(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})}}
	srv.Start()
	defer srv.Close()
	for _, allow := range []bool{false, true} {
		c := &http.Client{Transport: source.GuardTransport(http.DefaultTransport.(*http.Transport).Clone(), allow, 5*time.Second)}
		resp, err := c.Get(srv.URL)
		if resp != nil {
			resp.Body.Close()
		}
		switch {
		case !allow && !errors.Is(err, source.ErrBlockedAddress):
			t.Fatalf("loopback without allowPrivate: %v, want ErrBlockedAddress", err)
		case allow && err != nil:
			t.Fatalf("loopback with allowPrivate: %v", err)
		}
	}
}
