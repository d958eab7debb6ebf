package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wxdigest/wxdigest/model"
)

const newPass = "new-password-9"

// addUser adds a console user through the form.
func (c *client) addUser(name string, role model.Role) {
	c.e.t.Helper()
	r := c.post("/users/add", url.Values{"name": {name}, "role": {string(role)}, "password": {newPass}, "password2": {newPass}})
	if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/users?ok=user-added" {
		c.e.t.Fatalf("add %s: %d %q\n%s", name, r.Code, r.Header().Get("Location"), r.Body)
	}
}

// loginAs logs a console user in with newPass.
func (e *env) loginAs(name string) *client {
	e.t.Helper()
	c := e.anon()
	before := e.sessionIDs()
	if r := c.login(name, newPass); r.Code != http.StatusSeeOther {
		e.t.Fatalf("login %s: %d", name, r.Code)
	}
	c.csrf = e.newSessionCSRF(name, before)
	return c
}

// whoAudited is the last audit entry of action.
func (e *env) lastAudit(action string) model.AuditEntry {
	e.t.Helper()
	es := e.st.audited(action)
	if len(es) == 0 {
		e.t.Fatalf("%s not audited", action)
	}
	return es[len(es)-1]
}

func TestUsersPageLists(t *testing.T) {
	e := newEnv(t)
	e.st.users["老周"] = model.User{ID: 9, Name: "老周", Role: model.RoleStaff, PasswordHash: testHashes.staff, Disabled: true, Created: e.clock.Now()}
	a := e.as("admin")
	r := a.do("GET", "/users", nil, "")
	if r.Code != http.StatusOK {
		t.Fatalf("users: %d", r.Code)
	}
	body := r.Body.String()
	for _, want := range []string{"老周", "已停用", "2023-02-13 07:00", "admin <span class=\"muted\">（你）</span>", `action="/users/add"`, `action="/users/passwd"`,
		`name="password2"`, "至少 10 个字符", `href="/users" class="on"`} {
		if !strings.Contains(body, want) {
			t.Errorf("users page lacks %q", want)
		}
	}
	// The admin's own row offers no demotion, disabling or removal.
	row := body[strings.Index(body, "<td class=\"nw\">admin"):]
	row = row[:strings.Index(row, "</tr>")]
	if strings.Contains(row, "/users/remove") || strings.Contains(row, "/users/disable") || strings.Contains(row, "/users/role") {
		t.Errorf("own row offers changes: %s", row)
	}
	// Staff see neither the entry nor the page.
	s := e.as("staff")
	if r := s.do("GET", "/articles", nil, ""); strings.Contains(r.Body.String(), `href="/users"`) {
		t.Error("staff see 账号 in the menu")
	}
	if r := s.do("GET", "/users", nil, ""); r.Code != http.StatusForbidden {
		t.Errorf("staff GET /users: %d", r.Code)
	}
	if r := s.post("/users/add", url.Values{"name": {"x"}, "role": {"admin"}, "password": {newPass}, "password2": {newPass}}); r.Code != http.StatusForbidden {
		t.Errorf("staff add: %d", r.Code)
	}
	if _, err := e.st.User(t.Context(), "x"); err == nil {
		t.Error("staff added a user")
	}
}

