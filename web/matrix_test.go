package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// route is one console or API route, with a request that it accepts.
type route struct {
	method, path string
	lv           level
	form         url.Values // pages: a form body
	json         string     // API: a JSON body
	text         string     // API: a text body
}

func routeTable() []route {
	return []route{
		{method: "GET", path: "/", lv: staff},
		{method: "GET", path: "/articles?date=" + testDay, lv: staff},
		{method: "POST", path: "/articles/parse", lv: staff, form: url.Values{"date": {testDay}, "source": {"本报"}, "text": {sampleText()}}},
		{method: "POST", path: "/articles/import", lv: staff, form: url.Values{"date": {testDay}, "source": {"本报"}, "keep": {"0"}, "title": {"新标题"}, "lead": {"新导语。"}, "body": {"新导语。正文。"}}},
		{method: "POST", path: "/articles/1/edit", lv: staff, form: url.Values{"title": {"改过的标题"}}},
		{method: "POST", path: "/articles/2/withdraw", lv: staff},
		{method: "GET", path: "/preview?date=" + testDay, lv: staff},
		{method: "GET", path: "/preview/card.png?sub=101&date=" + testDay + "&part=1", lv: staff},
		{method: "POST", path: "/approvals", lv: staff, form: url.Values{"subscription": {"101"}, "slot": {"2023-02-13T01:00:00Z"}}},
		{method: "GET", path: "/push", lv: staff},
		{method: "POST", path: "/push", lv: staff, form: url.Values{"group": {"和谐家园群"}}},
		{method: "GET", path: "/subscriptions", lv: staff},
		{method: "POST", path: "/subscriptions", lv: admin, form: url.Values{"group": {"新群"}, "at": {"08:00"}, "tz": {"Asia/Shanghai"}}},
		{method: "POST", path: "/subscriptions/100/pause", lv: admin},
		{method: "POST", path: "/subscriptions/102/remove", lv: admin},
		{method: "GET", path: "/deliveries?since=2023-02-01", lv: staff},
		{method: "POST", path: "/deliveries/2/retry", lv: staff},
		{method: "GET", path: "/sources", lv: staff},
		{method: "POST", path: "/sources/disable", lv: admin, form: url.Values{"name": {"中原区政府网"}}},
		{method: "GET", path: "/roles", lv: admin},
		{method: "POST", path: "/roles/grant", lv: admin, form: url.Values{"remark": {"李四"}, "role": {"staff"}}},
		{method: "GET", path: "/users", lv: admin},
		{method: "POST", path: "/users/add", lv: admin, form: url.Values{"name": {"李四"}, "role": {"staff"}, "password": {"li-si-password"}, "password2": {"li-si-password"}}},
		{method: "POST", path: "/users/role", lv: admin, form: url.Values{"name": {"staff"}, "role": {"admin"}}},
		{method: "POST", path: "/users/passwd", lv: admin, form: url.Values{"name": {"staff"}, "password": {"staff-password-2"}, "password2": {"staff-password-2"}}},
		{method: "POST", path: "/users/disable", lv: admin, form: url.Values{"name": {"staff"}}},
		{method: "POST", path: "/users/enable", lv: admin, form: url.Values{"name": {"staff"}}},
		{method: "POST", path: "/users/remove", lv: admin, form: url.Values{"name": {"staff"}}},
		{method: "GET", path: "/audit?who=web:admin", lv: staff},
		{method: "GET", path: "/bot-login", lv: admin},
		{method: "GET", path: "/bot-login/qr.png", lv: admin},
		{method: "POST", path: "/logout", lv: staff},

		{method: "POST", path: "/api/pages?date=" + testDay + "&source=本报", lv: staff, text: sampleText()},
		{method: "GET", path: "/api/articles?date=" + testDay, lv: staff},
		{method: "PATCH", path: "/api/articles/1", lv: staff, json: `{"lead":"改过的导语。"}`},
		{method: "DELETE", path: "/api/articles/3", lv: staff},
		{method: "GET", path: "/api/digest?date=" + testDay, lv: staff},
		{method: "GET", path: "/api/subscriptions", lv: staff},
		{method: "POST", path: "/api/subscriptions", lv: admin, json: `{"group":"新群","at":"08:00"}`},
		{method: "DELETE", path: "/api/subscriptions?group=和谐家园群", lv: admin},
		{method: "GET", path: "/api/deliveries?since=2023-02-01", lv: staff},
		{method: "POST", path: "/api/approvals", lv: staff, json: `{"subscription":101,"slot":"2023-02-13T09:00:00+08:00"}`},
	}
}

