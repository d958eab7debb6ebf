package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	wxmodel "github.com/wxdigest/wxdigest/model"
)

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode: %v\n%s", err, body)
	}
	return v
}

func TestAPIShapes(t *testing.T) {
	e := newEnv(t)
	c := e.bearer(e.adminToken)

	r := c.do("POST", "/api/pages?date=2023-02-14&source=本报", strings.NewReader(digestSample()), "text/plain; charset=utf-8")
	if r.Code != http.StatusOK {
		t.Fatalf("pages: %d %s", r.Code, r.Body)
	}
	imp := decode[struct {
		New, Existing int
		Articles      []map[string]any
	}](t, r.Body.String())
	if imp.New == 0 || imp.Existing != 0 || len(imp.Articles) != imp.New {
		t.Fatalf("pages: %+v", imp)
	}
	for _, k := range []string{"id", "title", "lead", "byline", "date", "source", "kicker", "subtitle", "dateline", "body", "url"} {
		if _, ok := imp.Articles[0][k]; !ok {
			t.Errorf("pages: article lacks %q", k)
		}
	}
	if imp.Articles[0]["source"] != "本报" || imp.Articles[0]["date"] != "2023-02-14" || imp.Articles[0]["id"].(float64) == 0 {
		t.Errorf("pages: %v", imp.Articles[0])
	}
	// Again: all existing.
	r = c.do("POST", "/api/pages?date=2023-02-14&source=本报", strings.NewReader(digestSample()), "text/plain")
	if again := decode[struct{ New, Existing int }](t, r.Body.String()); again.New != 0 || again.Existing != imp.New {
		t.Errorf("re-import: %+v", again)
	}
	if es := e.st.audited("article.import"); len(es) != 2 || es[0].Who != "token:ops" {
		t.Errorf("import audit: %+v", es)
	}

	r = c.json("GET", "/api/articles?date="+testDay, "")
	arts := decode[struct{ Articles []map[string]any }](t, r.Body.String())
	if r.Code != http.StatusOK || len(arts.Articles) != 5 || arts.Articles[0]["title"] == "" {
		t.Fatalf("articles: %d %d", r.Code, len(arts.Articles))
	}

	r = c.json("PATCH", "/api/articles/1", `{"lead":"改过的导语。","byline":""}`)
	a := decode[map[string]any](t, r.Body.String())
	if r.Code != http.StatusOK || a["lead"] != "改过的导语。" || a["byline"] != "" || a["id"].(float64) != 1 {
		t.Fatalf("patch: %d %v", r.Code, a)
	}
	if es := e.st.audited("article.edit"); len(es) != 1 || es[0].Who != "token:ops" {
		t.Errorf("edit audit: %+v", es)
	}
	if r := c.json("PATCH", "/api/articles/999", `{"lead":"x。"}`); r.Code != http.StatusNotFound {
		t.Errorf("patch unknown: %d", r.Code)
	}

	if r := c.json("DELETE", "/api/articles/2", ""); r.Code != http.StatusNoContent {
		t.Fatalf("delete: %d", r.Code)
	}
	if r := c.json("DELETE", "/api/articles/2", ""); r.Code != http.StatusNotFound {
		t.Errorf("delete again: %d", r.Code)
	}

	r = c.json("GET", "/api/digest?date="+testDay, "")
	dg := decode[struct {
		Date  string
		Items []map[string]any
		Parts []string
	}](t, r.Body.String())
	if dg.Date != testDay || len(dg.Items) != 4 || len(dg.Parts) == 0 || !strings.Contains(dg.Parts[0], "改过的导语") {
		t.Fatalf("digest: %+v", dg)
	}
	for _, k := range []string{"id", "title", "lead", "byline", "source"} {
		if _, ok := dg.Items[0][k]; !ok {
			t.Errorf("digest item lacks %q", k)
		}
	}
	r = c.json("GET", "/api/digest?date="+testDay+"&group=审核群", "")
	slot := decode[struct {
		Date  string
		IDs   []int64
		Parts []string
		Kinds []string
	}](t, r.Body.String())
	if len(slot.IDs) != 4 || len(slot.Parts) != len(slot.Kinds) || slot.Kinds[0] != "image" {
		t.Errorf("digest --group: %+v", slot)
	}

	r = c.json("POST", "/api/subscriptions", `{"group":"新群","at":"08:00,18:00","weekdays":true,"style":"both","include":["区"],"approve":true}`)
	sub := decode[map[string]any](t, r.Body.String())
	if r.Code != http.StatusCreated || sub["group"] != "新群" || sub["schedule"] != "08:00,18:00" || sub["approve"] != true || sub["next"] == "" || sub["tz"] != "Asia/Shanghai" {
		t.Fatalf("subscribe: %d %v", r.Code, sub)
	}
	if e.pusher.reloads == 0 {
		t.Error("the dispatcher was not told to reload")
	}
	r = c.json("GET", "/api/subscriptions", "")
	subs := decode[[]map[string]any](t, r.Body.String())
	if len(subs) != 4 {
		t.Fatalf("subscriptions: %v", subs)
	}
	for _, k := range []string{"group", "schedule", "tz", "enabled", "next", "kind", "weekdays", "source", "description", "channel", "style", "include", "exclude"} {
		if _, ok := subs[0][k]; !ok {
			t.Errorf("subscription lacks %q", k)
		}
	}
	if r := c.json("DELETE", "/api/subscriptions?group=新群", ""); r.Code != http.StatusNoContent {
		t.Fatalf("unsubscribe: %d", r.Code)
	}
	if r := c.json("DELETE", "/api/subscriptions?group=新群", ""); r.Code != http.StatusNotFound {
		t.Errorf("unsubscribe again: %d", r.Code)
	}
	if r := c.json("DELETE", "/api/subscriptions?channel=区政府机器人", ""); r.Code != http.StatusNoContent {
		t.Errorf("unsubscribe a channel: %d", r.Code)
	}

	r = c.json("GET", "/api/deliveries?since=2023-02-01", "")
	ds := decode[[]map[string]any](t, r.Body.String())
	if len(ds) != 3 || ds[1]["state"] != "failed" || ds[1]["error"] == "" || ds[0]["slot"] != "2023-02-12T08:00:00+08:00" {
		t.Fatalf("deliveries: %v", ds)
	}
	for _, k := range []string{"group", "slot", "part", "state", "attempts", "error", "sent_at", "parts", "channel", "kind", "account"} {
		if _, ok := ds[0][k]; !ok {
			t.Errorf("delivery lacks %q", k)
		}
	}
	if r := c.json("GET", "/api/deliveries", ""); r.Code != http.StatusOK {
		t.Errorf("deliveries, default since: %d", r.Code)
	}
}

