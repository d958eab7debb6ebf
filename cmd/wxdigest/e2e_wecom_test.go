package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
)

// End-to-end tests of the WeCom channels: `wxdigest fake-wecom` runs as a
// child process (the real program, driven through its control API as a
// test outside this repository would), and `wxdigest run` delivers to it
// beside, or instead of, the fake WeChat server.

// fakeWeCom is a running `wxdigest fake-wecom`.
type fakeWeCom struct {
	t   testing.TB
	url string
}

type wecomSent struct {
	API     string `json:"api"`
	Key     string `json:"key"`
	Group   string `json:"group"`
	MsgType string `json:"msgtype"`
	Content string `json:"content"`
	Bytes   int    `json:"bytes"`
	MD5     string `json:"md5"`
	MsgID   string `json:"msgid"`
	Time    string `json:"time"`
}

var listenLine = regexp.MustCompile(`http://127\.0\.0\.1:\d+`)

func (e *e2e) startFakeWeCom() *fakeWeCom {
	e.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		e.t.Fatal(err)
	}
	args, _ := json.Marshal([]string{"fake-wecom", "--listen", "127.0.0.1:0"})
	cmd := exec.Command(exe, "-test.run=^$")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WXDIGEST_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, envChild+"=1", envChildArgs+"="+string(args))
	out, err := cmd.StdoutPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		e.t.Fatalf("fake-wecom printed no URL: %v", err)
	}
	url := listenLine.FindString(line)
	if url == "" {
		e.t.Fatalf("fake-wecom said %q, want its URL", line)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return &fakeWeCom{t: e.t, url: url}
}

func (f *fakeWeCom) do(method, path string, body any) []byte {
	f.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.url+path, r)
	if err != nil {
		f.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		f.t.Fatalf("%s %s: %s %s", method, path, resp.Status, b)
	}
	return b
}

func (f *fakeWeCom) robot(key, group string) string {
	f.do("POST", "/_fake/robots", map[string]string{"key": key, "group": group})
	return f.url + "/cgi-bin/webhook/send?key=" + key
}

func (f *fakeWeCom) sent() []wecomSent {
	f.t.Helper()
	var out []wecomSent
	if err := json.Unmarshal(f.do("GET", "/_fake/sent", nil), &out); err != nil {
		f.t.Fatal(err)
	}
	return out
}

// to keeps what was sent through the robot with key.
func to(sent []wecomSent, key string) []wecomSent {
	var out []wecomSent
	for _, s := range sent {
		if s.Key == key {
			out = append(out, s)
		}
	}
	return out
}

func (f *fakeWeCom) waitSent(e *e2e, ctx context.Context, what string, cond func([]wecomSent) bool) []wecomSent {
	e.t.Helper()
	var got []wecomSent
	e.eventually(ctx, what, func() (bool, string) {
		got = f.sent()
		b, _ := json.Marshal(got)
		return cond(got), string(b)
	})
	return got
}

// allSent: the rows of channel are there and all sent.
func allSent(channel string) func([]deliveryRow) bool {
	return func(rows []deliveryRow) bool {
		n := 0
		for _, r := range rows {
			if r.Channel != channel {
				continue
			}
			if r.State != data.DeliverySent {
				return false
			}
			n++
		}
		return n > 0
	}
}

