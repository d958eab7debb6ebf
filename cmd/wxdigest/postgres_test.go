package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/internal/pgtest"
)

// TestPostgresStore: --db postgres://… selects the PostgreSQL store for
// the commands, and run delivers a scheduled digest from it through the
// fake WeChat as it does from SQLite.
func TestPostgresStore(t *testing.T) {
	url := pgtest.URL(t)
	e := newE2E(t)
	e.db = url
	session := filepath.Join(e.dir, "wechat.session")
	e.importPage("sample.txt", digest.SamplePage)
	var arts struct{ Articles []articleJSON }
	if err := json.Unmarshal([]byte(e.cli("articles", "--format", "json")), &arts); err != nil || len(arts.Articles) != 5 {
		t.Fatalf("articles on PostgreSQL: %v, %d", err, len(arts.Articles))
	}
	if out := e.cli("search", "好少年"); !strings.Contains(out, "新时代好少年") {
		t.Fatalf("search on PostgreSQL:\n%s", out)
	}
	e.cli("articles", "edit", "--id", itoa(arts.Articles[2].ID), "--title", "区领导调研重点项目复工情况")
	if out := e.cli("digest"); !strings.Contains(out, "3. 区领导调研重点项目复工情况") || !strings.Contains(out, sampleFirst) {
		t.Fatalf("digest on PostgreSQL:\n%s", out)
	}
	// Backup belongs to SQLite: a clear refusal.
	var out, errb strings.Builder
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, now: time.Now}
	if code := a.main(t.Context(), []string{"backup", "--db", url, "--out", filepath.Join(e.dir, "x.db")}); code != exitFail || !strings.Contains(errb.String(), "pg_dump") {
		t.Fatalf("backup of PostgreSQL: exit %d, %q", code, errb.String())
	}

	const group = "幸福里业主群"
	if err := e.srv.AddGroup(wechattest.Group{Name: group, Saved: true, Members: []wechattest.Member{{ID: "li", Nick: "李阿姨"}}}); err != nil {
		t.Fatal(err)
	}
	e.subscribe(group, e.slotAhead(2*time.Second))
	p := e.start(append([]string{"--session", session}, fastPacing...)...)
	ctx := e.ctx(40 * time.Second)
	e.online(ctx, p, 1)
	e.reply(ctx, 0, "the scheduled digest from PostgreSQL", toGroup(group, e2eHeader, "区领导调研重点项目复工情况"))
	rows := e.waitLedger(ctx, "the slot recorded sent on PostgreSQL", settled)
	if len(rows) == 0 || rows[0].Channel != "wechat" {
		t.Fatalf("ledger %+v", rows)
	}
	e.stopClean(p)
}

// TestPostgresReindex: reindex rebuilds the search index of a PostgreSQL
// store too (its tokens recomputed, its GIN index rebuilt), and search
// finds the same articles afterwards.
func TestPostgresReindex(t *testing.T) {
	url := pgtest.URL(t)
	page := filepath.Join(t.TempDir(), "sample.txt")
	if err := os.WriteFile(page, []byte(digest.SamplePage), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		var out, errb strings.Builder
		a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, now: time.Now}
		if code := a.main(t.Context(), append(args, "--db", url)); code != 0 {
			t.Fatalf("wxdigest %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
		}
		return out.String()
	}
	run("import", "--date", "2026-03-02", "--source", "中原区报", page)
	before := run("search", "好少年")
	if !strings.Contains(before, "新时代好少年") {
		t.Fatalf("search before reindex:\n%s", before)
	}
	for range 2 { // a second run finds every row right already
		if out := run("reindex"); !strings.Contains(out, "已重建搜索索引") {
			t.Fatalf("reindex on PostgreSQL: %q", out)
		}
	}
	if after := run("search", "好少年"); after != before {
		t.Errorf("search after reindex:\n%s\nwant\n%s", after, before)
	}
}
