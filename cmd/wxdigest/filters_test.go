package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wxdigest/wxdigest/digest"
)

// TestSubscriptionFiltersAndPreview: a subscription takes only some items,
// and digest --group/--channel shows exactly what its next slot sends.
func TestSubscriptionFiltersAndPreview(t *testing.T) {
	ta := newTestApp(t)
	page := ta.file("page.txt", []byte(digest.SamplePage))
	if r := ta.run("", "import", "--source", "中原区新闻", page); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	if r := ta.run("", "sub", "add", "--group", "少年群", "--at", "08:00", "--include", "好少年，研发"); r.code != 0 {
		t.Fatalf("sub add: %+v", r)
	}
	if r := ta.run("", "sub", "add", "--group", "无会议群", "--at", "08:00", "--exclude", "推进会,培训会", "--source", "中原区新闻,郑州日报"); r.code != 0 {
		t.Fatalf("sub add: %+v", r)
	}
	if r := ta.run("", "sub", "add", "--group", "他报群", "--at", "08:00", "--source", "郑州日报"); r.code != 0 {
		t.Fatalf("sub add: %+v", r)
	}
	var subs []struct {
		Group            string
		Source           string
		Include, Exclude []string
	}
	if err := json.Unmarshal([]byte(ta.run("", "sub", "list", "--format", "json").stdout), &subs); err != nil {
		t.Fatal(err)
	}
	byGroup := map[string]int{}
	for i, s := range subs {
		byGroup[s.Group] = i
	}
	if s := subs[byGroup["少年群"]]; strings.Join(s.Include, "|") != "好少年|研发" || len(s.Exclude) != 0 {
		t.Fatalf("少年群 = %+v", s)
	}
	if s := subs[byGroup["无会议群"]]; s.Source != "中原区新闻,郑州日报" || strings.Join(s.Exclude, "|") != "推进会|培训会" {
		t.Fatalf("无会议群 = %+v", s)
	}

	young := ta.run("", "digest", "--group", "少年群").stdout
	if !strings.Contains(young, "1. 中原区2022年度“新时代好少年”颁奖典礼举行") || !strings.Contains(young, "2. 中原区举办研发费用入统业务培训会") ||
		strings.Contains(young, "项目观摩") {
		t.Fatalf("少年群's digest:\n%s", young)
	}
	nomeet := ta.run("", "digest", "--group", "无会议群").stdout
	if strings.Contains(nomeet, "推进会") || strings.Contains(nomeet, "培训会") || !strings.Contains(nomeet, "好少年") {
		t.Fatalf("无会议群's digest:\n%s", nomeet)
	}
	if r := ta.run("", "digest", "--group", "他报群"); r.code != 0 || !strings.Contains(r.stdout, "没有新内容") {
		t.Fatalf("他报群's digest: %+v", r)
	}
	var js struct {
		IDs   []int64
		Parts []string
		Kinds []string
	}
	if err := json.Unmarshal([]byte(ta.run("", "digest", "--group", "少年群", "--format", "json").stdout), &js); err != nil {
		t.Fatal(err)
	}
	if len(js.IDs) != 2 || len(js.Parts) != 1 || js.Kinds[0] != "text" {
		t.Fatalf("json preview %+v", js)
	}
	// A robot channel: its style and byte limit.
	if r := ta.run("", "channel", "add", "--name", "机器人", "--wecom-robot", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdef"); r.code != 0 {
		t.Fatalf("channel add: %+v", r)
	}
	if r := ta.run("", "sub", "add", "--channel", "机器人", "--at", "08:00", "--style", "both"); r.code != 0 {
		t.Fatalf("sub add --channel: %+v", r)
	}
	robot := ta.run("", "digest", "--channel", "机器人").stdout
	if !strings.HasPrefix(robot, "［早报图 1/1：5 条］") || !strings.Contains(robot, "【中原区新闻】") {
		t.Fatalf("robot preview:\n%s", robot)
	}
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"digest", "--group", "无此群"}, exitFail, "no subscription"},
		{[]string{"digest", "--channel", "无此渠道"}, exitFail, "no channel"},
		{[]string{"digest", "--group", "a", "--channel", "b"}, exitUsage, "not both"},
	} {
		if r := ta.run("", c.args...); r.code != c.code || !strings.Contains(r.stderr, c.err) {
			t.Fatalf("%v: %+v", c.args, r)
		}
	}
}
