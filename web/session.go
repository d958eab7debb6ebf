package web

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/wxdigest/wxdigest/model"
)

const (
	sessionCookie = "wxd_session"
	// loginCSRFCookie carries the login form's CSRF token before there is
	// a session (double submit).
	loginCSRFCookie = "wxd_login"
)

func subtleEq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

func sortStrings(s []string) []string { slices.Sort(s); return s }

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/"
	}
	return next
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

type loginPage struct {
	Next    string
	Name    string
	Message string
}

// loginForm shows the login form with a fresh double-submit token.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if p, err := s.authenticate(r, false); err == nil && p != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.showLogin(w, r, http.StatusOK, loginPage{Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, code int, lp loginPage) {
	token := randomString(24)
	s.setCookie(w, r, loginCSRFCookie, token, 3600)
	s.renderCSRF(w, r, code, "login", "登录", lp, token)
}

// login checks a name and password and starts a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	name := strings.TrimSpace(r.PostFormValue("name"))
	password := r.PostFormValue("password")
	lp := loginPage{Next: safeNext(r.PostFormValue("next")), Name: name}
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || c.Value == "" || !subtleEq(c.Value, r.PostFormValue("csrf")) {
		lp.Message = "页面已过期，请重新输入后登录。"
		s.showLogin(w, r, http.StatusForbidden, lp)
		return
	}
	addr := remoteAddr(r)
	if ok, wait := s.limiter.allow(name, addr); !ok {
		lp.Message = fmt.Sprintf("登录失败次数太多，请 %d 分钟后再试。", int(wait.Minutes())+1)
		s.log.Warn("web: login refused: too many attempts", "user", name, "addr", addr)
		s.showLogin(w, r, http.StatusTooManyRequests, lp)
		return
	}
	ctx := r.Context()
	u, err := s.cfg.Users.User(ctx, name)
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		s.internal(w, r, fmt.Errorf("web: login: %w", err))
		return
	}
	ok := false
	if err == nil && name != "" {
		ok = CheckPassword(u.PasswordHash, password) && !u.Disabled && knownRole(u.Role)
	} else {
		CheckPassword(s.dummy, password)
	}
	if !ok {
		s.limiter.failed(name, addr)
		s.log.Info("web: login failed", "user", name, "addr", addr)
		lp.Message = "用户名或密码不对。"
		s.showLogin(w, r, http.StatusUnauthorized, lp)
		return
	}
	s.limiter.succeeded(name)
	now := s.cfg.Now()
	plain := randomString(32)
	sess := model.Session{ID: TokenHash(plain), User: u.Name, CSRF: randomString(24), Created: now, Expires: now.Add(s.cfg.SessionTTL)}
	if err := s.cfg.Users.CreateSession(ctx, sess); err != nil {
		s.internal(w, r, fmt.Errorf("web: login: %w", err))
		return
	}
	s.setCookie(w, r, sessionCookie, plain, int(s.cfg.SessionTTL/time.Second))
	s.setCookie(w, r, loginCSRFCookie, "", -1)
	s.audit(r, "web:"+u.Name, "web.login", "addr="+addr)
	http.Redirect(w, r, lp.Next, http.StatusSeeOther)
}

// logout ends the session.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	p := who(r)
	if err := s.cfg.Users.DeleteSession(r.Context(), p.Session.ID); err != nil && !errors.Is(err, model.ErrNotFound) {
		s.internal(w, r, fmt.Errorf("web: logout: %w", err))
		return
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// audit writes an entry; a failure is logged, the change stands.
func (s *Server) audit(r *http.Request, who, action, detail string) {
	if err := s.cfg.Audit.Audit(r.Context(), model.AuditEntry{At: s.cfg.Now(), Who: who, Action: action, Detail: detail}); err != nil {
		s.log.Error("web: audit", "action", action, "err", err)
	}
}
