package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/digest"
)

// testApp runs commands with a fixed clock and a private environment.
type testApp struct {
	t   *testing.T
	env map[string]string
	now time.Time
	dir string
}

func newTestApp(t *testing.T) *testApp {
	t.Helper()
	dir := t.TempDir()
	return &testApp{
		t:   t,
		dir: dir,
		env: map[string]string{"WXDIGEST_DB": filepath.Join(dir, "test.db")},
		// 17:30 UTC on the 12th is already the 13th in Asia/Shanghai.
		now: time.Date(2023, 2, 12, 17, 30, 0, 0, time.UTC),
	}
}

type result struct {
	code           int
	stdout, stderr string
}

func (ta *testApp) run(stdin string, args ...string) result {
	ta.t.Helper()
	var out, errb bytes.Buffer
	a := &app{
		stdin:  strings.NewReader(stdin),
		stdout: &out,
		stderr: &errb,
		getenv: func(k string) string { return ta.env[k] },
		now:    func() time.Time { return ta.now },
	}
	code := a.main(context.Background(), args)
	return result{code, out.String(), errb.String()}
}

func (ta *testApp) file(name string, content []byte) string {
	ta.t.Helper()
	p := filepath.Join(ta.dir, name)
	if err := os.WriteFile(p, content, 0o644); err != nil {
		ta.t.Fatal(err)
	}
	return p
}

func (ta *testApp) sample() string {
	return ta.file("page.txt", []byte(digest.SamplePage))
}

