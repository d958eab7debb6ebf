package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/data"
)

// TestStandbyAcrossHosts: a holder on another host cannot be seen to die,
// so its standby waits for the lease to run out and then takes over; it
// says who it waits for once.
func TestStandbyAcrossHosts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := data.Open(ctx, filepath.Join(t.TempDir(), "s.db"), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	acct := accountFor("甲", "")
	const other = "another-host pid 42 (0a0b0c0d)"
	const ttl = 600 * time.Millisecond
	if ok, _, err := st.AcquireLease(ctx, acct.lease(), other, ttl); err != nil || !ok {
		t.Fatalf("the other host's lease: %v %v", ok, err)
	}
	var waited []string
	o := botOptions{cfg: config{loc: time.UTC}, account: acct, onStandby: func(holder string, until time.Time) {
		waited = append(waited, holder)
	}}
	start := time.Now()
	const me = "this-host pid 7 (01020304)"
	if err := waitLease(ctx, st, o, me, ttl, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	holder, until, err := st.Lease(ctx, acct.lease())
	if err != nil || holder != me {
		t.Fatalf("after the wait the lease is %q (%v)", holder, err)
	}
	if until.Before(start) {
		t.Errorf("lease until %v, before the wait began", until)
	}
	if len(waited) != 1 || waited[0] != other {
		t.Errorf("standby said it waits for %q, want %q once", waited, other)
	}
	// Another account's lease is another row: it never waits for this one.
	if err := waitLease(ctx, st, botOptions{cfg: config{loc: time.UTC}, account: accountFor("乙", "")}, "me pid 1 (00)", ttl, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
}

// TestAccountFor: the account a run serves, and the names derived from it.
func TestAccountFor(t *testing.T) {
	cases := []struct {
		name, server string
		lease, uin   string
		outbox, sess string
	}{
		{"", "", "bot", "wechat.uin", "wechat", ""},
		{"东区", "", "wechat:东区", "wechat.uin:东区", "wechat:东区", ".__"},
		{"", "http://127.0.0.1:8080", "wechat:server http://127.0.0.1:8080", "wechat.uin:server http://127.0.0.1:8080",
			"wechat:server http://127.0.0.1:8080", ".server_http___127.0.0.1_8080"},
		{"b", "http://x", "wechat:b", "wechat.uin:b", "wechat:b", ".b"},
	}
	for _, c := range cases {
		a := accountFor(c.name, c.server)
		if a.lease() != c.lease || a.uinMeta() != c.uin || a.outbox() != c.outbox || a.sessionSuffix() != c.sess {
			t.Errorf("accountFor(%q, %q): lease %q uin %q outbox %q session %q; want %q %q %q %q", c.name, c.server,
				a.lease(), a.uinMeta(), a.outbox(), a.sessionSuffix(), c.lease, c.uin, c.outbox, c.sess)
		}
	}
}
