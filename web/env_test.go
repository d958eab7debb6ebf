package web

import (
	"bytes"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

// testHashes are the test users' password hashes, made once: argon2id
// is slow on purpose.
var testHashes struct{ admin, staff string }

func TestMain(m *testing.M) {
	flag.Parse()
	var err error
	if testHashes.admin, err = HashPassword(adminPass); err == nil {
		testHashes.staff, err = HashPassword(staffPass)
	}
	if err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

const (
	adminPass = "admin-password-1"
	staffPass = "staff-password-1"
	testDay   = "2023-02-13"
)

// env is a console over fakes, with a fixed clock: 07:00 on testDay in
// Shanghai.
type env struct {
	t      *testing.T
	clock  *clock
	st     *fakeStore
	dg     *fakeDigests
	pusher *fakePusher
	srv    *Server
	cfg    Config
	// tokens: the plain bearer tokens of an admin and a staff token.
	adminToken, staffToken string
}

func newEnv(t *testing.T, opts ...func(*Config)) *env {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2023, 2, 13, 7, 0, 0, 0, loc)}
	st := newFakeStore(c.Now)
	e := &env{t: t, clock: c, st: st, dg: &fakeDigests{st: st}, pusher: &fakePusher{}}
	for name, h := range map[string]string{"admin": testHashes.admin, "staff": testHashes.staff} {
		role := model.RoleStaff
		if name == "admin" {
			role = model.RoleAdmin
		}
		st.users[name] = model.User{ID: int64(len(st.users) + 1), Name: name, Role: role, PasswordHash: h}
	}
	var ah, sh string
	e.adminToken, ah = NewToken()
	e.staffToken, sh = NewToken()
	st.tokens[ah] = model.APIToken{ID: 1, Name: "ops", Hash: ah, Role: model.RoleAdmin}
	st.tokens[sh] = model.APIToken{ID: 2, Name: "script", Hash: sh, Role: model.RoleStaff}
	arts, err := digest.ParsePage(digest.SamplePage)
	if err != nil {
		t.Fatal(err)
	}
	for i := range arts {
		arts[i].Source, arts[i].Date = "中原区新闻", testDay
	}
	if _, err := st.ImportArticles(t.Context(), arts); err != nil {
		t.Fatal(err)
	}
	st.subs = []model.Subscription{
		{ID: 100, Channel: model.ChannelWeChat, Group: "和谐家园群", Kind: model.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai", Style: model.StyleText, Enabled: true},
		{ID: 101, Channel: model.ChannelWeChat, Group: "审核群", Kind: model.ScheduleAt, Spec: "09:00", TZ: "Asia/Shanghai", Style: model.StyleBoth, Enabled: true, Approve: true},
		{ID: 102, Channel: "区政府机器人", Group: "区政府机器人", Kind: model.ScheduleCron, Spec: "30 7 * * *", TZ: "Asia/Shanghai", Style: model.StyleImage, Enabled: false},
	}
	slot := time.Date(2023, 2, 12, 0, 0, 0, 0, time.UTC)
	st.deliveries = []model.Delivery{
		{ID: 1, SubscriptionID: 100, Channel: model.ChannelWeChat, Group: "和谐家园群", Slot: slot, Part: 1, Parts: 2, Kind: model.PartText, Text: "a", State: model.DeliverySent, Attempts: 1, SentAt: slot.Add(time.Minute)},
		{ID: 2, SubscriptionID: 100, Channel: model.ChannelWeChat, Group: "和谐家园群", Slot: slot, Part: 2, Parts: 2, Kind: model.PartText, Text: "b", State: model.DeliveryFailed, Attempts: 3, Error: "网络不通 <script>"},
		{ID: 3, SubscriptionID: 102, Channel: "区政府机器人", Group: "区政府机器人", Slot: slot, Part: 1, Parts: 1, Kind: model.PartImage, State: model.DeliveryMissed},
	}
	st.sources = []model.Source{{ID: 1, Name: "中原区政府网", Kind: model.SourceFeed, URL: "https://example.gov.cn/rss.xml", Every: 30 * time.Minute, Enabled: true, LastError: "timeout", Failures: 2}}
	st.grants = []model.Grant{{Remark: "王主任", Role: model.RoleAdmin, GrantedBy: "cli", GrantedAt: c.Now()}}
	st.login = LoginInfo{QR: "https://login.weixin.qq.com/l/abc==", QRAt: c.Now(), Groups: map[string]string{"和谐家园群": BindingBound, "审核群": BindingMissing}}
	st.channels["区政府机器人"] = ChannelUp
	st.chans["区政府机器人"] = model.Channel{ID: 1, Name: "区政府机器人", Kind: model.ChannelWeComRobot, Enabled: true}
	st.chans["客户群"] = model.Channel{ID: 2, Name: "客户群", Kind: model.ChannelWeComTask, Enabled: true}
	e.cfg = Config{
		Logger: slog.New(slog.DiscardHandler), Now: c.Now, Zone: loc,
		Articles: st, Digests: e.dg, Subscriptions: st, Deliveries: st, Roles: st, Audit: st, Users: st,
		Tokens: st, Approvals: st, Health: st, Channels: st, Pusher: e.pusher, Sources: st, Login: st,
		Metrics: NewMetrics(MetricsConfig{Ledger: st, Articles: st, Channels: st}),
	}
	for _, o := range opts {
		o(&e.cfg)
	}
	if e.srv, err = New(e.cfg); err != nil {
		t.Fatal(err)
	}
	return e
}

// client is someone using the console: anonymous, or logged in with a
// session cookie and its CSRF token, or holding a bearer token.
type client struct {
	e       *env
	cookies []*http.Cookie
	csrf    string
	bearer  string
	addr    string
}

func (e *env) anon() *client { return &client{e: e, addr: "127.0.0.1:40000"} }

func (e *env) bearer(token string) *client {
	return &client{e: e, bearer: token, addr: "127.0.0.1:40001"}
}

// as logs in through the form.
func (e *env) as(name string) *client {
	e.t.Helper()
	c := e.anon()
	pass := map[string]string{"admin": adminPass, "staff": staffPass}[name]
	before := e.sessionIDs()
	r := c.login(name, pass)
	if r.Code != http.StatusSeeOther {
		e.t.Fatalf("login %s: %d\n%s", name, r.Code, r.Body)
	}
	c.csrf = e.newSessionCSRF(name, before)
	return c
}

// sessionIDs are the sessions the store holds now.
func (e *env) sessionIDs() map[string]bool {
	ids := map[string]bool{}
	for id := range e.st.sessions {
		ids[id] = true
	}
	return ids
}

// newSessionCSRF is the CSRF token of name's session made since before:
// the one this login made, not another of the user's.
func (e *env) newSessionCSRF(name string, before map[string]bool) string {
	e.t.Helper()
	for id, s := range e.st.sessions {
		if s.User == name && !before[id] {
			return s.CSRF
		}
	}
	e.t.Fatalf("login %s made no session", name)
	return ""
}

// login fetches the form (for its CSRF cookie) and posts it.
func (c *client) login(name, pass string) *httptest.ResponseRecorder {
	c.e.t.Helper()
	r := c.do("GET", "/login", nil, "")
	form := url.Values{"name": {name}, "password": {pass}, "csrf": {hiddenCSRF(r.Body.String())}, "next": {"/articles"}}
	return c.do("POST", "/login", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

func hiddenCSRF(page string) string {
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

func (c *client) do(method, path string, body io.Reader, ctype string) *httptest.ResponseRecorder {
	c.e.t.Helper()
	if body == nil {
		body = http.NoBody
	}
	req := httptest.NewRequest(method, path, body)
	req.RemoteAddr = c.addr
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	for _, k := range c.cookies {
		req.AddCookie(k)
	}
	if c.csrf != "" && strings.HasPrefix(path, "/api/") {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	w := httptest.NewRecorder()
	c.e.srv.ServeHTTP(w, req)
	for _, k := range w.Result().Cookies() {
		c.setCookie(k)
	}
	return w
}

func (c *client) setCookie(k *http.Cookie) {
	for i, o := range c.cookies {
		if o.Name == k.Name {
			c.cookies = append(c.cookies[:i], c.cookies[i+1:]...)
			break
		}
	}
	if k.MaxAge >= 0 && k.Value != "" {
		c.cookies = append(c.cookies, k)
	}
}

// post sends a form with the session's CSRF token.
func (c *client) post(path string, form url.Values) *httptest.ResponseRecorder {
	c.e.t.Helper()
	form = cloneValues(form)
	if c.csrf != "" && form.Get("csrf") == "" {
		form.Set("csrf", c.csrf)
	}
	return c.do("POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// json sends a JSON body (with the CSRF header when on a session).
func (c *client) json(method, path, body string) *httptest.ResponseRecorder {
	c.e.t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewBufferString(body))
	req.RemoteAddr = c.addr
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	for _, k := range c.cookies {
		req.AddCookie(k)
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	w := httptest.NewRecorder()
	c.e.srv.ServeHTTP(w, req)
	return w
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func newTLSRequest(method, path string, form url.Values, cookies []*http.Cookie) *http.Request {
	r := httptest.NewRequest(method, "https://127.0.0.1"+path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = "127.0.0.1:5000"
	for _, k := range cookies {
		r.AddCookie(k)
	}
	return r
}

func recorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
