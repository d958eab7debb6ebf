package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

// ConsoleStore keeps what the web console needs besides the bot's slices:
// its users and their sessions, the API's bearer tokens, the approvals of
// slots, and the ledger and article figures it shows and exports.
type ConsoleStore interface {
	AddUser(ctx context.Context, u model.User) (model.User, error) // ErrExists, ErrInvalid
	User(ctx context.Context, name string) (model.User, error)     // ErrNotFound
	Users(ctx context.Context) ([]model.User, error)
	UpdateUser(ctx context.Context, u model.User) (model.User, error) // ErrNotFound, ErrInvalid
	RemoveUser(ctx context.Context, name string) error                // ErrNotFound; its sessions go too

	CreateSession(ctx context.Context, s model.Session) error               // ErrNotFound (user), ErrExists, ErrInvalid
	Session(ctx context.Context, id string) (model.Session, error)          // ErrNotFound; expired: ErrExpired and ErrNotFound
	DeleteSession(ctx context.Context, id string) error                     // nil when absent
	DeleteUserSessions(ctx context.Context, user string) error              // nil when none
	PruneSessions(ctx context.Context) (int64, error)                       // expired ones
	AddToken(ctx context.Context, t model.APIToken) (model.APIToken, error) // ErrExists, ErrInvalid
	TokenByHash(ctx context.Context, hash string) (model.APIToken, error)   // ErrNotFound; revoked included
	Tokens(ctx context.Context) ([]model.APIToken, error)
	RevokeToken(ctx context.Context, name string) error // ErrNotFound; the first time stays

	Approval(ctx context.Context, subID int64, slot time.Time) (model.Approval, error) // ErrNotFound
	PutApproval(ctx context.Context, a model.Approval) (model.Approval, error)         // ErrNotFound, ErrInvalid
	Approvals(ctx context.Context, since time.Time) ([]model.Approval, error)

	RetryDelivery(ctx context.Context, id int64) error // ErrNotFound; ErrInvalid unless failed
	DeliveryCounts(ctx context.Context) (map[string]int, error)
	ArticleCount(ctx context.Context) (int, error)
}

// Bounds of AuditEntries' Limit every store keeps.
const (
	// DefaultAuditLimit applies when model.AuditFilter.Limit is <= 0.
	DefaultAuditLimit = 100
	// MaxAuditLimit caps model.AuditFilter.Limit.
	MaxAuditLimit = 1000
)

// ConsoleGroup is what RunConsole calls: approvals of subscriptions'
// slots, retries of claimed ledger parts, and articles to count.
type ConsoleGroup interface {
	LedgerGroup
	ClaimStore
	ArticleStore
	ConsoleStore
}

// RunConsole checks the web console's users, sessions, tokens and
// approvals, and the ledger and article figures it reads.
func RunConsole(t *testing.T, open func(t *testing.T, now func() time.Time) ConsoleGroup) {
	t.Helper()
	runGroup(t, "Console", consoleCases, open)
}

var consoleCases = []testCase{
	{"AddUser", testAddUser},
	{"UpdateAndRemoveUser", testUpdateUser},
	{"Sessions", testSessions},
	{"SessionExpiry", testSessionExpiry},
	{"Tokens", testTokens},
	{"Approvals", testApprovals},
	{"ApprovalsRefuse", testApprovalsRefuse},
	{"ApprovalsGoWithSubscription", testApprovalsRemoved},
	{"RetryDelivery", testRetryDelivery},
	{"DeliveryCounts", testDeliveryCounts},
	{"ArticleCount", testArticleCount},
}

// hashOf is the hex SHA-256 of s, as the console keys sessions and tokens.
func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// pwHash stands for an encoded password hash; the store keeps it as text.
func pwHash(s string) string { return "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$" + s }

func (e *env) addUser(t *testing.T, name string, role model.Role) model.User {
	t.Helper()
	u, err := e.s.AddUser(e.ctx, model.User{Name: name, Role: role, PasswordHash: pwHash(name)})
	if err != nil {
		t.Fatalf("AddUser(%q): %v", name, err)
	}
	return u
}

func (e *env) userNames(t *testing.T) []string {
	t.Helper()
	us, err := e.s.Users(e.ctx)
	if err != nil {
		t.Fatalf("Users: %v", err)
	}
	out := []string{}
	for _, u := range us {
		out = append(out, u.Name)
	}
	return out
}

func testAddUser(t *testing.T, e *env) {
	if us, err := e.s.Users(e.ctx); err != nil || len(us) != 0 {
		t.Fatalf("Users of a new store = %+v, %v", us, err)
	}
	t0 := e.clock.Now()
	cases := []struct {
		name string
		u    model.User
		want error
	}{
		{"admin", model.User{ID: 99, Name: "王主任", Role: model.RoleAdmin, PasswordHash: pwHash("a"),
			Created: t0.Add(-time.Hour), Updated: t0.Add(-time.Hour)}, nil},
		{"disabled staff", model.User{Name: "xiaoli", Role: model.RoleStaff, PasswordHash: pwHash("b"), Disabled: true}, nil},
		{"Latin capital", model.User{Name: "Zed", Role: model.RoleStaff, PasswordHash: pwHash("c")}, nil},
		{"taken name", model.User{Name: "王主任", Role: model.RoleStaff, PasswordHash: pwHash("d")}, model.ErrExists},
		{"empty name", model.User{Role: model.RoleStaff, PasswordHash: pwHash("e")}, model.ErrInvalid},
		{"blank name", model.User{Name: " ", Role: model.RoleStaff, PasswordHash: pwHash("e")}, model.ErrInvalid},
		{"bad utf-8 name", model.User{Name: "\xff", Role: model.RoleStaff, PasswordHash: pwHash("e")}, model.ErrInvalid},
		{"empty hash", model.User{Name: "老赵", Role: model.RoleStaff}, model.ErrInvalid},
		{"blank hash", model.User{Name: "老赵", Role: model.RoleStaff, PasswordHash: "  "}, model.ErrInvalid},
		{"unknown role", model.User{Name: "老赵", Role: "owner", PasswordHash: pwHash("e")}, model.ErrInvalid},
		{"resident is not a role", model.User{Name: "老赵", Role: "resident", PasswordHash: pwHash("e")}, model.ErrInvalid},
		{"empty role", model.User{Name: "老赵", PasswordHash: pwHash("e")}, model.ErrInvalid},
	}
	added := map[string]model.User{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.clock.Advance(time.Minute)
			got, err := e.s.AddUser(e.ctx, c.u)
			wantErr(t, "AddUser", err, c.want)
			if c.want != nil {
				return
			}
			// ID and times are the store's.
			want := c.u
			want.ID, want.Created, want.Updated = got.ID, e.clock.Now(), e.clock.Now()
			if got.ID <= 0 || got.ID == 99 || !same(got, want) {
				t.Fatalf("AddUser = %+v\nwant %+v (ID assigned by the store)", got, want)
			}
			for _, other := range added {
				if other.ID == got.ID {
					t.Fatalf("two users with ID %d", got.ID)
				}
			}
			added[got.Name] = got
			if back, err := e.s.User(e.ctx, c.u.Name); err != nil || !same(back, got) {
				t.Fatalf("User(%q) = %+v, %v\nwant %+v", c.u.Name, back, err, got)
			}
		})
	}
	// By name, in code point order: Latin before CJK, capitals first.
	if got, want := e.userNames(t), []string{"Zed", "xiaoli", "王主任"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Users() names = %q, want %q", got, want)
	}
	us, _ := e.s.Users(e.ctx)
	if len(us) == 3 && !same(us[2], added["王主任"]) {
		t.Errorf("Users()[2] = %+v\nwant %+v", us[2], added["王主任"])
	}
	// A refused user was not stored; names are exact.
	for _, name := range []string{"老赵", "王主任 ", "zed"} {
		if _, err := e.s.User(e.ctx, name); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("User(%q): err = %v, want ErrNotFound", name, err)
		}
	}
}

