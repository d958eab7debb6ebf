package wecomtest

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func start(t *testing.T) (*Server, string, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2025, 2, 27, 9, 0, 0, 0, time.UTC)}
	s := New(Config{Now: clk.Now})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: s.Handler()}}
	srv.Start()
	t.Cleanup(srv.Close)
	return s, srv.URL, clk
}

// call does one request and returns the HTTP status and the decoded JSON.
func call(t *testing.T, method, url string, body any) (int, map[string]any) {
	t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, url, rd)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: answer is not a JSON object: %v", method, url, err)
	}
	return resp.StatusCode, out
}

func errcode(m map[string]any) int {
	f, _ := m["errcode"].(float64)
	return int(f)
}

func text(s string) map[string]any {
	return map[string]any{"msgtype": "text", "text": map[string]any{"content": s}}
}

func TestWebhookValidation(t *testing.T) {
	s, base, _ := start(t)
	s.AddRobot("K", "群")
	img := []byte("picture bytes")
	sum := md5.Sum(img)
	good := hex.EncodeToString(sum[:])
	b64 := base64.StdEncoding.EncodeToString(img)
	big := make([]byte, ImageMaxBytes+1)
	bigSum := md5.Sum(big)
	art := map[string]any{"title": "t", "url": "https://example.com/"}
	news := func(n int) map[string]any {
		a := make([]any, n)
		for i := range a {
			a[i] = art
		}
		return map[string]any{"msgtype": "news", "news": map[string]any{"articles": a}}
	}
	tests := []struct {
		name string
		key  string
		body any
		want int
	}{
		{"text", "K", text("你好"), 0},
		{"text at limit", "K", text(strings.Repeat("新", 682) + "ab"), 0},
		{"text over", "K", text(strings.Repeat("新", 683)), 45002},
		{"empty text", "K", text(""), 44004},
		{"markdown at limit", "K", map[string]any{"msgtype": "markdown", "markdown": map[string]any{"content": strings.Repeat("新", 1365) + "a"}}, 0},
		{"markdown over", "K", map[string]any{"msgtype": "markdown", "markdown": map[string]any{"content": strings.Repeat("新", 1365) + "ab"}}, 45002},
		{"image", "K", map[string]any{"msgtype": "image", "image": map[string]any{"base64": b64, "md5": good}}, 0},
		{"image bad md5", "K", map[string]any{"msgtype": "image", "image": map[string]any{"base64": b64, "md5": strings.Repeat("0", 32)}}, 40058},
		{"image too big", "K", map[string]any{"msgtype": "image", "image": map[string]any{"base64": base64.StdEncoding.EncodeToString(big), "md5": hex.EncodeToString(bigSum[:])}}, 40009},
		{"news 8", "K", news(8), 0},
		{"news 9", "K", news(9), 45008},
		{"news 0", "K", news(0), 40058},
		{"unknown type", "K", map[string]any{"msgtype": "voice"}, 40008},
		{"bad json", "K", "{nope", 40058},
		{"unknown key", "NOPE", text("x"), 93000},
		{"no key", "", text("x"), 93000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, out := call(t, "POST", base+"/cgi-bin/webhook/send?key="+tt.key, tt.body)
			if errcode(out) != tt.want {
				t.Fatalf("answer %v, want errcode %d", out, tt.want)
			}
		})
	}
	if n := len(s.Sent()); n != 5 {
		t.Fatalf("%d messages accepted, want 5", n)
	}
	s.RemoveRobot("K")
	if _, out := call(t, "POST", base+"/cgi-bin/webhook/send?key=K", text("x")); errcode(out) != 93000 {
		t.Fatalf("removed robot: %v", out)
	}
}

