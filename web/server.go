package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

// Config is everything the console needs, injected.
type Config struct {
	Logger *slog.Logger     // default: discard
	Now    func() time.Time // default: time.Now
	Zone   *time.Location   // issue dates and times as people read them; default Asia/Shanghai

	// Budget is the size of one message part and LeadBudget of one lead,
	// in runes, for the day's digest (/api/digest); ≤ 0: 2000 and 120.
	Budget, LeadBudget int
	// Source names imported pages when the request does not; default 本报.
	Source string
	// SessionTTL is how long a console login lasts; default 12 hours.
	SessionTTL time.Duration

	// Required.
	Articles      Articles
	Digests       Digests
	Subscriptions Subscriptions
	Deliveries    Deliveries
	Roles         Roles
	Audit         Audit
	Users         Users
	Tokens        Tokens
	Approvals     Approvals
	Health        Health
	Channels      Channels

	// Optional: without them the pages say the feature is unavailable.
	Pusher  Pusher  // no bot running in this process: no push, no reload
	Sources Sources // 来源
	Login   Login   // 登录状态
	Metrics *Metrics
}

// Server is the console, the API, /healthz and /metrics.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	pages   map[string]*template.Template
	static  http.Handler
	limiter *limiter
	dummy   string // a hash to check unknown accounts against
	manager bot.Manager
}

// New checks cfg and builds the handler.
func New(cfg Config) (*Server, error) {
	missing := []string{}
	for name, v := range map[string]any{
		"Articles": cfg.Articles, "Digests": cfg.Digests, "Subscriptions": cfg.Subscriptions,
		"Deliveries": cfg.Deliveries, "Roles": cfg.Roles, "Audit": cfg.Audit, "Users": cfg.Users,
		"Tokens": cfg.Tokens, "Approvals": cfg.Approvals, "Health": cfg.Health, "Channels": cfg.Channels,
	} {
		if v == nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("web: config: missing %s", strings.Join(sortStrings(missing), ", "))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Zone == nil {
		z, err := time.LoadLocation(bot.DefaultZone)
		if err != nil {
			return nil, fmt.Errorf("web: zone: %w", err)
		}
		cfg.Zone = z
	}
	if cfg.Budget <= 0 {
		cfg.Budget = digest.DefaultBudget
	}
	if cfg.LeadBudget <= 0 {
		cfg.LeadBudget = digest.DefaultLeadBudget
	}
	if strings.TrimSpace(cfg.Source) == "" {
		cfg.Source = "本报"
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	staticFS, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static: %w", err)
	}
	s := &Server{
		cfg:     cfg,
		log:     cfg.Logger,
		mux:     http.NewServeMux(),
		static:  http.StripPrefix("/static/", http.FileServerFS(staticFS)),
		limiter: newLimiter(cfg.Now),
		dummy:   dummyHash(),
	}
	s.manager = bot.Manager{
		Store: manageStore{cfg.Subscriptions, cfg.Articles, cfg.Roles, cfg.Audit},
		Now:   cfg.Now,
		// The logger says when a reload failed.
		Logger: cfg.Logger,
	}
	if cfg.Pusher != nil {
		s.manager.Dispatcher = reloader{cfg.Pusher}
	}
	if s.pages, err = s.parseTemplates(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// manageStore is what bot.Manager changes, from the console's slices.
type manageStore struct {
	subs  Subscriptions
	arts  Articles
	roles Roles
	log   Audit
}

func (m manageStore) PutSubscription(ctx context.Context, sub model.Subscription) (model.Subscription, error) {
	return m.subs.PutSubscription(ctx, sub)
}
func (m manageStore) RemoveSubscription(ctx context.Context, group string) error {
	return m.subs.RemoveSubscription(ctx, group)
}
func (m manageStore) RemoveChannelSubscription(ctx context.Context, channel string) error {
	return m.subs.RemoveChannelSubscription(ctx, channel)
}
func (m manageStore) Subscriptions(ctx context.Context) ([]model.Subscription, error) {
	return m.subs.Subscriptions(ctx)
}
func (m manageStore) RenameGroup(ctx context.Context, old, new string) error {
	return m.subs.RenameGroup(ctx, old, new)
}
func (m manageStore) Article(ctx context.Context, id int64) (digest.Article, error) {
	return m.arts.Article(ctx, id)
}
func (m manageStore) CorrectArticle(ctx context.Context, a digest.Article) error {
	return m.arts.CorrectArticle(ctx, a)
}
func (m manageStore) WithdrawArticle(ctx context.Context, id int64, by string) error {
	return m.arts.WithdrawArticle(ctx, id, by)
}
func (m manageStore) GrantRole(ctx context.Context, remark string, role model.Role, by string) error {
	return m.roles.GrantRole(ctx, remark, role, by)
}
func (m manageStore) RevokeRole(ctx context.Context, remark string) error {
	return m.roles.RevokeRole(ctx, remark)
}
func (m manageStore) RoleOf(ctx context.Context, remark string) (model.Role, error) {
	return m.roles.RoleOf(ctx, remark)
}
func (m manageStore) Roles(ctx context.Context) ([]model.Grant, error) { return m.roles.Roles(ctx) }
func (m manageStore) Audit(ctx context.Context, e model.AuditEntry) error {
	return m.log.Audit(ctx, e)
}

// reloader is a Pusher as the bot.Dispatcher bot.Manager tells to reload;
// Manager only calls Reload.
type reloader struct{ p Pusher }

func (r reloader) PushNow(ctx context.Context, groups []string) ([]bot.PushResult, error) {
	return r.p.PushNow(ctx, groups)
}
func (r reloader) Next(int) []bot.Upcoming          { return nil }
func (r reloader) Reload(ctx context.Context) error { return r.p.Reload(ctx) }

// ServeHTTP serves the console, the API, /healthz and /metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("web: panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
			s.fail(w, r, http.StatusInternalServerError, "服务器内部错误", "internal error")
		}
	}()
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
	s.mux.ServeHTTP(w, r)
}

