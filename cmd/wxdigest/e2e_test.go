package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/internal/pgtest"
)

// End-to-end tests: `wxdigest run --wechat-server URL` against the fake
// WeChat server on loopback, with the real openwechat code and a real
// SQLite store, set up through the CLI as an operator would.

const (
	e2eZone   = "Asia/Shanghai"
	e2eSource = "中原区新闻"
	// e2eHeader starts every scheduled or on-demand digest of e2eSource.
	e2eHeader = "【" + e2eSource + "】"
	// Titles of the sample page's first item and of the extra page's one item.
	sampleFirst = "中原区第二次项目观摩活动暨一季度“开门红”工作推进会举行"
	extraTitle  = "中原区新增三处口袋公园"
)

// extraPage is a second, later page of the same day with one new article,
// written in the style of digest/testdata/pages.
const extraPage = `中原区新增三处口袋公园

本报讯 近日,中原区在桐柏路、建设路和伏牛路沿线新建的三处口袋公园完工开放,新增绿地面积1.2万平方米。

公园内设有健身步道、儿童游乐区和休憩座椅,周边居民步行5分钟即可到达。
`

// fastPacing keeps the sender's gaps short; the per-minute cap is raised
// because a fan-out to 20 groups would otherwise wait a minute.
var fastPacing = []string{"--min-gap", "20ms", "--jitter", "0", "--rate-limit-pause", "300ms", "--per-minute", "1000"}

// e2e is one test's world: the fake WeChat server and a store directory.
type e2e struct {
	t     testing.TB
	srv   *wechattest.Server
	url   string
	dir   string
	db    string
	loc   *time.Location
	procs []*botProc
}

func newE2E(t testing.TB) *e2e {
	t.Helper()
	loc, err := time.LoadLocation(e2eZone)
	if err != nil {
		t.Fatal(err)
	}
	// A slot and the page imported for "today" must fall on one Shanghai
	// date: right before midnight, wait for the new day.
	if now := time.Now().In(loc); now.Hour() == 23 && now.Minute() == 59 {
		midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 1, 0, loc)
		<-time.After(time.Until(midnight))
	}
	srv := wechattest.New(wechattest.Options{})
	url := srv.StartTest()
	t.Cleanup(srv.Close) // runs last: every bot is stopped before
	dir := t.TempDir()
	e := &e2e{t: t, srv: srv, url: url, dir: dir, db: filepath.Join(dir, "bot.db"), loc: loc}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for i, p := range e.procs {
			t.Logf("bot %d (pid %d) stderr, last lines:\n%s", i, p.pid, tail(p.errb.String(), 60))
		}
	})
	return e
}

// ctx is a deadline for one step of a test.
func (e *e2e) ctx(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	e.t.Cleanup(cancel)
	return ctx
}

// cli runs one wxdigest command in-process on the test's store and fails the
// test unless it succeeds.
func (e *e2e) cli(args ...string) string {
	e.t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, now: time.Now}
	args = append(args, "--db", e.db) // flags may follow the arguments
	if code := a.main(context.Background(), args); code != 0 {
		e.t.Fatalf("wxdigest %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
	}
	return out.String()
}

func (e *e2e) today() string { return time.Now().In(e.loc).Format(time.DateOnly) }

// importPage stores a page for today in Shanghai.
func (e *e2e) importPage(name, text string) {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		e.t.Fatal(err)
	}
	e.cli("import", "--date", e.today(), "--source", e2eSource, p)
}

// slotAhead is a daily 6-field cron spec firing d from now in Shanghai.
func (e *e2e) slotAhead(d time.Duration) string {
	at := time.Now().In(e.loc).Add(d)
	return fmt.Sprintf("%d %d %d * * *", at.Second(), at.Minute(), at.Hour())
}

func (e *e2e) subscribe(group, cron string) {
	e.t.Helper()
	e.cli("sub", "add", "--group", group, "--cron", cron, "--tz", e2eZone)
}