func TestWebhookMinuteWindow(t *testing.T) {
	s, base, clk := start(t)
	s.AddRobot("K", "群")
	send := func() int {
		_, out := call(t, "POST", base+"/cgi-bin/webhook/send?key=K", text("x"))
		return errcode(out)
	}
	for i := range RobotPerMinute {
		if c := send(); c != 0 {
			t.Fatalf("message %d: errcode %d", i+1, c)
		}
		clk.Advance(time.Second) // the first was sent at 0 s, the 20th at 19 s
	}
	if c := send(); c != 45009 {
		t.Fatalf("21st within a minute: errcode %d, want 45009", c)
	}
	clk.Advance(40*time.Second - time.Nanosecond) // 59.999… s after the first
	if c := send(); c != 45009 {
		t.Fatalf("just before the oldest is 60 s old: errcode %d", c)
	}
	clk.Advance(time.Nanosecond) // the oldest is exactly 60 s old
	if c := send(); c != 0 {
		t.Fatalf("after the oldest left the window: errcode %d", c)
	}
	if c := send(); c != 45009 {
		t.Fatalf("window full again: errcode %d", c)
	}
}

func TestTokensAndTasks(t *testing.T) {
	s, base, clk := start(t)
	s.AddCorp("C", "S", "u1")
	_, out := call(t, "GET", base+"/cgi-bin/gettoken?corpid=C&corpsecret=S", nil)
	tok, _ := out["access_token"].(string)
	if errcode(out) != 0 || tok == "" || out["expires_in"].(float64) != 7200 {
		t.Fatalf("gettoken: %v", out)
	}
	for _, tt := range []struct {
		q    string
		want int
	}{{"corpid=C&corpsecret=X", 40001}, {"corpid=D&corpsecret=S", 40013}, {"corpsecret=S", 41002}, {"corpid=C", 41004}} {
		if _, out := call(t, "GET", base+"/cgi-bin/gettoken?"+tt.q, nil); errcode(out) != tt.want {
			t.Fatalf("gettoken?%s: %v, want %d", tt.q, out, tt.want)
		}
	}
	add := base + "/cgi-bin/externalcontact/add_msg_template?access_token="
	task := map[string]any{"chat_type": "group", "sender": "u1", "chat_id_list": []string{"wr1"}, "text": map[string]any{"content": "hi"}}
	for _, tt := range []struct {
		name, tok string
		body      any
		want      int
	}{
		{"missing token", "", task, 41001},
		{"unknown token", "nope", task, 40014},
		{"single", tok, map[string]any{"chat_type": "single", "sender": "u1", "text": map[string]any{"content": "hi"}}, 40058},
		{"unknown sender", tok, map[string]any{"chat_type": "group", "sender": "u9", "text": map[string]any{"content": "hi"}}, 40003},
		{"text over", tok, map[string]any{"chat_type": "group", "sender": "u1", "text": map[string]any{"content": strings.Repeat("a", 4001)}}, 45002},
	} {
		if _, out := call(t, "POST", add+tt.tok, tt.body); errcode(out) != tt.want {
			t.Fatalf("%s: %v, want %d", tt.name, out, tt.want)
		}
	}
	_, out = call(t, "POST", add+tok, task)
	id, _ := out["msgid"].(string)
	if errcode(out) != 0 || id == "" {
		t.Fatalf("add: %v", out)
	}
	taskURL := base + "/cgi-bin/externalcontact/get_groupmsg_task?access_token=" + tok
	status := func() (float64, any) {
		_, out := call(t, "POST", taskURL, map[string]any{"msgid": id})
		row := out["task_list"].([]any)[0].(map[string]any)
		return row["status"].(float64), row["send_time"]
	}
	if st, at := status(); st != 0 || at != nil {
		t.Fatalf("unconfirmed: status %v send_time %v", st, at)
	}
	if code, _ := call(t, "POST", base+"/_fake/confirm", map[string]any{"msgid": id}); code != 200 {
		t.Fatalf("confirm: %d", code)
	}
	if st, at := status(); st != 2 || at == nil {
		t.Fatalf("confirmed: status %v send_time %v", st, at)
	}
	_, out = call(t, "POST", base+"/cgi-bin/externalcontact/get_groupmsg_send_result?access_token="+tok, map[string]any{"msgid": id, "userid": "u1"})
	if row := out["send_list"].([]any)[0].(map[string]any); row["chat_id"] != "wr1" || row["status"].(float64) != 1 {
		t.Fatalf("send_result: %v", out)
	}
	clk.Advance(TokenLifetime)
	if _, out := call(t, "POST", taskURL, map[string]any{"msgid": id}); errcode(out) != 42001 {
		t.Fatalf("after 7200 s: %v", out)
	}
}