// TestE2EWeComRobotOnly: a district with WeCom alone. A robot subscription
// gets exactly one digest per slot, as the image card and the text, split
// by bytes; a 45009 in the middle is retried and nothing is lost or
// repeated; a slot with nothing new sends nothing.
func TestE2EWeComRobotOnly(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	f := e.startFakeWeCom()
	url := f.robot("k-xfl", "幸福里业主群")
	e.importPage("sample.txt", digest.SamplePage)
	out := e.cli("channel", "add", "--name", "幸福里", "--wecom-robot", url, "--allow-private")
	if !strings.Contains(out, "幸福里") {
		t.Fatalf("channel add said %q", out)
	}
	var chans []struct {
		Name, Kind, Target string
		Enabled            bool
	}
	if err := json.Unmarshal([]byte(e.cli("channel", "list", "--format", "json")), &chans); err != nil {
		t.Fatal(err)
	}
	if len(chans) != 1 || chans[0].Kind != "wecom-robot" || strings.Contains(chans[0].Target, "k-xfl") || !chans[0].Enabled {
		t.Fatalf("channel list = %+v (the key must not show)", chans)
	}
	// Two slots a few seconds apart: the second has nothing new.
	at := time.Now().In(e.loc).Add(3 * time.Second)
	next := at.Add(4 * time.Second)
	cron := fmt.Sprintf("%d,%d %d,%d %d * * *", at.Second(), next.Second(), at.Minute(), next.Minute(), at.Hour())
	twoSlots := next.Hour() == at.Hour()
	if !twoSlots {
		cron = e.slotAhead(3 * time.Second)
	}
	e.cli("sub", "add", "--channel", "幸福里", "--cron", cron, "--tz", e2eZone, "--style", "both")
	var subs []struct{ Group, Channel, Style string }
	if err := json.Unmarshal([]byte(e.cli("sub", "list", "--format", "json")), &subs); err != nil {
		t.Fatal(err)
	}
	if len(subs) != 1 || subs[0].Channel != "幸福里" || subs[0].Style != "both" {
		t.Fatalf("sub list = %+v", subs)
	}
	f.do("POST", "/_fake/faults", map[string]int{"errcode": 45009, "times": 1})
	p := e.start(append([]string{"--no-wechat", "--allow-private"}, fastPacing...)...)
	ctx := e.ctx(40 * time.Second)
	rows := e.waitLedger(ctx, "the robot's slot sent", allSent("幸福里"))
	sent := to(f.sent(), "k-xfl")
	var parts []deliveryRow
	for _, r := range rows {
		if r.Channel == "幸福里" && r.Part > 0 {
			parts = append(parts, r)
		}
	}
	if len(sent) != len(parts) {
		t.Fatalf("%d messages for %d ledger parts (lost or repeated):\n%+v\n%+v", len(sent), len(parts), sent, parts)
	}
	texts := sent
	if haveFont(t) {
		if sent[0].MsgType != "image" || sent[0].Bytes == 0 || sent[0].MD5 == "" || parts[0].Kind != "image" {
			t.Fatalf("first part %+v / %+v, want the image card", sent[0], parts[0])
		}
		texts = sent[1:]
	} else if parts[0].Kind != "text" {
		// Without a font image cards are off: the subscription gets text.
		t.Fatalf("first part %+v without a font, want text", parts[0])
	}
	text := ""
	for i, s := range texts {
		if s.MsgType != "text" || len(s.Content) > 2048 || s.Bytes > 2048 {
			t.Fatalf("text part %d: %s, %d bytes", i+1, s.MsgType, s.Bytes)
		}
		text += s.Content
	}
	if !strings.Contains(text, sampleFirst) || !strings.HasPrefix(texts[0].Content, e2eHeader) {
		t.Fatalf("the text parts do not carry the digest: %q", text)
	}
	var reqs []struct {
		API     string `json:"api"`
		ErrCode int    `json:"errcode"`
	}
	if err := json.Unmarshal(f.do("GET", "/_fake/requests", nil), &reqs); err != nil {
		t.Fatal(err)
	}
	limited := 0
	for _, r := range reqs {
		if r.ErrCode == 45009 {
			limited++
		}
	}
	if limited != 1 || len(reqs) != len(sent)+1 {
		t.Fatalf("requests %+v: want one 45009, then every part once", reqs)
	}
	if twoSlots {
		// The second slot passes with nothing new: skipped, nothing sent.
		e.waitLedger(ctx, "the second slot skipped", func(rows []deliveryRow) bool {
			for _, r := range rows {
				if r.State == data.DeliverySkipped && r.Channel == "幸福里" {
					return true
				}
			}
			return false
		})
		if n := len(to(f.sent(), "k-xfl")); n != len(sent) {
			t.Fatalf("%d messages after a slot with nothing new, want %d", n, len(sent))
		}
	}
	e.stopClean(p)
}

