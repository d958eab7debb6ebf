package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/model"
)

// ClaimStore lets several processes (several accounts) share the ledger:
// a part is claimed before it is sent, and each personal account records
// the groups it has bound.
type ClaimStore interface {
	ClaimDelivery(ctx context.Context, id int64, c model.Claim) (bool, error) // ErrNotFound
	ReleaseClaims(ctx context.Context, holder string) error
	BindAccount(ctx context.Context, account string, groups []string, ttl time.Duration) error
	AccountGroups(ctx context.Context) (map[string][]string, error)
}

// ClaimsGroup is what RunClaims calls.
type ClaimsGroup interface {
	LedgerGroup
	ClaimStore
}

// RunClaims checks claims on ledger parts and accounts' group bindings.
func RunClaims(t *testing.T, open func(t *testing.T, now func() time.Time) ClaimsGroup) {
	t.Helper()
	runGroup(t, "Claims", claimCases, open)
}

var claimCases = []testCase{
	{"OneClaimantPerSlot", testClaimOnePerSlot},
	{"ExpiryPassesTheSlotOn", testClaimExpiry},
	{"SentIsNotClaimed", testClaimSent},
	{"FailureReleases", testClaimFailureReleases},
	{"ReleaseClaims", testReleaseClaims},
	{"Bindings", testClaimBindings},
	{"Concurrent", testClaimConcurrent},
	{"Refuses", testClaimRefuses},
	{"NUL", testClaimNUL},
}

const claimTTL = 30 * time.Second

// claimSlot records a two-part slot for a new subscription of group and
// returns its rows.
func (e *env) claimSlot(t *testing.T, group string) []model.Delivery {
	t.Helper()
	sub := e.sub(t, group)
	slot := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	e.record(t, sub.ID, slot, []string{"第一部分", "第二部分"}, nil)
	var out []model.Delivery
	for _, d := range e.unsent(t) {
		if d.SubscriptionID == sub.ID {
			out = append(out, d)
		}
	}
	if len(out) != 2 {
		t.Fatalf("slot of %s: %d unsent rows, want 2", group, len(out))
	}
	return out
}

func (e *env) claim(t *testing.T, id int64, holder, account, boundAs string) bool {
	t.Helper()
	ok, err := e.s.ClaimDelivery(e.ctx, id, model.Claim{Holder: holder, Account: account, TTL: claimTTL, BoundAs: boundAs})
	if err != nil {
		t.Fatalf("ClaimDelivery(%d, %s): %v", id, holder, err)
	}
	return ok
}

