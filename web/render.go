package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/model"
)

//go:embed templates static
var assets embed.FS

// view is what every page template gets.
type view struct {
	Title string
	Page  string // the template's name, which marks the current nav entry
	User  *principal
	CSRF  string
	Flash string
	Data  any
}

// parseTemplates parses the layout with each page, one set per page.
func (s *Server) parseTemplates() (map[string]*template.Template, error) {
	zone := s.cfg.Zone
	funcs := template.FuncMap{
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(zone).Format("2006-01-02 15:04")
		},
		"whenSec": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(zone).Format("2006-01-02 15:04:05")
		},
		"slotValue": func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) },
		"runes":     utf8.RuneCountInString,
		"bytes":     func(s string) int { return len(s) },
		"add":       func(a, b int) int { return a + b },
		"roleZH":    roleZH,
		"stateZH":   stateZH,
		"approvalZH": func(s string) string {
			return map[string]string{model.ApprovalPending: "待审核", model.ApprovalApproved: "已审核",
				model.ApprovalMissed: "未审核，已错过"}[s]
		},
		"styleZH":     styleZH,
		"whoZH":       whoZH,
		"actionZH":    actionZH,
		"detailZH":    func(action, detail string) string { return detailZH(action, detail, zone) },
		"scheduleZH":  func(sub model.Subscription) string { return describeSchedule(sub, zone) },
		"channelName": channelName,
		"ledgerZH":    ledgerZH,
		"textRows":    textRows,
		"sourceKind":  sourceKindZH,
		"every":       everyZH,
		"seq":         func(n int) []int { return make([]int, n) },
		"bindingZH": func(s string) string {
			return map[string]string{BindingBound: "已绑定", BindingMissing: "找不到这个群", BindingAmbiguous: "有同名群，无法确定", "": "未知"}[s]
		},
		"channelZH": func(s string) string {
			return map[string]string{ChannelUp: "正常", ChannelDown: "故障", ChannelPaused: "暂停（限流）"}[s]
		},
		"join":  strings.Join,
		"lines": func(s string) []string { return strings.Split(s, "\n") },
	}
	base, err := template.New("layout").Funcs(funcs).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	out := make(map[string]*template.Template)
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(assets, n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

func roleZH(r model.Role) string {
	switch r {
	case model.RoleAdmin:
		return "管理员"
	case model.RoleStaff:
		return "工作人员"
	}
	return string(r)
}

func stateZH(s string) string {
	switch s {
	case model.DeliveryPending:
		return "待发送"
	case model.DeliverySent:
		return "已发送"
	case model.DeliveryFailed:
		return "发送失败"
	case model.DeliveryMissed:
		return "已错过"
	case model.DeliverySkipped:
		return "没有新内容，跳过"
	case model.DeliveryAwaiting:
		return "等待发送人确认"
	case stateApproval:
		return "等待审核"
	}
	return s
}

// stateApproval marks a slot in 发送记录 that waits for approval.
const stateApproval = "approval"

// ledgerZH says where a slot stands in the ledger as a whole.
func ledgerZH(s string) string {
	switch s {
	case ledgerSent:
		return "已发送"
	case ledgerQueued:
		return "正在发送"
	case ledgerAwaiting:
		return "已交给企业微信，等发送人确认"
	case ledgerFailed:
		return "发送失败"
	case ledgerMissed:
		return "已错过"
	case ledgerSkipped:
		return "没有新内容，跳过"
	}
	return s
}

// textRows sizes a textarea to its text: a line per 36 characters or
// line break, at least min and at most max rows.
func textRows(text string, min, max int) int {
	n := 0
	for _, l := range strings.Split(text, "\n") {
		n += 1 + utf8.RuneCountInString(l)/36
	}
	return clamp(n, min, max)
}

func clamp(n, lo, hi int) int {
	if n < lo {
		return lo
	}
	if n > hi {
		return hi
	}
	return n
}

// render executes a page into a buffer first, so a template error is a
// clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, page, title string, data any) {
	csrf := ""
	p := who(r)
	if p != nil && p.Session != nil {
		csrf = p.Session.CSRF
	}
	s.renderCSRF(w, r, code, page, title, data, csrf)
}

func (s *Server) renderCSRF(w http.ResponseWriter, r *http.Request, code int, page, title string, data any, csrf string) {
	t, ok := s.pages[page]
	if !ok {
		s.log.Error("web: no template", "page", page)
		http.Error(w, "服务器内部错误", http.StatusInternalServerError)
		return
	}
	v := view{Title: title, Page: page, User: who(r), CSRF: csrf, Data: data, Flash: flash(r)}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		s.log.Error("web: render", "page", page, "err", err)
		http.Error(w, "服务器内部错误", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(b.Bytes())
}

// flashText is the message a redirect after a change may show (?ok=KEY):
// only these, so a link cannot put words in the console's mouth.
func flashText(key string) string {
	switch key {
	case "edited":
		return "已保存修改。"
	case "withdrawn":
		return "已撤下：之后的摘要、搜索和详情都不会再出现。"
	case "subscribed":
		return "已保存订阅。"
	case "paused":
		return "已暂停订阅。"
	case "resumed":
		return "已恢复订阅。"
	case "removed":
		return "已删除订阅。"
	case "retried":
		return "已重新排队发送。"
	case "approved":
		return "已审核通过：这个时段会按审核过的内容发送。"
	case "granted":
		return "已授权。"
	case "revoked":
		return "已撤销授权。"
	case "source-on":
		return "已启用来源。"
	case "source-off":
		return "已停用来源。"
	case "user-added":
		return "已添加账号。"
	case "user-role":
		return "已修改角色。"
	case "user-passwd":
		return "已重设密码：这个账号已登录的地方都已退出。"
	case "user-disabled":
		return "已停用账号：它不能再登录，已登录的地方都已退出。"
	case "user-enabled":
		return "已启用账号。"
	case "user-removed":
		return "已删除账号。"
	case "nothing":
		return "没有需要保存的修改。"
	case "unchanged":
		return "内容没有变化。"
	case "imported":
		return "已导入。"
	case "push-started":
		return "已开始推送。"
	}
	return ""
}

func flash(r *http.Request) string {
	q := r.URL.Query()
	if q.Get("ok") == "imported" {
		n, err1 := strconv.Atoi(q.Get("new"))
		m, err2 := strconv.Atoi(q.Get("existing"))
		if err1 == nil && err2 == nil {
			return fmt.Sprintf("已导入：新稿件 %d 篇，已有 %d 篇。", n, m)
		}
	}
	return flashText(q.Get("ok"))
}