func TestControlAPI(t *testing.T) {
	s, base, _ := start(t)
	for _, tt := range []struct {
		method, path string
		body         any
		want         int
	}{
		{"POST", "/_fake/robots", map[string]any{"key": "K", "group": "G"}, 200},
		{"POST", "/_fake/robots", map[string]any{"group": "G"}, 400},
		{"POST", "/_fake/robots", "{bad", 400},
		{"POST", "/_fake/corps", map[string]any{"corpid": "C", "secret": "S", "senders": []string{"u"}}, 200},
		{"POST", "/_fake/corps", map[string]any{"corpid": "C"}, 400},
		{"POST", "/_fake/faults", map[string]any{"errcode": 45009, "times": 1}, 200},
		{"POST", "/_fake/faults", map[string]any{"times": 1}, 400},
		{"POST", "/_fake/confirm", map[string]any{"msgid": "nope"}, 400},
		{"POST", "/_fake/expire-tokens", nil, 200},
		{"GET", "/_fake/nothing", nil, 400},
	} {
		code, out := call(t, tt.method, base+tt.path, tt.body)
		if code != tt.want {
			t.Fatalf("%s %s: %d %v, want %d", tt.method, tt.path, code, out, tt.want)
		}
		if code == 400 && out["error"] == "" {
			t.Fatalf("%s %s: no error text", tt.method, tt.path)
		}
	}
	// The fault set above hits the next API call.
	if _, out := call(t, "POST", base+"/cgi-bin/webhook/send?key=K", text("x")); errcode(out) != 45009 {
		t.Fatalf("fault: %v", out)
	}
	if _, out := call(t, "POST", base+"/cgi-bin/webhook/send?key=K", text("hello")); errcode(out) != 0 {
		t.Fatalf("after fault: %v", out)
	}
	if code, _ := call(t, "DELETE", base+"/_fake/robots?key=K", nil); code != 200 {
		t.Fatal("delete robot")
	}
	if _, out := call(t, "POST", base+"/cgi-bin/webhook/send?key=K", text("x")); errcode(out) != 93000 {
		t.Fatalf("deleted robot: %v", out)
	}
	if code, out := call(t, "GET", base+"/cgi-bin/nope", nil); code != 404 || errcode(out) != 404 {
		t.Fatalf("unknown path: %d %v", code, out)
	}

	resp, err := http.Get(base + "/_fake/sent")
	if err != nil {
		t.Fatal(err)
	}
	var sent []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&sent); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(sent) != 1 || sent[0]["api"] != "webhook" || sent[0]["key"] != "K" || sent[0]["msgtype"] != "text" ||
		sent[0]["content"] != "hello" || sent[0]["bytes"].(float64) != 5 || sent[0]["time"] == "" {
		t.Fatalf("sent = %v", sent)
	}
	resp, err = http.Get(base + "/_fake/requests")
	if err != nil {
		t.Fatal(err)
	}
	var reqs []Request
	if err := json.NewDecoder(resp.Body).Decode(&reqs); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(reqs) != 4 || reqs[0].ErrCode != 45009 || reqs[0].API != "webhook/send" || reqs[0].Query != "key=%E2%80%A6" {
		t.Fatalf("requests = %+v", reqs)
	}
	_ = s
}

func TestDefaultQuotaIsDaysInMonth(t *testing.T) {
	s, base, _ := start(t) // 2025-02-27: February has 28 days
	s.AddCorp("C", "S", "u1")
	_, out := call(t, "GET", base+"/cgi-bin/gettoken?corpid=C&corpsecret=S", nil)
	add := base + "/cgi-bin/externalcontact/add_msg_template?access_token=" + out["access_token"].(string)
	task := map[string]any{"chat_type": "group", "sender": "u1", "chat_id_list": []string{"wr1"}, "text": map[string]any{"content": "hi"}}
	for i := range 28 {
		if _, out := call(t, "POST", add, task); errcode(out) != 0 {
			t.Fatalf("task %d: %v", i+1, out)
		}
	}
	if _, out := call(t, "POST", add, task); errcode(out) != 41048 {
		t.Fatalf("29th task in February: %v", out)
	}
}