func testUpdateUser(t *testing.T, e *env) {
	orig := e.addUser(t, "小李", model.RoleStaff)
	e.addUser(t, "王主任", model.RoleAdmin)
	steps := []struct {
		name string
		u    model.User
		want error
	}{
		{"promote", model.User{Name: "小李", Role: model.RoleAdmin, PasswordHash: orig.PasswordHash}, nil},
		{"new password", model.User{Name: "小李", Role: model.RoleAdmin, PasswordHash: pwHash("new")}, nil},
		{"disable", model.User{Name: "小李", Role: model.RoleAdmin, PasswordHash: pwHash("new"), Disabled: true}, nil},
		{"enable and demote", model.User{ID: 1234, Name: "小李", Role: model.RoleStaff, PasswordHash: pwHash("new"),
			Created: clockStart.Add(-time.Hour)}, nil},
		{"unknown user", model.User{Name: "老赵", Role: model.RoleStaff, PasswordHash: pwHash("x")}, model.ErrNotFound},
		{"name + space", model.User{Name: "小李 ", Role: model.RoleStaff, PasswordHash: pwHash("x")}, model.ErrNotFound},
		{"bad role", model.User{Name: "小李", Role: "owner", PasswordHash: pwHash("x")}, model.ErrInvalid},
		{"empty hash", model.User{Name: "小李", Role: model.RoleStaff}, model.ErrInvalid},
		{"empty name", model.User{Role: model.RoleStaff, PasswordHash: pwHash("x")}, model.ErrInvalid},
	}
	cur := orig
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			e.clock.Advance(time.Minute)
			got, err := e.s.UpdateUser(e.ctx, st.u)
			wantErr(t, "UpdateUser", err, st.want)
			if st.want == nil {
				// Role, hash and the flag change; ID, name and Created stay;
				// Updated is the store's clock.
				want := model.User{ID: orig.ID, Name: "小李", Role: st.u.Role, PasswordHash: st.u.PasswordHash,
					Disabled: st.u.Disabled, Created: orig.Created, Updated: e.clock.Now()}
				if !same(got, want) {
					t.Fatalf("UpdateUser = %+v\nwant %+v", got, want)
				}
				cur = want
			}
			if back, err := e.s.User(e.ctx, "小李"); err != nil || !same(back, cur) {
				t.Fatalf("User after the step = %+v, %v\nwant %+v", back, err, cur)
			}
		})
	}
	if _, err := e.s.User(e.ctx, "老赵"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("updating an unknown user made one: %v", err)
	}

	// Removing a user removes its sessions, and no one else's.
	exp := e.clock.Now().Add(time.Hour)
	for _, s := range []model.Session{
		{ID: hashOf("li-1"), User: "小李", CSRF: "c1", Expires: exp},
		{ID: hashOf("li-2"), User: "小李", CSRF: "c2", Expires: exp},
		{ID: hashOf("wang"), User: "王主任", CSRF: "c3", Expires: exp},
	} {
		wantErr(t, "CreateSession", e.s.CreateSession(e.ctx, s), nil)
	}
	wantErr(t, "RemoveUser", e.s.RemoveUser(e.ctx, "小李"), nil)
	wantErr(t, "RemoveUser again", e.s.RemoveUser(e.ctx, "小李"), model.ErrNotFound)
	wantErr(t, "RemoveUser of nobody", e.s.RemoveUser(e.ctx, "老赵"), model.ErrNotFound)
	if _, err := e.s.User(e.ctx, "小李"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("User after RemoveUser: err = %v, want ErrNotFound", err)
	}
	for _, id := range []string{hashOf("li-1"), hashOf("li-2")} {
		if _, err := e.s.Session(e.ctx, id); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("a removed user's session: err = %v, want ErrNotFound", err)
		}
	}
	if _, err := e.s.Session(e.ctx, hashOf("wang")); err != nil {
		t.Errorf("another user's session after RemoveUser: %v", err)
	}
	if got := e.userNames(t); !reflect.DeepEqual(got, []string{"王主任"}) {
		t.Errorf("users after RemoveUser = %q", got)
	}
	// The name is free again: a new user, a new ID.
	again := e.addUser(t, "小李", model.RoleStaff)
	if again.ID == orig.ID {
		t.Errorf("a new user reused ID %d", orig.ID)
	}
	if _, err := e.s.Session(e.ctx, hashOf("li-1")); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a new user of the old name has the old sessions: %v", err)
	}
}

