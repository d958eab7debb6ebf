package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
)

var consoleLine = regexp.MustCompile(`控制台：(http://127\.0\.0\.1:\d+/)`)

// consoleOf waits until the bot says where its console is.
func (e *e2e) consoleOf(ctx context.Context, p *botProc) string {
	e.t.Helper()
	var url string
	e.eventually(ctx, "the bot says where its console is", func() (bool, string) {
		m := consoleLine.FindStringSubmatch(p.out.String())
		if m != nil {
			url = m[1]
		}
		return m != nil, p.out.String()
	})
	return url
}

// apiGet GETs path with a bearer token; it returns the status and body.
func apiGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestE2EConsole: `run --http` serves the console, the API with tokens made
// by `token create`, /healthz and /metrics; after a fan-out the metrics'
// counters match the ledger.
func TestE2EConsole(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	e.importPage("sample.txt", digest.SamplePage)
	pw := filepath.Join(e.dir, "pw")
	if err := os.WriteFile(pw, []byte("一个足够长的密码123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.cli("user", "add", "--name", "王主任", "--role", "admin", "--password-file", pw)
	if out := e.cli("user", "list"); !strings.Contains(out, "王主任") || !strings.Contains(out, "admin") {
		t.Fatalf("user list: %q", out)
	}
	out := e.cli("token", "create", "--name", "脚本", "--role", "staff")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	if len(token) < 32 || strings.ContainsAny(token, " ：") {
		t.Fatalf("token create printed %q; want the token alone on the last line", out)
	}
	if out := e.cli("token", "list"); strings.Contains(out, token) || !strings.Contains(out, "脚本") {
		t.Fatalf("token list shows %q", out)
	}
	// A source that cannot be fetched: its errors are counted.
	e.cli("source", "add", "--name", "坏的源", "--url", "http://127.0.0.1:1/feed.xml")
	groups := e.groups(4)
	cron := e.slotAhead(3 * time.Second)
	for _, g := range groups {
		e.subscribe(g, cron)
	}
	p := e.start(append([]string{"--http", "127.0.0.1:0"}, fastPacing...)...)
	ctx := e.ctx(60 * time.Second)
	base := e.consoleOf(ctx, p)
	e.online(ctx, p, 1)

	code, body := apiGet(t, base+"healthz", "")
	var health struct {
		Status   string
		Channels map[string]string
	}
	if err := json.Unmarshal([]byte(body), &health); code != 200 || err != nil || health.Status != "ok" {
		t.Fatalf("/healthz %d %s", code, body)
	}
	if code, _ := apiGet(t, base+"api/articles?date="+e.today(), ""); code != 401 {
		t.Errorf("/api/articles without a token: %d, want 401", code)
	}
	code, body = apiGet(t, base+"api/articles?date="+e.today(), token)
	if code != 200 || !strings.Contains(body, sampleFirst) {
		t.Fatalf("/api/articles with the token: %d %.200s", code, body)
	}
	if code, _ := apiGet(t, base+"api/subscriptions", token); code != 200 {
		t.Errorf("/api/subscriptions: %d", code)
	}

	rows := e.waitLedger(ctx, "the fan-out sent", everyPartSent(len(groups)))
	code, body = apiGet(t, base+"metrics", "")
	if code != 200 {
		t.Fatalf("/metrics %d", code)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	value := func(name string, labels map[string]string) float64 {
		f, ok := fams[name]
		if !ok {
			t.Fatalf("/metrics has no %s", name)
		}
		for _, m := range f.Metric {
			match := true
			for k, v := range labels {
				found := false
				for _, l := range m.Label {
					if l.GetName() == k && l.GetValue() == v {
						found = true
					}
				}
				match = match && found
			}
			if !match {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			}
		}
		return -1
	}
	sent := 0
	for _, r := range rows {
		if r.State == data.DeliverySent {
			sent++
		}
	}
	if got := value("wxdigest_messages_sent_total", map[string]string{"channel": "wechat"}); got != float64(sent) {
		t.Errorf("wxdigest_messages_sent_total{channel=wechat} = %v, the ledger says %d sent", got, sent)
	}
	if got := value("wxdigest_deliveries", map[string]string{"state": "sent"}); got != float64(sent) {
		t.Errorf("wxdigest_deliveries{state=sent} = %v, want %d", got, sent)
	}
	if got := value("wxdigest_articles_total", nil); got != 5 {
		t.Errorf("wxdigest_articles_total = %v, want 5", got)
	}
	if got := value("wxdigest_login_state", map[string]string{"channel": "wechat"}); got < 0 {
		t.Errorf("no wxdigest_login_state for wechat")
	}
	for _, name := range []string{"wxdigest_send_failures_total", "wxdigest_command_duration_seconds", "wxdigest_source_fetch_errors_total"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("/metrics has no %s", name)
		}
	}
	if got := value("wxdigest_send_failures_total", map[string]string{"channel": "wechat", "reason": "error"}); got != 0 {
		t.Errorf("wxdigest_send_failures_total{wechat,error} = %v, want 0", got)
	}
	if got := value("wxdigest_source_fetch_errors_total", map[string]string{"source": "坏的源"}); got < 1 {
		t.Errorf("wxdigest_source_fetch_errors_total{source=坏的源} = %v, want at least 1", got)
	}

	// A revoked token is refused.
	e.cli("token", "revoke", "--name", "脚本")
	if code, _ := apiGet(t, base+"api/articles?date="+e.today(), token); code != 401 {
		t.Errorf("a revoked token: %d, want 401", code)
	}
	e.stopClean(p)
}

// TestE2EConsoleOff: --http off serves nothing, and a taken default
// address does not stop the bot.
func TestE2EConsoleOff(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	p := e.start(append([]string{"--http", "off"}, fastPacing...)...)
	ctx := e.ctx(30 * time.Second)
	e.online(ctx, p, 1)
	if strings.Contains(p.out.String(), "控制台") {
		t.Errorf("--http off still announced a console: %q", p.out.String())
	}
	e.stopClean(p)
}