type subRow struct {
	Group    string `json:"group"`
	Schedule string `json:"schedule"`
	TZ       string `json:"tz"`
	Enabled  bool   `json:"enabled"`
	Next     string `json:"next"`
}

func (e *e2e) subs() []subRow {
	e.t.Helper()
	var rows []subRow
	out := e.cli("sub", "list", "--format", "json")
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		e.t.Fatalf("sub list json: %v\n%s", err, out)
	}
	return rows
}

type deliveryRow struct {
	Group    string `json:"group"`
	Slot     string `json:"slot"`
	Part     int    `json:"part"`
	State    string `json:"state"`
	Attempts int    `json:"attempts"`
	Error    string `json:"error"`
	SentAt   string `json:"sent_at"`
	Parts    int    `json:"parts"`
	Channel  string `json:"channel"`
	Kind     string `json:"kind"`
	RemoteID string `json:"remote_id"`
	Account  string `json:"account"`
}

func (e *e2e) deliveries() []deliveryRow {
	e.t.Helper()
	var rows []deliveryRow
	out := e.cli("deliveries", "--format", "json")
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		e.t.Fatalf("deliveries json: %v\n%s", err, out)
	}
	return rows
}

// waitLedger polls the deliveries until cond holds for them (the bot
// records a send just after WeChat accepted it).
func (e *e2e) waitLedger(ctx context.Context, what string, cond func([]deliveryRow) bool) []deliveryRow {
	e.t.Helper()
	var rows []deliveryRow
	e.eventually(ctx, what, func() (bool, string) {
		rows = e.deliveries()
		return cond(rows), fmt.Sprintf("%+v", rows)
	})
	return rows
}

// settled: at least one row is sent and none waits to be sent.
func settled(rows []deliveryRow) bool {
	sent := false
	for _, d := range rows {
		switch d.State {
		case data.DeliverySent:
			sent = true
		case data.DeliverySkipped:
		default:
			return false
		}
	}
	return sent
}

// eventually polls cond until it holds or ctx ends; for state the fake
// server cannot signal (the store).
func (e *e2e) eventually(ctx context.Context, what string, cond func() (bool, string)) {
	e.t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, last := cond()
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			e.t.Fatalf("%s: never happened; last: %s", what, last)
		case <-tick.C:
		}
	}
}

// waitSends waits until cond holds for everything the bot sent.
func (e *e2e) waitSends(ctx context.Context, what string, cond func([]wechattest.SentMessage) bool) []wechattest.SentMessage {
	e.t.Helper()
	for {
		changed := e.srv.Changed() // before reading, so no change is missed
		sent := e.srv.Sent()
		if cond(sent) {
			return sent
		}
		select {
		case <-ctx.Done():
			e.t.Fatalf("%s: never happened\nsent:\n%s", what, dumpSent(sent))
		case <-changed:
		}
	}
}

