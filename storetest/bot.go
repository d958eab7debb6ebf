package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/model"
)

var leaseCases = []testCase{
	{"AcquireRenewExpire", testLease},
	{"TakeFromGoneHolder", testTakeLease},
	{"OneWinner", testLeaseRace},
	{"Prune", testPruneLeases},
	{"NUL", testLeaseNUL},
}

var roleCases = []testCase{
	{"GrantRevoke", testRoles},
	{"NUL", testRoleNUL},
}

var auditCases = []testCase{
	{"Audit", testAudit},
	{"Entries", testAuditEntries},
	{"EntriesLimits", testAuditEntriesLimits},
	{"Meta", testMeta},
	{"NUL", testAuditNUL},
}

var outboxCases = []testCase{
	{"QueueAndDone", testOutbox},
	{"NUL", testOutboxNUL},
}

// testLease plays two bot processes on one store, one clock: one holder at
// a time, renewals, expiry by the store's clock (expires at now+ttl, free
// from that instant), release only by the holder.
func testLease(t *testing.T, e *env) {
	const ttl = time.Minute
	steps := []struct {
		name        string
		do          func() (bool, string, error)
		wantOK      bool
		wantCurrent string
		wantErr     error
	}{
		{"first takes it", func() (bool, string, error) { return e.s.AcquireLease(e.ctx, "run", "host-a", ttl) }, true, "host-a", nil},
		{"second is refused", func() (bool, string, error) { return e.s.AcquireLease(e.ctx, "run", "host-b", ttl) }, false, "host-a", nil},
		{"other lease names are free", func() (bool, string, error) { return e.s.AcquireLease(e.ctx, "other", "host-b", ttl) }, true, "host-b", nil},
		{"renew before expiry", func() (bool, string, error) {
			e.clock.Advance(50 * time.Second)
			return e.s.AcquireLease(e.ctx, "run", "host-a", ttl)
		}, true, "host-a", nil},
		{"still refused after the first expiry (renewed)", func() (bool, string, error) {
			e.clock.Advance(20 * time.Second) // 70s after taking, 20s after renewing
			return e.s.AcquireLease(e.ctx, "run", "host-b", ttl)
		}, false, "host-a", nil},
		{"refused a microsecond before expiry", func() (bool, string, error) {
			e.clock.Advance(40*time.Second - time.Microsecond)
			return e.s.AcquireLease(e.ctx, "run", "host-b", ttl)
		}, false, "host-a", nil},
		{"expired lease is taken over", func() (bool, string, error) {
			e.clock.Advance(time.Microsecond) // exactly at expiry
			return e.s.AcquireLease(e.ctx, "run", "host-b", ttl)
		}, true, "host-b", nil},
		{"old holder is refused", func() (bool, string, error) { return e.s.AcquireLease(e.ctx, "run", "host-a", ttl) }, false, "host-b", nil},
		{"release of someone else's lease changes nothing", func() (bool, string, error) {
			if err := e.s.ReleaseLease(e.ctx, "run", "host-a"); err != nil {
				return false, "", err
			}
			return e.s.AcquireLease(e.ctx, "run", "host-a", ttl)
		}, false, "host-b", nil},
		{"release of a lease nobody holds", func() (bool, string, error) {
			return true, "", e.s.ReleaseLease(e.ctx, "nobody's", "host-a")
		}, true, "", nil},
		{"after release it is free", func() (bool, string, error) {
			if err := e.s.ReleaseLease(e.ctx, "run", "host-b"); err != nil {
				return false, "", err
			}
			return e.s.AcquireLease(e.ctx, "run", "host-a", ttl)
		}, true, "host-a", nil},
		{"zero ttl", func() (bool, string, error) { return e.s.AcquireLease(e.ctx, "run", "host-a", 0) }, false, "", model.ErrInvalid},
		{"negative ttl", func() (bool, string, error) { return e.s.AcquireLease(e.ctx, "run", "host-a", -time.Second) }, false, "", model.ErrInvalid},
		{"empty holder", func() (bool, string, error) { return e.s.AcquireLease(e.ctx, "run", "", ttl) }, false, "", model.ErrInvalid},
		{"empty name", func() (bool, string, error) { return e.s.AcquireLease(e.ctx, "", "host-a", ttl) }, false, "", model.ErrInvalid},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			ok, cur, err := st.do()
			wantErr(t, st.name, err, st.wantErr)
			if ok != st.wantOK || cur != st.wantCurrent {
				t.Errorf("got ok=%v current=%q, want ok=%v current=%q", ok, cur, st.wantOK, st.wantCurrent)
			}
		})
	}
	holder, until, err := e.s.Lease(e.ctx, "run")
	if err != nil || holder != "host-a" || !until.Equal(e.clock.Now().Add(ttl)) {
		t.Errorf("Lease = %q until %v, %v; want host-a until %v", holder, until, err, e.clock.Now().Add(ttl))
	}
	wantErr(t, "ReleaseLease", e.s.ReleaseLease(e.ctx, "run", "host-a"), nil)
	if _, _, err := e.s.Lease(e.ctx, "run"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("Lease after release: %v, want ErrNotFound", err)
	}
}