func TestUsersAdd(t *testing.T) {
	e := newEnv(t)
	a := e.as("admin")
	a.addUser("王晓", model.RoleStaff)
	u, err := e.st.User(t.Context(), "王晓")
	if err != nil || u.Role != model.RoleStaff || u.Disabled || !CheckPassword(u.PasswordHash, newPass) {
		t.Fatalf("added: %+v %v", u, err)
	}
	if au := e.lastAudit("user.add"); au.Who != "web:admin" || au.Detail != "王晓 staff" {
		t.Errorf("audit: %+v", au)
	}
	r := a.do("GET", "/users?ok=user-added", nil, "")
	if !strings.Contains(r.Body.String(), "已添加账号") || !strings.Contains(r.Body.String(), "王晓") {
		t.Error("added user not listed")
	}
	// The new user logs in.
	if c := e.loginAs("王晓"); c.do("GET", "/articles", nil, "").Code != http.StatusOK {
		t.Error("new user cannot use the console")
	}
	// The audit log names the action in Chinese.
	if r := a.do("GET", "/audit", nil, ""); !strings.Contains(r.Body.String(), "添加控制台账号") || !strings.Contains(r.Body.String(), "王晓 工作人员") {
		t.Errorf("audit page:\n%s", r.Body)
	}

	refusals := []struct {
		name string
		form url.Values
		code int
		want string
	}{
		{"taken", url.Values{"name": {"王晓"}, "role": {"staff"}, "password": {newPass}, "password2": {newPass}}, http.StatusConflict, "已经有名为「王晓」的账号"},
		{"short", url.Values{"name": {"李四"}, "role": {"staff"}, "password": {"short-pw"}, "password2": {"short-pw"}}, http.StatusBadRequest, "至少要 10 个字符"},
		{"nine runes", url.Values{"name": {"李四"}, "role": {"staff"}, "password": {"一二三四五六七八九"}, "password2": {"一二三四五六七八九"}}, http.StatusBadRequest, "至少要 10 个字符"},
		{"differ", url.Values{"name": {"李四"}, "role": {"staff"}, "password": {newPass}, "password2": {newPass + "x"}}, http.StatusBadRequest, "两次输入的密码不一致"},
		{"no name", url.Values{"name": {"  "}, "role": {"staff"}, "password": {newPass}, "password2": {newPass}}, http.StatusBadRequest, "请填写用户名"},
		{"control", url.Values{"name": {"a\x00b"}, "role": {"staff"}, "password": {newPass}, "password2": {newPass}}, http.StatusBadRequest, "不能用的字符"},
		{"role", url.Values{"name": {"李四"}, "role": {"owner"}, "password": {newPass}, "password2": {newPass}}, http.StatusBadRequest, "角色只能是"},
		{"too long", url.Values{"name": {"李四"}, "role": {"staff"}, "password": {strings.Repeat("x", 2000)}, "password2": {strings.Repeat("x", 2000)}}, http.StatusBadRequest, "密码太长"},
	}
	for _, c := range refusals {
		r := a.post("/users/add", c.form)
		if r.Code != c.code || !strings.Contains(r.Body.String(), c.want) {
			t.Errorf("%s: %d, want %d with %q\n%s", c.name, r.Code, c.code, c.want, r.Body)
		}
		if strings.Contains(r.Body.String(), newPass) {
			t.Errorf("%s: the page repeats the password", c.name)
		}
	}
	if _, err := e.st.User(t.Context(), "李四"); err == nil {
		t.Error("a refused user was added")
	}
	if n := len(e.st.audited("user.add")); n != 1 {
		t.Errorf("%d user.add entries, want 1", n)
	}
	// Without the CSRF token: refused.
	if r := a.do("POST", "/users/add", strings.NewReader(url.Values{"name": {"赵六"}, "role": {"staff"}, "password": {newPass}, "password2": {newPass}}.Encode()), "application/x-www-form-urlencoded"); r.Code != http.StatusForbidden {
		t.Errorf("no CSRF: %d", r.Code)
	}
}

func TestUsersRole(t *testing.T) {
	e := newEnv(t)
	a := e.as("admin")
	a.addUser("王晓", model.RoleStaff)
	if r := a.post("/users/role", url.Values{"name": {"王晓"}, "role": {"admin"}}); r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/users?ok=user-role" {
		t.Fatalf("promote: %d %s", r.Code, r.Body)
	}
	if u, _ := e.st.User(t.Context(), "王晓"); u.Role != model.RoleAdmin {
		t.Errorf("role: %s", u.Role)
	}
	if au := e.lastAudit("user.role"); au.Who != "web:admin" || au.Detail != "王晓 admin" {
		t.Errorf("audit: %+v", au)
	}
	// The new admin may demote the first; nobody may demote themselves.
	w := e.loginAs("王晓")
	if r := w.post("/users/role", url.Values{"name": {"王晓"}, "role": {"staff"}}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "不能取消自己的管理员身份") {
		t.Errorf("self-demotion: %d\n%s", r.Code, r.Body)
	}
	if u, _ := e.st.User(t.Context(), "王晓"); u.Role != model.RoleAdmin {
		t.Error("demoted themselves")
	}
	if r := w.post("/users/role", url.Values{"name": {"admin"}, "role": {"staff"}}); r.Code != http.StatusSeeOther {
		t.Errorf("demote another admin: %d", r.Code)
	}
	// Demoted, the first admin's session no longer reaches admin pages.
	if r := a.do("GET", "/users", nil, ""); r.Code != http.StatusForbidden {
		t.Errorf("demoted admin: %d", r.Code)
	}
	for _, c := range []url.Values{{"name": {"没有的人"}, "role": {"staff"}}, {"name": {""}, "role": {"staff"}}} {
		if r := w.post("/users/role", c); r.Code != http.StatusNotFound || !strings.Contains(r.Body.String(), "没有名为") {
			t.Errorf("unknown user %q: %d", c.Get("name"), r.Code)
		}
	}
	if r := w.post("/users/role", url.Values{"name": {"admin"}, "role": {"root"}}); r.Code != http.StatusBadRequest {
		t.Errorf("bad role: %d", r.Code)
	}
	if r := w.post("/users/rename", url.Values{"name": {"admin"}}); r.Code != http.StatusNotFound {
		t.Errorf("unknown verb: %d", r.Code)
	}
}

