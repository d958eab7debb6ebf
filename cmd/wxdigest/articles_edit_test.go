package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/wxdigest/wxdigest/digest"
)

// TestArticlesEditDelete: staff correct and withdraw items from the
// command line; the digest, the listing and search follow, and each
// change is audited.
func TestArticlesEditDelete(t *testing.T) {
	ta := newTestApp(t)
	page := ta.file("page.txt", []byte(digest.SamplePage))
	if r := ta.run("", "import", "--source", "中原区新闻", page); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	list := func() []articleJSON {
		t.Helper()
		var out struct{ Articles []articleJSON }
		r := ta.run("", "articles", "--format", "json")
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("articles json: %v\n%s", err, r.stdout)
		}
		return out.Articles
	}
	arts := list()
	if len(arts) != 5 {
		t.Fatalf("%d articles", len(arts))
	}
	id := func(i int) string { return itoa(arts[i].ID) }

	const lead = "2月11日，中原区举行项目观摩活动。"
	r := ta.run("", "articles", "edit", "--id", id(0), "--lead", lead, "--byline", "")
	if r.code != 0 || !strings.Contains(r.stdout, "已修改") {
		t.Fatalf("edit: %+v", r)
	}
	now := list()
	if now[0].Lead != lead || now[0].Byline != "" || now[0].Title != arts[0].Title {
		t.Fatalf("after edit: %+v", now[0])
	}
	if d := ta.run("", "digest").stdout; !strings.Contains(d, lead) {
		t.Fatalf("the digest does not carry the new lead:\n%s", d)
	}
	r = ta.run("", "articles", "edit", "--id", id(1), "--title", "新时代好少年颁奖典礼")
	if r.code != 0 {
		t.Fatalf("edit title: %+v", r)
	}
	if s := ta.run("", "search", "好少年颁奖典礼").stdout; !strings.Contains(s, "新时代好少年颁奖典礼") {
		t.Fatalf("search does not follow the edit:\n%s", s)
	}

	r = ta.run("", "articles", "delete", "--id", id(2))
	if r.code != 0 || !strings.Contains(r.stdout, "已撤下") {
		t.Fatalf("delete: %+v", r)
	}
	if now := list(); len(now) != 4 {
		t.Fatalf("%d articles after a withdrawal, want 4", len(now))
	}
	if d := ta.run("", "digest").stdout; strings.Contains(d, arts[2].Title) {
		t.Fatalf("the digest still has the withdrawn item:\n%s", d)
	}
	// Importing the page again does not bring it back.
	if r := ta.run("", "import", "--source", "中原区新闻", page); !strings.Contains(r.stdout, "0 new") {
		t.Fatalf("re-import: %+v", r)
	}
	if now := list(); len(now) != 4 {
		t.Fatalf("a re-import brought the withdrawn item back: %d articles", len(now))
	}

	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"articles", "edit", "--lead", "x"}, exitUsage, "--id"},
		{[]string{"articles", "edit", "--id", id(0)}, exitUsage, "nothing to change"},
		{[]string{"articles", "edit", "--id", id(0), "--title", "  "}, exitUsage, "empty title"},
		{[]string{"articles", "edit", "--id", "99999", "--title", "x"}, exitFail, "no article with id 99999"},
		{[]string{"articles", "delete", "--id", id(2)}, exitFail, "already withdrawn"},
		{[]string{"articles", "edit", "--id", id(2), "--title", "x"}, exitFail, "withdrawn"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := ta.run("", c.args...)
			if r.code != c.code || !strings.Contains(r.stderr, c.err) {
				t.Fatalf("exit %d, stderr %q; want %d with %q", r.code, r.stderr, c.code, c.err)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