func testSessions(t *testing.T, e *env) {
	e.addUser(t, "小李", model.RoleStaff)
	e.addUser(t, "王主任", model.RoleAdmin)
	t0 := e.clock.Now()
	exp := t0.Add(12 * time.Hour)
	good := model.Session{ID: hashOf("cookie-1"), User: "小李", CSRF: "csrf-1", Created: t0.Add(-time.Second), Expires: exp}
	cases := []struct {
		name string
		s    model.Session
		want error
	}{
		{"session", good, nil},
		{"created by the store's clock", model.Session{ID: hashOf("cookie-2"), User: "小李", CSRF: "csrf-2", Expires: exp}, nil},
		{"another user's", model.Session{ID: hashOf("cookie-3"), User: "王主任", CSRF: "csrf-3", Expires: exp.Add(time.Nanosecond)}, nil},
		{"same id", model.Session{ID: hashOf("cookie-1"), User: "王主任", CSRF: "x", Expires: exp}, model.ErrExists},
		{"unknown user", model.Session{ID: hashOf("cookie-4"), User: "老赵", CSRF: "x", Expires: exp}, model.ErrNotFound},
		{"user name + space", model.Session{ID: hashOf("cookie-4"), User: "小李 ", CSRF: "x", Expires: exp}, model.ErrNotFound},
		{"the cookie itself", model.Session{ID: "cookie-4", User: "小李", CSRF: "x", Expires: exp}, model.ErrInvalid},
		{"empty id", model.Session{User: "小李", CSRF: "x", Expires: exp}, model.ErrInvalid},
		{"upper-case hex", model.Session{ID: strings.ToUpper(hashOf("cookie-4")), User: "小李", CSRF: "x", Expires: exp}, model.ErrInvalid},
		{"no expiry", model.Session{ID: hashOf("cookie-4"), User: "小李", CSRF: "x"}, model.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantErr(t, "CreateSession", e.s.CreateSession(e.ctx, c.s), c.want)
		})
	}
	if _, err := e.s.Session(e.ctx, hashOf("cookie-4")); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a refused session was stored: %v", err)
	}
	reads := []struct {
		name string
		id   string
		want model.Session
		err  error
	}{
		{"as created", hashOf("cookie-1"), good, nil},
		{"created now", hashOf("cookie-2"), model.Session{ID: hashOf("cookie-2"), User: "小李", CSRF: "csrf-2", Created: t0, Expires: exp}, nil},
		{"kept to the microsecond", hashOf("cookie-3"), model.Session{ID: hashOf("cookie-3"), User: "王主任", CSRF: "csrf-3", Created: t0, Expires: exp}, nil},
		{"the first holder of a reused id", hashOf("cookie-1"), good, nil},
		{"unknown", hashOf("nobody"), model.Session{}, model.ErrNotFound},
		{"empty", "", model.Session{}, model.ErrNotFound},
		{"by the cookie, not its hash", "cookie-1", model.Session{}, model.ErrNotFound},
	}
	for _, r := range reads {
		t.Run("read "+r.name, func(t *testing.T) {
			got, err := e.s.Session(e.ctx, r.id)
			wantErr(t, "Session", err, r.err)
			if r.err == nil && !same(got, r.want) {
				t.Errorf("Session = %+v\nwant %+v", got, r.want)
			}
		})
	}

	// DeleteSession ends one; ending it again, or one never stored, is fine.
	wantErr(t, "DeleteSession", e.s.DeleteSession(e.ctx, hashOf("cookie-2")), nil)
	if _, err := e.s.Session(e.ctx, hashOf("cookie-2")); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("Session after DeleteSession: err = %v, want ErrNotFound", err)
	}
	wantErr(t, "DeleteSession again", e.s.DeleteSession(e.ctx, hashOf("cookie-2")), nil)
	wantErr(t, "DeleteSession of nothing", e.s.DeleteSession(e.ctx, hashOf("nothing")), nil)
	if _, err := e.s.Session(e.ctx, hashOf("cookie-1")); err != nil {
		t.Errorf("DeleteSession ended another session: %v", err)
	}

	// DeleteUserSessions ends all of one user's, and only those.
	wantErr(t, "CreateSession", e.s.CreateSession(e.ctx, model.Session{ID: hashOf("cookie-5"), User: "小李", Expires: exp}), nil)
	wantErr(t, "DeleteUserSessions", e.s.DeleteUserSessions(e.ctx, "小李"), nil)
	for _, id := range []string{hashOf("cookie-1"), hashOf("cookie-5")} {
		if _, err := e.s.Session(e.ctx, id); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("Session after DeleteUserSessions: err = %v, want ErrNotFound", err)
		}
	}
	if _, err := e.s.Session(e.ctx, hashOf("cookie-3")); err != nil {
		t.Errorf("DeleteUserSessions ended another user's session: %v", err)
	}
	wantErr(t, "DeleteUserSessions of a user without any", e.s.DeleteUserSessions(e.ctx, "小李"), nil)
	wantErr(t, "DeleteUserSessions of nobody", e.s.DeleteUserSessions(e.ctx, "老赵"), nil)
	if _, err := e.s.User(e.ctx, "小李"); err != nil {
		t.Errorf("DeleteUserSessions removed the user: %v", err)
	}
}

// A session works until its expiry by the store's clock; from then on it
// reads as expired (ErrExpired, and ErrNotFound: logged out either way),
// and PruneSessions deletes it.
func testSessionExpiry(t *testing.T, e *env) {
	e.addUser(t, "小李", model.RoleStaff)
	t0 := e.clock.Now()
	for _, s := range []struct {
		cookie string
		ttl    time.Duration
	}{{"short", time.Minute}, {"short-2", time.Minute}, {"long", time.Hour}, {"past", -time.Second}} {
		sess := model.Session{ID: hashOf(s.cookie), User: "小李", CSRF: s.cookie, Expires: t0.Add(s.ttl)}
		wantErr(t, "CreateSession "+s.cookie, e.s.CreateSession(e.ctx, sess), nil)
	}
	steps := []struct {
		name      string
		advance   time.Duration
		cookie    string
		live      bool
		prune     bool
		wantPrune int64
	}{
		{"created expired", 0, "past", false, false, 0},
		{"live", 0, "short", true, false, 0},
		{"a microsecond before expiry", time.Minute - time.Microsecond, "short", true, false, 0},
		{"prune before expiry takes only the expired", 0, "short", true, true, 1},
		{"at expiry", time.Microsecond, "short", false, false, 0},
		{"prune at expiry", 0, "short", false, true, 2},
		{"prune again", 0, "long", true, true, 0},
		{"the long one expires", time.Hour, "long", false, true, 1},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			e.clock.Advance(st.advance)
			if st.prune {
				n, err := e.s.PruneSessions(e.ctx)
				if err != nil || n != st.wantPrune {
					t.Fatalf("PruneSessions = %d, %v; want %d", n, err, st.wantPrune)
				}
			}
			got, err := e.s.Session(e.ctx, hashOf(st.cookie))
			if st.live {
				if err != nil || got.CSRF != st.cookie {
					t.Fatalf("Session(%s) = %+v, %v; want it live", st.cookie, got, err)
				}
				return
			}
			wantErr(t, "Session "+st.cookie, err, model.ErrNotFound)
			if !st.prune && st.advance >= 0 && !errors.Is(err, model.ErrExpired) {
				t.Errorf("Session(%s) of an expired, unpruned session: err = %v, want ErrExpired too", st.cookie, err)
			}
			if st.prune && errors.Is(err, model.ErrExpired) {
				t.Errorf("Session(%s) after pruning: err = %v, want only ErrNotFound (deleted)", st.cookie, err)
			}
		})
	}
	if _, err := e.s.User(e.ctx, "小李"); err != nil {
		t.Errorf("pruning sessions removed their user: %v", err)
	}
}

