package wecom

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"github.com/wxdigest/wxdigest/source"
)

// CheckURL refuses a webhook or API base URL that is not https on a public
// address, unless allowPrivate (then http, loopback and private addresses
// are fine: the fake server and intranet proxies). A host name is allowed
// here; the client's dialer checks what it resolves to when it connects.
// Errors are one line and never quote the URL, which may hold a key.
func CheckURL(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return errors.New("wecom: unparsable URL")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowPrivate {
			return errors.New("wecom: URL must be https (http only with allow-private)")
		}
	case "":
		return errors.New("wecom: URL has no scheme (want https://…)")
	default:
		return fmt.Errorf("wecom: URL scheme %q not supported (want https)", u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return errors.New("wecom: URL has no host")
	}
	if u.User != nil {
		return errors.New("wecom: URL must not carry user info")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return errors.New("wecom: URL has a bad port")
		}
	}
	if a, err := netip.ParseAddr(u.Hostname()); err == nil && !allowPrivate && source.Blocked(a) {
		return fmt.Errorf("wecom: %w: %s (loopback/private; needs allow-private)", source.ErrBlockedAddress, a.Unmap())
	}
	return nil
}

// ParseRobotURL splits a webhook URL as copied from WeCom
// ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY") into its
// endpoint (without the query) and key. A missing key is an error.
func ParseRobotURL(raw string) (endpoint, key string, err error) {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Host == "" {
		return "", "", errors.New("wecom: unparsable robot URL")
	}
	key = u.Query().Get("key")
	if key == "" {
		return "", "", errors.New("wecom: robot URL has no key= parameter")
	}
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	return u.String(), key, nil
}

// defaultTimeout bounds one request, body included.
const defaultTimeout = 20 * time.Second

// newHTTPClient is the client used when the caller gives none: the dialer
// resolves the host itself and refuses internal addresses (unless
// allowPrivate) with the source client's guard, so a robot URL naming an
// intranet host cannot make the bot post into the intranet. Redirects are
// not followed: WeCom does not redirect, and a redirect would carry the
// key or token elsewhere.
func newHTTPClient(allowPrivate bool) *http.Client {
	t := source.GuardTransport(http.DefaultTransport.(*http.Transport).Clone(), allowPrivate, defaultTimeout)
	return &http.Client{
		Transport:     t,
		Timeout:       defaultTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