// TestE2EWeComRemovedKeyAlerts: the robot is removed from its group; the
// channel is marked failed, its parts stay pending, and admins hear about
// it on the alert channel (another robot) within the alert delay.
func TestE2EWeComRemovedKeyAlerts(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	f := e.startFakeWeCom()
	e.cli("channel", "add", "--name", "幸福里", "--wecom-robot", f.robot("k-xfl", "幸福里业主群"), "--allow-private")
	e.cli("channel", "add", "--name", "管理员群", "--wecom-robot", f.robot("k-admin", "管理员群"), "--allow-private")
	e.importPage("sample.txt", digest.SamplePage)
	e.cli("sub", "add", "--channel", "幸福里", "--cron", e.slotAhead(2*time.Second), "--tz", e2eZone)
	f.do("DELETE", "/_fake/robots?key=k-xfl", nil)
	p := e.start(append([]string{"--no-wechat", "--allow-private", "--alert-channel", "管理员群", "--alert-after", "1s"}, fastPacing...)...)
	ctx := e.ctx(40 * time.Second)
	alerts := f.waitSent(e, ctx, "an alert on the admins' robot", func(s []wecomSent) bool { return len(to(s, "k-admin")) > 0 })
	a := to(alerts, "k-admin")[0]
	for _, want := range []string{"幸福里", "channel add", "93000"} {
		if !strings.Contains(a.Content, want) {
			t.Errorf("alert %q does not say %q", a.Content, want)
		}
	}
	rows := e.deliveries()
	if len(rows) == 0 {
		t.Fatal("no ledger rows")
	}
	for _, r := range rows {
		if r.Channel == "幸福里" && r.State != data.DeliveryPending {
			t.Errorf("part %+v: want pending (kept for when the robot is fixed)", r)
		}
	}
	var chans []struct {
		Name      string `json:"name"`
		LastError string `json:"last_error"`
	}
	e.eventually(ctx, "channel list shows the failure", func() (bool, string) {
		out := e.cli("channel", "list", "--format", "json")
		if err := json.Unmarshal([]byte(out), &chans); err != nil {
			t.Fatal(err)
		}
		for _, c := range chans {
			if c.Name == "幸福里" && strings.Contains(c.LastError, "93000") {
				return true, out
			}
		}
		return false, out
	})
	if n := len(to(f.sent(), "k-xfl")); n != 0 {
		t.Fatalf("%d messages reached a removed robot", n)
	}
	e.stopClean(p)
}

// TestE2EWeComCustomerGroupTask: a digest becomes one customer-group task,
// recorded "awaiting confirmation" until the sender confirms it in WeCom,
// then sent.
func TestE2EWeComCustomerGroupTask(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	f := e.startFakeWeCom()
	f.do("POST", "/_fake/corps", map[string]any{"corpid": "ww01", "secret": "s3cret", "senders": []string{"wangzhuren"}})
	secret := filepath.Join(e.dir, "secret")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.cli("channel", "add", "--name", "客户群", "--wecom-corp", "ww01", "--secret-file", secret, "--sender", "wangzhuren",
		"--chat-ids", "wrA,wrB", "--api", f.url, "--allow-private")
	if out := e.cli("channel", "list", "--format", "json"); strings.Contains(out, "s3cret") {
		t.Fatalf("channel list prints the secret: %s", out)
	}
	e.importPage("sample.txt", digest.SamplePage)
	e.cli("sub", "add", "--channel", "客户群", "--cron", e.slotAhead(2*time.Second), "--tz", e2eZone)
	p := e.start(append([]string{"--no-wechat", "--allow-private", "--task-poll", "200ms"}, fastPacing...)...)
	ctx := e.ctx(40 * time.Second)
	rows := e.waitLedger(ctx, "the task awaiting confirmation", func(rows []deliveryRow) bool {
		return len(rows) == 1 && rows[0].State == "awaiting confirmation" && rows[0].RemoteID != ""
	})
	tasks := f.sent()
	if len(tasks) != 1 || tasks[0].API != "msg_template" || !strings.Contains(tasks[0].Content, sampleFirst) || tasks[0].MsgID != rows[0].RemoteID {
		t.Fatalf("tasks %+v, want one carrying the digest with msgid %s", tasks, rows[0].RemoteID)
	}
	f.do("POST", "/_fake/confirm", map[string]string{"msgid": rows[0].RemoteID})
	e.waitLedger(ctx, "the task recorded sent once confirmed", allSent("客户群"))
	if n := len(f.sent()); n != 1 {
		t.Fatalf("%d tasks, want 1", n)
	}
	e.stopClean(p)
}