func testTokens(t *testing.T, e *env) {
	if ts, err := e.s.Tokens(e.ctx); err != nil || len(ts) != 0 {
		t.Fatalf("Tokens of a new store = %+v, %v", ts, err)
	}
	cases := []struct {
		name string
		tok  model.APIToken
		want error
	}{
		{"admin", model.APIToken{ID: 77, Name: "监控", Hash: hashOf("t1"), Role: model.RoleAdmin,
			Created: clockStart.Add(-time.Hour), RevokedAt: clockStart.Add(-time.Minute)}, nil},
		{"staff", model.APIToken{Name: "ci", Hash: hashOf("t2"), Role: model.RoleStaff}, nil},
		{"Latin capital", model.APIToken{Name: "Zabbix", Hash: hashOf("t3"), Role: model.RoleStaff}, nil},
		{"taken name", model.APIToken{Name: "ci", Hash: hashOf("t4"), Role: model.RoleStaff}, model.ErrExists},
		{"taken hash", model.APIToken{Name: "other", Hash: hashOf("t2"), Role: model.RoleStaff}, model.ErrExists},
		{"empty hash", model.APIToken{Name: "other", Role: model.RoleStaff}, model.ErrInvalid},
		{"the token itself", model.APIToken{Name: "other", Hash: "t4", Role: model.RoleStaff}, model.ErrInvalid},
		{"upper-case hex", model.APIToken{Name: "other", Hash: strings.ToUpper(hashOf("t4")), Role: model.RoleStaff}, model.ErrInvalid},
		{"empty name", model.APIToken{Hash: hashOf("t4"), Role: model.RoleStaff}, model.ErrInvalid},
		{"blank name", model.APIToken{Name: "  ", Hash: hashOf("t4"), Role: model.RoleStaff}, model.ErrInvalid},
		{"unknown role", model.APIToken{Name: "other", Hash: hashOf("t4"), Role: "owner"}, model.ErrInvalid},
		{"empty role", model.APIToken{Name: "other", Hash: hashOf("t4")}, model.ErrInvalid},
	}
	added := map[string]model.APIToken{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.clock.Advance(time.Minute)
			got, err := e.s.AddToken(e.ctx, c.tok)
			wantErr(t, "AddToken", err, c.want)
			if c.want != nil {
				return
			}
			// ID and Created are the store's; a new token works.
			want := model.APIToken{ID: got.ID, Name: c.tok.Name, Hash: c.tok.Hash, Role: c.tok.Role, Created: e.clock.Now()}
			if got.ID <= 0 || got.ID == 77 || !same(got, want) {
				t.Fatalf("AddToken = %+v\nwant %+v", got, want)
			}
			added[got.Name] = got
		})
	}
	if _, err := e.s.TokenByHash(e.ctx, hashOf("t4")); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a refused token was stored: %v", err)
	}
	ts, err := e.s.Tokens(e.ctx)
	if want := []model.APIToken{added["Zabbix"], added["ci"], added["监控"]}; err != nil || !sameAll(ts, want) {
		t.Fatalf("Tokens() = %+v, %v\nwant %+v (by name)", ts, err, want)
	}

	revokedAt := e.clock.Now().Add(time.Minute)
	steps := []struct {
		name string
		do   func() error
		want error
	}{
		{"revoke", func() error { e.clock.Advance(time.Minute); return e.s.RevokeToken(e.ctx, "ci") }, nil},
		{"revoke again keeps the first time", func() error { e.clock.Advance(time.Minute); return e.s.RevokeToken(e.ctx, "ci") }, nil},
		{"revoke nothing", func() error { return e.s.RevokeToken(e.ctx, "nothing") }, model.ErrNotFound},
		{"revoke by hash is not by name", func() error { return e.s.RevokeToken(e.ctx, hashOf("t3")) }, model.ErrNotFound},
		{"a revoked token's name stays taken", func() error {
			_, err := e.s.AddToken(e.ctx, model.APIToken{Name: "ci", Hash: hashOf("t5"), Role: model.RoleStaff})
			return err
		}, model.ErrExists},
		{"and its hash", func() error {
			_, err := e.s.AddToken(e.ctx, model.APIToken{Name: "ci-2", Hash: hashOf("t2"), Role: model.RoleStaff})
			return err
		}, model.ErrExists},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) { wantErr(t, st.name, st.do(), st.want) })
	}
	wantRevoked := added["ci"]
	wantRevoked.RevokedAt = revokedAt
	lookups := []struct {
		name string
		hash string
		want model.APIToken
		err  error
	}{
		{"revoked, still found", hashOf("t2"), wantRevoked, nil},
		{"working", hashOf("t1"), added["监控"], nil},
		{"unknown", hashOf("t9"), model.APIToken{}, model.ErrNotFound},
		{"the token, not its hash", "t1", model.APIToken{}, model.ErrNotFound},
		{"empty", "", model.APIToken{}, model.ErrNotFound},
	}
	for _, l := range lookups {
		t.Run("by hash "+l.name, func(t *testing.T) {
			got, err := e.s.TokenByHash(e.ctx, l.hash)
			wantErr(t, "TokenByHash", err, l.err)
			if l.err == nil && (!same(got, l.want) || got.Revoked() != !l.want.RevokedAt.IsZero()) {
				t.Errorf("TokenByHash = %+v\nwant %+v", got, l.want)
			}
		})
	}
	ts, err = e.s.Tokens(e.ctx)
	if want := []model.APIToken{added["Zabbix"], wantRevoked, added["监控"]}; err != nil || !sameAll(ts, want) {
		t.Errorf("Tokens() after revoking = %+v, %v\nwant %+v", ts, err, want)
	}
}