func TestAPIBadRequests(t *testing.T) {
	e := newEnv(t)
	c := e.bearer(e.adminToken)
	for _, tc := range []struct {
		method, path, ctype, body string
	}{
		{"PATCH", "/api/articles/1", "application/json", `{"lead":`},
		{"PATCH", "/api/articles/1", "application/json", `{"headline":"x"}`},
		{"PATCH", "/api/articles/1", "application/json", `{}`},
		{"PATCH", "/api/articles/1", "application/json", `{"title":""}`},
		{"POST", "/api/subscriptions", "application/json", `{"group":"a","channel":"b","at":"08:00"}`},
		{"POST", "/api/subscriptions", "application/json", `{"group":"a","at":"25:00"}`},
		{"POST", "/api/subscriptions", "application/json", `[1]`},
		{"POST", "/api/approvals", "application/json", `{"slot":"x"}`},
		{"POST", "/api/approvals", "application/json", `{"subscription":101,"slot":"yesterday"}`},
		{"POST", "/api/pages", "image/png", "\x89PNG\r\n\x1a\n"},
		{"POST", "/api/pages", "text/plain", "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11"},
		{"POST", "/api/pages", "text/plain", "   "},
		{"GET", "/api/articles?date=2023-13-01", "", ""},
		{"DELETE", "/api/subscriptions", "", ""},
	} {
		r := c.do(tc.method, tc.path, strings.NewReader(tc.body), tc.ctype)
		if r.Code != http.StatusBadRequest {
			t.Errorf("%s %s %q: %d, want 400", tc.method, tc.path, tc.body, r.Code)
			continue
		}
		msg := decode[map[string]string](t, r.Body.String())["error"]
		zh, en, ok := strings.Cut(msg, " / ")
		if !ok || zh == "" || en == "" || strings.Contains(msg, "\n") {
			t.Errorf("%s %s: error %q, want one line 中文 / English", tc.method, tc.path, msg)
		}
	}
	if r := c.json("GET", "/api/nothing", ""); r.Code != http.StatusNotFound {
		t.Errorf("unknown API route: %d", r.Code)
	}
}