// level is who may use a route.
type level int

const (
	public level = iota // anyone, no login
	staff               // staff or admin
	admin               // admin only
)

// principal is who is asking.
type principal struct {
	Name    string
	Role    model.Role
	Token   bool           // a bearer token (no CSRF), else a console session
	Session *model.Session // the console session
}

// Who is the audit log's name for p.
func (p *principal) Who() string {
	if p.Token {
		return "token:" + p.Name
	}
	return "web:" + p.Name
}

// IsAdmin reports an admin.
func (p *principal) IsAdmin() bool { return p != nil && p.Role == model.RoleAdmin }

type ctxKey struct{}

func who(r *http.Request) *principal {
	p, _ := r.Context().Value(ctxKey{}).(*principal)
	return p
}

// handle registers a route for a level. API routes answer in JSON, pages
// in HTML.
func (s *Server) handle(pattern string, lv level, h http.HandlerFunc) {
	api := strings.Contains(pattern, " /api/")
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if lv == public {
			h(w, r)
			return
		}
		p, err := s.authenticate(r, api)
		switch {
		case err != nil:
			s.log.Error("web: authenticate", "err", err)
			s.fail(w, r, http.StatusInternalServerError, "服务器内部错误", "internal error")
			return
		case p == nil && api:
			w.Header().Set("WWW-Authenticate", `Bearer realm="wxdigest"`)
			s.fail(w, r, http.StatusUnauthorized, "需要有效的令牌", "missing or invalid bearer token")
			return
		case p == nil:
			next := r.URL.Path
			if r.Method != http.MethodGet {
				next = "/"
			}
			http.Redirect(w, r, "/login?next="+urlQueryEscape(next), http.StatusSeeOther)
			return
		case lv == admin && !p.IsAdmin():
			s.fail(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, p)), http.StatusForbidden,
				"只有管理员可以这样做", "admins only")
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, p))
		if !p.Token && r.Method != http.MethodGet && r.Method != http.MethodHead {
			if !s.csrfOK(r, p) {
				s.fail(w, r, http.StatusForbidden, "页面已过期，请刷新后重试（CSRF）", "bad or missing CSRF token")
				return
			}
		}
		h(w, r)
	})
}

// authenticate finds the principal of a request: a bearer token on API
// routes, else the session cookie. nil: nobody (or a bad credential).
func (s *Server) authenticate(r *http.Request, api bool) (*principal, error) {
	ctx := r.Context()
	if auth := r.Header.Get("Authorization"); api && auth != "" {
		plain, ok := strings.CutPrefix(auth, "Bearer ")
		plain = strings.TrimSpace(plain)
		if !ok || plain == "" {
			return nil, nil
		}
		t, err := s.cfg.Tokens.TokenByHash(ctx, TokenHash(plain))
		if errors.Is(err, model.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("web: token: %w", err)
		}
		if t.Revoked() || !knownRole(t.Role) {
			return nil, nil
		}
		return &principal{Name: t.Name, Role: t.Role, Token: true}, nil
	}
	// Pages, and the console's own scripts calling the API, use the
	// session cookie.
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	sess, err := s.cfg.Users.Session(ctx, TokenHash(c.Value))
	if errors.Is(err, model.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("web: session: %w", err)
	}
	if !s.cfg.Now().Before(sess.Expires) {
		if err := s.cfg.Users.DeleteSession(ctx, sess.ID); err != nil && !errors.Is(err, model.ErrNotFound) {
			s.log.Warn("web: delete expired session", "err", err)
		}
		return nil, nil
	}
	u, err := s.cfg.Users.User(ctx, sess.User)
	if errors.Is(err, model.ErrNotFound) || (err == nil && (u.Disabled || !knownRole(u.Role))) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("web: user: %w", err)
	}
	return &principal{Name: u.Name, Role: u.Role, Session: &sess}, nil
}

func knownRole(r model.Role) bool { return r == model.RoleAdmin || r == model.RoleStaff }

// csrfOK checks a session's CSRF token: the form field csrf, or the
// X-CSRF-Token header for the console's scripts.
func (s *Server) csrfOK(r *http.Request, p *principal) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = formValue(r, "csrf")
	}
	return got != "" && p.Session != nil && p.Session.CSRF != "" &&
		subtleEq(got, p.Session.CSRF)
}

// formValue reads a form field of an urlencoded or multipart body.
func formValue(r *http.Request, name string) string {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if r.MultipartForm == nil {
			if err := r.ParseMultipartForm(maxUpload); err != nil {
				return ""
			}
		}
		if v := r.MultipartForm.Value[name]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	return r.PostFormValue(name)
}

// maxUpload bounds a request body: a page is tens of kilobytes.
const maxUpload = 8 << 20

// fail answers an error: JSON on /api/, a page elsewhere. zh and en are
// one line each.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, code int, zh, en string) {
	if strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/healthz" {
		writeJSON(w, code, map[string]string{"error": zh + " / " + en})
		return
	}
	s.render(w, r, code, "error", "出错了", errorPage{Code: code, Message: zh})
}

type errorPage struct {
	Code    int
	Message string
}

// internal logs err and answers 500.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("web: request", "method", r.Method, "path", r.URL.Path, "err", err)
	s.fail(w, r, http.StatusInternalServerError, "服务器内部错误，请稍后再试", "internal error")
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// remoteAddr is the client's address without the port.
func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
