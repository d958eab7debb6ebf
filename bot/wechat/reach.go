package wechat

import (
	"errors"
	"net"
	"net/url"
	"syscall"
)

// unreach describes why WeChat could not be reached at all: no answer
// from its host, as opposed to an answer that refused or failed.
type unreach struct {
	host  string // the WeChat host asked for, e.g. login.wx.qq.com
	addr  string // the address dialled or the name looked up
	cause string // "connection refused", "DNS lookup failed", …
}

// unreachable reports whether err means the request never reached a
// server: a failed DNS lookup or a failed dial (refused, unreachable
// network or host, dial timeout). A reset or a timeout after connecting
// is not: WeChat was there.
func unreachable(err error) (unreach, bool) {
	var u unreach
	var ue *url.Error
	if errors.As(err, &ue) {
		if p, perr := url.Parse(ue.URL); perr == nil {
			u.host = p.Hostname()
		}
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		u.addr, u.cause = dns.Name, "DNS lookup failed"
		return u, true
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		return u, false
	}
	if op.Addr != nil {
		u.addr = op.Addr.String()
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		u.cause = "connection refused"
	case errors.Is(err, syscall.ENETUNREACH):
		u.cause = "network unreachable"
	case errors.Is(err, syscall.EHOSTUNREACH):
		u.cause = "host unreachable"
	case op.Timeout():
		u.cause = "connect timed out"
	default:
		u.cause = "cannot connect"
	}
	return u, true
}

// markDown records that WeChat cannot be reached and reports whether
// that is news (it was reachable, or unreachable for another reason):
// only then is it logged.
func (t *Transport) markDown(u unreach) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	news := t.down == nil || *t.down != u
	t.down = &u
	t.isDown.Store(true)
	return news
}

// reached is called for every answer from a WeChat host; the first after
// an outage logs that WeChat is back.
func (t *Transport) reached() {
	if !t.isDown.Load() {
		return
	}
	t.mu.Lock()
	u := t.down
	t.down = nil
	t.isDown.Store(false)
	t.mu.Unlock()
	if u != nil {
		t.log.Info("wechat: WeChat can be reached again", "host", u.host, "addr", u.addr)
	}
}
