package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
	"github.com/wxdigest/wxdigest/digest"
)

// The web console in a real browser: Debian's headless Chromium driven
// through chromedp against `wxdigest run --http` and the fake WeChat server.
// Every page visited is kept as a full-page PNG for a person to look at.

const (
	// envRequireBrowser makes a missing Chromium a failure (.ci/run sets
	// it; so does CI=anything).
	envRequireBrowser = "WXDIGEST_TEST_REQUIRE_BROWSER"
	// envArtifacts is where the screenshots go; default
	// $TMPDIR/wxdigest-screenshots.
	envArtifacts = "WXDIGEST_TEST_ARTIFACTS"
)

// chromiumPath finds Chromium, or skips the test (fails it where a browser
// is required).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium on PATH or at /usr/bin/chromium: install it (Debian: apt-get install chromium) to run the console's browser test"
	if os.Getenv("CI") != "" || os.Getenv(envRequireBrowser) == "1" {
		t.Fatalf("%s (required here: CI or %s=1)", msg, envRequireBrowser)
	}
	t.Skip(msg)
	return ""
}

// screenshotDir is a fresh directory for this test's screenshots.
func screenshotDir(t *testing.T) string {
	t.Helper()
	root := os.Getenv(envArtifacts)
	if root == "" {
		root = filepath.Join(os.TempDir(), "wxdigest-screenshots")
	}
	dir := filepath.Join(root, t.Name())
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots: %s", dir)
	return dir
}

// browser is one headless Chromium tab on the console.
type browser struct {
	t     *testing.T
	ctx   context.Context // the tab
	base  string          // the console, ending in /
	dir   string          // where screenshots go
	shots int
	role  string // who is logged in, for screenshot names
}

// stepTimeout bounds one browser step (a page load, a click and the page it
// leads to, a screenshot).
const stepTimeout = 20 * time.Second

func newBrowser(t *testing.T, exe, base string, life context.Context) *browser {
	t.Helper()
	out := &syncBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("no-proxy-server", true), // everything is on 127.0.0.1
		chromedp.Flag("lang", "zh-CN"),
		chromedp.CombinedOutput(out),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(life, opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser to exit
		if t.Failed() {
			t.Logf("chromium output, last lines:\n%s", chromiumLog(out.String()))
		}
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v\n%s", exe, err, chromiumLog(out.String()))
	}
	return &browser{t: t, ctx: ctx, base: base, dir: screenshotDir(t)}
}

// chromiumLog is the end of Chromium's output without its complaints about
// the D-Bus a container does not have.
func chromiumLog(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if !strings.Contains(l, "dbus") {
			keep = append(keep, l)
		}
	}
	return tail(strings.Join(keep, "\n"), 30)
}

func (b *browser) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, stepTimeout)
}

// ok fails the test unless a page load answered 200.
func (b *browser) ok(what string, resp *network.Response, err error) {
	b.t.Helper()
	if err != nil {
		b.t.Fatalf("%s: %v\npage: %s", what, err, b.textOrErr())
	}
	if resp == nil || resp.Status != 200 {
		status := int64(0)
		if resp != nil {
			status = resp.Status
		}
		b.t.Fatalf("%s: HTTP %d\npage: %s", what, status, b.textOrErr())
	}
}

// open loads a console page.
func (b *browser) open(path string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+strings.TrimPrefix(path, "/")))
	b.ok("GET "+path, resp, err)
}

// text is what the page shows, as a person reads it.
func (b *browser) text() string {
	b.t.Helper()
	s, err := b.tryText()
	if err != nil {
		b.t.Fatalf("read the page: %v", err)
	}
	return s
}

func (b *browser) tryText() (string, error) {
	ctx, cancel := b.step()
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
}

func (b *browser) textOrErr() string {
	s, err := b.tryText()
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return tail(s, 30)
}

// sees fails the test unless the page shows every one of want.
func (b *browser) sees(what string, want ...string) {
	b.t.Helper()
	page := b.text()
	for _, w := range want {
		if !strings.Contains(page, w) {
			b.t.Fatalf("%s: the page does not show %q:\n%s", what, w, page)
		}
	}
}

// textOf is what the first element css selects shows.
func (b *browser) textOf(css string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("read %s: %v\npage: %s", css, err, b.textOrErr())
	}
	return s
}