// reply waits for the first message after the first `from` sends that
// match says is the answer.
func (e *e2e) reply(ctx context.Context, from int, what string, match func(wechattest.SentMessage) bool) wechattest.SentMessage {
	e.t.Helper()
	var got wechattest.SentMessage
	e.waitSends(ctx, what, func(s []wechattest.SentMessage) bool {
		for _, m := range s[min(from, len(s)):] {
			if match(m) {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

func toGroup(group string, has ...string) func(wechattest.SentMessage) bool {
	return func(m wechattest.SentMessage) bool {
		if m.Kind != wechattest.KindGroup || m.To != group {
			return false
		}
		for _, h := range has {
			if !strings.Contains(m.Text, h) {
				return false
			}
		}
		return true
	}
}

func dumpSent(sent []wechattest.SentMessage) string {
	var b strings.Builder
	for i, m := range sent {
		fmt.Fprintf(&b, "%3d %s %s %s: %s\n", i, m.Time.Format("15:04:05.000"), m.Kind, m.To, tail(strings.ReplaceAll(m.Text, "\n", "⏎"), 1))
	}
	return b.String()
}

// tail keeps the last n lines of s (a line is cut to 160 runes).
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		if r := []rune(l); len(r) > 160 {
			lines[i] = string(r[:160]) + "…"
		}
	}
	return strings.Join(lines, "\n")
}

// digests counts, per group, the sent messages that start a digest.
func digests(sent []wechattest.SentMessage) map[string]int {
	n := make(map[string]int)
	for _, m := range sent {
		if m.Kind == wechattest.KindGroup && strings.HasPrefix(m.Text, e2eHeader) {
			n[m.To]++
		}
	}
	return n
}

// botProc is one running `wxdigest run`, in this process or a child.
type botProc struct {
	out, errb *syncBuffer
	pid       int
	done      chan struct{} // closed when it exited; code is set then
	code      int
	stop      func() // ask it to end cleanly
	kill      func() // SIGKILL (children only)
}

func (e *e2e) runArgs(extra []string) []string {
	// No console unless a test asks for one: tests never hold the
	// default port another program may want.
	return append([]string{"run", "--db", e.db, "--wechat-server", e.url, "--http", "off"}, extra...)
}

// start runs the bot in this process, stopped when the test ends.
func (e *e2e) start(extra ...string) *botProc {
	e.t.Helper()
	p := &botProc{out: &syncBuffer{}, errb: &syncBuffer{}, pid: os.Getpid(), done: make(chan struct{})}
	a := &app{stdin: strings.NewReader(""), stdout: p.out, stderr: p.errb, getenv: func(string) string { return "" }, now: time.Now}
	ctx, cancel := context.WithCancel(context.Background())
	p.stop = cancel
	args := e.runArgs(extra)
	go func() {
		defer close(p.done)
		p.code = a.main(ctx, args)
	}()
	e.procs = append(e.procs, p)
	e.t.Cleanup(func() { e.end(p) })
	return p
}

// startChild runs the bot as a child process (this test binary, see
// TestMain) with extra environment, stopped when the test ends.
func (e *e2e) startChild(env []string, extra ...string) *botProc {
	e.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		e.t.Fatal(err)
	}
	args, _ := json.Marshal(e.runArgs(extra))
	cmd := exec.Command(exe, "-test.run=^$")
	// Files a bot keeps beside its working directory (the session of a
	// PostgreSQL store) go to the test's directory.
	cmd.Dir = e.dir
	// The caller's WXDIGEST_* settings must not leak into the child.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WXDIGEST_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, envChild+"=1", envChildArgs+"="+string(args))
	cmd.Env = append(cmd.Env, env...)
	p := &botProc{out: &syncBuffer{}, errb: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.errb
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	p.pid = cmd.Process.Pid
	p.stop = func() { _ = cmd.Process.Signal(syscall.SIGTERM) }
	p.kill = func() { _ = cmd.Process.Kill() }
	go func() {
		defer close(p.done)
		_ = cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
	}()
	e.procs = append(e.procs, p)
	e.t.Cleanup(func() { e.end(p) })
	return p
}

// end stops p if it still runs and waits for it.
func (e *e2e) end(p *botProc) {
	select {
	case <-p.done:
		return
	default:
	}
	p.stop()
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		if p.kill != nil {
			p.kill()
			<-p.done
		}
		e.t.Errorf("bot (pid %d) did not stop within 20s", p.pid)
	}
}

// stopClean stops p and checks it ended with exit code 0.
func (e *e2e) stopClean(p *botProc) {
	e.t.Helper()
	e.end(p)
	if p.code != 0 {
		e.t.Errorf("bot (pid %d) exited %d: %s", p.pid, p.code, tail(p.errb.String(), 10))
	}
}

// online waits until the fake server has a session and the bot said it is
// online (its contacts are loaded).
func (e *e2e) online(ctx context.Context, p *botProc, logins int) {
	e.t.Helper()
	if _, err := e.srv.WaitStatus(ctx, func(s wechattest.Status) bool { return s.LoggedIn && s.Logins >= logins }); err != nil {
		e.t.Fatalf("bot never logged in (%d): %v\nstderr: %s", logins, err, tail(p.errb.String(), 20))
	}
	for strings.Count(p.out.String(), "已登录") < logins {
		select {
		case <-ctx.Done():
			e.t.Fatalf("bot never said it is online: %q\nstderr: %s", p.out.String(), tail(p.errb.String(), 20))
		case <-p.done:
			e.t.Fatalf("bot exited %d: %s", p.code, tail(p.errb.String(), 20))
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// groups adds n saved groups 楼栋01群… with one resident each and returns
// their names.
func (e *e2e) groups(n int) []string {
	e.t.Helper()
	var names []string
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("楼栋%02d群", i)
		if err := e.srv.AddGroup(wechattest.Group{Name: name, Saved: true, Members: []wechattest.Member{{ID: fmt.Sprintf("r%02d", i), Nick: fmt.Sprintf("住户%02d", i)}}}); err != nil {
			e.t.Fatal(err)
		}
		names = append(names, name)
	}
	return names
}

// TestE2ERoles: roles follow the remark the owner gave a friend, never a
// nickname; residents read, staff see the status, admins subscribe, and
// the bot account itself is admin.
func TestE2ERoles(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	const group = "幸福里业主群"
	e.importPage("sample.txt", digest.SamplePage)
	e.cli("role", "grant", "--remark", "赵书记", "--role", "admin")
	e.cli("role", "grant", "--remark", "王主任", "--role", "staff")
	// The admin's and the staff's own nicknames differ from their remarks;
	// a plain member calls himself by the admin's remark.
	for _, f := range [][2]string{{"老赵", "赵书记"}, {"小王", "王主任"}} {
		if err := e.srv.AddFriend(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.srv.AddGroup(wechattest.Group{Name: group, Saved: true, Members: []wechattest.Member{
		{Friend: "老赵"}, {Friend: "小王"}, {ID: "li", Nick: "李阿姨"}, {ID: "fake", Nick: "赵书记"},
	}}); err != nil {
		t.Fatal(err)
	}
	p := e.start(fastPacing...)
	ctx := e.ctx(45 * time.Second)
	e.online(ctx, p, 1)

	say := func(from, text string) int {
		t.Helper()
		n := len(e.srv.Sent())
		if _, err := e.srv.PostGroupMessage(group, from, text); err != nil {
			t.Fatal(err)
		}
		return n
	}

	n := say("li", "今日新闻")
	e.reply(ctx, n, "resident's 今日新闻", toGroup(group, e2eHeader, "1. "+sampleFirst, "5. 中原区举办研发费用入统业务培训会"))

	for _, who := range []struct{ id, name string }{{"li", "resident"}, {"fake", "nick equal to the admin's remark"}} {
		n := say(who.id, "订阅 08:00")
		m := e.reply(ctx, n, who.name+" refused", toGroup(group))
		if !strings.Contains(m.Text, "权限") {
			t.Errorf("%s: 订阅 08:00 answered %q, want a refusal naming 权限", who.name, m.Text)
		}
		if s := e.subs(); len(s) != 0 {
			t.Errorf("%s: refused 订阅 changed the subscriptions: %+v", who.name, s)
		}
	}

	n = say("老赵", "订阅 08:00")
	m := e.reply(ctx, n, "admin subscribes", toGroup(group))
	if !strings.Contains(m.Text, "已订阅") {
		t.Errorf("admin 订阅 08:00 answered %q", m.Text)
	}
	if s := e.subs(); len(s) != 1 || s[0].Group != group || s[0].Schedule != "08:00" || s[0].TZ != e2eZone || !s[0].Enabled {
		t.Errorf("after admin's 订阅: subscriptions %+v, want %s at 08:00 %s", s, group, e2eZone)
	}

	n = say("小王", "状态")
	m = e.reply(ctx, n, "staff status", toGroup(group))
	for _, want := range []string{"登录：在线", "下次推送", "发送队列"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("状态 answered %q, want %q in it", m.Text, want)
		}
	}

	// Residents' help has no admin commands; the bot account's has.
	n = say("li", "帮助")
	m = e.reply(ctx, n, "resident help", toGroup(group))
	if !strings.Contains(m.Text, "今日新闻") || strings.Contains(m.Text, "退订") {
		t.Errorf("resident's 帮助 = %q, want news commands and no admin ones", m.Text)
	}
	n = len(e.srv.Sent())
	if _, err := e.srv.PostSelfMessage("filehelper", "帮助"); err != nil {
		t.Fatal(err)
	}
	m = e.reply(ctx, n, "bot account's help", func(m wechattest.SentMessage) bool { return m.Kind == wechattest.KindSelf })
	for _, want := range []string{"订阅", "退订", "订阅列表", "推送", "状态"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("bot account's 帮助 = %q, want %q in it", m.Text, want)
		}
	}
	e.stopClean(p)
}

// TestE2EOneDigestPerSlot: a subscription firing every second sends the
// day's digest at the first slot after the import, records later slots as
// skipped without sending, and sends only the new item after a second page.
func TestE2EOneDigestPerSlot(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	const group = "幸福里业主群"
	if err := e.srv.AddGroup(wechattest.Group{Name: group, Saved: true, Members: []wechattest.Member{{ID: "li", Nick: "李阿姨"}}}); err != nil {
		t.Fatal(err)
	}
	e.subscribe(group, "* * * * * *")
	p := e.start(fastPacing...)
	ctx := e.ctx(45 * time.Second)
	e.online(ctx, p, 1)

	// Imported while the bot runs: slots so far had nothing to send.
	e.importPage("sample.txt", digest.SamplePage)
	first := e.reply(ctx, 0, "first digest", toGroup(group, e2eHeader, "1. "+sampleFirst))

	// The sent slot and how many parts it had.
	var sentSlot string
	parts := 0
	for _, d := range e.waitLedger(ctx, "first digest recorded as sent", settled) {
		if d.State == data.DeliverySent {
			sentSlot = d.Slot
			parts++
		}
	}
	skippedAfter := func(slot string, n int) func() (bool, string) {
		return func() (bool, string) {
			ds := e.deliveries()
			k := 0
			for _, d := range ds {
				if d.Slot > slot && d.State == data.DeliverySkipped {
					k++
				}
			}
			return k >= n, fmt.Sprintf("%+v", ds)
		}
	}
	e.eventually(ctx, "two slots skipped after the digest", skippedAfter(sentSlot, 2))
	groupSends := func() []wechattest.SentMessage {
		var out []wechattest.SentMessage
		for _, m := range e.srv.Sent() {
			if m.To == group {
				out = append(out, m)
			}
		}
		return out
	}
	if got := groupSends(); len(got) != parts {
		t.Fatalf("after skipped slots the group got %d messages, want the digest's %d part(s):\n%s", len(got), parts, dumpSent(got))
	}

	e.importPage("extra.txt", extraPage)
	n := len(e.srv.Sent())
	m := e.reply(ctx, n, "digest of the new item", toGroup(group, e2eHeader))
	if !strings.Contains(m.Text, "1. "+extraTitle) || strings.Contains(m.Text, sampleFirst) || strings.Contains(m.Text, "2. ") {
		t.Errorf("second digest = %q, want only %q", m.Text, extraTitle)
	}
	var secondSlot string
	for _, d := range e.waitLedger(ctx, "second digest recorded as sent", func(rows []deliveryRow) bool {
		n := 0
		for _, d := range rows {
			if d.State == data.DeliverySent {
				n++
			}
		}
		return settled(rows) && n == parts+1
	}) {
		if d.State == data.DeliverySent && d.Slot > secondSlot {
			secondSlot = d.Slot
		}
	}
	e.eventually(ctx, "a slot skipped after the second digest", skippedAfter(secondSlot, 1))
	got := groupSends()
	if len(got) != parts+1 {
		t.Errorf("the group got %d messages, want %d:\n%s", len(got), parts+1, dumpSent(got))
	}
	if got[0].Text != first.Text {
		t.Errorf("first message changed")
	}
	for _, d := range e.deliveries() {
		switch d.State {
		case data.DeliverySent, data.DeliverySkipped:
		default:
			t.Errorf("delivery %+v: want only sent or skipped", d)
		}
	}
	e.stopClean(p)
}

// TestE2EFanOutRateLimited: WeChat answers 1205 in the middle of a slot for
// 20 groups; the sender pauses, tells the admins in the file helper, resumes,
// and every group gets its digest exactly once.
func TestE2EFanOutRateLimited(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	groups := e.groups(20)
	e.importPage("sample.txt", digest.SamplePage)
	slot := e.slotAhead(3 * time.Second)
	for _, g := range groups {
		e.subscribe(g, slot)
	}
	p := e.start(fastPacing...)
	ctx := e.ctx(45 * time.Second)
	e.online(ctx, p, 1)

	if _, err := e.srv.WaitSent(ctx, 5); err != nil {
		t.Fatalf("fan-out did not start: %v", err)
	}
	if err := e.srv.UpdateFaults(func(f *wechattest.Faults) { f.SendRet, f.Times = 1205, 1 }); err != nil {
		t.Fatal(err)
	}
	sent := e.waitSends(ctx, "every group's digest and the admins' notice", func(s []wechattest.SentMessage) bool {
		notice := false
		for _, m := range s {
			notice = notice || m.Kind == wechattest.KindSelf
		}
		return notice && len(digests(s)) == len(groups)
	})
	tries := 0
	for _, r := range e.srv.Requests() {
		if strings.HasSuffix(r.Path, "/webwxsendmsg") {
			tries++
		}
	}
	if tries != len(sent)+1 {
		t.Fatalf("%d sends tried, %d accepted: want exactly one refused with 1205", tries, len(sent))
	}

	// Every group exactly once, by message and by ledger.
	perGroup := make(map[string]int)
	var notices []wechattest.SentMessage
	for _, m := range sent {
		switch m.Kind {
		case wechattest.KindGroup:
			perGroup[m.To]++
		case wechattest.KindSelf:
			notices = append(notices, m)
		}
	}
	ds := e.waitLedger(ctx, "every delivery recorded", settled)
	parts := len(ds) / len(groups)
	if len(ds) != parts*len(groups) || parts == 0 {
		t.Fatalf("%d delivery rows for %d groups", len(ds), len(groups))
	}
	for _, g := range groups {
		if perGroup[g] != parts {
			t.Errorf("%s got %d messages, want %d", g, perGroup[g], parts)
		}
	}
	for _, d := range ds {
		if d.State != data.DeliverySent || d.Attempts != 0 {
			t.Errorf("delivery %+v: want sent at the first attempt (a 1205 is a pause, not a failure)", d)
		}
	}
	if len(notices) != 1 || !strings.Contains(notices[0].Text, "频繁") {
		t.Errorf("admin notices = %+v, want one about sending too often", notices)
	}
	// The pause shows as a gap of at least --rate-limit-pause between two
	// accepted sends.
	var longest time.Duration
	for i := 1; i < len(sent); i++ {
		longest = max(longest, sent[i].Time.Sub(sent[i-1].Time))
	}
	if longest < 300*time.Millisecond {
		t.Errorf("longest gap between sends %v, want the 300ms pause:\n%s", longest, dumpSent(sent))
	}
	e.stopClean(p)
}

// TestE2EKillDuringFanOut: the process is killed with SIGKILL halfway
// through a slot for 20 groups and started again on the same store: every
// group gets its digest, and at most one message is repeated in total.
func TestE2EKillDuringFanOut(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	groups := e.groups(20)
	e.importPage("sample.txt", digest.SamplePage)
	slot := e.slotAhead(3 * time.Second)
	for _, g := range groups {
		e.subscribe(g, slot)
	}
	// A slower gap so the kill lands in the middle.
	pacing := []string{"--min-gap", "100ms", "--jitter", "0", "--per-minute", "1000"}
	var env []string
	first := e.startChild(env, pacing...)
	ctx := e.ctx(50 * time.Second)
	e.online(ctx, first, 1)
	if _, err := e.srv.WaitSent(ctx, len(groups)/2); err != nil {
		t.Fatalf("fan-out did not get halfway: %v", err)
	}
	first.kill()
	<-first.done
	before := len(e.srv.Sent())
	if before >= len(groups) {
		t.Fatalf("the fan-out ended (%d sends) before the kill landed", before)
	}

	// The killed process could not release its lease; the restart sees it
	// is gone and takes over at once.
	second := e.startChild(env, pacing...)
	e.online(ctx, second, 1)
	sent := e.waitSends(ctx, "every group's digest after the restart", func(s []wechattest.SentMessage) bool {
		return len(digests(s)) == len(groups)
	})
	ds := e.waitLedger(ctx, "every delivery recorded as sent", settled)
	parts := len(ds) / len(groups)
	if len(ds) != parts*len(groups) || parts == 0 {
		t.Fatalf("%d delivery rows for %d groups", len(ds), len(groups))
	}
	for _, d := range ds {
		if d.State != data.DeliverySent {
			t.Errorf("delivery %+v: want sent", d)
		}
	}
	sent = e.srv.Sent()
	repeats := 0
	perGroup := make(map[string]int)
	for _, m := range sent {
		if m.Kind == wechattest.KindGroup {
			perGroup[m.To]++
		} else {
			t.Errorf("unexpected message to %s %s: %q", m.Kind, m.To, m.Text)
		}
	}
	for _, g := range groups {
		switch n := perGroup[g]; {
		case n < parts:
			t.Errorf("%s got %d messages, want %d", g, n, parts)
		case n > parts:
			repeats += n - parts
		}
	}
	if repeats > 1 {
		t.Errorf("%d messages repeated after the restart, want at most 1:\n%s", repeats, dumpSent(sent))
	}
	t.Logf("killed after %d of %d sends; %d repeated after the restart", before, len(groups)*parts, repeats)
	if s := e.srv.Status(); s.Logins != 2 {
		t.Errorf("logins = %d, want 2 (one per process)", s.Logins)
	}
	e.stopClean(second)
}

// TestE2ERestartAfterKill: a `run` killed with SIGKILL cannot release its
// lease; the next `run` on the same host sees the holder is gone and takes
// over at once (not after the 45 s lease), logging in within seconds.
func TestE2ERestartAfterKill(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	first := e.startChild(nil, fastPacing...)
	ctx := e.ctx(40 * time.Second)
	e.online(ctx, first, 1)
	first.kill()
	<-first.done
	began := time.Now()
	second := e.startChild(nil, fastPacing...)
	e.online(e.ctx(15*time.Second), second, 1)
	if took := time.Since(began); took > 15*time.Second {
		t.Fatalf("the restart took %s", took)
	}
	if !strings.Contains(second.errb.String(), "took over the store") || !strings.Contains(second.errb.String(), fmt.Sprintf("pid %d", first.pid)) {
		t.Errorf("the restart did not say whose lease it took:\n%s", tail(second.errb.String(), 20))
	}
	if s := e.srv.Status(); s.Logins != 2 {
		t.Errorf("logins = %d, want 2", s.Logins)
	}
	e.stopClean(second)
}

// TestE2EStandby: while one bot runs an account, a second `run` for the
// same account waits as its standby: it says who holds the account, never
// logs in, and takes over (logs in and serves) once the first is killed.
func TestE2EStandby(t *testing.T) {
	t.Parallel()
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			e := newE2E(t)
			if store == "postgres" {
				e.db = pgtest.URL(t)
			}
			testStandby(t, e)
		})
	}
}

func testStandby(t *testing.T, e *e2e) {
	first := e.startChild(nil, fastPacing...)
	ctx := e.ctx(40 * time.Second)
	e.online(ctx, first, 1)

	second := e.startChild(nil, fastPacing...)
	e.eventually(ctx, "the second run says it stands by", func() (bool, string) {
		out := second.out.String()
		return strings.Contains(out, "待命") && strings.Contains(out, fmt.Sprintf("pid %d ", first.pid)), out
	})
	if !strings.Contains(second.errb.String(), "standby") {
		t.Errorf("the standby's log does not say it waits:\n%s", tail(second.errb.String(), 10))
	}
	if s := e.srv.Status(); s.Logins != 1 || !s.LoggedIn {
		t.Errorf("status %+v, want the first login only, still online", s)
	}
	jslogins := 0
	for _, r := range e.srv.Requests() {
		if strings.HasSuffix(r.Path, "/jslogin") {
			jslogins++
		}
	}
	if jslogins > 1 {
		t.Errorf("%d login attempts, want the first bot's only", jslogins)
	}

	first.kill()
	<-first.done
	if _, err := e.srv.WaitStatus(e.ctx(20*time.Second), func(s wechattest.Status) bool { return s.LoggedIn && s.Logins >= 2 }); err != nil {
		t.Fatalf("the standby never logged in: %v", err)
	}
	e.eventually(e.ctx(20*time.Second), "the standby says it is online", func() (bool, string) {
		return strings.Contains(second.out.String(), "已登录"), second.out.String()
	})
	if !strings.Contains(second.errb.String(), "took over") || !strings.Contains(second.errb.String(), fmt.Sprintf("pid %d", first.pid)) {
		t.Errorf("the standby did not say whose account it took over:\n%s", tail(second.errb.String(), 20))
	}
	e.stopClean(second)
}

// TestE2EKickRelogin: after WeChat ends the session (1101) the bot logs in
// again, everyone has new UserNames, and the next slot still reaches the
// subscribed group.
func TestE2EKickRelogin(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	const group = "幸福里业主群"
	if err := e.srv.AddGroup(wechattest.Group{Name: group, Saved: true, Members: []wechattest.Member{{ID: "li", Nick: "李阿姨"}}}); err != nil {
		t.Fatal(err)
	}
	e.subscribe(group, "* * * * * *")
	p := e.start(fastPacing...)
	ctx := e.ctx(45 * time.Second)
	e.online(ctx, p, 1)
	e.importPage("sample.txt", digest.SamplePage)
	before := e.reply(ctx, 0, "digest before the kick", toGroup(group, e2eHeader, sampleFirst))
	// Kick between slots: a kick while a send is in flight cancels the
	// request, which WeChat may already have accepted, and the sender
	// sends it again after the re-login.
	e.waitLedger(ctx, "digest recorded as sent", settled)

	if err := e.srv.Kick(1101); err != nil {
		t.Fatal(err)
	}
	e.online(ctx, p, 2)
	if !strings.Contains(p.out.String(), "已离线") {
		t.Errorf("stdout did not say it went offline: %q", p.out.String())
	}
	n := len(e.srv.Sent())
	e.importPage("extra.txt", extraPage)
	after := e.reply(ctx, n, "digest after the re-login", toGroup(group, e2eHeader, extraTitle))
	if after.ToUserName == before.ToUserName || after.ToUserName == "" {
		t.Errorf("sent to %q after the re-login, the same UserName as before (%q)", after.ToUserName, before.ToUserName)
	}
	if strings.Contains(after.Text, sampleFirst) {
		t.Errorf("the digest after the re-login repeats old items: %q", after.Text)
	}
	if d := digests(e.srv.Sent())[group]; d != 2 {
		t.Errorf("the group got %d digests, want 2", d)
	}
	e.stopClean(p)
}