// TakeLease takes a lease from a holder known to be gone, before it
// expires, only while that holder still has it (compare and swap); Lease
// reads it.
func testTakeLease(t *testing.T, e *env) {
	const ttl = 45 * time.Second
	if _, _, err := e.s.Lease(e.ctx, "bot"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("Lease of nobody: %v, want ErrNotFound", err)
	}
	if ok, err := e.s.TakeLease(e.ctx, "bot", "host pid 2 (b)", "host pid 1 (a)", ttl); ok || err != nil {
		t.Fatalf("take a lease nobody holds: %v, %v; want false, nil", ok, err)
	}
	if _, _, err := e.s.Lease(e.ctx, "bot"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("a take from nobody made a lease: %v", err)
	}
	if ok, _, err := e.s.AcquireLease(e.ctx, "bot", "host pid 1 (a)", ttl); !ok || err != nil {
		t.Fatalf("acquire: %v %v", ok, err)
	}
	holder, until, err := e.s.Lease(e.ctx, "bot")
	if err != nil || holder != "host pid 1 (a)" || !until.Equal(e.clock.Now().Add(ttl)) {
		t.Fatalf("Lease = %q %v %v", holder, until, err)
	}
	// A third party is not the holder: nothing changes.
	if ok, err := e.s.TakeLease(e.ctx, "bot", "host pid 3 (c)", "host pid 2 (b)", ttl); ok || err != nil {
		t.Fatalf("take from the wrong holder: %v %v", ok, err)
	}
	if h, _, _ := e.s.Lease(e.ctx, "bot"); h != "host pid 1 (a)" {
		t.Fatalf("a refused take changed the holder to %q", h)
	}
	e.clock.Advance(time.Second)
	if ok, err := e.s.TakeLease(e.ctx, "bot", "host pid 2 (b)", "host pid 1 (a)", ttl); !ok || err != nil {
		t.Fatalf("take from the gone holder: %v %v", ok, err)
	}
	holder, until, _ = e.s.Lease(e.ctx, "bot")
	if holder != "host pid 2 (b)" || !until.Equal(e.clock.Now().Add(ttl)) {
		t.Fatalf("after taking: %q until %v, want until %v", holder, until, e.clock.Now().Add(ttl))
	}
	// The gone holder cannot renew any more; the new one can.
	if ok, cur, _ := e.s.AcquireLease(e.ctx, "bot", "host pid 1 (a)", ttl); ok || cur != "host pid 2 (b)" {
		t.Fatalf("old holder renewed: %v %q", ok, cur)
	}
	if ok, _, err := e.s.AcquireLease(e.ctx, "bot", "host pid 2 (b)", ttl); !ok || err != nil {
		t.Fatalf("the new holder renews: %v %v", ok, err)
	}
	// A second take from the same gone holder loses the race.
	if ok, err := e.s.TakeLease(e.ctx, "bot", "host pid 4 (d)", "host pid 1 (a)", ttl); ok || err != nil {
		t.Fatalf("a second take from the same gone holder: %v %v", ok, err)
	}
	if ok, err := e.s.TakeLease(e.ctx, "bot", "", "host pid 2 (b)", ttl); ok || !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("take for an empty holder: %v %v; want ErrInvalid", ok, err)
	}
	if ok, err := e.s.TakeLease(e.ctx, "bot", "host pid 5 (e)", "host pid 2 (b)", 0); ok || !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("take with zero ttl: %v %v; want ErrInvalid", ok, err)
	}
	if h, _, _ := e.s.Lease(e.ctx, "bot"); h != "host pid 2 (b)" {
		t.Fatalf("refused takes changed the holder to %q", h)
	}
}

// Many would-be holders ask at once: exactly one wins, and everyone is
// told who.
func testLeaseRace(t *testing.T, e *env) {
	const n = 16
	type result struct {
		ok  bool
		cur string
		err error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			ok, cur, err := e.s.AcquireLease(e.ctx, "run", fmt.Sprintf("holder-%d", i), time.Minute)
			results[i] = result{ok, cur, err}
		})
	}
	close(start)
	wg.Wait()
	winner := ""
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("holder-%d: %v", i, r.err)
		}
		if r.ok {
			if winner != "" {
				t.Fatalf("two winners: %s and holder-%d", winner, i)
			}
			winner = fmt.Sprintf("holder-%d", i)
		}
	}
	if winner == "" {
		t.Fatal("nobody got the lease")
	}
	for i, r := range results {
		if r.cur != winner {
			t.Errorf("holder-%d was told %q holds it, want %q", i, r.cur, winner)
		}
	}
}

