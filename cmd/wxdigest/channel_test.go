package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wxdigest/wxdigest/card"
	"github.com/wxdigest/wxdigest/digest"
)

// TestChannelCommands: adding, listing and removing WeCom channels, and
// subscribing through them, as an admin at the terminal would.
func TestChannelCommands(t *testing.T) {
	ta := newTestApp(t)
	const robotURL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
	for _, c := range []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"http on a public host", []string{"channel", "add", "--name", "r", "--wecom-robot", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}, exitUsage, "https"},
		{"loopback without --allow-private", []string{"channel", "add", "--name", "r", "--wecom-robot", "https://127.0.0.1/cgi-bin/webhook/send?key=k"}, exitUsage, "allow-private"},
		{"no key", []string{"channel", "add", "--name", "r", "--wecom-robot", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"}, exitUsage, "key"},
		{"both kinds", []string{"channel", "add", "--name", "r", "--wecom-robot", robotURL, "--wecom-corp", "ww"}, exitUsage, "exactly one"},
		{"the personal account's name", []string{"channel", "add", "--name", "wechat", "--wecom-robot", robotURL}, exitUsage, "personal WeChat"},
		{"corp without a secret", []string{"channel", "add", "--name", "t", "--wecom-corp", "ww", "--sender", "u"}, exitUsage, "--secret-file"},
		{"no name", []string{"channel", "remove"}, exitUsage, "--name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := ta.run("", c.args...)
			if r.code != c.code || !strings.Contains(r.stderr, c.err) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 {
				t.Fatalf("exit %d, stderr %q; want %d mentioning %q", r.code, r.stderr, c.code, c.err)
			}
		})
	}

	if r := ta.run("", "channel", "add", "--name", "和谐家园群", "--wecom-robot", robotURL); r.code != 0 || !strings.Contains(r.stdout, "已添加渠道：和谐家园群") {
		t.Fatalf("channel add: %+v", r)
	}
	secret := ta.file("secret", []byte("corp-s3cret\n"))
	if r := ta.run("", "channel", "add", "--name", "客户群", "--wecom-corp", "ww01", "--secret-file", secret, "--sender", "wangzhuren", "--chat-ids", "wrA, wrB"); r.code != 0 {
		t.Fatalf("channel add task: %+v", r)
	}
	r := ta.run("", "channel", "list", "--format", "json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || r.code != 0 {
		t.Fatalf("channel list: %v %+v", err, r)
	}
	if len(rows) != 2 || rows[0]["name"] != "和谐家园群" || rows[0]["kind"] != "wecom-robot" || rows[1]["kind"] != "wecom-task" ||
		rows[0]["enabled"] != true || rows[0]["last_error"] != "" {
		t.Fatalf("channel list rows %v", rows)
	}
	for _, k := range []string{"name", "kind", "target", "enabled", "last_error"} {
		if _, ok := rows[0][k]; !ok {
			t.Fatalf("row lacks %q: %v", k, rows[0])
		}
	}
	text := ta.run("", "channel", "list").stdout
	for _, out := range []string{r.stdout, text} {
		if strings.Contains(out, "693a91f6") || strings.Contains(out, "corp-s3cret") {
			t.Fatalf("a secret is printed:\n%s", out)
		}
	}
	if !strings.Contains(r.stdout, "…5aaa") || !strings.Contains(r.stdout, "chats=wrA,wrB") {
		t.Fatalf("targets: %s", r.stdout)
	}

	// Subscriptions through channels.
	if r := ta.run("", "sub", "add", "--channel", "无此渠道", "--at", "08:00"); r.code != exitFail || !strings.Contains(r.stderr, "channel add") {
		t.Fatalf("sub add to a missing channel: %+v", r)
	}
	if r := ta.run("", "sub", "add", "--channel", "客户群", "--at", "08:00", "--style", "image"); r.code != exitUsage || !strings.Contains(r.stderr, "text only") {
		t.Fatalf("image on a task channel: %+v", r)
	}
	if r := ta.run("", "sub", "add", "--channel", "和谐家园群", "--group", "x", "--at", "08:00"); r.code != exitUsage {
		t.Fatalf("--group and --channel together: %+v", r)
	}
	if r := ta.run("", "sub", "add", "--channel", "和谐家园群", "--at", "08:00", "--style", "video"); r.code != exitUsage || !strings.Contains(r.stderr, "--style") {
		t.Fatalf("bad style: %+v", r)
	}
	if r := ta.run("", "sub", "add", "--channel", "和谐家园群", "--at", "08:00", "--style", "both"); r.code != 0 || !strings.Contains(r.stdout, "渠道 和谐家园群") {
		t.Fatalf("sub add --channel: %+v", r)
	}
	if r := ta.run("", "sub", "add", "--channel", "客户群", "--at", "08:00,18:00"); r.code != 0 || !strings.Contains(r.stdout, "当月天数") {
		t.Fatalf("twice a day on a task channel should warn about the quota: %+v", r)
	}
	if r := ta.run("", "sub", "add", "--group", "和谐家园群", "--at", "09:00"); r.code != 0 {
		t.Fatalf("a WeChat group named like a channel: %+v", r)
	}
	var subs []map[string]any
	if err := json.Unmarshal([]byte(ta.run("", "sub", "list", "--format", "json").stdout), &subs); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, s := range subs {
		got[s["channel"].(string)+"/"+s["group"].(string)+"/"+s["style"].(string)] = true
	}
	for _, want := range []string{"和谐家园群/和谐家园群/both", "客户群/客户群/text", "wechat/和谐家园群/text"} {
		if !got[want] {
			t.Fatalf("sub list %v lacks %s", got, want)
		}
	}
	if r := ta.run("", "channel", "remove", "--name", "和谐家园群"); r.code != exitFail || !strings.Contains(r.stderr, "sub remove --channel 和谐家园群") {
		t.Fatalf("removing a channel in use: %+v", r)
	}
	if r := ta.run("", "sub", "remove", "--channel", "和谐家园群"); r.code != 0 {
		t.Fatalf("sub remove --channel: %+v", r)
	}
	if r := ta.run("", "channel", "remove", "--name", "和谐家园群"); r.code != 0 {
		t.Fatalf("channel remove: %+v", r)
	}
	// The WeChat group of the same name keeps its subscription.
	if out := ta.run("", "sub", "list").stdout; !strings.Contains(out, "和谐家园群\t") {
		t.Fatalf("sub list after removing the channel:\n%s", out)
	}
}