// eval runs JavaScript in the page.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitPage reloads path until its text has every one of want and none of
// unwanted, or ctx ends.
func (b *browser) waitPage(ctx context.Context, what, path string, want, unwanted []string) {
	b.t.Helper()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		b.open(path)
		page := b.text()
		done := true
		for _, w := range want {
			done = done && strings.Contains(page, w)
		}
		for _, u := range unwanted {
			done = done && !strings.Contains(page, u)
		}
		if done {
			return
		}
		select {
		case <-ctx.Done():
			b.t.Fatalf("%s: never happened; %s shows:\n%s", what, path, page)
		case <-tick.C:
		}
	}
}

// shot keeps a full-page PNG of what the browser shows.
func (b *browser) shot(name string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.shots++
	file := fmt.Sprintf("%02d-%s-%s.png", b.shots, b.role, name)
	if err := os.WriteFile(filepath.Join(b.dir, file), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// visit opens a page and keeps its screenshot.
func (b *browser) visit(path, name string) {
	b.t.Helper()
	b.open(path)
	b.shot(name)
}

// click clicks what sel finds and waits for the page it leads to (a form's
// submit button, a link).
func click[S chromedp.Selectable](b *browser, what string, sel S) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(sel))
	b.ok(what, resp, err)
}

// typeText replaces a field's value with text, entered as an input method
// or a paste does.
func typeText[S chromedp.Selectable](b *browser, sel S, text string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Focus(sel),
		chromedp.Evaluate[chromedp.Void](`document.activeElement.select()`), // what is there is replaced
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
			return err
		}),
	)
	if err != nil {
		b.t.Fatalf("type into %v: %v", sel, err)
	}
}

// do runs actions that stay on the page.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v\npage: %s", what, err, b.textOrErr())
	}
}

// login signs in through the login page the console sends strangers to.
func (b *browser) login(role, name, password string) {
	b.t.Helper()
	b.role = role
	b.open("/")
	b.sees("the console sends a stranger to log in", "用户名", "密码")
	b.shot("login")
	typeText(b, chromedp.CSS(`input[name=name]`), name)
	typeText(b, chromedp.CSS(`input[name=password]`), password)
	click(b, "log in as "+name, chromedp.CSS(`form[action="/login"] button[type=submit]`))
	b.sees("logged in", name, "今日稿件", "退出")
}

func (b *browser) logout() {
	b.t.Helper()
	click(b, "log out", chromedp.CSS(`form.me button[type=submit]`))
	b.sees("logged out", "用户名", "密码")
}

// phone makes the viewport a phone's (390×844 CSS pixels, 2× pixels), or
// a desktop's again.
func (b *browser) phone(on bool) {
	b.t.Helper()
	if on {
		b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)))
		return
	}
	b.do("desktop viewport", chromedp.ResetViewport())
}

