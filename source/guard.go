package source

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
)

// The address policy is enforced where the connection is made: the guarded
// dialer resolves the host itself, refuses the request if any address is
// internal, and dials only the addresses it checked — with the dialer's
// Control hook checking once more the address the socket really connects
// to. A name that resolves to a public address for the first lookup and to
// 127.0.0.1 for the second (DNS rebinding) therefore gains nothing, and a
// redirect to an internal host fails when its connection is dialed.

// blockedPrefixes are refused unless Config.AllowPrivate.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network", 0.0.0.0
	netip.MustParsePrefix("10.0.0.0/8"),      // private
	netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT
	netip.MustParsePrefix("127.0.0.0/8"),     // loopback
	netip.MustParsePrefix("169.254.0.0/16"),  // link-local, cloud metadata
	netip.MustParsePrefix("172.16.0.0/12"),   // private
	netip.MustParsePrefix("192.168.0.0/16"),  // private
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("224.0.0.0/4"),     // multicast
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("::/128"),          // unspecified
	netip.MustParsePrefix("::1/128"),         // loopback
	netip.MustParsePrefix("fc00::/7"),        // unique local
	netip.MustParsePrefix("fe80::/10"),       // link-local
	netip.MustParsePrefix("ff00::/8"),        // multicast
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments (Teredo etc.)
	netip.MustParsePrefix("2002::/16"),       // 6to4 may wrap private IPv4
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated)
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64 may wrap private IPv4
	netip.MustParsePrefix("2001:20::/28"),    // ORCHIDv2
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
}

// Blocked reports whether the address policy refuses addr: loopback,
// private, link-local, CGNAT, unspecified, multicast and reserved ranges,
// IPv4-mapped forms included.
func Blocked(addr netip.Addr) bool {
	addr = addr.Unmap().WithZone("") // a zoned address matches no prefix
	if !addr.IsValid() {
		return true
	}
	for _, p := range blockedPrefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

type guard struct {
	allowPrivate bool
	permit       func(netip.AddrPort) bool
	resolve      func(ctx context.Context, host string) ([]netip.Addr, error)
	timeout      time.Duration
}

// allowed applies the policy to one address and port.
func (g *guard) allowed(ap netip.AddrPort) error {
	if g.allowPrivate || !Blocked(ap.Addr()) || g.permit != nil && g.permit(ap) {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrBlockedAddress, ap.Addr().Unmap())
}

// checkLiteral refuses a URL whose host is a literal blocked address before
// anything is sent (it covers custom transports too).
func (g *guard) checkLiteral(u *url.URL) error {
	a, err := netip.ParseAddr(u.Hostname())
	if err != nil {
		return nil // a name: checked when dialed
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	p, _ := strconv.ParseUint(port, 10, 16)
	return g.allowed(netip.AddrPortFrom(a, uint16(p)))
}

// GuardTransport installs in t the dialer the source client uses: every
// address a host resolves to is checked, and the socket's real peer once
// more, so loopback, private, link-local and CGNAT addresses are refused
// unless allowPrivate; proxies are turned off. Other packages that call
// out (the WeCom client) use it, so there is one guard to trust.
func GuardTransport(t *http.Transport, allowPrivate bool, timeout time.Duration) *http.Transport {
	g := &guard{allowPrivate: allowPrivate, timeout: timeout, resolve: func(ctx context.Context, host string) ([]netip.Addr, error) {
		return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	}}
	return g.transport(t)
}

// transport installs the guarded dialer in t. Proxies are turned off: a
// proxy would dial on our behalf, out of reach of the check.
func (g *guard) transport(t *http.Transport) *http.Transport {
	t.Proxy = nil
	t.DialContext = g.dial
	t.DialTLSContext = nil
	t.TLSHandshakeTimeout = min(g.timeout, 10*time.Second)
	t.ResponseHeaderTimeout = g.timeout
	t.MaxIdleConnsPerHost = 2
	return t
}

// dial resolves addr's host, checks every address, then dials them in turn.
func (g *guard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
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
		if ips, err = g.resolve(ctx, host); err != nil {
			return nil, err
		}
		if len(ips) == 0 {
			return nil, fmt.Errorf("no address for %s", host)
		}
	}
	for _, ip := range ips {
		if err := g.allowed(netip.AddrPortFrom(ip, uint16(port))); err != nil {
			return nil, fmt.Errorf("%s: %w", host, err)
		}
	}
	d := net.Dialer{Timeout: g.timeout, Control: g.control}
	var first error
	for _, ip := range ips {
		c, err := d.DialContext(ctx, network, netip.AddrPortFrom(ip.Unmap(), uint16(port)).String())
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
		if errors.Is(err, ErrBlockedAddress) || ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// control checks the address a socket is about to connect to.
func (g *guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparsable address %q", ErrBlockedAddress, address)
	}
	return g.allowed(ap)
}