// TestDigestPNG: the day's image card from the CLI.
func TestDigestPNG(t *testing.T) {
	if !haveFont(t) {
		t.Skip("no CJK font here: install fonts-noto-cjk to draw image cards")
	}
	ta := newTestApp(t)
	page := ta.file("page.txt", []byte(digest.SamplePage))
	if r := ta.run("", "import", "--source", "中原区新闻", page); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	out := filepath.Join(ta.dir, "today.png")
	r := ta.run("", "digest", "--format", "png", "--out", out)
	if r.code != 0 || !strings.Contains(r.stdout, "5 条") {
		t.Fatalf("digest --format png: %+v", r)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1080 || b.Dy() < 1000 {
		t.Fatalf("card is %v", b)
	}
	if fi, _ := f.Stat(); fi.Size() > 2<<20 {
		t.Fatalf("card is %d bytes, over 2 MB", fi.Size())
	}
	if r := ta.run("", "digest", "--format", "png"); r.code != exitUsage || !strings.Contains(r.stderr, "--out") {
		t.Fatalf("png without --out: %+v", r)
	}
	if r := ta.run("", "digest", "--format", "gif"); r.code != exitUsage || !strings.Contains(r.stderr, "png") {
		t.Fatalf("unknown format: %+v", r)
	}
	missing := filepath.Join(ta.dir, "no-such-font.ttc")
	if r := ta.run("", "digest", "--format", "png", "--out", out, "--font", missing); r.code != exitFail || !strings.Contains(r.stderr, "no-such-font.ttc") {
		t.Fatalf("a missing font: %+v", r)
	}
}

// haveFont reports whether image cards can be drawn here. Without a CJK
// font the tests that draw are skipped, saying what to install, except
// where WXDIGEST_TEST_REQUIRE_FONT is set (.ci/run installs
// fonts-noto-cjk and sets it, so CI always draws).
func haveFont(t *testing.T) bool {
	t.Helper()
	if _, err := card.Load(""); err != nil {
		if os.Getenv("WXDIGEST_TEST_REQUIRE_FONT") != "" {
			t.Fatal(err)
		}
		return false
	}
	return true
}
