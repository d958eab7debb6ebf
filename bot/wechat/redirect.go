package wechat

import (
	"fmt"
	"net/http"
	"net/url"
)

// RedirectTransport returns a RoundTripper that sends every request, whatever
// https host openwechat addressed, to the plain-http server at serverURL
// (e.g. a fake WeChat server on loopback). The Host header keeps the
// original host so the server can route on it, and the client's cookie jar
// still sees the original https URLs, so cookie scoping behaves as it does
// against the real hosts.
func RedirectTransport(serverURL string, base http.RoundTripper) (http.RoundTripper, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return nil, fmt.Errorf("wechat: server url %q: %w", serverURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("wechat: server url %q: want http://host:port", serverURL)
	}
	if base == nil {
		base = http.DefaultTransport
	}
	return &redirect{scheme: u.Scheme, host: u.Host, base: base}, nil
}

type redirect struct {
	scheme, host string
	base         http.RoundTripper
}

func (r *redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	// The RoundTripper contract forbids mutating req.
	c := req.Clone(req.Context())
	c.Host = req.URL.Host
	c.URL.Scheme = r.scheme
	c.URL.Host = r.host
	return r.base.RoundTrip(c)
}
