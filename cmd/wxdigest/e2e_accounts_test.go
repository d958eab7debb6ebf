package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/internal/pgtest"
)

// accountsWorld is two personal accounts (two fake WeChat servers, each
// with its own self and Uin) in the same 12 groups, and one PostgreSQL
// store they share.
type accountsWorld struct {
	*e2e
	srv2   *wechattest.Server
	url2   string
	groups []string
	env    []string // more environment for the bots
}

const secondNick = "社区小助手"

func newAccountsWorld(t *testing.T) *accountsWorld {
	t.Helper()
	e := newE2E(t)
	e.db = pgtest.URL(t)
	srv2 := wechattest.New(wechattest.Options{SelfNick: secondNick, SelfUin: fakeUin(secondNick)})
	url2 := srv2.StartTest()
	t.Cleanup(srv2.Close)
	w := &accountsWorld{e2e: e, srv2: srv2, url2: url2, groups: e.groups(12)}
	for i, name := range w.groups {
		if err := srv2.AddGroup(wechattest.Group{Name: name, Saved: true, Members: []wechattest.Member{{ID: fmt.Sprintf("r%02d", i+1), Nick: fmt.Sprintf("住户%02d", i+1)}}}); err != nil {
			t.Fatal(err)
		}
	}
	e.importPage("sample.txt", digest.SamplePage)
	return w
}

// startAccount runs the bot for the first (1) or second (2) account.
func (w *accountsWorld) startAccount(n int, pacing ...string) *botProc {
	w.t.Helper()
	args := []string{"--session", filepath.Join(w.dir, fmt.Sprintf("account%d.session", n))}
	if n == 2 {
		args = append(args, "--wechat-server", w.url2)
	}
	// The default lease (45 s): a killed process's claims are ended by
	// the survivor, on this host, at its next catch-up, not waited out.
	return w.startChild(w.env, append(args, pacing...)...)
}

// waitOnline waits until both fakes have a session and both bots said so.
func (w *accountsWorld) waitOnline(ctx context.Context, a, b *botProc) {
	w.t.Helper()
	for i, srv := range []*wechattest.Server{w.srv, w.srv2} {
		if _, err := srv.WaitStatus(ctx, func(s wechattest.Status) bool { return s.LoggedIn }); err != nil {
			w.t.Fatalf("account %d never logged in: %v", i+1, err)
		}
	}
	for _, p := range []*botProc{a, b} {
		w.eventually(ctx, "the bot says it is online", func() (bool, string) {
			return strings.Contains(p.out.String(), "已登录"), p.out.String()
		})
	}
}

// counts is, per group, how many digest messages it got from either
// account.
func (w *accountsWorld) counts() map[string]int {
	n := map[string]int{}
	for _, srv := range []*wechattest.Server{w.srv, w.srv2} {
		for _, m := range srv.Sent() {
			if m.Kind == wechattest.KindGroup && strings.Contains(m.Text, e2eHeader) {
				n[m.To]++
			}
		}
	}
	return n
}

func everyPartSent(n int) func([]deliveryRow) bool {
	return func(rows []deliveryRow) bool {
		sent := 0
		for _, r := range rows {
			if r.State == data.DeliverySent {
				sent++
			}
		}
		return sent == n
	}
}