func TestParseJSON(t *testing.T) {
	ta := newTestApp(t)
	r := ta.run("", "parse", ta.sample(), "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var out struct {
		Articles []map[string]string `json:"articles"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	if len(out.Articles) != 5 {
		t.Fatalf("got %d articles, want 5", len(out.Articles))
	}
	keys := []string{"kicker", "title", "subtitle", "dateline", "byline", "lead", "body"}
	for i, a := range out.Articles {
		for _, k := range keys {
			if _, ok := a[k]; !ok {
				t.Errorf("article %d: missing key %q", i, k)
			}
		}
		if len(a) != len(keys) {
			t.Errorf("article %d: %d keys, want %d", i, len(a), len(keys))
		}
	}
	first := out.Articles[0]
	if first["dateline"] != "本报讯" || first["byline"] != "记者 鲁燕 通讯员 木坤坤" {
		t.Errorf("first article dateline/byline = %q / %q", first["dateline"], first["byline"])
	}
	if !strings.HasPrefix(first["lead"], "2月11日,中原区举行2023年第二次项目观摩活动") {
		t.Errorf("first lead = %q", first["lead"])
	}
	last := out.Articles[4]
	if last["kicker"] != "不断加大研发投入 提高科技创新能力" || last["title"] != "中原区举办研发费用入统业务培训会" {
		t.Errorf("last kicker/title = %q / %q", last["kicker"], last["title"])
	}
}

func TestParseText(t *testing.T) {
	ta := newTestApp(t)
	r := ta.run("", "parse", ta.sample())
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"[1] ", "[5] 中原区举办研发费用入统业务培训会", "导语：", "署名：记者 鲁燕"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestBadInput(t *testing.T) {
	ta := newTestApp(t)
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(i*131 + i*i*7 + 3)
	}
	cases := []struct {
		name string
		path string
		want string
	}{
		{"empty", ta.file("empty.txt", nil), "empty.txt"},
		{"random bytes", ta.file("random.bin", random), "random.bin"},
		{"directory", ta.dir, ta.dir},
		{"missing", filepath.Join(ta.dir, "nope.txt"), "nope.txt: no such file"},
		{"no article", ta.file("prose.txt", []byte("今天天气很好。\n我们去公园散步。\n")), "prose.txt"},
	}
	for _, c := range cases {
		for _, cmd := range []string{"parse", "import"} {
			t.Run(c.name+"/"+cmd, func(t *testing.T) {
				r := ta.run("", cmd, c.path)
				if r.code != 1 {
					t.Fatalf("exit %d, want 1 (stderr %q)", r.code, r.stderr)
				}
				if strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, c.want) {
					t.Errorf("stderr %q: want one line naming %q", r.stderr, c.want)
				}
				if r.stdout != "" {
					t.Errorf("stdout %q, want nothing", r.stdout)
				}
			})
		}
	}
}

func TestUsage(t *testing.T) {
	ta := newTestApp(t)
	cases := [][]string{
		{},
		{"nonsense"},
		{"parse"},
		{"parse", "a", "b"},
		{"parse", ta.sample(), "--format", "xml"},
		{"import"},
		{"import", "--date", "2023-13-01", ta.sample()},
		{"digest", "--date", "yesterday"},
		{"digest", "--budget", "x"},
		{"search"},
		{"search", "--limit", "0", "项目"},
		{"articles", "--bogus"},
	}
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := ta.run("", args...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2 (stderr %q)", r.code, r.stderr)
			}
			if r.stderr == "" {
				t.Error("no message on stderr")
			}
		})
	}
	if r := ta.run("", "help"); r.code != 0 || !strings.Contains(r.stdout, "import") {
		t.Errorf("help: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestImportTwiceAndDigest(t *testing.T) {
	ta := newTestApp(t)
	page := ta.sample()
	if r := ta.run("", "import", page); r.code != 0 || r.stdout != "5 new, 0 already stored\n" {
		t.Fatalf("first import: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	if r := ta.run("", "import", page); r.code != 0 || r.stdout != "0 new, 5 already stored\n" {
		t.Fatalf("second import: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}

	// The clock says 2023-02-13 in Shanghai (still the 12th in UTC).
	r := ta.run("", "digest", "--format", "json")
	if r.code != 0 {
		t.Fatalf("digest: exit %d: %s", r.code, r.stderr)
	}
	var d struct {
		Date  string `json:"date"`
		Items []struct {
			ID     int64  `json:"id"`
			Title  string `json:"title"`
			Lead   string `json:"lead"`
			Byline string `json:"byline"`
			Source string `json:"source"`
		} `json:"items"`
		Parts []string `json:"parts"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	if d.Date != "2023-02-13" || len(d.Items) != 5 || len(d.Parts) == 0 {
		t.Fatalf("digest: date %q, %d items, %d parts", d.Date, len(d.Items), len(d.Parts))
	}
	if d.Items[0].ID == 0 || d.Items[0].Source != "本报" || d.Items[0].Byline != "记者 鲁燕 通讯员 木坤坤" {
		t.Errorf("item 1 = %+v", d.Items[0])
	}
	if !strings.Contains(d.Parts[0], "2023年2月13日 星期一") {
		t.Errorf("part 1 lacks the date header: %q", d.Parts[0])
	}

	text := ta.run("", "digest", "--budget", "300")
	if text.code != 0 || !strings.Contains(text.stdout, "（1/") {
		t.Errorf("digest --budget 300: exit %d, output %q", text.code, text.stdout)
	}
}

func TestEmptyDay(t *testing.T) {
	ta := newTestApp(t)
	r := ta.run("", "digest", "--date", "2023-03-01")
	if r.code != 0 || !strings.Contains(r.stdout, "2023年3月1日 暂无新闻") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = ta.run("", "articles", "--date", "2023-03-01")
	if r.code != 0 || !strings.Contains(r.stdout, "2023年3月1日 暂无新闻") {
		t.Fatalf("articles: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestImportIsAtomic(t *testing.T) {
	ta := newTestApp(t)
	bad := ta.file("bad.txt", nil)
	r := ta.run("", "import", ta.sample(), bad)
	if r.code != 1 || !strings.Contains(r.stderr, "bad.txt") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	r = ta.run("", "articles", "--format", "json", "--date", "2023-02-13")
	if r.code != 0 || !strings.Contains(r.stdout, `"articles": []`) {
		t.Fatalf("store not empty after failed import: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
}

func TestImportStdinAndArticles(t *testing.T) {
	ta := newTestApp(t)
	r := ta.run(digest.SamplePage, "import", "--date", "2023-02-14", "--source", "中原区新闻", "-")
	if r.code != 0 || r.stdout != "5 new, 0 already stored\n" {
		t.Fatalf("import -: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	r = ta.run("", "articles", "--date", "2023-02-14", "--format", "json")
	var out struct {
		Articles []articleJSON `json:"articles"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Articles) != 5 {
		t.Fatalf("articles: %v, %d articles\n%s", err, len(out.Articles), r.stdout)
	}
	for _, a := range out.Articles {
		if a.Date != "2023-02-14" || a.Source != "中原区新闻" || a.ID == 0 || a.Body == "" {
			t.Errorf("article %+v", a)
		}
	}
	if r := ta.run("", "articles", "--date", "2023-02-14"); !strings.Contains(r.stdout, "导语：") {
		t.Errorf("text articles: %q", r.stdout)
	}
}

func TestSearch(t *testing.T) {
	ta := newTestApp(t)
	if r := ta.run("", "import", ta.sample()); r.code != 0 {
		t.Fatalf("import: %s", r.stderr)
	}
	cases := []struct {
		query string
		title string
	}{
		{"好少年", "新时代好少年"},
		{"人才", "人才住房保障"},
		{"研发", "研发费用"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			r := ta.run("", "search", c.query)
			if r.code != 0 || !strings.Contains(r.stdout, c.title) || !strings.Contains(r.stdout, "2023-02-13") {
				t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
		})
	}
	if r := ta.run("", "search", "不存在的词语"); r.code != 0 || !strings.Contains(r.stdout, "没有找到") {
		t.Errorf("no hits: exit %d, %q", r.code, r.stdout)
	}
}

func TestReindex(t *testing.T) {
	ta := newTestApp(t)
	if r := ta.run("", "import", ta.sample()); r.code != 0 {
		t.Fatalf("import: %s", r.stderr)
	}
	if r := ta.run("", "reindex"); r.code != 0 || !strings.Contains(r.stdout, "已重建搜索索引") {
		t.Fatalf("reindex: exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
	if r := ta.run("", "search", "好少年"); r.code != 0 || !strings.Contains(r.stdout, "新时代好少年") {
		t.Errorf("search after reindex: exit %d, %q", r.code, r.stdout)
	}
	if r := ta.run("", "reindex", "extra"); r.code != 2 {
		t.Errorf("reindex with an argument: exit %d, want 2", r.code)
	}
}