// consoleURL is where the bot says it serves the console.
func consoleURL(ctx context.Context, t *testing.T, p *botProc) string {
	t.Helper()
	re := regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/`)
	for {
		if u := re.FindString(p.out.String()); u != "" {
			return u
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the bot never said where its console is:\nstdout: %s\nstderr: %s", p.out.String(), tail(p.errb.String(), 20))
		case <-p.done:
			t.Fatalf("bot exited %d: %s", p.code, tail(p.errb.String(), 20))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestBrowserConsole: a staff member pastes the day's page, checks the
// parsed articles beside the text, imports them and fixes a lead; an admin
// subscribes a group with approval; the slot is held until the staff member
// approves the digest (with the fixed lead) in the browser, and 发送记录
// then shows it sent, as WeChat received it.
func TestBrowserConsole(t *testing.T) {
	exe := chromiumPath(t)
	t.Parallel()
	e := newE2E(t)
	const (
		group     = "幸福里业主群"
		staffName = "王晓"
		adminName = "赵敏"
		// The third article of the sample page, and the lead staff give it.
		fixTitle = "区领导调研企业复工情况"
		fixLead  = "2月9日，中原区委常委、常务副区长刘斌带队，到区内重点项目实地调研复工情况。"
	)
	began := time.Now()
	if err := e.srv.AddGroup(wechattest.Group{Name: group, Saved: true, Members: []wechattest.Member{{ID: "li", Nick: "李阿姨"}}}); err != nil {
		t.Fatal(err)
	}
	passwords := map[string]string{}
	for _, u := range []struct{ name, role string }{{staffName, "staff"}, {adminName, "admin"}} {
		pw := u.role + "-的密码-2024"
		f := filepath.Join(e.dir, u.role+".password")
		if err := os.WriteFile(f, []byte(pw+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		e.cli("user", "add", "--name", u.name, "--role", u.role, "--password-file", f)
		passwords[u.name] = pw
	}
	p := e.start(slices.Concat(fastPacing, []string{"--http", "127.0.0.1:0"})...)
	ctx := e.ctx(85 * time.Second)
	e.online(ctx, p, 1)
	b := newBrowser(t, exe, consoleURL(ctx, t, p), ctx)

	want, err := digest.ParsePage(digest.SamplePage)
	if err != nil || len(want) < 3 {
		t.Fatalf("the sample page parses to %d articles: %v", len(want), err)
	}
	var oldLead string // as a digest shows it
	for _, a := range want {
		if a.Title == fixTitle {
			oldLead = digest.Readable(a.Lead)
		}
	}
	if oldLead == "" {
		t.Fatalf("the sample page has no article %q", fixTitle)
	}

	// Staff: paste the page, check what was parsed, import, fix a lead.
	b.login("staff", staffName, passwords[staffName])
	b.sees("今日稿件 before a page", "导入版面", "这一天还没有稿件")
	b.shot("articles-empty")
	typeText(b, chromedp.CSS(`form[action="/articles/parse"] input[name=source]`), e2eSource)
	typeText(b, chromedp.CSS(`form[action="/articles/parse"] textarea[name=text]`), digest.SamplePage)
	b.shot("articles-pasted")
	click(b, "parse the page", chromedp.CSS(`form[action="/articles/parse"] button[type=submit]`))
	b.sees("parsed", fmt.Sprintf("识别结果：%d 篇", len(want)))
	titles := eval[[]string](b, `[...document.querySelectorAll('fieldset.article input[name=title]')].map(e => e.value)`)
	leads := eval[[]string](b, `[...document.querySelectorAll('fieldset.article textarea[name=lead]')].map(e => e.value)`)
	if len(titles) != len(want) || len(leads) != len(want) {
		t.Fatalf("parsed %d titles and %d leads, want %d of each", len(titles), len(leads), len(want))
	}
	for i, a := range want {
		if titles[i] != a.Title || leads[i] != a.Lead {
			t.Errorf("parsed article %d: title %q lead %q, want %q and %q", i+1, titles[i], leads[i], a.Title, a.Lead)
		}
	}
	if !eval[bool](b, `(() => {
		const o = document.querySelector('.split pre.original').getBoundingClientRect();
		const f = document.querySelector('.split fieldset.article').getBoundingClientRect();
		return o.width > 0 && f.width > 0 && o.right <= f.left && o.top < f.bottom && f.top < o.bottom;
	})()`) {
		t.Errorf("on a desktop screen the parsed articles are not beside the page's text")
	}
	b.shot("articles-parsed")
	click(b, "import", chromedp.CSS(`form[action="/articles/import"] > button[type=submit]`))
	b.sees("imported", fmt.Sprintf("已导入：新稿件 %d 篇，已有 0 篇。", len(want)))
	stored := func() map[string]string {
		t.Helper()
		rows := eval[[][]string](b, `[...document.querySelectorAll('details.article summary')].map(s => [s.querySelector('b').textContent, s.querySelector('.lead').textContent])`)
		m := map[string]string{}
		for _, r := range rows {
			m[r[0]] = r[1]
		}
		return m
	}
	got := stored()
	for _, a := range want {
		if got[a.Title] != a.Lead {
			t.Errorf("stored %q with lead %q, want %q", a.Title, got[a.Title], a.Lead)
		}
	}
	b.shot("articles-imported")

	item := `//details[contains(concat(' ', @class, ' '), ' article ')][summary/b[normalize-space()='` + fixTitle + `']]`
	b.do("open the article", chromedp.Click(chromedp.Search(item+`/summary`)))
	typeText(b, chromedp.Search(item+`//form[contains(@action, '/edit')]//textarea[@name='lead']`), fixLead)
	b.shot("articles-editing")
	click(b, "save the lead", chromedp.Search(item+`//form[contains(@action, '/edit')]//button[@type='submit']`))
	b.sees("lead saved", "已保存修改。", fixLead)
	if got := stored()[fixTitle]; got != fixLead {
		t.Fatalf("after the edit %q has lead %q, want %q", fixTitle, got, fixLead)
	}
	b.shot("articles-edited")
	b.visit("/preview", "preview-unsubscribed")
	b.visit("/subscriptions", "subscriptions")
	b.logout()

	// Admin: subscribe the group with approval, a slot a few seconds ahead.
	b.login("admin", adminName, passwords[adminName])
	// 账号: the console's users; add one through the form.
	b.visit("/users", "users")
	b.sees("账号", staffName, adminName, "添加账号", "重设密码")
	typeText(b, chromedp.CSS(`form[action="/users/add"] input[name=name]`), "李明")
	typeText(b, chromedp.CSS(`form[action="/users/add"] input[name=password]`), "li-ming-的密码-1")
	typeText(b, chromedp.CSS(`form[action="/users/add"] input[name=password2]`), "li-ming-的密码-1")
	click(b, "add a console user", chromedp.CSS(`form[action="/users/add"] button[type=submit]`))
	b.sees("user added", "已添加账号。", "李明", "工作人员")
	b.shot("users-added")
	b.visit("/subscriptions", "subscriptions-empty")
	b.sees("订阅 as admin", "添加或修改订阅", "发送前需要工作人员审核")
	typeText(b, chromedp.CSS(`form[action="/subscriptions"] input[name=group]`), group)
	slotIn := 8 * time.Second
	slotAt := time.Now().Add(slotIn).Truncate(time.Second) // the spec has whole seconds
	typeText(b, chromedp.CSS(`form[action="/subscriptions"] input[name=cron]`), e.slotAhead(slotIn))
	b.do("ask for approval", chromedp.Click(chromedp.CSS(`form[action="/subscriptions"] input[name=approve]`)))
	if !eval[bool](b, `document.querySelector('form[action="/subscriptions"] input[name=approve]').checked`) {
		t.Fatal("the approval box did not tick")
	}
	click(b, "subscribe", chromedp.CSS(`form[action="/subscriptions"] > button[type=submit]`))
	if time.Now().After(slotAt) {
		t.Fatalf("subscribing took past the slot (%s)", slotIn)
	}
	b.sees("subscribed", "已保存订阅。", group, "需要审核")
	b.shot("subscriptions-added")
	b.visit("/preview", "preview-before-slot")
	b.sees("the digest to approve", e2eHeader, fixLead, "待审核", "审核通过")
	b.visit("/push", "push")
	b.visit("/sources", "sources")
	b.visit("/roles", "roles")
	b.visit("/audit", "audit")
	b.sees("audit", "保存订阅", "导入稿件") // subscribe, article.import
	b.visit("/bot-login", "bot-login")
	b.sees("登录状态", "已登录")

	// The slot comes and is held: admins are told, the group gets nothing.
	held := e.reply(ctx, 0, "the slot held for approval, admins told", func(m wechattest.SentMessage) bool {
		return m.Kind == wechattest.KindSelf && strings.Contains(m.Text, "待审核") && strings.Contains(m.Text, group)
	})
	t.Logf("held %s after the slot: %q", held.Time.Sub(slotAt).Round(time.Millisecond), held.Text)
	for _, m := range e.srv.Sent() {
		if m.Kind == wechattest.KindGroup {
			t.Fatalf("the group got a message before approval: %q", m.Text)
		}
	}
	b.visit("/deliveries", "deliveries-held")
	b.sees("发送记录 while held", "等待审核", group)
	b.logout()

	// Staff approve it from 发送记录.
	b.login("staff", staffName, passwords[staffName])
	b.visit("/deliveries", "deliveries-held")
	b.sees("发送记录 while held", "等待审核", group, "看摘要并审核")
	click(b, "看摘要并审核", chromedp.Search(`//a[normalize-space()='看摘要并审核']`))
	b.sees("the digest to approve", e2eHeader, fixLead, "待审核")
	if page := b.text(); strings.Contains(page, oldLead) {
		t.Errorf("摘要预览 still shows the old lead:\n%s", page)
	}
	b.shot("preview-held")
	click(b, "approve", chromedp.CSS(`form[action="/approvals"] button[type=submit]`))
	approvedAt := time.Now()
	b.sees("approved", "已审核通过")
	// The approval box says it was approved, and once the slot is in the
	// ledger (it may already be) how the sending went; never that the
	// digest changed, nor that the day has nothing to send.
	box := b.textOf(".approval")
	t.Logf("after approving, 摘要预览's approval box says %q", box)
	if !strings.Contains(box, "已审核") || !strings.Contains(box, staffName) {
		t.Errorf("after approving, the approval box says %q, want 已审核 by %s", box, staffName)
	}
	for _, bad := range []string{"待审核", "需要重新审核"} {
		if strings.Contains(box, bad) {
			t.Errorf("after approving, the approval box says %q", box)
		}
	}
	if page := b.text(); strings.Contains(page, "定时推送会跳过") {
		t.Errorf("after approving, 摘要预览 says the slot will be skipped:\n%s", page)
	}
	b.shot("preview-approved")

	// It goes out: 发送记录 says so, and WeChat has it in the group.
	b.waitPage(ctx, "发送记录 shows the digest sent", "/deliveries",
		[]string{group, "已发送"}, []string{"等待审核", "待发送", "发送失败"})
	t.Logf("sent %s after the approval", time.Since(approvedAt).Round(time.Millisecond))
	b.shot("deliveries-sent")
	m := e.reply(ctx, 0, "the digest in the group", toGroup(group, e2eHeader))
	for _, w := range []string{fixLead, sampleFirst} {
		if !strings.Contains(m.Text, w) {
			t.Errorf("the group got %q, want %q in it", m.Text, w)
		}
	}
	if strings.Contains(m.Text, oldLead) {
		t.Errorf("the group got the old lead: %q", m.Text)
	}
	b.visit("/audit", "audit")
	if log := b.textOf("table"); !strings.Contains(log, "审核通过") || !strings.Contains(log, staffName) {
		t.Errorf("审计日志 does not show %s's approval:\n%s", staffName, log)
	}
	b.visit("/push", "push")
	b.visit("/sources", "sources")

	// The same pages on a phone.
	b.phone(true)
	for _, pg := range []struct{ path, name string }{
		{"/articles", "articles"}, {"/preview", "preview"}, {"/subscriptions", "subscriptions"}, {"/deliveries", "deliveries"},
	} {
		b.visit(pg.path, "phone-"+pg.name)
		if w := eval[int](b, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
			t.Errorf("phone: %s is %d px wider than the screen", pg.path, w)
		}
		// Each menu entry on one line.
		if bad := eval[[]string](b, `[...document.querySelectorAll('header.top nav a')].filter(a => a.getClientRects().length > 1 || a.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(a).lineHeight)).map(a => a.textContent)`); len(bad) > 0 {
			t.Errorf("phone: %s: menu entries broken over lines: %q", pg.path, bad)
		}
	}
	b.phone(false)
	b.logout()
	b.role = "anon"
	b.phone(true)
	b.visit("/login", "phone-login")
	b.phone(false)

	e.stopClean(p)
	t.Logf("%d screenshots in %s; the story took %s", b.shots, b.dir, time.Since(began).Round(time.Millisecond))
}