func (e *env) row(t *testing.T, id int64) model.Delivery {
	t.Helper()
	for _, d := range e.deliveries(t) {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("delivery %d not listed", id)
	return model.Delivery{}
}

func testClaimOnePerSlot(t *testing.T, e *env) {
	ds := e.claimSlot(t, "g")
	if !e.claim(t, ds[0].ID, "A", "甲", "") {
		t.Fatal("first claim refused")
	}
	d := e.row(t, ds[1].ID)
	if d.ClaimedBy != "A" || d.Account != "甲" || !d.ClaimUntil.Equal(clockStart.Add(claimTTL)) {
		t.Errorf("the slot's second part after A's claim: by %q account %q until %v, want A 甲 %v",
			d.ClaimedBy, d.Account, d.ClaimUntil, clockStart.Add(claimTTL))
	}
	for _, id := range []int64{ds[0].ID, ds[1].ID} {
		if e.claim(t, id, "B", "乙", "") {
			t.Errorf("B claimed part %d while A's claim is live", id)
		}
	}
	// A renews its own claim part by part.
	e.clock.Advance(10 * time.Second)
	if !e.claim(t, ds[1].ID, "A", "甲", "") {
		t.Error("A's claim of its own slot's next part refused")
	}
	if d := e.row(t, ds[1].ID); !d.ClaimUntil.Equal(clockStart.Add(10*time.Second + claimTTL)) {
		t.Errorf("renewed claim until %v, want %v", d.ClaimUntil, clockStart.Add(10*time.Second+claimTTL))
	}
	if d := e.row(t, ds[0].ID); d.Account != "甲" {
		t.Errorf("account %q, want 甲", d.Account)
	}
}

func testClaimExpiry(t *testing.T, e *env) {
	ds := e.claimSlot(t, "g")
	if !e.claim(t, ds[0].ID, "A", "甲", "") {
		t.Fatal("first claim refused")
	}
	if err := e.s.MarkSent(e.ctx, ds[0].ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(claimTTL - time.Second)
	if e.claim(t, ds[1].ID, "B", "乙", "") {
		t.Fatal("B claimed before A's claim expired")
	}
	e.clock.Advance(2 * time.Second)
	if !e.claim(t, ds[1].ID, "B", "乙", "") {
		t.Fatal("B's claim refused after A's expired")
	}
	if e.claim(t, ds[1].ID, "A", "甲", "") {
		t.Error("A took the part back from B's live claim")
	}
	if err := e.s.MarkSent(e.ctx, ds[1].ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	first, second := e.row(t, ds[0].ID), e.row(t, ds[1].ID)
	if first.Account != "甲" || second.Account != "乙" {
		t.Errorf("accounts %q, %q; want 甲 (sent the first part), 乙 (the second)", first.Account, second.Account)
	}
}

func testClaimSent(t *testing.T, e *env) {
	ds := e.claimSlot(t, "g")
	if err := e.s.MarkSent(e.ctx, ds[0].ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if e.claim(t, ds[0].ID, "A", "甲", "") {
		t.Error("a sent part was claimed")
	}
	if err := e.s.MarkSlotMissed(e.ctx, ds[1].SubscriptionID, ds[1].Slot); err != nil {
		t.Fatal(err)
	}
	if e.claim(t, ds[1].ID, "A", "甲", "") {
		t.Error("a missed part was claimed")
	}
}

func testClaimFailureReleases(t *testing.T, e *env) {
	ds := e.claimSlot(t, "g")
	if !e.claim(t, ds[0].ID, "A", "甲", "") {
		t.Fatal("claim refused")
	}
	if err := e.s.MarkFailed(e.ctx, ds[0].ID, "boom"); err != nil {
		t.Fatal(err)
	}
	if !e.claim(t, ds[0].ID, "B", "乙", "") {
		t.Error("after A's failure, B's claim of the failed part was refused")
	}
}

func testReleaseClaims(t *testing.T, e *env) {
	ds := e.claimSlot(t, "g")
	other := e.claimSlot(t, "h")
	if !e.claim(t, ds[0].ID, "A", "甲", "") || !e.claim(t, other[0].ID, "C", "丙", "") {
		t.Fatal("claims refused")
	}
	if err := e.s.ReleaseClaims(e.ctx, "A"); err != nil {
		t.Fatal(err)
	}
	if !e.claim(t, ds[1].ID, "B", "乙", "") {
		t.Error("A released its claims, yet B's claim was refused")
	}
	if e.claim(t, other[0].ID, "B", "乙", "") {
		t.Error("releasing A's claims released C's too")
	}
}

func testClaimBindings(t *testing.T, e *env) {
	g := e.claimSlot(t, "g")
	h := e.claimSlot(t, "h")
	if err := e.s.BindAccount(e.ctx, "甲", []string{"g"}, claimTTL); err != nil {
		t.Fatal(err)
	}
	if err := e.s.BindAccount(e.ctx, "乙", []string{"g", "h"}, claimTTL); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.AccountGroups(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string][]string{"甲": {"g"}, "乙": {"g", "h"}}; !same(got, want) {
		t.Errorf("AccountGroups = %v, want %v", got, want)
	}
	// 甲 is not in h, which 乙 has bound: 甲 may not take it.
	if e.claim(t, h[0].ID, "A", "甲", "甲") {
		t.Error("甲 claimed a part for a group bound to 乙 only")
	}
	if !e.claim(t, g[0].ID, "A", "甲", "甲") {
		t.Error("甲 could not claim a part for its own group")
	}
	// Without the check (a WeCom channel's sender), bindings do not matter.
	if !e.claim(t, h[0].ID, "A", "甲", "") {
		t.Error("a claim without BoundAs was refused for bindings")
	}
	if err := e.s.ReleaseClaims(e.ctx, "A"); err != nil {
		t.Fatal(err)
	}
	// 乙's bindings lapse when it stops renewing them: then anyone may try.
	e.clock.Advance(claimTTL + time.Second)
	if !e.claim(t, h[1].ID, "A", "甲", "甲") {
		t.Error("甲's claim refused though 乙's bindings lapsed")
	}
	if got, _ := e.s.AccountGroups(e.ctx); len(got) != 0 {
		t.Errorf("lapsed bindings still listed: %v", got)
	}
	// Rebinding replaces; a ttl <= 0 removes.
	if err := e.s.BindAccount(e.ctx, "甲", []string{"x", "y"}, claimTTL); err != nil {
		t.Fatal(err)
	}
	if err := e.s.BindAccount(e.ctx, "甲", []string{"y"}, claimTTL); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.s.AccountGroups(e.ctx); !same(got, map[string][]string{"甲": {"y"}}) {
		t.Errorf("after rebinding: %v, want 甲: [y]", got)
	}
	if err := e.s.BindAccount(e.ctx, "甲", nil, 0); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.s.AccountGroups(e.ctx); len(got) != 0 {
		t.Errorf("after unbinding: %v", got)
	}
}

// testClaimConcurrent: of many processes claiming one slot at once,
// exactly one wins.
func testClaimConcurrent(t *testing.T, e *env) {
	for round := range 5 {
		ds := e.claimSlot(t, "group"+string(rune('a'+round)))
		var mu sync.Mutex
		winners := 0
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := e.s.ClaimDelivery(e.ctx, ds[i%2].ID, model.Claim{Holder: "P" + string(rune('0'+i)), Account: "a", TTL: claimTTL})
				if err != nil {
					t.Errorf("claim: %v", err)
					return
				}
				if ok {
					mu.Lock()
					winners++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if winners != 1 {
			t.Errorf("round %d: %d claimants won the slot, want 1", round, winners)
		}
	}
}

func testClaimRefuses(t *testing.T, e *env) {
	ds := e.claimSlot(t, "g")
	for _, c := range []model.Claim{{Holder: "", TTL: claimTTL}, {Holder: "A", TTL: 0}} {
		if _, err := e.s.ClaimDelivery(e.ctx, ds[0].ID, c); err == nil {
			t.Errorf("ClaimDelivery(%+v): no error", c)
		} else {
			wantErr(t, "bad claim", err, model.ErrInvalid)
		}
	}
	_, err := e.s.ClaimDelivery(e.ctx, 1<<40, model.Claim{Holder: "A", TTL: claimTTL})
	wantErr(t, "unknown delivery", err, model.ErrNotFound)
	if err := e.s.BindAccount(e.ctx, "", []string{"g"}, claimTTL); err == nil {
		t.Error("BindAccount with no account: no error")
	}
}

// testPruneLeases: expired leases with the prefix go; live ones, and
// others, stay.
func testPruneLeases(t *testing.T, e *env) {
	for _, l := range []struct {
		name string
		ttl  time.Duration
	}{{"msg:a", time.Second}, {"msg:b", time.Hour}, {"bot", time.Second}, {"msgx", time.Second}, {"消息:c", time.Second}} {
		if ok, _, err := e.s.AcquireLease(e.ctx, l.name, "h", l.ttl); err != nil || !ok {
			t.Fatalf("AcquireLease(%s): %v %v", l.name, ok, err)
		}
	}
	e.clock.Advance(2 * time.Second)
	n, err := e.s.PruneLeases(e.ctx, "msg:")
	if err != nil || n != 1 {
		t.Fatalf("PruneLeases(msg:) = %d, %v; want 1", n, err)
	}
	if n, err := e.s.PruneLeases(e.ctx, "消息:"); err != nil || n != 1 {
		t.Errorf("PruneLeases(消息:) = %d, %v; want 1", n, err)
	}
	for name, want := range map[string]bool{"msg:a": false, "msg:b": true, "bot": true, "msgx": true, "消息:c": false} {
		_, _, err := e.s.Lease(e.ctx, name)
		if got := err == nil; got != want {
			t.Errorf("lease %s kept = %v, want %v (%v)", name, got, want, err)
		}
	}
	_, err = e.s.PruneLeases(e.ctx, "")
	wantErr(t, "empty prefix", err, model.ErrInvalid)
}