func sampleText() string { return strings.SplitN(digestSample(), "\n\n\n", 2)[0] }

// send makes the route's request as c.
func (rt route) send(c *client) *http.Response {
	c.e.t.Helper()
	switch {
	case rt.text != "":
		return c.do(rt.method, rt.path, strings.NewReader(rt.text), "text/plain; charset=utf-8").Result()
	case strings.HasPrefix(rt.path, "/api/"):
		return c.json(rt.method, rt.path, rt.json).Result()
	case rt.method == "GET":
		return c.do("GET", rt.path, nil, "").Result()
	}
	return c.post(rt.path, rt.form).Result()
}

// TestRouteRoleMatrix: every route for anonymous, staff and admin users,
// by session and by bearer token.
func TestRouteRoleMatrix(t *testing.T) {
	for _, rt := range routeTable() {
		api := strings.HasPrefix(rt.path, "/api/")
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			// Anonymous.
			e := newEnv(t)
			res := rt.send(e.anon())
			switch {
			case api && res.StatusCode != http.StatusUnauthorized:
				t.Errorf("anonymous: %d, want 401", res.StatusCode)
			case !api && rt.method == "GET" && (res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login")):
				t.Errorf("anonymous: %d to %q, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
			case !api && rt.method != "GET" && res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusForbidden:
				t.Errorf("anonymous: %d, want a redirect to the login or 403", res.StatusCode)
			}
			callers := []struct {
				name  string
				admin bool
				c     func(e *env) *client
			}{
				{"staff", false, func(e *env) *client { return e.as("staff") }},
				{"admin", true, func(e *env) *client { return e.as("admin") }},
			}
			if api {
				callers = append(callers,
					struct {
						name  string
						admin bool
						c     func(e *env) *client
					}{"staff token", false, func(e *env) *client { return e.bearer(e.staffToken) }},
					struct {
						name  string
						admin bool
						c     func(e *env) *client
					}{"admin token", true, func(e *env) *client { return e.bearer(e.adminToken) }})
			}
			for _, cl := range callers {
				e := newEnv(t)
				res := rt.send(cl.c(e))
				denied := rt.lv == admin && !cl.admin
				switch {
				case denied && res.StatusCode != http.StatusForbidden:
					t.Errorf("%s: %d, want 403", cl.name, res.StatusCode)
				case !denied && (res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusUnauthorized || res.StatusCode >= 500):
					t.Errorf("%s: %d, want it allowed", cl.name, res.StatusCode)
				case !denied && rt.method == "GET" && res.StatusCode != http.StatusOK && rt.path != "/":
					t.Errorf("%s: %d, want 200", cl.name, res.StatusCode)
				}
			}
		})
	}
}

// Every page renders for each role that may see it, and the navigation
// shows admins' entries to admins only.
func TestPagesRenderPerRole(t *testing.T) {
	e := newEnv(t)
	staffC, adminC := e.as("staff"), e.as("admin")
	for _, rt := range routeTable() {
		if rt.method != "GET" || strings.HasPrefix(rt.path, "/api/") || strings.Contains(rt.path, ".png") || rt.path == "/" {
			continue
		}
		for _, c := range []*client{staffC, adminC} {
			r := c.do("GET", rt.path, nil, "")
			isAdmin := c == adminC
			if rt.lv == admin && !isAdmin {
				if r.Code != http.StatusForbidden || !strings.Contains(r.Body.String(), "只有管理员") {
					t.Errorf("staff %s: %d, want the 403 page", rt.path, r.Code)
				}
				continue
			}
			if r.Code != http.StatusOK {
				t.Errorf("%s: %d\n%s", rt.path, r.Code, r.Body)
				continue
			}
			body := r.Body.String()
			if strings.Contains(body, "/bot-login\"") != isAdmin {
				t.Errorf("%s: nav shows 登录状态 to admin=%v? %v", rt.path, isAdmin, !isAdmin)
			}
			if !strings.Contains(body, `name="viewport"`) || !strings.Contains(body, "新闻摘要控制台") {
				t.Errorf("%s: not a full page", rt.path)
			}
		}
	}
}