func TestUsersPasswd(t *testing.T) {
	e := newEnv(t)
	a := e.as("admin")
	s := e.as("staff")
	if e.st.sessionsOf("staff") != 1 {
		t.Fatal("no staff session")
	}
	form := url.Values{"name": {"staff"}, "password": {newPass}, "password2": {newPass}}
	if r := a.post("/users/passwd", url.Values{"name": {"staff"}, "password": {newPass}, "password2": {"other-password"}}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "不一致") {
		t.Errorf("differing: %d", r.Code)
	}
	if r := a.post("/users/passwd", url.Values{"name": {"staff"}, "password": {"short"}, "password2": {"short"}}); r.Code != http.StatusBadRequest {
		t.Errorf("short: %d", r.Code)
	}
	if s.do("GET", "/articles", nil, "").Code != http.StatusOK {
		t.Fatal("a refused reset ended the session")
	}
	if r := a.post("/users/passwd", form); r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/users?ok=user-passwd" {
		t.Fatalf("reset: %d %s", r.Code, r.Body)
	}
	if e.st.sessionsOf("staff") != 0 {
		t.Error("the reset kept the user's sessions")
	}
	if r := s.do("GET", "/articles", nil, ""); r.Code != http.StatusSeeOther {
		t.Errorf("old session after a reset: %d", r.Code)
	}
	if r := e.anon().login("staff", staffPass); r.Code != http.StatusUnauthorized {
		t.Errorf("old password: %d", r.Code)
	}
	e.loginAs("staff")
	if au := e.lastAudit("user.passwd"); au.Who != "web:admin" || au.Detail != "staff" {
		t.Errorf("audit: %+v", au)
	}
	// Resetting one's own password logs one out, to log in with it.
	r := a.post("/users/passwd", url.Values{"name": {"admin"}, "password": {newPass}, "password2": {newPass}})
	if r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header().Get("Location"), "/login") {
		t.Errorf("own reset: %d %q", r.Code, r.Header().Get("Location"))
	}
	e.loginAs("admin")
	if r := e.loginAs("admin").post("/users/passwd", url.Values{"name": {"没有的人"}, "password": {newPass}, "password2": {newPass}}); r.Code != http.StatusNotFound {
		t.Errorf("unknown user: %d", r.Code)
	}
}

func TestUsersDisableEnable(t *testing.T) {
	e := newEnv(t)
	a := e.as("admin")
	s := e.as("staff")
	// Not oneself.
	if r := a.post("/users/disable", url.Values{"name": {"admin"}}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "不能停用自己的账号") {
		t.Errorf("self-disable: %d\n%s", r.Code, r.Body)
	}
	if u, _ := e.st.User(t.Context(), "admin"); u.Disabled {
		t.Fatal("disabled themselves")
	}
	if r := a.post("/users/disable", url.Values{"name": {"staff"}}); r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/users?ok=user-disabled" {
		t.Fatalf("disable: %d %s", r.Code, r.Body)
	}
	if u, _ := e.st.User(t.Context(), "staff"); !u.Disabled {
		t.Error("not disabled")
	}
	if e.st.sessionsOf("staff") != 0 {
		t.Error("disabling kept the sessions")
	}
	if r := s.do("GET", "/articles", nil, ""); r.Code != http.StatusSeeOther {
		t.Errorf("disabled user's session: %d", r.Code)
	}
	if r := e.anon().login("staff", staffPass); r.Code != http.StatusUnauthorized {
		t.Errorf("disabled user logs in: %d", r.Code)
	}
	if au := e.lastAudit("user.disable"); au.Who != "web:admin" || au.Detail != "staff" {
		t.Errorf("audit: %+v", au)
	}
	if r := a.do("GET", "/users", nil, ""); !strings.Contains(r.Body.String(), "已停用") || !strings.Contains(r.Body.String(), `action="/users/enable"`) {
		t.Error("disabled user not shown as such")
	}
	if r := a.post("/users/enable", url.Values{"name": {"staff"}}); r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/users?ok=user-enabled" {
		t.Fatalf("enable: %d", r.Code)
	}
	if r := e.anon().login("staff", staffPass); r.Code != http.StatusSeeOther {
		t.Errorf("enabled user cannot log in: %d", r.Code)
	}
	if au := e.lastAudit("user.enable"); au.Detail != "staff" {
		t.Errorf("audit: %+v", au)
	}
}

