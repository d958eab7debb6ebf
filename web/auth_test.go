package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/model"
)

func TestPasswords(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") {
		t.Errorf("hash %q", h)
	}
	if !CheckPassword(h, "correct horse") || CheckPassword(h, "correct hors") || CheckPassword("", "x") || CheckPassword("$argon2id$v=19$m=1,t=1,p=1$AAAA$AAAA", "x") {
		t.Error("CheckPassword")
	}
	h2, _ := HashPassword("correct horse")
	if h2 == h {
		t.Error("same salt twice")
	}
	if _, err := HashPassword("short"); err == nil {
		t.Error("short password accepted")
	}
	plain, hash := NewToken()
	if !strings.HasPrefix(plain, "wxd_") || TokenHash(plain) != hash || len(hash) != 64 {
		t.Errorf("token %q %q", plain, hash)
	}
}

func TestLoginSessionLogout(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	if r := c.login("staff", "wrong-password"); r.Code != http.StatusUnauthorized || !strings.Contains(r.Body.String(), "用户名或密码不对") {
		t.Fatalf("wrong password: %d", r.Code)
	}
	r := c.login("staff", staffPass)
	if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/articles" {
		t.Fatalf("login: %d %q", r.Code, r.Header().Get("Location"))
	}
	var sess *http.Cookie
	for _, k := range r.Result().Cookies() {
		if k.Name == sessionCookie {
			sess = k
		}
	}
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure {
		t.Fatalf("session cookie %+v", sess)
	}
	if _, ok := e.st.sessions[sess.Value]; ok {
		t.Error("the store keeps the cookie's value, not its hash")
	}
	if len(e.st.audited("web.login")) != 1 {
		t.Error("login not audited")
	}
	if r := c.do("GET", "/articles", nil, ""); r.Code != http.StatusOK {
		t.Fatalf("articles: %d", r.Code)
	}
	// Sessions expire.
	e.clock.Advance(13 * time.Hour)
	if r := c.do("GET", "/articles", nil, ""); r.Code != http.StatusSeeOther {
		t.Fatalf("expired session: %d", r.Code)
	}
	c = e.as("staff")
	csrf := c.csrf
	if r := c.post("/logout", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.Code)
	}
	c.csrf = csrf
	if r := c.do("GET", "/articles", nil, ""); r.Code != http.StatusSeeOther {
		t.Fatalf("after logout: %d", r.Code)
	}
	// An open redirect is not followed.
	if got := safeNext("//evil.example/x"); got != "/" {
		t.Errorf("safeNext: %q", got)
	}
}

func TestSecureCookieOverTLS(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	r := c.do("GET", "/login", nil, "")
	req := r.Result().Request
	_ = req
	form := url.Values{"name": {"staff"}, "password": {staffPass}, "csrf": {hiddenCSRF(r.Body.String())}}
	rq := newTLSRequest("POST", "/login", form, c.cookies)
	w := recorder()
	e.srv.ServeHTTP(w, rq)
	found := false
	for _, k := range w.Result().Cookies() {
		if k.Name == sessionCookie {
			found = true
			if !k.Secure {
				t.Error("session cookie over TLS is not Secure")
			}
		}
	}
	if !found {
		t.Fatalf("no session: %d", w.Code)
	}
}