func testRoles(t *testing.T, e *env) {
	if _, err := e.s.RoleOf(e.ctx, "王主任"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("RoleOf before any grant: err = %v, want ErrNotFound", err)
	}
	if gs, err := e.s.Roles(e.ctx); err != nil || len(gs) != 0 {
		t.Fatalf("Roles of a new store = %+v, %v", gs, err)
	}
	steps := []struct {
		name   string
		remark string
		role   model.Role
		want   error
	}{
		{"admin", "王主任", model.RoleAdmin, nil},
		{"staff", "小李", model.RoleStaff, nil},
		{"regrant replaces", "小李", model.RoleAdmin, nil},
		{"unknown role", "老赵", model.Role("owner"), model.ErrInvalid},
		{"resident is not a role", "老赵", model.Role("resident"), model.ErrInvalid},
		{"empty role", "老赵", model.Role(""), model.ErrInvalid},
		{"empty remark", "", model.RoleStaff, model.ErrInvalid},
		{"blank remark", "  ", model.RoleStaff, model.ErrInvalid},
		{"bad utf-8", "\xff", model.RoleStaff, model.ErrInvalid},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			e.clock.Advance(time.Minute)
			wantErr(t, "GrantRole", e.s.GrantRole(e.ctx, st.remark, st.role, "self"), st.want)
			if st.want != nil {
				return
			}
			got, err := e.s.RoleOf(e.ctx, st.remark)
			if err != nil || got != st.role {
				t.Fatalf("RoleOf(%q) = %q, %v; want %q", st.remark, got, err, st.role)
			}
		})
	}
	if _, err := e.s.RoleOf(e.ctx, "老赵"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a refused grant stored a role: %v", err)
	}
	gs, err := e.s.Roles(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Grant{ // by remark, in code point order: 小 (U+5C0F) before 王 (U+738B)
		{Remark: "小李", Role: model.RoleAdmin, GrantedBy: "self", GrantedAt: clockStart.Add(3 * time.Minute)},
		{Remark: "王主任", Role: model.RoleAdmin, GrantedBy: "self", GrantedAt: clockStart.Add(time.Minute)},
	}
	if !sameAll(gs, want) {
		t.Errorf("Roles() = %+v\nwant %+v", gs, want)
	}
	wantErr(t, "RevokeRole", e.s.RevokeRole(e.ctx, "小李"), nil)
	if _, err := e.s.RoleOf(e.ctx, "小李"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("RoleOf after revoke: err = %v, want ErrNotFound", err)
	}
	wantErr(t, "RevokeRole again", e.s.RevokeRole(e.ctx, "小李"), model.ErrNotFound)
	// Remarks are exact: a look-alike with a trailing space is someone else.
	if _, err := e.s.RoleOf(e.ctx, "王主任 "); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("RoleOf(remark + space): err = %v, want ErrNotFound", err)
	}
	wantErr(t, "RevokeRole(remark + space)", e.s.RevokeRole(e.ctx, "王主任 "), model.ErrNotFound)
	if gs, _ := e.s.Roles(e.ctx); len(gs) != 1 || gs[0].Remark != "王主任" {
		t.Errorf("Roles() after revoke = %+v", gs)
	}
}