// approvalSlot is a slot with nanoseconds, in another zone: stores keep it
// in UTC to the microsecond.
var approvalSlot = time.Date(2026, 3, 2, 8, 0, 0, 123456789, time.FixedZone("CST", 8*3600))

func testApprovals(t *testing.T, e *env) {
	a := e.sub(t, "幸福里")
	b := e.sub(t, "阳光城")
	slot := approvalSlot
	kept := slot.UTC().Truncate(time.Microsecond)
	parts := []string{"第一部分", "第二部分"}
	text := strings.Join(parts, model.PartSeparator)
	if got, err := e.s.Approvals(e.ctx, time.Time{}); err != nil || len(got) != 0 {
		t.Fatalf("Approvals of a new store = %+v, %v", got, err)
	}
	if _, err := e.s.Approval(e.ctx, a.ID, slot); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("Approval before any: err = %v, want ErrNotFound", err)
	}

	pending, err := e.s.PutApproval(e.ctx, model.Approval{ID: 55, SubscriptionID: a.ID, Slot: slot, State: model.ApprovalPending})
	if err != nil {
		t.Fatal(err)
	}
	want := model.Approval{ID: pending.ID, SubscriptionID: a.ID, Slot: kept, State: model.ApprovalPending}
	if pending.ID <= 0 || pending.ID == 55 || !same(pending, want) || pending.Slot.Location() != time.UTC {
		t.Fatalf("PutApproval(pending) = %+v\nwant %+v (slot in UTC, to the microsecond)", pending, want)
	}
	// Replacing keeps the ID; everything else is the new one's.
	at := e.clock.Now().Add(-time.Minute)
	approved, err := e.s.PutApproval(e.ctx, model.Approval{SubscriptionID: a.ID, Slot: kept.Add(500 * time.Nanosecond),
		State: model.ApprovalApproved, By: "web:小李", At: at, Text: text, TextHash: model.DigestHash(parts)})
	if err != nil {
		t.Fatal(err)
	}
	want = model.Approval{ID: pending.ID, SubscriptionID: a.ID, Slot: kept, State: model.ApprovalApproved, By: "web:小李", At: at,
		Text: text, TextHash: model.DigestHash(parts)}
	if !same(approved, want) || !approved.Covers(parts) {
		t.Fatalf("PutApproval(approved) = %+v\nwant %+v (same ID)", approved, want)
	}
	lookups := []struct {
		name string
		sub  int64
		slot time.Time
		err  error
	}{
		{"as given", a.ID, slot, nil},
		{"in UTC", a.ID, kept, nil},
		{"nanoseconds apart", a.ID, kept.Add(999 * time.Nanosecond), nil},
		{"a microsecond later", a.ID, kept.Add(time.Microsecond), model.ErrNotFound},
		{"another subscription", b.ID, slot, model.ErrNotFound},
		{"no subscription", 1 << 40, slot, model.ErrNotFound},
	}
	for _, l := range lookups {
		t.Run("Approval "+l.name, func(t *testing.T) {
			got, err := e.s.Approval(e.ctx, l.sub, l.slot)
			wantErr(t, "Approval", err, l.err)
			if l.err == nil && (!same(got, want) || got.Slot.Location() != time.UTC) {
				t.Errorf("Approval = %+v\nwant %+v", got, want)
			}
		})
	}
	// Back to missed: At and the text may be cleared.
	missed, err := e.s.PutApproval(e.ctx, model.Approval{SubscriptionID: a.ID, Slot: slot, State: model.ApprovalMissed})
	if err != nil || !same(missed, model.Approval{ID: pending.ID, SubscriptionID: a.ID, Slot: kept, State: model.ApprovalMissed}) {
		t.Fatalf("PutApproval(missed) = %+v, %v", missed, err)
	}

	// Approvals lists slots from since on, oldest first; a slot of two
	// subscriptions by subscription.
	day := time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	for _, p := range []struct {
		sub  int64
		slot time.Time
	}{{b.ID, day.Add(10 * time.Hour)}, {a.ID, day.Add(10 * time.Hour)}, {b.ID, day}, {a.ID, day.Add(20 * time.Hour)}} {
		if _, err := e.s.PutApproval(e.ctx, model.Approval{SubscriptionID: p.sub, Slot: p.slot, State: model.ApprovalPending}); err != nil {
			t.Fatal(err)
		}
	}
	type key struct {
		Sub  int64
		Slot string
	}
	keys := func(as []model.Approval) []key {
		out := []key{}
		for _, x := range as {
			out = append(out, key{x.SubscriptionID, x.Slot.UTC().Format("01-02T15:04:05.000000")})
		}
		return out
	}
	all := []key{{a.ID, "03-02T00:00:00.123456"}, {b.ID, "03-03T00:00:00.000000"}, {a.ID, "03-03T10:00:00.000000"},
		{b.ID, "03-03T10:00:00.000000"}, {a.ID, "03-03T20:00:00.000000"}}
	for _, c := range []struct {
		name  string
		since time.Time
		want  []key
	}{
		{"all", time.Time{}, all},
		{"before the first", kept.Add(-time.Hour), all},
		{"exactly at the first", kept, all},
		{"just after the first", kept.Add(time.Microsecond), all[1:]},
		{"at a slot of two", day.Add(10 * time.Hour), all[2:]},
		{"in another zone", day.Add(10 * time.Hour).In(time.FixedZone("CST", 8*3600)), all[2:]},
		{"after the last", day.Add(21 * time.Hour), nil},
	} {
		t.Run("Approvals "+c.name, func(t *testing.T) {
			got, err := e.s.Approvals(e.ctx, c.since)
			if err != nil {
				t.Fatal(err)
			}
			if k := keys(got); !reflect.DeepEqual(k, append([]key{}, c.want...)) {
				t.Errorf("Approvals(%v) = %v\nwant %v", c.since, k, c.want)
			}
		})
	}
	got, _ := e.s.Approvals(e.ctx, time.Time{})
	if len(got) > 0 && !same(got[0], missed) {
		t.Errorf("Approvals()[0] = %+v\nwant %+v", got[0], missed)
	}
}

