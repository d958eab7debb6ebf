package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wxdigest/wxdigest/digest"
)

func TestBackupCommand(t *testing.T) {
	ta := newTestApp(t)
	page := ta.file("page.txt", []byte(digest.SamplePage))
	if r := ta.run("", "import", "--source", "中原区新闻", page); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	out := filepath.Join(ta.dir, "copy.db")
	r := ta.run("", "backup", "--out", out)
	if r.code != 0 || !strings.Contains(r.stdout, "已备份到 "+out) {
		t.Fatalf("backup: %+v", r)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v", err, st.Mode())
	}
	// The copy is a store the commands read.
	if r := ta.run("", "articles", "--db", out, "--format", "json"); r.code != 0 || strings.Count(r.stdout, `"id"`) != 5 {
		t.Fatalf("articles of the copy: %+v", r)
	}
	if r := ta.run("", "backup", "--out", out); r.code != exitFail || !strings.Contains(r.stderr, "exists") {
		t.Fatalf("backup over an existing file: %+v", r)
	}
	if r := ta.run("", "backup"); r.code != exitUsage || !strings.Contains(r.stderr, "--out") {
		t.Fatalf("backup without --out: %+v", r)
	}
	if r := ta.run("", "backup", "--db", filepath.Join(ta.dir, "none.db"), "--out", filepath.Join(ta.dir, "x.db")); r.code != exitFail {
		t.Fatalf("backup of a missing store: %+v", r)
	}
}

// A failing source fetch says its error once, without package prefixes.
func TestSourceFetchErrorOnce(t *testing.T) {
	ta := newTestApp(t)
	if r := ta.run("", "source", "add", "--name", "坏源", "--url", "http://127.0.0.1:1/feed.xml"); r.code != 0 {
		t.Fatalf("source add: %+v", r)
	}
	r := ta.run("", "source", "fetch", "--allow-private")
	if r.code != exitFail || strings.Contains(r.stdout, "failed") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 ||
		!strings.Contains(r.stderr, "127.0.0.1:1") || strings.Contains(strings.TrimPrefix(r.stderr, "wxdigest source: "), "source: ") {
		t.Fatalf("fetch: exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestUserError(t *testing.T) {
	for in, want := range map[string]string{
		"data: article 5: not found":                      "article 5: not found",
		"bot: edit article 5: data: article 5: not found": "edit article 5: article 5: not found",
		"wecom webhook/send: errcode 93000: invalid":      "wecom webhook/send: errcode 93000: invalid",
		"metadata: x": "metadata: x",
	} {
		if got := userError(in); got != want {
			t.Errorf("userError(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStoreHint(t *testing.T) {
	a := &app{storePath: "/var/lib/wxdigest/wxdigest.db"}
	for in, want := range map[string]string{
		"import: commit: database or disk is full":                 "import: commit: database or disk is full (store /var/lib/wxdigest/wxdigest.db; free disk space where it lives)",
		"search: database disk image is malformed":                 "search: database disk image is malformed (store /var/lib/wxdigest/wxdigest.db; restore a backup (wxdigest backup makes them))",
		"open /var/lib/wxdigest/wxdigest.db: the store is damaged": "open /var/lib/wxdigest/wxdigest.db: the store is damaged",
		"no article with id 5":                                     "no article with id 5",
	} {
		if got := a.storeHint(in); got != want {
			t.Errorf("storeHint(%q) = %q, want %q", in, got, want)
		}
	}
}
