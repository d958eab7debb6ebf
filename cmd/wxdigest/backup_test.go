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
