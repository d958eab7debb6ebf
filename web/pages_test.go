package web

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// golden compares a page with testdata/NAME.golden (go test -update
// rewrites it). Per-session tokens are masked.
func golden(t *testing.T, name, page string) {
	t.Helper()
	page = regexp.MustCompile(`name="csrf" value="[^"]*"`).ReplaceAllString(page, `name="csrf" value="CSRF"`)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(want, []byte(page)) {
		t.Errorf("%s differs from %s (go test -update to accept):\n%s", name, path, page)
	}
}

func TestGoldenPages(t *testing.T) {
	e := newEnv(t)
	golden(t, "login", e.anon().do("GET", "/login", nil, "").Body.String())
	staffC := e.as("staff")
	golden(t, "deliveries_staff", staffC.do("GET", "/deliveries?since=2023-02-01", nil, "").Body.String())
	adminC := e.as("admin")
	golden(t, "subscriptions_admin", adminC.do("GET", "/subscriptions", nil, "").Body.String())
	golden(t, "users_admin", adminC.do("GET", "/users", nil, "").Body.String())
}

func TestImportFlow(t *testing.T) {
	e := newEnv(t)
	c := e.as("staff")
	r := c.post("/articles/parse", url.Values{"date": {"2023-02-20"}, "source": {"本报"}, "text": {digestSample()}})
	if r.Code != http.StatusOK {
		t.Fatalf("parse: %d %s", r.Code, r.Body)
	}
	body := r.Body.String()
	if strings.Count(body, `name="keep"`) != 5 || !strings.Contains(body, `class="original"`) || !strings.Contains(body, "导语") {
		t.Fatal("parsed articles are not shown beside the text")
	}
	// Keep two, fixing the first one's lead.
	form := url.Values{"date": {"2023-02-20"}, "source": {"本报"}, "keep": {"0", "2"}}
	for i := 0; i < 5; i++ {
		for _, f := range []string{"kicker", "title", "subtitle", "dateline", "byline", "lead", "body"} {
			form.Add(f, f+string(rune('A'+i)))
		}
	}
	form["lead"][0] = "修正后的导语。"
	r = c.post("/articles/import", form)
	if r.Code != http.StatusSeeOther || !strings.Contains(r.Header().Get("Location"), "new=2") {
		t.Fatalf("import: %d %q %s", r.Code, r.Header().Get("Location"), r.Body)
	}
	arts, _ := e.st.ArticlesByDate(t.Context(), "2023-02-20")
	if len(arts) != 2 || arts[0].Lead != "修正后的导语。" || arts[1].Title != "titleC" || arts[0].Kicker != "kickerA" {
		t.Fatalf("imported: %+v", arts)
	}
	r = c.do("GET", r.Header().Get("Location"), nil, "")
	if !strings.Contains(r.Body.String(), "新稿件 2 篇") {
		t.Error("no import message")
	}
	// Edit a stored article's every field.
	id := arts[1].ID
	edit := url.Values{"kicker": {"新引题"}, "title": {"新标题"}, "subtitle": {""}, "dateline": {"本报讯"}, "byline": {"记者 张三"}, "lead": {"新导语。"}, "body": {"新导语。正文。"}}
	r = c.post("/articles/"+itoa(id)+"/edit", edit)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", r.Code, r.Body)
	}
	got, _ := e.st.Article(t.Context(), id)
	if got.Kicker != "新引题" || got.Title != "新标题" || got.Byline != "记者 张三" || got.Body != "新导语。正文。" || got.Dateline != "本报讯" {
		t.Fatalf("edited: %+v", got)
	}
	if len(e.st.audited("article.edit")) != 2 {
		t.Errorf("edit audit: %+v", e.st.audited("article.edit"))
	}
	if r := c.post("/articles/"+itoa(id)+"/edit", url.Values{"title": {""}, "lead": {"x"}}); r.Code != http.StatusBadRequest {
		t.Errorf("empty title: %d", r.Code)
	}
	// Upload a file that is not text.
	var b bytes.Buffer
	b.WriteString("--X\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + c.csrf + "\r\n--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\x00\x00\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08\r\n--X--\r\n")
	if r := c.do("POST", "/articles/parse", &b, "multipart/form-data; boundary=X"); r.Code != http.StatusBadRequest {
		t.Errorf("binary upload: %d", r.Code)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestConsoleActions(t *testing.T) {
	e := newEnv(t)
	a := e.as("admin")
	// Subscribe with approval through the form; a bad time shows the hint.
	if r := a.post("/subscriptions", url.Values{"group": {"新群"}, "at": {"25:00"}}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "时间") {
		t.Fatalf("bad time: %d", r.Code)
	}
	if r := a.post("/subscriptions", url.Values{"group": {"新群"}, "at": {"08:00"}, "approve": {"1"}, "style": {"image"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("subscribe: %d %s", r.Code, r.Body)
	}
	sub, ok, _ := e.srv.findSubscription(t.Context(), "新群")
	if !ok || !sub.Approve || sub.Style != "image" {
		t.Fatalf("subscription: %+v", sub)
	}
	if r := a.post("/subscriptions/100/pause", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("pause: %d", r.Code)
	}
	if s, _, _ := e.srv.findSubscription(t.Context(), "100"); s.Enabled {
		t.Error("not paused")
	}
	if len(e.st.audited("subscription.pause")) != 1 || len(e.st.audited("subscribe")) != 1 {
		t.Error("not audited")
	}
	// Editing a paused subscription keeps it paused.
	if r := a.post("/subscriptions/"+itoa(sub.ID)+"/pause", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("pause 新群: %d", r.Code)
	}
	if r := a.post("/subscriptions", url.Values{"group": {"新群"}, "at": {"09:30"}, "approve": {"1"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("edit 新群: %d %s", r.Code, r.Body)
	}
	if s, _, _ := e.srv.findSubscription(t.Context(), "新群"); s.Enabled || s.Spec != "09:30" {
		t.Errorf("after editing a paused subscription: enabled %v, spec %q; want paused at 09:30", s.Enabled, s.Spec)
	}
	// Push shows the ledger's answer.
	e.pusher.PushFn = nil
	r := a.post("/push", url.Values{"group": {"和谐家园群"}})
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "已排队发送") || e.pusher.pushed[0][0] != "和谐家园群" {
		t.Fatalf("push: %d", r.Code)
	}
	// Retry a failed part; a sent one cannot be.
	if r := a.post("/deliveries/2/retry", nil); r.Code != http.StatusSeeOther || len(e.st.retried) != 1 {
		t.Fatalf("retry: %d", r.Code)
	}
	if r := a.post("/deliveries/1/retry", nil); r.Code != http.StatusConflict {
		t.Errorf("retry a sent part: %d", r.Code)
	}
	// Roles.
	if r := a.post("/roles/grant", url.Values{"remark": {"李四"}, "role": {"staff"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("grant: %d", r.Code)
	}
	if r := a.post("/roles/revoke", url.Values{"remark": {"没有的人"}}); r.Code != http.StatusNotFound {
		t.Errorf("revoke unknown: %d", r.Code)
	}
	// The audit log filters.
	r = a.do("GET", "/audit?action=role.", nil, "")
	if !strings.Contains(r.Body.String(), "role.grant") || strings.Contains(r.Body.String(), ">subscribe<") {
		t.Errorf("audit filter:\n%s", r.Body)
	}
	// The QR code is a PNG; the page draws it.
	if r := a.do("GET", "/bot-login", nil, ""); !strings.Contains(r.Body.String(), "/bot-login/qr.png") {
		t.Error("login page without the QR code")
	}
	if r := a.do("GET", "/bot-login/qr.png", nil, ""); r.Code != http.StatusOK || !bytes.HasPrefix(r.Body.Bytes(), []byte("\x89PNG")) {
		t.Errorf("qr: %d", r.Code)
	}
	// Card previews.
	if r := a.do("GET", "/preview/card.png?sub=101&date="+testDay+"&part=1", nil, ""); r.Code != http.StatusOK || r.Header().Get("Content-Type") != "image/png" {
		t.Errorf("card: %d", r.Code)
	}
	if r := a.do("GET", "/preview/card.png?sub=100&date="+testDay+"&part=1", nil, ""); r.Code != http.StatusNotFound {
		t.Errorf("card of a text part: %d", r.Code)
	}
}

func TestPanicRecovered(t *testing.T) {
	e := newEnv(t, func(c *Config) {})
	e.dg.PanicOn = "和谐家园群"
	r := e.as("staff").do("GET", "/preview?date="+testDay, nil, "")
	if r.Code != http.StatusInternalServerError || strings.Contains(r.Body.String(), "exploded") || !strings.Contains(r.Body.String(), "服务器内部错误") {
		t.Fatalf("panic: %d %s", r.Code, r.Body)
	}
}

func TestNewChecksConfig(t *testing.T) {
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "Articles") {
		t.Fatalf("New with nothing: %v", err)
	}
}
