package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/model"
	"github.com/wxdigest/wxdigest/web"
)

// TestUserCommands: console accounts from the CLI — passwords from a pipe
// (or a file), hashed; a new password ends the user's sessions.
func TestUserCommands(t *testing.T) {
	ta := newTestApp(t)
	const pw = "长长的口令-2026-十二月"
	cases := []struct {
		name, stdin string
		args        []string
		code        int
		out, err    string
	}{
		{"add", pw + "\n", []string{"user", "add", "--name", "王主任", "--role", "admin"}, exitOK, "已添加控制台用户：王主任（admin）", ""},
		{"add again", pw + "\n", []string{"user", "add", "--name", "王主任", "--role", "staff"}, exitFail, "", "already exists"},
		{"short password", "short\n", []string{"user", "add", "--name", "李干事", "--role", "staff"}, exitFail, "", "at least 10"},
		{"bad role", pw, []string{"user", "add", "--name", "李干事", "--role", "owner"}, exitUsage, "", "admin or staff"},
		{"no name", pw, []string{"user", "add", "--role", "staff"}, exitUsage, "", "--name"},
		{"staff", pw, []string{"user", "add", "--name", "李干事", "--role", "staff"}, exitOK, "李干事（staff）", ""},
		{"passwd unknown", pw, []string{"user", "passwd", "--name", "没有这人"}, exitFail, "", "no console user"},
		{"remove unknown", "", []string{"user", "remove", "--name", "没有这人"}, exitFail, "", "no console user"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ta.run(c.stdin, c.args...)
			if r.code != c.code || !strings.Contains(r.stdout, c.out) || !strings.Contains(r.stderr, c.err) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, %q, %q", r.code, r.stdout, r.stderr, c.code, c.out, c.err)
			}
		})
	}
	ctx := context.Background()
	st, err := data.Open(ctx, ta.env["WXDIGEST_DB"], data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.User(ctx, "王主任")
	if err != nil || !web.CheckPassword(u.PasswordHash, pw) || strings.Contains(u.PasswordHash, pw) {
		t.Fatalf("stored user %+v, %v: the hash must check the password and not contain it", u, err)
	}
	sess := model.Session{ID: strings.Repeat("ab", 32), User: "王主任", CSRF: "x", Created: time.Now(), Expires: time.Now().Add(time.Hour)}
	if err := st.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	st.Close()

	if r := ta.run("新的口令也是很长很长的\n", "user", "passwd", "--name", "王主任"); r.code != exitOK {
		t.Fatalf("passwd: %d %s", r.code, r.stderr)
	}
	st, err = data.Open(ctx, ta.env["WXDIGEST_DB"], data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if u, _ := st.User(ctx, "王主任"); web.CheckPassword(u.PasswordHash, pw) || !web.CheckPassword(u.PasswordHash, "新的口令也是很长很长的") {
		t.Error("passwd did not change the password")
	}
	if _, err := st.Session(ctx, sess.ID); err == nil {
		t.Error("the old session still works after passwd")
	}
	r := ta.run("", "user", "list", "--format", "json")
	var rows []struct{ Name, Role string }
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("user list json: %v %q", err, r.stdout)
	}
	if r := ta.run("", "user", "remove", "--name", "李干事"); r.code != exitOK {
		t.Fatalf("remove: %s", r.stderr)
	}
	if r := ta.run("", "user", "list"); strings.Contains(r.stdout, "李干事") {
		t.Errorf("removed user still listed: %q", r.stdout)
	}
	log, err := st.AuditLog(ctx, 10)
	if err != nil || len(log) < 4 {
		t.Fatalf("audit %v %v", log, err)
	}
	for _, e := range log {
		if strings.Contains(e.Detail, pw) {
			t.Errorf("the audit log holds the password: %+v", e)
		}
	}
}

// TestTokenCommands: a token is printed once, alone on the last line, and
// only its hash is kept; revoked, it stays listed as revoked.
func TestTokenCommands(t *testing.T) {
	ta := newTestApp(t)
	r := ta.run("", "token", "create", "--name", "发布脚本", "--role", "staff")
	if r.code != exitOK {
		t.Fatalf("create: %d %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	token := lines[len(lines)-1]
	if len(token) < 32 || strings.ContainsAny(token, " \t") {
		t.Fatalf("last line %q is not a token alone", token)
	}
	if r := ta.run("", "token", "create", "--name", "发布脚本", "--role", "admin"); r.code != exitFail || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("a second token with the name: %d %q", r.code, r.stderr)
	}
	if r := ta.run("", "token", "create", "--name", "x", "--role", "root"); r.code != exitUsage {
		t.Errorf("bad role: exit %d", r.code)
	}
	ctx := context.Background()
	st, err := data.Open(ctx, ta.env["WXDIGEST_DB"], data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tok, err := st.TokenByHash(ctx, web.TokenHash(token))
	if err != nil || tok.Name != "发布脚本" || tok.Role != model.RoleStaff || tok.Revoked() {
		t.Fatalf("stored token %+v %v", tok, err)
	}
	if r := ta.run("", "token", "list"); strings.Contains(r.stdout, token) || !strings.Contains(r.stdout, "发布脚本") {
		t.Errorf("token list %q", r.stdout)
	}
	if r := ta.run("", "token", "revoke", "--name", "发布脚本"); r.code != exitOK {
		t.Fatalf("revoke: %s", r.stderr)
	}
	if tok, _ := st.TokenByHash(ctx, web.TokenHash(token)); !tok.Revoked() {
		t.Error("revoked token not marked revoked")
	}
	var rows []struct{ Name, Revoked string }
	if r := ta.run("", "token", "list", "--format", "json"); json.Unmarshal([]byte(r.stdout), &rows) != nil || len(rows) != 1 || rows[0].Revoked == "" {
		t.Errorf("token list json after revoke: %q", r.stdout)
	}
}