func testApprovalsRefuse(t *testing.T, e *env) {
	sub := e.sub(t, "幸福里")
	slot := approvalSlot
	cases := []struct {
		name string
		a    model.Approval
		want error
	}{
		{"unknown state", model.Approval{SubscriptionID: sub.ID, Slot: slot, State: "rejected"}, model.ErrInvalid},
		{"empty state", model.Approval{SubscriptionID: sub.ID, Slot: slot}, model.ErrInvalid},
		{"upper-case state", model.Approval{SubscriptionID: sub.ID, Slot: slot, State: "APPROVED"}, model.ErrInvalid},
		{"zero slot", model.Approval{SubscriptionID: sub.ID, State: model.ApprovalPending}, model.ErrInvalid},
		{"no subscription id", model.Approval{Slot: slot, State: model.ApprovalPending}, model.ErrInvalid},
		{"negative subscription id", model.Approval{SubscriptionID: -1, Slot: slot, State: model.ApprovalPending}, model.ErrInvalid},
		{"unknown subscription", model.Approval{SubscriptionID: sub.ID + 1000, Slot: slot, State: model.ApprovalPending}, model.ErrNotFound},
		{"bad utf-8 text", model.Approval{SubscriptionID: sub.ID, Slot: slot, State: model.ApprovalApproved, Text: "\xff"}, model.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.s.PutApproval(e.ctx, c.a)
			wantErr(t, "PutApproval", err, c.want)
		})
	}
	if got, err := e.s.Approvals(e.ctx, time.Time{}); err != nil || len(got) != 0 {
		t.Errorf("refused approvals were stored: %+v, %v", got, err)
	}
	// A refused replacement leaves the approval as it was.
	first, err := e.s.PutApproval(e.ctx, model.Approval{SubscriptionID: sub.ID, Slot: slot, State: model.ApprovalPending})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.s.PutApproval(e.ctx, model.Approval{SubscriptionID: sub.ID, Slot: slot, State: "done"})
	wantErr(t, "PutApproval replacing with a bad state", err, model.ErrInvalid)
	if got, err := e.s.Approval(e.ctx, sub.ID, slot); err != nil || !same(got, first) {
		t.Errorf("after a refused replacement: %+v, %v; want %+v", got, err, first)
	}
}

// Removing a subscription is not held up by its approvals; they go with
// it, and a new subscription of the group starts without any.
func testApprovalsRemoved(t *testing.T, e *env) {
	sub := e.sub(t, "幸福里")
	other := e.sub(t, "阳光城")
	for _, id := range []int64{sub.ID, other.ID} {
		if _, err := e.s.PutApproval(e.ctx, model.Approval{SubscriptionID: id, Slot: approvalSlot, State: model.ApprovalApproved,
			By: "web:小李", At: e.clock.Now(), Text: "x", TextHash: model.DigestHash([]string{"x"})}); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, "RemoveSubscription", e.s.RemoveSubscription(e.ctx, "幸福里"), nil)
	if _, err := e.s.Approval(e.ctx, sub.ID, approvalSlot); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("Approval of a removed subscription: err = %v, want ErrNotFound", err)
	}
	got, err := e.s.Approvals(e.ctx, time.Time{})
	if err != nil || len(got) != 1 || got[0].SubscriptionID != other.ID {
		t.Errorf("Approvals after removing a subscription = %+v, %v; want only %d's", got, err, other.ID)
	}
	again := e.sub(t, "幸福里")
	if _, err := e.s.Approval(e.ctx, again.ID, approvalSlot); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a new subscription of the group has an approval: %v", err)
	}
	_, err = e.s.PutApproval(e.ctx, model.Approval{SubscriptionID: sub.ID, Slot: approvalSlot, State: model.ApprovalPending})
	wantErr(t, "PutApproval for the removed subscription", err, model.ErrNotFound)
}

func testRetryDelivery(t *testing.T, e *env) {
	sub := e.sub(t, "g")
	slot := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	e.record(t, sub.ID, slot, []string{"一", "二", "三", "四", "五"}, nil)
	e.record(t, sub.ID, slot.Add(time.Hour), []string{"六"}, nil)
	ds := e.deliveries(t)
	if len(ds) != 6 {
		t.Fatalf("rows %+v", ds)
	}
	failed, twice, sent, awaiting, pending, claimed := ds[0].ID, ds[1].ID, ds[2].ID, ds[3].ID, ds[4].ID, ds[5].ID
	for _, id := range []int64{failed, twice, twice, claimed} {
		wantErr(t, "MarkFailed", e.s.MarkFailed(e.ctx, id, fmt.Sprintf("send %d: timeout", id)), nil)
	}
	wantErr(t, "MarkSent", e.s.MarkSent(e.ctx, sent, time.Time{}), nil)
	wantErr(t, "MarkAwaiting", e.s.MarkAwaiting(e.ctx, awaiting, "msg-1"), nil)
	// A sender claimed the second slot's failed part to send it again.
	if !e.claim(t, claimed, "A", "甲", "") {
		t.Fatal("could not claim the failed part")
	}
	if d := e.row(t, claimed); d.ClaimUntil.IsZero() || d.State != model.DeliveryFailed {
		t.Fatalf("claimed failed part %+v", d)
	}
	cases := []struct {
		name     string
		id       int64
		want     error
		attempts int
	}{
		{"failed once", failed, nil, 1},
		{"failed twice keeps its attempts", twice, nil, 2},
		{"claimed: the claim ends", claimed, nil, 1},
		{"again: pending now", failed, model.ErrInvalid, 1},
		{"pending", pending, model.ErrInvalid, 0},
		{"sent", sent, model.ErrInvalid, 0},
		{"awaiting", awaiting, model.ErrInvalid, 0},
		{"unknown", 1 << 40, model.ErrNotFound, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			known := c.id != 1<<40
			before := model.Delivery{}
			if known {
				before = e.row(t, c.id)
			}
			wantErr(t, "RetryDelivery", e.s.RetryDelivery(e.ctx, c.id), c.want)
			if !known {
				return
			}
			d := e.row(t, c.id)
			if c.want != nil {
				if !same(d, before) {
					t.Errorf("a refused retry changed the part:\n%+v\nwas %+v", d, before)
				}
				return
			}
			// Pending again; attempts and error kept; no claim.
			if d.State != model.DeliveryPending || d.Attempts != c.attempts || d.Error != fmt.Sprintf("send %d: timeout", c.id) ||
				!d.ClaimUntil.IsZero() || !d.SentAt.IsZero() {
				t.Errorf("after RetryDelivery: %+v; want pending, %d attempts, the error kept, no claim", d, c.attempts)
			}
		})
	}
	// Retried parts are unsent again, in order, and another sender may
	// take the retried slot at once.
	var unsent []int64
	for _, d := range e.unsent(t) {
		unsent = append(unsent, d.ID)
	}
	if want := []int64{failed, twice, pending, claimed}; !reflect.DeepEqual(unsent, want) {
		t.Errorf("Unsent after retries = %v, want %v", unsent, want)
	}
	if !e.claim(t, claimed, "B", "乙", "") {
		t.Error("another sender could not claim the retried part")
	}
	if e.claim(t, claimed, "A", "甲", "") {
		t.Error("the first claimant took the retried part back from the second")
	}
}