func TestUsersRemove(t *testing.T) {
	e := newEnv(t)
	a := e.as("admin")
	s := e.as("staff")
	if r := a.post("/users/remove", url.Values{"name": {"admin"}}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "不能删除自己的账号") {
		t.Errorf("self-removal: %d", r.Code)
	}
	if _, err := e.st.User(t.Context(), "admin"); err != nil {
		t.Fatal("removed themselves")
	}
	if r := a.post("/users/remove", url.Values{"name": {"staff"}}); r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/users?ok=user-removed" {
		t.Fatalf("remove: %d", r.Code)
	}
	if _, err := e.st.User(t.Context(), "staff"); err == nil {
		t.Error("not removed")
	}
	if r := s.do("GET", "/articles", nil, ""); r.Code != http.StatusSeeOther {
		t.Errorf("removed user's session: %d", r.Code)
	}
	if au := e.lastAudit("user.remove"); au.Who != "web:admin" || au.Detail != "staff" {
		t.Errorf("audit: %+v", au)
	}
	if r := a.post("/users/remove", url.Values{"name": {"staff"}}); r.Code != http.StatusNotFound {
		t.Errorf("remove again: %d", r.Code)
	}
	for _, action := range []string{"user.role", "user.disable", "user.enable"} {
		if actionZH(action) == action {
			t.Errorf("%s has no Chinese label", action)
		}
	}
}

// A subscription to a channel that is not configured, or an image on a
// customer-group task channel, is refused on the form and the API.
func TestSubscribeChecksChannel(t *testing.T) {
	e := newEnv(t)
	a := e.as("admin")
	cases := []struct {
		channel, style, want string
	}{
		{"没有的渠道", "text", "没有名为「没有的渠道」的企业微信渠道"},
		{"客户群", "image", "只能发文字"},
		{"客户群", "both", "只能发文字"},
	}
	for _, c := range cases {
		r := a.post("/subscriptions", url.Values{"channel": {c.channel}, "at": {"08:00"}, "style": {c.style}})
		if r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), c.want) {
			t.Errorf("form %s %s: %d\n%s", c.channel, c.style, r.Code, r.Body)
		}
		r = e.bearer(e.adminToken).json("POST", "/api/subscriptions", `{"channel":"`+c.channel+`","at":"08:00","style":"`+c.style+`"}`)
		var body map[string]string
		if err := json.Unmarshal(r.Body.Bytes(), &body); err != nil || r.Code != http.StatusBadRequest ||
			!strings.Contains(body["error"], c.want) || !strings.Contains(body["error"], " / ") {
			t.Errorf("API %s %s: %d %s", c.channel, c.style, r.Code, r.Body)
		}
	}
	for _, sub := range e.st.subs {
		if sub.Channel == "没有的渠道" || sub.Channel == "客户群" {
			t.Errorf("stored: %+v", sub)
		}
	}
	// Text on the task channel, and a robot channel's images, are fine.
	if r := a.post("/subscriptions", url.Values{"channel": {"客户群"}, "at": {"08:00"}, "style": {"text"}}); r.Code != http.StatusSeeOther {
		t.Errorf("text on a task channel: %d\n%s", r.Code, r.Body)
	}
	if r := e.bearer(e.adminToken).json("POST", "/api/subscriptions", `{"channel":"区政府机器人","cron":"30 7 * * *","style":"image"}`); r.Code != http.StatusCreated {
		t.Errorf("image on a robot channel: %d %s", r.Code, r.Body)
	}
	// The personal account is not looked up.
	if r := e.bearer(e.adminToken).json("POST", "/api/subscriptions", `{"channel":"wechat","group":"新群","at":"08:00"}`); r.Code != http.StatusCreated {
		t.Errorf("a group of the personal account: %d %s", r.Code, r.Body)
	}
}