// TestE2ETwoAccounts: two runs, two accounts, 12 shared groups on one
// PostgreSQL: every group gets the digest exactly once, and the ledger
// says which account sent each.
func TestE2ETwoAccounts(t *testing.T) {
	t.Parallel()
	w := newAccountsWorld(t)
	// One more group has only the second account in it.
	const onlySecond = "二号独有群"
	if err := w.srv2.AddGroup(wechattest.Group{Name: onlySecond, Saved: true, Members: []wechattest.Member{{ID: "z", Nick: "张大爷"}}}); err != nil {
		t.Fatal(err)
	}
	cron := w.slotAhead(8 * time.Second)
	for _, g := range append(w.groups, onlySecond) {
		w.subscribe(g, cron)
	}
	// Debug logs say when an account leaves a message to the other.
	w.env = []string{"WXDIGEST_LOG_LEVEL=debug"}
	a := w.startAccount(1, fastPacing...)
	b := w.startAccount(2, fastPacing...)
	ctx := w.ctx(60 * time.Second)
	w.waitOnline(ctx, a, b)
	rows := w.waitLedger(ctx, "every group's part sent", everyPartSent(len(w.groups)+1))
	for _, r := range rows {
		if r.Group == onlySecond && (r.Account != secondNick || r.Attempts != 0) {
			t.Errorf("the second account's own group: %+v, want sent by %s at the first attempt", r, secondNick)
		}
	}
	by := map[string]int{}
	for _, r := range rows {
		by[r.Account]++
	}
	for acct := range by {
		if acct != "wxdigest" && acct != secondNick {
			t.Errorf("a part sent by %q, want one of the two accounts; rows %+v", acct, rows)
		}
	}
	// A resident's command in a group both accounts are in is answered
	// once: both see it, one claims it. WeChat stamps it with the same
	// second for both; keep the two posts inside one second.
	for time.Now().Nanosecond() > 700_000_000 {
		<-time.After(10 * time.Millisecond)
	}
	for _, srv := range []*wechattest.Server{w.srv, w.srv2} {
		if _, err := srv.PostGroupMessage(w.groups[0], "r01", "帮助"); err != nil {
			t.Fatal(err)
		}
	}
	helps := func() int {
		n := 0
		for _, srv := range []*wechattest.Server{w.srv, w.srv2} {
			for _, m := range srv.Sent() {
				if m.Kind == wechattest.KindGroup && m.To == w.groups[0] && !strings.Contains(m.Text, e2eHeader) {
					n++
				}
			}
		}
		return n
	}
	w.eventually(ctx, "one account answers, the other leaves it", func() (bool, string) {
		left := strings.Contains(a.errb.String(), "another account answers") || strings.Contains(b.errb.String(), "another account answers")
		return left && helps() >= 1, fmt.Sprint(helps())
	})
	// Let any duplicate surface before counting.
	w.stopClean(a)
	w.stopClean(b)
	got := w.counts()
	for _, g := range append(w.groups, onlySecond) {
		if got[g] != 1 {
			t.Errorf("%s got the digest %d times, want exactly once", g, got[g])
		}
	}
	if n := helps(); n != 1 {
		t.Errorf("the resident's 帮助 was answered %d times, want once", n)
	}
	t.Logf("parts sent per account: %v", by)
}

// TestE2ETwoAccountsKill: one of two accounts is killed (kill -9) in the
// middle of a fan-out; the other finishes it, and at most one message is
// repeated.
func TestE2ETwoAccountsKill(t *testing.T) {
	t.Parallel()
	w := newAccountsWorld(t)
	slow := []string{"--min-gap", "400ms", "--jitter", "0", "--per-minute", "1000"}
	a := w.startAccount(1, slow...)
	b := w.startAccount(2, slow...)
	ctx := w.ctx(90 * time.Second)
	w.waitOnline(ctx, a, b)
	cron := w.slotAhead(3 * time.Second)
	for _, g := range w.groups {
		w.subscribe(g, cron)
	}
	// Kill the first account once it has sent something: it dies with
	// the fan-out under way.
	w.eventually(ctx, "the first account sends", func() (bool, string) {
		n := 0
		for _, m := range w.srv.Sent() {
			if m.Kind == wechattest.KindGroup {
				n++
			}
		}
		return n >= 1, fmt.Sprint(n)
	})
	a.kill()
	<-a.done
	killedAt := len(w.srv.Sent())
	w.waitLedger(ctx, "the survivor finishes the fan-out", everyPartSent(len(w.groups)))
	w.stopClean(b)
	got := w.counts()
	repeats := 0
	for _, g := range w.groups {
		switch {
		case got[g] == 0:
			t.Errorf("%s never got the digest", g)
		case got[g] > 1:
			repeats += got[g] - 1
		}
	}
	if repeats > 1 {
		t.Errorf("%d messages repeated, want at most 1; per group %v", repeats, got)
	}
	if killedAt >= len(w.groups) {
		t.Fatalf("the killed account had sent to all %d groups: the kill came too late to test anything", killedAt)
	}
	t.Logf("killed after %d sends by the first account; repeats %d; per group %v", killedAt, repeats, got)
}