func testDeliveryCounts(t *testing.T, e *env) {
	counts := func() map[string]int {
		t.Helper()
		m, err := e.s.DeliveryCounts(e.ctx)
		if err != nil {
			t.Fatalf("DeliveryCounts: %v", err)
		}
		return m
	}
	zero := map[string]int{model.DeliveryPending: 0, model.DeliverySent: 0, model.DeliveryFailed: 0,
		model.DeliveryMissed: 0, model.DeliverySkipped: 0, model.DeliveryAwaiting: 0}
	if got := counts(); !reflect.DeepEqual(got, zero) {
		t.Fatalf("DeliveryCounts of a new store = %v, want every state at 0: %v", got, zero)
	}
	sub := e.sub(t, "g")
	other := e.sub(t, "h")
	slot := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	e.record(t, sub.ID, slot, []string{"一", "二", "三", "四", "五"}, nil)
	e.record(t, sub.ID, slot.Add(time.Hour), nil, nil)
	e.record(t, other.ID, slot, []string{"一", "二"}, nil)
	ds := e.deliveries(t)
	byPart := map[int]int64{}
	for _, d := range ds {
		if d.SubscriptionID == sub.ID && d.Part > 0 {
			byPart[d.Part] = d.ID
		}
	}
	steps := []struct {
		name string
		do   func() error
		want map[string]int
	}{
		{"recorded", func() error { return nil }, map[string]int{"pending": 7, "skipped": 1}},
		{"sent", func() error { return e.s.MarkSent(e.ctx, byPart[1], time.Time{}) }, map[string]int{"pending": 6, "sent": 1, "skipped": 1}},
		{"failed", func() error { return e.s.MarkFailed(e.ctx, byPart[2], "x") }, map[string]int{"pending": 5, "sent": 1, "failed": 1, "skipped": 1}},
		{"awaiting", func() error { return e.s.MarkAwaiting(e.ctx, byPart[3], "m") },
			map[string]int{"pending": 4, "sent": 1, "failed": 1, "awaiting": 1, "skipped": 1}},
		{"retried", func() error { return e.s.RetryDelivery(e.ctx, byPart[2]) },
			map[string]int{"pending": 5, "sent": 1, "awaiting": 1, "skipped": 1}},
		{"the other group's slot missed", func() error { return e.s.MarkSlotMissed(e.ctx, other.ID, slot) },
			map[string]int{"pending": 3, "sent": 1, "awaiting": 1, "missed": 2, "skipped": 1}},
		{"a removed subscription's history counts", func() error { return e.s.RemoveSubscription(e.ctx, "h") },
			map[string]int{"pending": 3, "sent": 1, "awaiting": 1, "missed": 2, "skipped": 1}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			wantErr(t, st.name, st.do(), nil)
			want := map[string]int{}
			for k, v := range zero {
				want[k] = v
			}
			for k, v := range st.want {
				want[k] = v
			}
			if got := counts(); !reflect.DeepEqual(got, want) {
				t.Errorf("DeliveryCounts = %v\nwant %v", got, want)
			}
		})
	}
}

func testArticleCount(t *testing.T, e *env) {
	e.needArticles(t)
	count := func() int {
		t.Helper()
		n, err := e.s.ArticleCount(e.ctx)
		if err != nil {
			t.Fatalf("ArticleCount: %v", err)
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("ArticleCount of a new store = %d", n)
	}
	arts := sampleArticles()
	res := e.importArts(t, arts...)
	steps := []struct {
		name string
		do   func() error
		want int
	}{
		{"imported", func() error { return nil }, 3},
		{"imported again", func() error { _, err := e.s.ImportArticles(e.ctx, arts); return err }, 3},
		{"withdrawn", func() error { return e.s.WithdrawArticle(e.ctx, res.IDs[0], "web:小李") }, 2},
		{"withdrawn one imported again", func() error { _, err := e.s.ImportArticles(e.ctx, arts[:1]); return err }, 2},
		{"deleted", func() error { return e.s.DeleteArticle(e.ctx, res.IDs[1]) }, 1},
		{"a new one", func() error {
			_, err := e.s.ImportArticles(e.ctx, []digest.Article{{Source: "日报", Date: "2026-03-02", Title: "新稿", Body: "正文。"}})
			return err
		}, 2},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			wantErr(t, st.name, st.do(), nil)
			if n := count(); n != st.want {
				t.Errorf("ArticleCount = %d, want %d", n, st.want)
			}
		})
	}
}