func TestApprovalStates(t *testing.T) {
	e := newEnv(t)
	staffC := e.as("staff")
	page := func() string {
		r := staffC.do("GET", "/preview?date="+testDay, nil, "")
		if r.Code != http.StatusOK {
			t.Fatalf("preview: %d", r.Code)
		}
		return r.Body.String()
	}
	if p := page(); !strings.Contains(p, "待审核") || !strings.Contains(p, "审核通过") {
		t.Fatal("a pending slot is not shown as 待审核 with an approve button")
	}
	// Before the slot fires it is not held: 发送记录 lists it as still to
	// come, to approve ahead of time.
	if r := staffC.do("GET", "/deliveries", nil, ""); strings.Contains(r.Body.String(), "等待审核") ||
		!strings.Contains(r.Body.String(), "看摘要并预先审核") || !strings.Contains(r.Body.String(), "未审核") {
		t.Errorf("发送记录 before the slot fires:\n%s", r.Body)
	}
	// Approve through the API with the session, for the next slot today.
	r := staffC.json("POST", "/api/approvals", `{"subscription":"审核群"}`)
	if r.Code != http.StatusOK {
		t.Fatalf("approve: %d %s", r.Code, r.Body)
	}
	ap := decode[ApprovalJSON](t, r.Body.String())
	if ap.State != wxmodel.ApprovalApproved || ap.By != "web:staff" || ap.Slot != "2023-02-13T09:00:00+08:00" || ap.Parts == 0 || ap.At == "" {
		t.Fatalf("approval: %+v", ap)
	}
	stored := e.st.approvals[approvalKey(101, mustTime(t, "2023-02-13T01:00:00Z"))]
	if stored.Text == "" || stored.TextHash != ap.TextHash || !strings.Contains(stored.Text, "早报") && !strings.Contains(stored.Text, "items") {
		t.Fatalf("stored approval: %+v", stored)
	}
	if es := e.st.audited("approve"); len(es) != 1 || es[0].Who != "web:staff" {
		t.Errorf("approve audit: %+v", es)
	}
	if p := page(); !strings.Contains(p, "已预先审核") || !strings.Contains(p, "由 staff（控制台）") {
		t.Fatal("approved slot not shown as 已审核")
	}
	// An edit after approval: pending again.
	if r := e.bearer(e.staffToken).json("PATCH", "/api/articles/1", `{"lead":"改过的导语，需要重新审核。"}`); r.Code != http.StatusOK {
		t.Fatalf("edit: %d", r.Code)
	}
	if p := page(); !strings.Contains(p, "待审核") || !strings.Contains(p, "需要重新审核") {
		t.Fatal("an edit after approval did not make the slot pending again")
	}
	// Approve again through the form.
	r = staffC.post("/approvals", url.Values{"subscription": {"101"}, "slot": {"2023-02-13T01:00:00Z"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("approve form: %d %s", r.Code, r.Body)
	}
	if p := page(); !strings.Contains(p, "已预先审核") {
		t.Fatal("re-approval not shown")
	}
	if r := staffC.do("GET", "/deliveries", nil, ""); !strings.Contains(r.Body.String(), "已预先审核") || strings.Contains(r.Body.String(), "等待审核") {
		t.Errorf("发送记录 after approving ahead:\n%s", r.Body)
	}
	// Missed slots cannot be approved; subscriptions without approval refuse it.
	a := e.st.approvals[approvalKey(101, mustTime(t, "2023-02-13T01:00:00Z"))]
	a.State = wxmodel.ApprovalMissed
	e.st.approvals[approvalKey(101, a.Slot)] = a
	if r := staffC.json("POST", "/api/approvals", `{"subscription":101,"slot":"2023-02-13T09:00:00+08:00"}`); r.Code != http.StatusConflict {
		t.Errorf("approve a missed slot: %d", r.Code)
	}
	if r := staffC.json("POST", "/api/approvals", `{"subscription":"和谐家园群"}`); r.Code != http.StatusConflict {
		t.Errorf("approve a subscription without approval: %d", r.Code)
	}
	if r := staffC.json("POST", "/api/approvals", `{"subscription":"没有这个群"}`); r.Code != http.StatusNotFound {
		t.Errorf("approve an unknown subscription: %d", r.Code)
	}
}

func TestHealthz(t *testing.T) {
	e := newEnv(t)
	r := e.anon().do("GET", "/healthz", nil, "")
	h := decode[HealthJSON](t, r.Body.String())
	if r.Code != http.StatusOK || h.Status != "ok" || h.Store != "ok" || h.Channels["wechat"] != ChannelUp {
		t.Fatalf("healthz: %d %+v", r.Code, h)
	}
	e.st.channels["区政府机器人"] = ChannelDown
	r = e.anon().do("GET", "/healthz", nil, "")
	if h := decode[HealthJSON](t, r.Body.String()); r.Code != http.StatusOK || h.Status != "degraded" {
		t.Fatalf("degraded: %d %+v", r.Code, h)
	}
	e.st.PingFn = func(context.Context) error { return errors.New("database is locked: /var/lib/secret.db") }
	r = e.anon().do("GET", "/healthz", nil, "")
	if r.Code != http.StatusServiceUnavailable || strings.Contains(r.Body.String(), "secret") {
		t.Fatalf("store down: %d %s", r.Code, r.Body)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	m := e.cfg.Metrics
	m.SentMessage("wechat")
	m.SentMessage("wechat")
	m.SentMessage("区政府机器人")
	m.SendFailed("wechat", "rate_limited")
	m.CommandDone("今日新闻", 30*1e6)
	m.CommandDone("今日新闻", 2*1e9)
	m.FetchFailed("中原区政府网")
	e.st.channels["区政府机器人"] = ChannelDown
	r := e.anon().do("GET", "/metrics", nil, "")
	if r.Code != http.StatusOK {
		t.Fatalf("metrics: %d", r.Code)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(r.Body.String()))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, r.Body)
	}
	value := func(name string, labels map[string]string) float64 {
		t.Helper()
		f, ok := fams[name]
		if !ok {
			t.Fatalf("no %s", name)
		}
		for _, mt := range f.Metric {
			match := true
			for _, lp := range mt.Label {
				if labels[lp.GetName()] != lp.GetValue() {
					match = false
				}
			}
			if !match || len(mt.Label) != len(labels) {
				continue
			}
			switch {
			case mt.Counter != nil:
				return mt.Counter.GetValue()
			case mt.Gauge != nil:
				return mt.Gauge.GetValue()
			case mt.Histogram != nil:
				return float64(mt.Histogram.GetSampleCount())
			}
		}
		t.Fatalf("%s%v: not found", name, labels)
		return 0
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"wxdigest_messages_sent_total", map[string]string{"channel": "wechat"}, 2},
		{"wxdigest_messages_sent_total", map[string]string{"channel": "区政府机器人"}, 1},
		{"wxdigest_send_failures_total", map[string]string{"channel": "wechat", "reason": "rate_limited"}, 1},
		{"wxdigest_command_duration_seconds", map[string]string{"command": "今日新闻"}, 2},
		{"wxdigest_source_fetch_errors_total", map[string]string{"source": "中原区政府网"}, 1},
		{"wxdigest_deliveries", map[string]string{"state": "sent"}, 1},
		{"wxdigest_deliveries", map[string]string{"state": "failed"}, 1},
		{"wxdigest_deliveries", map[string]string{"state": "missed"}, 1},
		{"wxdigest_login_state", map[string]string{"channel": "wechat"}, 1},
		{"wxdigest_login_state", map[string]string{"channel": "区政府机器人"}, 0},
		{"wxdigest_articles_total", map[string]string{}, 5},
	} {
		if got := value(c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// A failing ledger read does not hide the other metrics.
	e.st.DeliveryCount = func(context.Context) (map[string]int, error) { return nil, errors.New("locked") }
	if r := e.anon().do("GET", "/metrics", nil, ""); !strings.Contains(r.Body.String(), "wxdigest_messages_sent_total") {
		t.Errorf("metrics after a ledger failure: %d", r.Code)
	}
	// Two Metrics do not share a registry.
	if NewMetrics(MetricsConfig{}).Registry() == m.Registry() {
		t.Error("shared registry")
	}
	var nilM *Metrics
	nilM.SentMessage("x") // no panic
}

func mustTime(t *testing.T, v string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, v)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