func testAudit(t *testing.T, e *env) {
	if es, err := e.s.AuditLog(e.ctx, 0); err != nil || len(es) != 0 {
		t.Fatalf("AuditLog of a new store = %+v, %v", es, err)
	}
	t0 := e.clock.Now()
	at := time.Date(2020, 1, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for _, c := range []struct {
		name string
		e    model.AuditEntry
		want error
	}{
		{"clock time", model.AuditEntry{Who: "王主任", Action: "subscribe", Detail: "幸福小区 08:00"}, nil},
		{"own time", model.AuditEntry{At: at, Who: "cli", Action: "role.grant", Detail: "小李 staff"}, nil},
		{"same time, later", model.AuditEntry{At: t0.Add(time.Second), Who: "self", Action: "push"}, nil},
		{"no who", model.AuditEntry{Action: "push"}, model.ErrInvalid},
		{"no action", model.AuditEntry{Who: "self"}, model.ErrInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.e.At.IsZero() {
				e.clock.Advance(time.Second)
			}
			wantErr(t, "Audit", e.s.Audit(e.ctx, c.e), c.want)
		})
	}
	es, err := e.s.AuditLog(e.ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 {
		t.Fatalf("AuditLog = %+v, want 3 entries", es)
	}
	// Newest first; of entries at one time, the later written first.
	want := []model.AuditEntry{
		{ID: es[0].ID, At: t0.Add(time.Second), Who: "self", Action: "push"},
		{ID: es[1].ID, At: t0.Add(time.Second), Who: "王主任", Action: "subscribe", Detail: "幸福小区 08:00"},
		{ID: es[2].ID, At: at, Who: "cli", Action: "role.grant", Detail: "小李 staff"},
	}
	if !sameAll(es, want) || es[0].ID <= es[1].ID {
		t.Errorf("AuditLog = %+v\nwant %+v (newest first)", es, want)
	}
	for _, limit := range []int{1, 2} {
		if got, _ := e.s.AuditLog(e.ctx, limit); !sameAll(got, want[:limit]) {
			t.Errorf("AuditLog(%d) = %+v", limit, got)
		}
	}
	if got, _ := e.s.AuditLog(e.ctx, -1); len(got) != 3 {
		t.Errorf("AuditLog(-1) = %d entries, want all 3", len(got))
	}
}

func testMeta(t *testing.T, e *env) {
	if _, err := e.s.Meta(e.ctx, "uin"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("Meta before set: err = %v, want ErrNotFound", err)
	}
	for _, v := range []string{"12345", "67890", "", "多字节 value\n"} {
		wantErr(t, "SetMeta", e.s.SetMeta(e.ctx, "uin", v), nil)
		if got, err := e.s.Meta(e.ctx, "uin"); err != nil || got != v {
			t.Errorf("Meta = %q, %v; want %q", got, err, v)
		}
	}
	wantErr(t, "SetMeta other", e.s.SetMeta(e.ctx, "other", "x"), nil)
	if got, _ := e.s.Meta(e.ctx, "uin"); got != "多字节 value\n" {
		t.Errorf("another key changed uin to %q", got)
	}
	wantErr(t, "SetMeta with an empty key", e.s.SetMeta(e.ctx, "", "x"), model.ErrInvalid)
	wantErr(t, "SetMeta with a blank key", e.s.SetMeta(e.ctx, " ", "x"), model.ErrInvalid)
}

func testOutbox(t *testing.T, e *env) {
	if got, err := e.s.QueuedReplies(e.ctx, "wechat"); err != nil || len(got) != 0 {
		t.Fatalf("QueuedReplies of a new store = %+v, %v", got, err)
	}
	first := model.QueuedReply{Channel: "wechat", TargetKind: "group", TargetName: "幸福里", TargetID: "@@abc", Text: "已推送\n第二行"}
	a, err := e.s.QueueReply(e.ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	t0 := e.clock.Now()
	e.clock.Advance(time.Minute)
	if _, err := e.s.QueueReply(e.ctx, model.QueuedReply{Channel: "机器人", TargetKind: "group", TargetName: "机器人", Text: "告警"}); err != nil {
		t.Fatal(err)
	}
	b, err := e.s.QueueReply(e.ctx, model.QueuedReply{ID: 999, Channel: "wechat", TargetKind: "self", Text: "报告", Created: t0.Add(-time.Hour)})
	if err != nil || b == a || b <= 0 {
		t.Fatalf("QueueReply = %d, %v (first was %d)", b, err, a)
	}
	got, err := e.s.QueuedReplies(e.ctx, "wechat")
	wantFirst := first
	wantFirst.ID, wantFirst.Created = a, t0
	wantSecond := model.QueuedReply{ID: b, Channel: "wechat", TargetKind: "self", Text: "报告", Created: e.clock.Now()}
	if err != nil || !sameAll(got, []model.QueuedReply{wantFirst, wantSecond}) {
		t.Fatalf("QueuedReplies = %+v, %v\nwant %+v", got, err, []model.QueuedReply{wantFirst, wantSecond})
	}
	wantErr(t, "DoneReply", e.s.DoneReply(e.ctx, a), nil)
	if got, _ := e.s.QueuedReplies(e.ctx, "wechat"); len(got) != 1 || got[0].ID != b {
		t.Fatalf("after DoneReply: %+v", got)
	}
	wantErr(t, "DoneReply twice", e.s.DoneReply(e.ctx, a), nil)
	if got, _ := e.s.QueuedReplies(e.ctx, "机器人"); len(got) != 1 || got[0].Text != "告警" {
		t.Fatalf("the other channel's replies: %+v", got)
	}
	if _, err := e.s.QueueReply(e.ctx, model.QueuedReply{Text: "x"}); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("a reply without a channel: %v, want ErrInvalid", err)
	}
	if got, _ := e.s.QueuedReplies(e.ctx, ""); len(got) != 0 {
		t.Fatalf("a refused reply was queued: %+v", got)
	}
}