func TestCSRFRefused(t *testing.T) {
	e := newEnv(t)
	c := e.as("staff")
	good := c.csrf
	for _, tok := range []string{"", "not-the-token"} {
		c.csrf = ""
		r := c.post("/articles/2/withdraw", url.Values{"csrf": {tok}})
		if tok == "" {
			r = c.do("POST", "/articles/2/withdraw", strings.NewReader(""), "application/x-www-form-urlencoded")
		}
		if r.Code != http.StatusForbidden || !strings.Contains(r.Body.String(), "CSRF") {
			t.Errorf("csrf %q: %d", tok, r.Code)
		}
	}
	if e.st.withdrawn[2] {
		t.Fatal("withdrawn without a CSRF token")
	}
	// The API on a session needs the header too.
	r := c.json("DELETE", "/api/articles/2", "")
	if r.Code != http.StatusForbidden {
		t.Errorf("API on a session without X-CSRF-Token: %d", r.Code)
	}
	// Another session's token is refused.
	other := e.as("admin")
	c.csrf = other.csrf
	if r := c.post("/articles/2/withdraw", nil); r.Code != http.StatusForbidden {
		t.Errorf("another session's token: %d", r.Code)
	}
	c.csrf = good
	if r := c.post("/articles/2/withdraw", nil); r.Code != http.StatusSeeOther || !e.st.withdrawn[2] {
		t.Errorf("with the token: %d", r.Code)
	}
	// A bearer token needs none.
	if r := e.bearer(e.staffToken).json("DELETE", "/api/articles/3", ""); r.Code != http.StatusNoContent {
		t.Errorf("bearer: %d", r.Code)
	}
	// The login form has its own.
	a := e.anon()
	a.do("GET", "/login", nil, "")
	form := url.Values{"name": {"staff"}, "password": {staffPass}, "csrf": {"forged"}}
	if r := a.do("POST", "/login", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"); r.Code != http.StatusForbidden {
		t.Errorf("login with a forged token: %d", r.Code)
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	for i := 0; i < maxFailsAccount; i++ {
		if r := c.login("staff", "wrong-password"); r.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, r.Code)
		}
	}
	// Now even the right password waits, from any address.
	c2 := e.anon()
	c2.addr = "127.0.0.9:1234"
	if r := c2.login("staff", staffPass); r.Code != http.StatusTooManyRequests || !strings.Contains(r.Body.String(), "分钟后再试") {
		t.Fatalf("after %d failures: %d", maxFailsAccount, r.Code)
	}
	// Another account is not held back.
	if r := c.login("admin", adminPass); r.Code != http.StatusSeeOther {
		t.Fatalf("admin: %d", r.Code)
	}
	e.clock.Advance(loginWindow)
	if r := c2.login("staff", staffPass); r.Code != http.StatusSeeOther {
		t.Fatalf("after the window: %d", r.Code)
	}

	// Per address: many names from one address.
	e = newEnv(t)
	c = e.anon()
	c.addr = "127.0.0.7:999"
	for i := 0; i < maxFailsAddress; i++ {
		c.login("nobody"+string(rune('a'+i)), "wrong-password")
	}
	if r := c.login("admin", adminPass); r.Code != http.StatusTooManyRequests {
		t.Fatalf("address limit: %d", r.Code)
	}
	other := e.anon()
	other.addr = "127.0.0.8:999"
	if r := other.login("admin", adminPass); r.Code != http.StatusSeeOther {
		t.Fatalf("another address: %d", r.Code)
	}
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	if r := e.bearer(e.staffToken).json("GET", "/api/subscriptions", ""); r.Code != http.StatusOK {
		t.Fatalf("staff token: %d", r.Code)
	}
	if r := e.bearer("wxd_nope").json("GET", "/api/subscriptions", ""); r.Code != http.StatusUnauthorized {
		t.Fatalf("unknown token: %d", r.Code)
	}
	if r := e.bearer(e.staffToken).json("POST", "/api/subscriptions", `{"group":"x","at":"08:00"}`); r.Code != http.StatusForbidden {
		t.Fatalf("staff token on an admin route: %d", r.Code)
	}
	h := TokenHash(e.staffToken)
	tok := e.st.tokens[h]
	tok.RevokedAt = e.clock.Now()
	e.st.tokens[h] = tok
	r := e.bearer(e.staffToken).json("GET", "/api/subscriptions", "")
	if r.Code != http.StatusUnauthorized || !strings.Contains(r.Body.String(), "需要有效的令牌") {
		t.Fatalf("revoked token: %d %s", r.Code, r.Body)
	}
	// A disabled console user's session stops working.
	c := e.as("staff")
	u := e.st.users["staff"]
	u.Disabled = true
	e.st.users["staff"] = u
	if r := c.do("GET", "/articles", nil, ""); r.Code != http.StatusSeeOther {
		t.Fatalf("disabled user: %d", r.Code)
	}
	// Changes by token are audited by the token's name.
	e.bearer(e.adminToken).json("DELETE", "/api/subscriptions?group=和谐家园群", "")
	if es := e.st.audited("unsubscribe"); len(es) != 1 || es[0].Who != "token:ops" {
		t.Fatalf("audit: %+v", es)
	}
	_ = model.RoleAdmin
}
