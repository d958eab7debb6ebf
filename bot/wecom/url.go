package wecom

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
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
// allowPrivate), mirroring source/guard.go, so a robot URL naming an
// intranet host cannot make the bot post into the intranet. Redirects are
// not followed: WeCom does not redirect, and a redirect would carry the
// key or token elsewhere.
func newHTTPClient(allowPrivate bool) *http.Client {
	g := &dialGuard{allowPrivate: allowPrivate, resolve: net.DefaultResolver.LookupNetIP}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // a proxy would dial on our behalf, out of reach of the check
	t.DialContext = g.dial
	t.DialTLSContext = nil
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = defaultTimeout
	t.MaxIdleConnsPerHost = 2
	return &http.Client{
		Transport:     t,
		Timeout:       defaultTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

type dialGuard struct {
	allowPrivate bool
	resolve      func(ctx context.Context, network, host string) ([]netip.Addr, error)
}

func (g *dialGuard) allowed(a netip.Addr) error {
	if g.allowPrivate || !source.Blocked(a) {
		return nil
	}
	return fmt.Errorf("%w: %s", source.ErrBlockedAddress, a.Unmap())
}

// dial checks every address the host resolves to, then dials only those;
// control checks the socket's real peer once more (DNS rebinding).
func (g *dialGuard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("bad port in %q", addr)
	}
	var ips []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{a}
	} else {
		if ips, err = g.resolve(ctx, "ip", host); err != nil {
			return nil, err
		}
		if len(ips) == 0 {
			return nil, fmt.Errorf("no address for %s", host)
		}
	}
	for _, ip := range ips {
		if err := g.allowed(ip); err != nil {
			return nil, fmt.Errorf("%s: %w", host, err)
		}
	}
	d := net.Dialer{Timeout: 10 * time.Second, Control: g.control}
	var first error
	for _, ip := range ips {
		c, err := d.DialContext(ctx, network, netip.AddrPortFrom(ip.Unmap(), uint16(port)).String())
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
		if errors.Is(err, source.ErrBlockedAddress) || ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

func (g *dialGuard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparsable address %q", source.ErrBlockedAddress, address)
	}
	return g.allowed(ap.Addr())
}