// TestBrowserBotLogin: an admin logs the bot in from the browser — the
// 登录状态 page draws the login QR code while a scan is awaited (staff do
// not see the page), and shows the account online once the phone
// confirms.
func TestBrowserBotLogin(t *testing.T) {
	exe := chromiumPath(t)
	t.Parallel()
	e := newE2E(t)
	// A fake that waits for the phone: the login stays at the QR code until
	// Confirm.
	srv := wechattest.New(wechattest.Options{ManualConfirm: true})
	e.srv, e.url = srv, srv.StartTest()
	t.Cleanup(srv.Close)
	passwords := map[string]string{"赵敏": "admin-的密码-2024", "王晓": "staff-的密码-2024"}
	for name, pw := range passwords {
		role := "admin"
		if name == "王晓" {
			role = "staff"
		}
		f := filepath.Join(e.dir, role+".password")
		if err := os.WriteFile(f, []byte(pw+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		e.cli("user", "add", "--name", name, "--role", role, "--password-file", f)
	}
	p := e.start(slices.Concat(fastPacing, []string{"--http", "127.0.0.1:0"})...)
	ctx := e.ctx(60 * time.Second)
	b := newBrowser(t, exe, consoleURL(ctx, t, p), ctx)

	b.login("staff", "王晓", passwords["王晓"])
	if strings.Contains(b.text(), "登录状态") {
		t.Error("staff see the 登录状态 menu entry")
	}
	// A 403 page: opened without open's check for 200.
	b.do("staff open the login page", chromedp.Navigate(b.base+"bot-login"))
	b.sees("staff are refused the login page", "管理员")
	b.shot("bot-login-refused")
	b.logout()

	b.login("admin", "赵敏", passwords["赵敏"])
	b.open("/bot-login")
	b.sees("the QR code while a scan is awaited", "请用机器人账号的微信扫码登录", "没有登录")
	if w := eval[float64](b, `(() => { const i = document.querySelector('img.qr'); return i && i.complete ? i.naturalWidth : 0 })()`); w < 100 {
		t.Fatalf("the QR image is %v px wide, want a drawn code", w)
	}
	b.shot("bot-login-qr")
	b.phone(true)
	b.open("/bot-login")
	b.shot("phone-bot-login-qr")
	b.phone(false)

	// The phone scans and confirms.
	srv.Confirm()
	e.online(ctx, p, 1)
	b.open("/bot-login")
	b.sees("online after the scan", "已登录")
	if strings.Contains(b.text(), "请用机器人账号的微信扫码登录") {
		t.Error("the QR code is still offered after login")
	}
	b.shot("bot-login-online")
	e.stopClean(p)
}