// testAuditEntries (in the audit group): AuditEntries filters in the
// store as model.AuditFilter.Match says, newest first, limited.
func testAuditEntries(t *testing.T, e *env) {
	if es, err := e.s.AuditEntries(e.ctx, model.AuditFilter{}); err != nil || len(es) != 0 {
		t.Fatalf("AuditEntries of a new store = %+v, %v", es, err)
	}
	t0 := e.clock.Now()
	minute := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	entries := []model.AuditEntry{
		{At: minute(1), Who: "web:小李", Action: "role.grant", Detail: "a"},
		{At: minute(2), Who: "web:王主任", Action: "role.revoke", Detail: "b"},
		{At: minute(2), Who: "web:小李", Action: "role", Detail: "c"},
		{At: minute(3), Who: "cli", Action: "roles.list", Detail: "d"},
		{At: minute(3), Who: "web:小李", Action: "role/x", Detail: "e"},
		{At: minute(4), Who: "token:ci", Action: "Role.grant", Detail: "f"},
		{At: minute(5), Who: "web:小李", Action: "job_a.run", Detail: "g"},
		{At: minute(5), Who: "web:小李", Action: "jobxa.run", Detail: "h"},
		{At: minute(6), Who: "WEB:小李", Action: "push", Detail: "i"},
		{At: minute(7), Who: "web:小李", Action: "push", Detail: "j"},
		{At: minute(8), Who: "self", Action: "role.grant", Detail: "k"},
		{At: minute(8).Add(time.Microsecond), Who: "web:小李", Action: "订阅.新增", Detail: "l"},
		{At: minute(9), Who: "web:小李 ", Action: "push", Detail: "m"},
	}
	for _, en := range entries {
		wantErr(t, "Audit", e.s.Audit(e.ctx, en), nil)
	}
	all, err := e.s.AuditLog(e.ctx, 0)
	if err != nil || len(all) != len(entries) {
		t.Fatalf("AuditLog = %d entries, %v", len(all), err)
	}
	// What each filter must give, computed from the log itself: newest
	// first, at most the limit.
	expect := func(f model.AuditFilter) []string {
		out := []string{}
		for _, en := range all {
			if f.Match(en) {
				out = append(out, en.Detail)
			}
		}
		limit := f.Limit
		if limit <= 0 {
			limit = DefaultAuditLimit
		}
		return out[:min(len(out), limit)]
	}
	cases := []struct {
		name string
		f    model.AuditFilter
		want []string // details, newest first
	}{
		{"none", model.AuditFilter{}, []string{"m", "l", "k", "j", "i", "h", "g", "f", "e", "d", "c", "b", "a"}},
		{"who", model.AuditFilter{Who: "web:小李"}, []string{"l", "j", "h", "g", "e", "c", "a"}},
		{"who is exact", model.AuditFilter{Who: "WEB:小李"}, []string{"i"}},
		{"who nobody", model.AuditFilter{Who: "web:老赵"}, []string{}},
		{"action exact", model.AuditFilter{Action: "role.grant"}, []string{"k", "a"}},
		{"action without a dot is exact", model.AuditFilter{Action: "role"}, []string{"c"}},
		{"action prefix", model.AuditFilter{Action: "role."}, []string{"k", "b", "a"}},
		{"action prefix is case-sensitive", model.AuditFilter{Action: "Role."}, []string{"f"}},
		{"action prefix is literal", model.AuditFilter{Action: "job_a."}, []string{"g"}},
		{"action prefix, CJK", model.AuditFilter{Action: "订阅."}, []string{"l"}},
		{"action prefix of nothing", model.AuditFilter{Action: "rol."}, []string{}},
		{"since is inclusive", model.AuditFilter{Since: minute(8)}, []string{"m", "l", "k"}},
		{"until is exclusive", model.AuditFilter{Until: minute(2)}, []string{"a"}},
		{"since and until", model.AuditFilter{Since: minute(3), Until: minute(5)}, []string{"f", "e", "d"}},
		{"until a microsecond after", model.AuditFilter{Since: minute(8), Until: minute(8).Add(time.Microsecond)}, []string{"k"}},
		{"until before since", model.AuditFilter{Since: minute(5), Until: minute(3)}, []string{}},
		{"times in another zone", model.AuditFilter{Since: minute(8).In(time.FixedZone("CST", 8*3600))}, []string{"m", "l", "k"}},
		{"everything", model.AuditFilter{Who: "web:小李", Action: "role.", Since: minute(1), Until: minute(8)}, []string{"a"}},
		{"limit", model.AuditFilter{Who: "web:小李", Limit: 2}, []string{"l", "j"}},
		{"limit of one", model.AuditFilter{Limit: 1}, []string{"m"}},
		{"negative limit is the default", model.AuditFilter{Action: "push", Limit: -1}, []string{"m", "j", "i"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if m := expect(c.f); !reflect.DeepEqual(m, c.want) {
				t.Fatalf("the case disagrees with AuditFilter.Match: %q vs %q", c.want, m)
			}
			got, err := e.s.AuditEntries(e.ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			details := []string{}
			for _, en := range got {
				details = append(details, en.Detail)
			}
			if !reflect.DeepEqual(details, c.want) {
				t.Errorf("AuditEntries(%+v) = %q\nwant %q", c.f, details, c.want)
			}
			// The entries are the log's, field for field.
			for _, en := range got {
				i := slices.IndexFunc(all, func(x model.AuditEntry) bool { return x.ID == en.ID })
				if i < 0 || !same(en, all[i]) {
					t.Errorf("entry %+v is not the log's", en)
				}
			}
		})
	}
}

// testAuditEntriesLimits: without a limit AuditEntries gives the newest
// DefaultAuditLimit entries, and never more than MaxAuditLimit.
func testAuditEntriesLimits(t *testing.T, e *env) {
	const n = MaxAuditLimit + 5
	t0 := e.clock.Now()
	for i := range n {
		if err := e.s.Audit(e.ctx, model.AuditEntry{At: t0.Add(time.Duration(i) * time.Second), Who: "cli", Action: "push",
			Detail: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name  string
		limit int
		want  int
	}{
		{"default", 0, DefaultAuditLimit},
		{"negative", -5, DefaultAuditLimit},
		{"small", 3, 3},
		{"past the default", DefaultAuditLimit + 1, DefaultAuditLimit + 1},
		{"the cap", MaxAuditLimit, MaxAuditLimit},
		{"past the cap", MaxAuditLimit + 1, MaxAuditLimit},
		{"far past the cap", 1 << 30, MaxAuditLimit},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := e.s.AuditEntries(e.ctx, model.AuditFilter{Who: "cli", Limit: c.limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != c.want {
				t.Fatalf("AuditEntries(limit %d) = %d entries, want %d", c.limit, len(got), c.want)
			}
			// The newest ones, newest first.
			if got[0].Detail != fmt.Sprint(n-1) || got[len(got)-1].Detail != fmt.Sprint(n-c.want) {
				t.Errorf("AuditEntries(limit %d) runs from %s to %s, want %d to %d",
					c.limit, got[0].Detail, got[len(got)-1].Detail, n-1, n-c.want)
			}
		})
	}
}