// TestE2EWeChatDownRobotDelivers: personal WeChat and a robot side by side.
// WeChat is kicked and cannot log in again; the robot keeps delivering,
// and the alert channel (a robot) tells admins to 重新登录.
func TestE2EWeChatDownRobotDelivers(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	f := e.startFakeWeCom()
	const group = "幸福里业主群"
	if err := e.srv.AddGroup(wechattest.Group{Name: group, Saved: true, Members: []wechattest.Member{{ID: "li", Nick: "李阿姨"}}}); err != nil {
		t.Fatal(err)
	}
	e.cli("channel", "add", "--name", "和谐家园", "--wecom-robot", f.robot("k-hx", "和谐家园群"), "--allow-private")
	e.cli("channel", "add", "--name", "管理员群", "--wecom-robot", f.robot("k-admin", "管理员群"), "--allow-private")
	e.subscribe(group, "*/2 * * * * *")
	e.cli("sub", "add", "--channel", "和谐家园", "--cron", "*/2 * * * * *", "--tz", e2eZone)
	p := e.start(append([]string{"--allow-private", "--alert-channel", "管理员群", "--alert-after", "1s"}, fastPacing...)...)
	ctx := e.ctx(45 * time.Second)
	e.online(ctx, p, 1)
	e.importPage("sample.txt", digest.SamplePage)
	e.reply(ctx, 0, "WeChat digest before the kick", toGroup(group, e2eHeader, sampleFirst))
	f.waitSent(e, ctx, "robot digest before the kick", func(s []wecomSent) bool { return len(to(s, "k-hx")) > 0 })
	e.waitLedger(ctx, "digests recorded as sent", settled)

	// The account is thrown out and refused at the next login.
	if err := e.srv.UpdateFaults(func(fl *wechattest.Faults) { fl.LoginRet, fl.LoginMessage = 1203, "当前登录环境异常" }); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Kick(1101); err != nil {
		t.Fatal(err)
	}
	alerts := f.waitSent(e, ctx, "the alert on the admins' robot", func(s []wecomSent) bool {
		for _, m := range to(s, "k-admin") {
			if strings.Contains(m.Content, "重新登录") {
				return true
			}
		}
		return false
	})
	n := len(to(alerts, "k-hx"))
	e.importPage("extra.txt", extraPage)
	f.waitSent(e, ctx, "the robot delivering while WeChat is down", func(s []wecomSent) bool {
		for _, m := range to(s, "k-hx")[n:] {
			if strings.Contains(m.Content, extraTitle) {
				return true
			}
		}
		return false
	})
	for _, m := range e.srv.Sent() {
		if strings.Contains(m.Text, extraTitle) {
			t.Fatalf("WeChat sent while logged out: %+v", m)
		}
	}
	e.stopClean(p)
}

// TestE2EKillDuringMixedFanOut: kill -9 while one slot fans out to WeChat
// groups and WeCom robots, restart: every target is served, and at most
// one message in all is repeated.
func TestE2EKillDuringMixedFanOut(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	f := e.startFakeWeCom()
	groups := e.groups(10)
	keys := []string{"k-a", "k-b", "k-c"}
	for i, k := range keys {
		name := fmt.Sprintf("机器人%d", i+1)
		e.cli("channel", "add", "--name", name, "--wecom-robot", f.robot(k, name+"群"), "--allow-private")
	}
	e.importPage("sample.txt", digest.SamplePage)
	slot := e.slotAhead(3 * time.Second)
	for _, g := range groups {
		e.subscribe(g, slot)
	}
	for i := range keys {
		e.cli("sub", "add", "--channel", fmt.Sprintf("机器人%d", i+1), "--cron", slot, "--tz", e2eZone)
	}
	pacing := []string{"--min-gap", "100ms", "--jitter", "0", "--per-minute", "1000", "--allow-private"}
	var env []string // the restart takes over the dead process's lease at once
	first := e.startChild(env, pacing...)
	ctx := e.ctx(50 * time.Second)
	e.online(ctx, first, 1)
	if _, err := e.srv.WaitSent(ctx, len(groups)/2); err != nil {
		t.Fatalf("fan-out did not get halfway: %v", err)
	}
	first.kill()
	<-first.done
	if before := len(e.srv.Sent()); before >= len(groups) {
		t.Fatalf("the WeChat fan-out ended (%d sends) before the kill landed", before)
	}
	second := e.startChild(env, pacing...)
	e.online(ctx, second, 1)
	rows := e.waitLedger(ctx, "every part of every target sent", func(rows []deliveryRow) bool {
		for _, r := range rows {
			if r.State != data.DeliverySent {
				return false
			}
		}
		return len(rows) > 0
	})
	partsOf := map[string]int{}
	for _, r := range rows {
		target := r.Group
		if r.Channel != data.ChannelWeChat {
			target = r.Channel
		}
		partsOf[target]++
	}
	if len(partsOf) != len(groups)+len(keys) {
		t.Fatalf("ledger targets %v, want %d groups and %d robots", partsOf, len(groups), len(keys))
	}
	got := map[string]int{}
	for _, m := range e.srv.Sent() {
		if m.Kind == wechattest.KindGroup {
			got[m.To]++
		}
	}
	for i, k := range keys {
		got[fmt.Sprintf("机器人%d", i+1)] = len(to(f.sent(), k))
	}
	repeats := 0
	for target, want := range partsOf {
		switch n := got[target]; {
		case n < want:
			t.Errorf("%s got %d messages, want %d", target, n, want)
		case n > want:
			repeats += n - want
		}
	}
	if repeats > 1 {
		t.Errorf("%d messages repeated after the restart, want at most 1 (got %v, parts %v)", repeats, got, partsOf)
	}
	t.Logf("%d targets served; %d repeated after the restart", len(partsOf), repeats)
	e.stopClean(second)
}
